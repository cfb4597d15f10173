"""Published versions and their parsed models, kept per process.

A published version is immutable, so its parsed model can be reused by every submission that
points at it instead of being rebuilt from JSON on each request, and the lookup of
(questionnaire, number) can be remembered: the sync endpoint then reads no version row at all."""

from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import defer

from questionnaires import Questionnaire
from questionnaires.validation import AnswerValidator

from ..extensions import db
from ..studies.scope import current_study_id
from .models import PUBLISHED, QuestionnaireVersion
from .models import Questionnaire as QuestionnaireRow

_MAX_CACHED = 256
_MODELS = "consultation.version_models"
_PUBLISHED = "consultation.published_versions"


@dataclass(frozen=True)
class PublishedVersion:
    id: int
    questionnaire_id: int
    number: int
    study_id: int
    model: Questionnaire
    # validate_answers for this model, its lookups worked out once (the model never changes).
    validate: AnswerValidator = field(compare=False, repr=False)

    @classmethod
    def of(cls, version: QuestionnaireVersion, study_id: int | None = None) -> "PublishedVersion":
        model = version_model(version)
        return cls(
            version.id,
            version.questionnaire_id,
            version.number,
            study_id if study_id is not None else version.questionnaire.study_id,
            model,
            AnswerValidator(model),
        )


def _cache(name: str) -> dict:
    # Per app: two apps in one process (tests, live server) may hold different databases.
    cache = current_app.extensions.setdefault(name, {})
    if len(cache) >= _MAX_CACHED:
        cache.clear()
    return cache


def version_model(version: QuestionnaireVersion) -> Questionnaire:
    if not version.is_published:
        return version.model()
    # Ids may come back after a rollback (SQLite reuses them), hence the creation time in the key.
    key = (version.id, version.created_at, version.published_at)
    cache = _cache(_MODELS)
    model = cache.get(key)
    if model is None:
        model = cache[key] = version.model()
    return model


def published_version(questionnaire_id: int, number: int) -> PublishedVersion | None:
    """The published version `number` of a questionnaire of the study of the request, or None
    (unknown, of another study, or still a draft)."""
    cache = _cache(_PUBLISHED)
    found = cache.get((questionnaire_id, number))
    if found is not None:
        # The cache is the process's: the study is checked on every hit.
        study_id = current_study_id()
        return found if study_id is None or found.study_id == study_id else None
    # Through its questionnaire, so that the study of the request limits it (studies/scope.py).
    row = db.session.execute(
        select(QuestionnaireVersion, QuestionnaireRow.study_id)
        .join(QuestionnaireRow, QuestionnaireRow.id == QuestionnaireVersion.questionnaire_id)
        .options(defer(QuestionnaireVersion.definition))  # read only if the model is not cached
        .where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.number == number,
            QuestionnaireVersion.status == PUBLISHED,
        )
    ).first()
    if row is None:
        return None
    version, study_id = row
    found = cache[(questionnaire_id, number)] = PublishedVersion.of(version, study_id)
    return found


@event.listens_for(QuestionnaireVersion, "after_insert")
@event.listens_for(QuestionnaireVersion, "after_delete")
def _forget_lookups(_mapper, _connection, _version):
    # A version row reappearing under a number already looked up (a deleted draft, ids reused
    # after a rollback) must not be answered from memory.
    if has_app_context():
        current_app.extensions.pop(_PUBLISHED, None)
