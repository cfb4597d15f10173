from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

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


class InviteForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[
            DataRequired("Indiquez l'adresse e-mail de la personne à inviter."),
            Email("Adresse e-mail invalide (attendu : prenom.nom@exemple.fr)."),
            Length(max=254, message="Adresse e-mail trop longue (254 caractères au plus)."),
        ],
    )
    # Checked by the service (check_role), whose message lists the roles in French.
    role = SelectField(
        "Rôle dans l'étude", choices=ROLE_CHOICES, default=LECTEUR, validate_choice=False
    )


class AcceptForm(FlaskForm):
    """The account of an invited person who has none yet."""

    name = StringField(
        "Votre nom",
        validators=[DataRequired("Indiquez votre nom."), Length(max=200)],
    )
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired("Choisissez un mot de passe.")],
    )
    password_again = PasswordField(
        "Mot de passe, une seconde fois",
        validators=[
            DataRequired("Tapez le mot de passe une seconde fois."),
            EqualTo("password", "Les deux mots de passe ne sont pas identiques."),
        ],
    )


class JournalForm(FlaskForm):
    """Filters of the journal; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    person = SelectField("Personne", validators=[Optional()], validate_choice=False)
    object_type = SelectField("Objet", validators=[Optional()])
    action = SelectField("Action", validators=[Optional()])
    date_from = DateField("Du", validators=[Optional()])
    date_to = DateField("Au (inclus)", validators=[Optional()])
