"""The chargé d'étude's forms. A resident's pages are built from the questionnaire itself
(pages.py): their fields are the questions, read by views.py under the app's CSRF protection."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from ..submissions.models import PUBLICS

# WTForms' own messages are English: every message here is French.
DATE_MESSAGE = "Date et heure attendues (jour, mois, année, heure)."


class LinkForm(FlaskForm):
    version_id = SelectField("Version publiée proposée", coerce=int, validate_choice=False)
    open_link = BooleanField("Lien ouvert : toute personne qui a le lien peut répondre")
    uses_codes = BooleanField("Codes d'invitation : une réponse par code (courriers)")
    active = BooleanField("Réponses en ligne ouvertes", default=True)
    opens_at = DateTimeLocalField(
        "Ouverture (facultatif)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        "Fermeture (facultatif)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    introduction = TextAreaField("Introduction montrée avant les questions")
    quota_jeune = IntegerField(
        f"Quota : {PUBLICS['jeune']}",
        validators=[Optional(), NumberRange(min=1, message="Un nombre de 1 ou plus.")],
    )
    quota_age = IntegerField(
        f"Quota : {PUBLICS['age']}",
        validators=[Optional(), NumberRange(min=1, message="Un nombre de 1 ou plus.")],
    )
    quota_autre = IntegerField(
        f"Quota : {PUBLICS['autre']}",
        validators=[Optional(), NumberRange(min=1, message="Un nombre de 1 ou plus.")],
    )

    def french_errors(self) -> None:
        for field in (self.opens_at, self.closes_at):
            if field.errors:
                field.errors = [DATE_MESSAGE]
        for field in (self.quota_jeune, self.quota_age, self.quota_autre):
            if field.errors:
                field.errors = ["Un quota est un nombre entier de 1 ou plus."]


class CodesForm(FlaskForm):
    count = IntegerField(
        "Nombre de codes à créer",
        default=50,
        validators=[NumberRange(min=1, max=5000, message="Entre 1 et 5 000 codes à la fois.")],
    )


class EmptyForm(FlaskForm):
    """Only the CSRF token."""
