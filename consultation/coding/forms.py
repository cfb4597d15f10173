from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..submissions.models import PUBLICS
from .services import ANSWER_ORDERS


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class CodeForm(FlaskForm):
    name = StringField("Nom", validators=[DataRequired("Le nom est obligatoire."), Length(max=200)])
    parent = SelectField("Sous-code de", validators=[Optional()], validate_choice=False)
    description = TextAreaField(
        "Définition",
        validators=[Optional(), Length(max=5000)],
        description="Quand appliquer ce code, quand ne pas l'appliquer.",
    )
    colour = StringField(
        "Couleur",
        default="#2563eb",
        validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message="Couleur au format #rrvvbb.")],
    )
    keywords = TextAreaField("Mots-clés (un par ligne)", validators=[Optional(), Length(max=5000)])
    phrases = TextAreaField(
        "Expressions (une par ligne)", validators=[Optional(), Length(max=5000)]
    )
    regexes = TextAreaField(
        "Expressions régulières (une par ligne)", validators=[Optional(), Length(max=5000)]
    )


class MoveForm(FlaskForm):
    parent = SelectField("Nouvelle place", validators=[Optional()], validate_choice=False)


class MergeForm(FlaskForm):
    target = SelectField(
        "Fusionner dans",
        validators=[DataRequired("Choisissez le code cible.")],
        validate_choice=False,
    )


class MemoForm(FlaskForm):
    text = TextAreaField("Mémo du code", validators=[Optional(), Length(max=20000)])


class AnswerFilterForm(FlaskForm):
    """Filters of the workspace, read from the query string: no CSRF token."""

    class Meta:
        csrf = False

    mine = BooleanField("Pas encore codées par moi")
    revoir = BooleanField("Avec un codage à revoir")
    code = SelectField("Code", validators=[Optional()], validate_choice=False)
    public = SelectField(
        "Public",
        validators=[Optional()],
        choices=[SelectChoice("", "Tous")] + [SelectChoice(k, v) for k, v in PUBLICS.items()],
    )
    commune = SelectField("Commune", validators=[Optional()], validate_choice=False)
    score = DecimalField(
        "Suggestion d'au moins (%)",
        places=0,
        validators=[Optional(), NumberRange(0, 100, "Entre 0 et 100.")],
    )
    q = SearchField("Texte contient", validators=[Optional(), Length(max=200)])
    tri = SelectField(
        "Ordre",
        validators=[Optional()],
        choices=[SelectChoice(key, label) for key, label in ANSWER_ORDERS.items()],
    )
