"""Accounts: creating users, checking credentials, changing roles, activity and passwords.
Services flush; the caller commits."""

from sqlalchemy import func, select

from ..extensions import db
from .models import User
from .roles import ROLE_LABELS

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def _check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
        )


def create_user(email: str, password: str, name: str = "", *, is_admin: bool = False) -> User:
    """An account; what it may do in a study comes from its membership there."""
    email = email.strip().lower()
    if find_user(email) is not None:
        raise AccountError(f"Un compte existe déjà pour {email}.")
    _check_password_strength(password)
    user = User(email=email, is_admin=is_admin, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The account, or None; either way one line in the platform's journal (no study). A failed
    attempt keeps the address as typed (it may name no account), never the password."""
    from ..studies.audit import record

    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        reason = "inconnu" if user is None else ("inactif" if not user.active else "mot_de_passe")
        record(
            "account",
            user.id if user is not None else "",
            "login_failed",
            by=user,
            user_label=(email or "").strip()[:254],
            study_id=None,
            after={"reason": reason},
        )
        return None
    record("account", user.id, "login", by=user, study_id=None)
    return user


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.is_admin.is_(True), User.active.is_(True), User.id != user.id
        )
    )


def update_account(user: User, *, is_admin: bool, active: bool, name: str, acting: User) -> User:
    """An administrator names or removes an administrator, or (de)activates an account. The
    platform always keeps an active administrator, and nobody locks themselves out by mistake."""
    loses_admin = user.is_admin and user.active and (not is_admin or not active)
    if loses_admin and user.id == acting.id:
        raise AccountError(
            "Vous ne pouvez pas retirer votre propre rôle d'administrateur ni désactiver votre compte : "
            "demandez-le à un autre administrateur."
        )
    if loses_admin and _other_active_admins(user) == 0:
        raise AccountError("C'est le dernier administrateur actif : nommez-en un autre d'abord.")
    user.is_admin = is_admin
    user.active = active
    user.name = (name or "").strip()
    db.session.flush()
    return user


def reset_password(user: User, new_password: str) -> None:
    """An administrator sets a new password, for instance for an enquêteur who forgot theirs."""
    _check_password_strength(new_password)
    user.set_password(new_password)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """A user changes their own password; the current one is asked first."""
    if not user.check_password(current_password or ""):
        raise AccountError("Le mot de passe actuel est incorrect.")
    _check_password_strength(new_password)
    if new_password == current_password:
        raise AccountError("Le nouveau mot de passe doit être différent de l'actuel.")
    user.set_password(new_password)
    db.session.flush()


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
