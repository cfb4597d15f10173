"""The JSON API under /api/v1, used by the tablets to download questionnaires and sync
interviews. Described by the OpenAPI document at /api/v1/openapi.json."""

from flask import Flask, request, session
from flask_login import user_logged_in
from flask_smorest import Blueprint

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Synchronisation des tablettes : questionnaires publiés, réponses, jetons d'appareil.",
)

# Where the session keeps the moment its user typed their password: a tablet whose token was
# revoked gets a new one only from a login made after the revocation.
LOGIN_AT_KEY = "password_login_at"

# A submission is a few kilobytes; two megabytes leave room for long free texts and repeats.
MAX_BODY_BYTES = 2 * 1024 * 1024


def _remember_login_time(sender, user, **extra) -> None:
    from ..accounts.models import utcnow

    session[LOGIN_AT_KEY] = utcnow().timestamp()


user_logged_in.connect(_remember_login_time)


def _no_rate_limit_on_the_api() -> bool:
    # The API has no rate limit of its own (tablets send their outbox in bursts; a wrong token
    # costs one indexed lookup): spare every sync the limiter's bookkeeping.
    return request.path.startswith(bp.url_prefix + "/")


def _limit_body_size() -> None:
    if request.path.startswith(bp.url_prefix + "/"):
        request.max_content_length = MAX_BODY_BYTES


def register_api(app: Flask) -> None:
    from ..extensions import api, csrf, limiter
    from . import views  # noqa: F401  (routes attach to bp)

    # One limiter serves every app of the process: add the filter once.
    if _no_rate_limit_on_the_api not in limiter._request_filters:
        limiter.request_filter(_no_rate_limit_on_the_api)

    # First of all the app's hooks: the limit must be set before any hook reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_body_size)

    # Tablets authenticate with a bearer token, not a session cookie: no CSRF to fear there.
    # The one session-authenticated write (issuing a token) checks the CSRF header itself.
    csrf.exempt(bp)
    api.register_blueprint(bp)
    api.spec.components.security_scheme(
        "jetonAppareil", {"type": "http", "scheme": "bearer", "description": "Jeton d'appareil"}
    )
