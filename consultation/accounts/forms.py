from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from .roles import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez votre adresse e-mail.")])
    password = PasswordField("Mot de passe", validators=[DataRequired("Indiquez votre mot de passe.")])
    remember = BooleanField("Rester connecté sur cet appareil")


class UserForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired("Indiquez une adresse e-mail."), Email("Adresse e-mail invalide.")],
    )
    name = StringField("Nom", validators=[Length(max=200)])
    role = SelectField("Rôle", choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()])
    password = PasswordField(
        "Mot de passe",
        validators=[Length(min=10, message="Au moins 10 caractères.")],
    )
