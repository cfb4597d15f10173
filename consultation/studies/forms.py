from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..accounts.roles import LECTEUR, ROLE_LABELS, STUDY_ROLES
from .models import KIND_LABELS, STATE_LABELS

ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in STUDY_ROLES]


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class StudyForm(FlaskForm):
    name = StringField(
        "Nom de l'étude",
        validators=[DataRequired("Indiquez le nom de l'étude."), Length(max=200)],
    )
    slug = StringField(
        "Identifiant dans les adresses",
        validators=[Optional(), Length(max=80)],
    )
    kind = SelectField("Type", choices=_choices(KIND_LABELS), default="abs")
    year = IntegerField(
        "Année d'édition",
        validators=[
            DataRequired("Indiquez l'année d'édition."),
            NumberRange(1900, 2200, "Année d'édition invalide."),
        ],
    )
    state = SelectField("État", choices=_choices(STATE_LABELS), default="preparation")
    description = TextAreaField("Description", validators=[Optional()])


class MemberForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[
            DataRequired("Indiquez une adresse e-mail."),
            Email("Adresse e-mail invalide."),
        ],
    )
    # The least-privileged role unless the chargé d'étude chooses another.
    role = SelectField("Rôle dans l'étude", choices=ROLE_CHOICES, default=LECTEUR)


class RoleForm(FlaskForm):
    role = SelectField("Rôle", choices=ROLE_CHOICES)


class EmptyForm(FlaskForm):
    """A button that changes something: CSRF only."""
