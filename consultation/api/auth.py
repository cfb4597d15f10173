"""Who calls the API: a device token (tablets) or, for reading, a logged-in session."""

from dataclasses import dataclass
from functools import wraps

from flask import g, request
from flask_login import current_user

from ..accounts.roles import INTERVIEW
from ..accounts.tokens import find_active_token, left_study_of_token, mark_used
from ..studies.scope import enter_study, enter_study_id, role_in
from ..studies.services import find_study, studies_of
from .errors import ApiError


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@dataclass(frozen=True)
class ApiCaller:
    """The user behind a request, as the views need it (not an ORM object: loading one per sync
    request would cost more than the rest of the authentication)."""

    id: int
    role: str | None
    # Questionnaires assigned to the caller, when the token lookup read them (None: not read).
    assigned_questionnaires: frozenset[int] | None = None


def _left_study() -> ApiError:
    return ApiError(
        401,
        "Vous n'êtes plus membre de l'étude de cette tablette : demandez au chargé d'étude de "
        "vous y réinscrire, puis reconnectez la tablette.",
        code="membre_retire",
    )


def _authenticate(allow_session: bool) -> ApiCaller:
    token = bearer_token()
    if token is not None:
        active_token = find_active_token(token)
        if active_token is None and left_study_of_token(token):
            # Removed from the study, which also revoked the token: say so rather than ask to
            # reconnect a tablet that would be refused again.
            raise _left_study()
        if active_token is None:
            raise ApiError(401)
        if active_token.role is None:
            raise _left_study()
        g.device_token = active_token
        # The token opens one study: every query of the request is limited to it.
        enter_study_id(active_token.study_id, active_token.role)
        return ApiCaller(
            active_token.user_id, active_token.role, active_token.assigned_questionnaires
        )
    if allow_session and current_user.is_authenticated:
        g.device_token = None
        study = study_of_session_caller()
        role = role_in(study.id, current_user)
        enter_study(study, role)
        return ApiCaller(current_user.id, role)
    raise ApiError(401)


def study_of_session_caller():
    """A logged-in person names the study (`?study=slug`), or has only one."""
    slug = request.args.get("study") or (request.get_json(silent=True) or {}).get("study")
    if slug:
        study = find_study(slug)
        if study is None or role_in(study.id, current_user) is None:
            raise ApiError(404, f"Aucune étude « {slug} » parmi les vôtres.")
        return study
    mine = studies_of(current_user)
    if len(mine) != 1:
        raise ApiError(
            400,
            "Précisez l'étude : paramètre « study » (identifiant de l'étude, tel qu'il figure "
            "dans ses adresses /etudes/…).",
            code="etude_manquante",
        )
    return mine[0][0]


def api_auth(allow_session: bool = False, roles=INTERVIEW):
    """Views: the caller in `g.api_user`, its token in `g.device_token` (None for a session);
    401 without a valid token, 403 without one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            caller = _authenticate(allow_session)
            if caller.role is None or (caller.role != "admin" and caller.role not in roles):
                raise ApiError(403)
            g.api_user = caller
            return view(*args, **kwargs)

        return wrapped

    return decorator


def touch_token() -> None:
    """Records when the device token was last used (coarsely), in the request's transaction.
    Only writing requests call it: a download stays a read."""
    active_token = getattr(g, "device_token", None)
    if active_token is not None:
        mark_used(active_token)
