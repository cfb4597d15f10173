"""Accounts: creating users and checking credentials. Services flush; the caller commits."""
from sqlalchemy import func, select

from ..extensions import db
from .models import User
from .roles import ROLES


class AccountError(ValueError):
    pass


def create_user(email: str, role: str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu « {role} » : choisissez parmi {', '.join(ROLES)}.")
    if find_user(email) is not None:
        raise AccountError(f"Un compte existe déjà pour {email}.")
    if len(password) < 10:
        raise AccountError("Le mot de passe doit compter au moins 10 caractères.")
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
