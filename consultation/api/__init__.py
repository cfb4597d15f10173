"""The JSON API under /api/v1, used by the tablets to download questionnaires and sync
interviews. Described by the OpenAPI document at /api/v1/openapi.json."""
from flask import Flask
from flask_smorest import Blueprint

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Synchronisation des tablettes : questionnaires publiés, réponses, jetons d'appareil.",
)

# A submission is a few kilobytes; two megabytes leave room for long free texts and repeats.
MAX_BODY_BYTES = 2 * 1024 * 1024


def register_api(app: Flask) -> None:
    from ..extensions import api, csrf
    from . import views  # noqa: F401  (routes attach to bp)

    # Tablets authenticate with a bearer token, not a session cookie: no CSRF to fear there.
    # The one session-authenticated write (issuing a token) checks the CSRF header itself.
    csrf.exempt(bp)
    api.register_blueprint(bp)
    api.spec.components.security_scheme(
        "jetonAppareil", {"type": "http", "scheme": "bearer", "description": "Jeton d'appareil"}
    )
