"""Roles and what they allow. Checked on every view through `role_required`."""

from functools import wraps

from flask import abort, g
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
# Administrators are global (accounts, platform settings, every study); the other roles are held
# per study, one per person and study (studies/models.py Membership).
STUDY_ROLES = (CHARGE_ETUDE, ENQUETEUR, COLLECTIF, LECTEUR)

# Who may do what; admin may do everything.
DESIGN = (ADMIN, CHARGE_ETUDE)
INTERVIEW = (ADMIN, CHARGE_ETUDE, ENQUETEUR)
REVIEW = (ADMIN, CHARGE_ETUDE)
CODE = (ADMIN, CHARGE_ETUDE)  # coders: may see original (non-pseudonymised) verbatims
READ_RESULTS = (ADMIN, CHARGE_ETUDE, COLLECTIF, LECTEUR)
# The collectif's work: comment on themes, write préconisations and their follow-up.
DISCUSS = (ADMIN, CHARGE_ETUDE, COLLECTIF)
# What the chargé d'étude settles for the collectif: a theme's status, merging or splitting
# themes, meetings, the synthesis report and its publication.
DECIDE = (ADMIN, CHARGE_ETUDE)


def current_role() -> str | None:
    """The role of the logged-in person here: ADMIN for an administrator, else their role in the
    study of the request (set by studies/scope.py), None outside a study or for a non-member."""
    if not current_user.is_authenticated:
        return None
    if current_user.is_admin:
        return ADMIN
    return g.get("study_role")


def has_role(*roles: str) -> bool:
    role = current_role()
    return role is not None and (role == ADMIN or role in roles)


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
