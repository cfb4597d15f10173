from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail", validators=[DataRequired("Indiquez votre adresse e-mail.")]
    )
    password = PasswordField(
        "Mot de passe", validators=[DataRequired("Indiquez votre mot de passe.")]
    )
    remember = BooleanField("Rester connecté sur cet appareil")


class UserForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[
            DataRequired("Indiquez une adresse e-mail."),
            Email("Adresse e-mail invalide."),
        ],
    )
    name = StringField("Nom", validators=[Length(max=200)])
    # Roles are given in each study (its « Membres » page); this is the platform's own role.
    is_admin = BooleanField("Administrateur·rice de la plateforme (comptes, toutes les études)")
    password = PasswordField(
        "Mot de passe",
        validators=[Length(min=10, message="Au moins 10 caractères.")],
    )


class AccountForm(FlaskForm):
    """An administrator's changes to an existing account."""

    name = StringField("Nom", validators=[Length(max=200)])
    is_admin = BooleanField("Administrateur·rice de la plateforme (comptes, toutes les études)")
    active = BooleanField("Compte actif (décochez pour empêcher toute connexion)")
    new_password = PasswordField(
        "Nouveau mot de passe",
        validators=[Optional(), Length(min=10, message="Au moins 10 caractères.")],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Mot de passe actuel", validators=[DataRequired("Indiquez votre mot de passe actuel.")]
    )
    new_password = PasswordField(
        "Nouveau mot de passe",
        validators=[
            DataRequired("Indiquez un nouveau mot de passe."),
            Length(min=10, message="Au moins 10 caractères."),
        ],
    )
    confirmation = PasswordField(
        "Nouveau mot de passe, une seconde fois",
        validators=[
            DataRequired("Retapez le nouveau mot de passe."),
            EqualTo("new_password", "Les deux saisies diffèrent."),
        ],
    )


class EndSessionsForm(FlaskForm):
    """« Se déconnecter partout »: a button, with its CSRF token."""
