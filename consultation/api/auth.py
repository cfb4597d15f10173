"""Who calls the API: a device token (tablets) or, for reading, a logged-in session."""
from functools import wraps

from flask import g, request
from flask_login import current_user

from ..accounts.roles import INTERVIEW
from ..extensions import db
from .errors import ApiError
from .tokens import find_active_token, mark_used


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _authenticate(allow_session: bool):
    token = bearer_token()
    if token is not None:
        device_token = find_active_token(token)
        if device_token is None:
            raise ApiError(401)
        g.device_token = device_token
        return device_token.user
    if allow_session and current_user.is_authenticated:
        g.device_token = None
        return current_user._get_current_object()
    raise ApiError(401)


def api_auth(allow_session: bool = False, roles=INTERVIEW):
    """Views: the caller's user in `g.api_user`; 401 without a valid token, 403 without the role."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _authenticate(allow_session)
            if user.role != "admin" and user.role not in roles:
                raise ApiError(403)
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def touch_token() -> None:
    """Records when the device token was last used (coarsely), in the request's transaction."""
    device_token = getattr(g, "device_token", None)
    if device_token is not None:
        mark_used(device_token)
        db.session.flush()
