"""The forms of the préconisations: the préconisation itself (its version read with it), a line
of follow-up, and the buttons that only carry their CSRF token."""

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .models import PRIORITIES, RECOMMENDATION_STATUSES
from .recommendations import BODY_LENGTH, COMMITTEE_LENGTH, NOTE_LENGTH, TITLE_LENGTH


class CheckboxesField(SelectMultipleField):
    """Checkboxes of ids; the service checks that each names one of the study's themes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        values = [str(value) for value in valuelist]
        if all(value.isdecimal() and len(value) < 12 for value in values):
            self.data = [int(value) for value in values]
        else:
            self.data = []
            raise ValueError("Thèmes : choix illisible, rechargez la page.")


class RecommendationForm(FlaskForm):
    title = StringField(
        "Titre",
        validators=[
            DataRequired("Titre : il est obligatoire."),
            Length(max=TITLE_LENGTH, message=f"Titre : {TITLE_LENGTH} caractères au plus."),
        ],
    )
    body = TextAreaField(
        "Texte",
        validators=[
            Optional(),
            Length(max=BODY_LENGTH, message=f"Texte : {BODY_LENGTH} caractères au plus."),
        ],
    )
    themes = CheckboxesField("Thèmes auxquels elle répond", validate_choice=False)
    committee = StringField(
        "Comité ou groupe de travail",
        validators=[
            Optional(),
            Length(
                max=COMMITTEE_LENGTH, message=f"Comité : {COMMITTEE_LENGTH} caractères au plus."
            ),
        ],
    )
    # The choices are checked by the service, whose message is French.
    priority = SelectField(
        "Priorité",
        choices=[SelectChoice(k, v) for k, v in PRIORITIES.items()],
        default="moyenne",
        validate_choice=False,
    )
    version = HiddenField()


class EntryForm(FlaskForm):
    status = SelectField(
        "Statut",
        choices=[SelectChoice(k, v) for k, v in RECOMMENDATION_STATUSES.items()],
        validate_choice=False,
    )
    note = TextAreaField(
        "Ce qui a été fait ou décidé",
        validators=[
            Optional(),
            Length(max=NOTE_LENGTH, message=f"Note : {NOTE_LENGTH} caractères au plus."),
        ],
    )


class ButtonForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
