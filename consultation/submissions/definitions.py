"""Parsed questionnaire models of published versions, kept per process.

A published version is immutable, so its parsed model can be reused by every submission that
points at it instead of being rebuilt from JSON on each request."""
from flask import current_app

from questionnaires import Questionnaire

from ..designer.models import QuestionnaireVersion

_MAX_CACHED = 256


def version_model(version: QuestionnaireVersion) -> Questionnaire:
    if not version.is_published:
        return version.model()
    # Per app: two apps in one process (tests, live server) may hold different databases.
    cache = current_app.extensions.setdefault("consultation.version_models", {})
    # Ids may come back after a rollback (SQLite reuses them), hence the creation time in the key.
    key = (version.id, version.created_at, version.published_at)
    model = cache.get(key)
    if model is None:
        if len(cache) >= _MAX_CACHED:
            cache.clear()
        model = cache[key] = version.model()
    return model
