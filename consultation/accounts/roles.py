"""Roles and what they allow. Checked on every view through `role_required`."""

from functools import wraps

from flask import abort
from flask_login import current_user

ADMIN = "admin"
CHARGE_ETUDE = "charge_etude"
ENQUETEUR = "enqueteur"
COLLECTIF = "collectif"
LECTEUR = "lecteur"

# A person's gender is not stored (it is not needed for anything else): the labels are written to
# agree with everyone, in the inclusive form, rather than guessed from a first name.
ROLE_LABELS = {
    ADMIN: "Administrateur·rice",
    CHARGE_ETUDE: "Chargé·e d'étude",
    ENQUETEUR: "Enquêteur·rice",
    COLLECTIF: "Membre du collectif",
    LECTEUR: "Lecteur·rice",
}
ROLES = tuple(ROLE_LABELS)

# Who may do what; admin may do everything.
DESIGN = (ADMIN, CHARGE_ETUDE)
INTERVIEW = (ADMIN, CHARGE_ETUDE, ENQUETEUR)
REVIEW = (ADMIN, CHARGE_ETUDE)
CODE = (ADMIN, CHARGE_ETUDE)  # coders: may see original (non-pseudonymised) verbatims
READ_RESULTS = (ADMIN, CHARGE_ETUDE, COLLECTIF, LECTEUR)


def has_role(*roles: str) -> bool:
    if not current_user.is_authenticated:
        return False
    return current_user.role == ADMIN or current_user.role in roles


def role_required(*roles: str):
    """Views: 401 (login page) for anonymous users, 403 for users without one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from ..extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
