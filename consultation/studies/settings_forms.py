"""The form of a study's settings page (studies/settings_views.py)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .forms import _choices
from .models import KIND_LABELS, NOTICE_FIELDS, STATE_LABELS

NOTICE_HINTS = {
    "notice_controller": "L'organisme qui décide de l'enquête, avec son adresse (ex. CCAS de Tours).",
    "notice_purpose": "Pourquoi les réponses sont recueillies et ce qui en sera fait.",
    "notice_legal_basis": "Ex. mission d'intérêt public (article 6-1-e du RGPD).",
    "notice_retention": "Combien de temps les réponses sont gardées, puis ce qu'elles deviennent.",
    "notice_recipients": "Qui lit les réponses (équipe de l'étude, prestataire…).",
    "notice_rights": "Accès, rectification, opposition… et comment les exercer.",
    "notice_dpo": "Adresse e-mail ou postale du délégué à la protection des données.",
}


class YearField(IntegerField):
    """An integer whose parse error is said in French (wtforms' own message is English)."""

    def process_formdata(self, valuelist):
        raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if raw:
            try:
                self.data = int(raw)
            except ValueError:
                raise ValueError(
                    f"« {raw} » n'est pas une année : écrivez-la en chiffres, par exemple 2027."
                ) from None


def _territory_id(value):
    return int(value) if value not in (None, "") else None


class TerritoryField(SelectField):
    """A territory id, or None for « aucun »; a forged value is said in French."""

    def process_formdata(self, valuelist):
        raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if raw:
            if not raw.isdecimal() or len(raw) > 12:
                raise ValueError("Territoire inconnu : rechargez la page et choisissez à nouveau.")
            self.data = int(raw)

    def pre_validate(self, form):
        pass  # checked by the service, with the other settings


class CountField(IntegerField):
    """A whole number ≥ 0 (months, answers), its parse error said in French; empty is None."""

    def process_formdata(self, valuelist):
        raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if raw:
            if not raw.isdigit() or len(raw) > 6:
                raise ValueError(f"« {raw} » n'est pas un nombre entier : écrivez-le en chiffres.")
            self.data = int(raw)


class QuartiersField(SelectMultipleField):
    """Quartier ids; a forged value is said in French."""

    def process_formdata(self, valuelist):
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(
                "Quartier inconnu : rechargez la page et choisissez à nouveau."
            ) from None


def _long_text(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=5000, message="5 000 caractères au plus.")],
    )


class SettingsForm(FlaskForm):
    name = StringField(
        "Nom de l'étude",
        validators=[Length(max=200, message="200 caractères au plus.")],
    )
    kind = SelectField("Type", choices=_choices(KIND_LABELS), validate_choice=False)
    year = YearField("Année d'édition")
    state = SelectField("État", choices=_choices(STATE_LABELS), validate_choice=False)
    description = _long_text("Description")
    # Filled from the territory tables by the view; checked by the service (French messages).
    communes = SelectMultipleField("Communes", validate_choice=False)
    quartiers = QuartiersField("Quartiers", coerce=int, validate_choice=False)
    # The territory whose indicators the theme pages show, and what they are compared with.
    territory_id = TerritoryField(
        "Territoire de référence", coerce=_territory_id, validate_choice=False
    )
    comparison_levels = SelectMultipleField("Niveaux de comparaison", validate_choice=False)


for _name, _label in NOTICE_FIELDS.items():
    setattr(SettingsForm, _name, _long_text(_label))

SettingsForm.retention_months = CountField("Durée de conservation (en mois après la réception)")
# Fieldwork targets (quotas): how many answers are wanted per public and per commune.
TARGET_LABELS = {
    "jeune": "Objectif : jeunes (16–25 ans)",
    "age": "Objectif : personnes âgées (60 ans et plus)",
    "autre": "Objectif : autres publics",
}
for _public, _label in TARGET_LABELS.items():
    setattr(SettingsForm, f"target_{_public}", CountField(_label))
SettingsForm.commune_targets = TextAreaField(
    "Objectifs par commune",
    validators=[Optional(), Length(max=20000, message="20 000 caractères au plus.")],
)
