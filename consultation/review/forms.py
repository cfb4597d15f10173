from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from ..submissions.models import CHANNELS, PUBLICS, STATES


def _choices(labels: dict, empty: str = "Tous") -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(value, label) for value, label in labels.items()
    ]


class FilterForm(FlaskForm):
    """Filters of the list; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    enumerator = SelectField("Enquêteur", validators=[Optional()], validate_choice=False)
    public = SelectField("Public", choices=_choices(PUBLICS), validators=[Optional()])
    commune = SelectField("Commune", validators=[Optional()], validate_choice=False)
    state = SelectField("État", choices=_choices(STATES), validators=[Optional()])
    channel = SelectField("Canal", choices=_choices(CHANNELS), validators=[Optional()])
    received_from = DateField("Reçues depuis le", validators=[Optional()])
    received_to = DateField("Jusqu'au", validators=[Optional()])


class ExportForm(FilterForm):
    format = RadioField(
        "Format",
        choices=[
            SelectChoice("xlsx", "Classeur XLSX (une feuille par groupe répété)"),
            SelectChoice("csv", "CSV (un fichier zip quand il y a des groupes répétés)"),
        ],
        default="xlsx",
    )
    headers = RadioField(
        "En-têtes et valeurs",
        choices=[
            SelectChoice("labels", "Libellés (lisibles)"),
            SelectChoice("codes", "Codes (pour les traitements)"),
        ],
        default="labels",
    )
    multiple = RadioField(
        "Questions à choix multiples",
        choices=[
            SelectChoice("joined", "Une colonne (choix séparés)"),
            SelectChoice("columns", "Une colonne 0/1 par choix"),
        ],
        default="joined",
    )


class StateForm(FlaskForm):
    state = SelectField(
        "Nouvel état", choices=[SelectChoice(v, label) for v, label in STATES.items()]
    )
    comment = TextAreaField("Commentaire", validators=[Length(max=2000)])


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking a device token is a POST without other fields."""

    next = HiddenField()


class EraseForm(FlaskForm):
    confirm = BooleanField("Je confirme : effacer cette réponse et tout ce qui en a été tiré")
