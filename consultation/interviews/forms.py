from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired

# Choices are checked by services.assign, with French messages (WTForms' own are English).


class AssignmentForm(FlaskForm):
    questionnaire_id = SelectField(
        "Questionnaire",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired("Choisissez un questionnaire.")],
    )
    enumerator_id = SelectField(
        "Enquêteur",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired("Choisissez un enquêteur.")],
    )

    def fill_choices(self, questionnaires, enumerators) -> None:
        self.questionnaire_id.choices = [
            SelectChoice(questionnaire.id, questionnaire.title) for questionnaire in questionnaires
        ]
        self.enumerator_id.choices = [
            SelectChoice(user.id, f"{user.name} ({user.email})" if user.name else user.email)
            for user in enumerators
        ]


class RemoveAssignmentForm(FlaskForm):
    """Only the CSRF token: the assignment is in the URL."""
