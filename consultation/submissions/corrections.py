"""An interview corrected on the tablet after it was sent, stored as a revision of the submission.

The enquêteur who notices a mistake after sending (a wrong age band, a typo in a free text)
reopens the interview from the tablet's « envoyés » list and sends it again with `corrects`: the
content hash the server acknowledged last time. The correction replaces the answers and the
profile only if nobody changed the submission since that acknowledgement, and only while the
chargé d'étude has not closed it (validated or rejected): otherwise it is refused, nothing is
changed, and the tablet says why.

Services flush, never commit; the request commits."""

from __future__ import annotations

import copy

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..questionnaire_store.definitions import PublishedVersion
from ..studies.audit import record
from .answer_table import write_answer_rows
from .events import answers_replaced
from .models import Submission, SubmissionRevision
from .services import (
    Consent,
    Profile,
    Stored,
    SubmissionInvalid,
    _checked_answers,
    _consent_columns,
    _Errors,
    _first_review,
    _profile_columns,
    _utc,
    answer_changes,
)

# The columns a correction may change besides the answers; consent columns follow the tablet too
# (a consent is corrected, never withdrawn: it stays required).
PROFILE_COLUMNS = ("public", "age_band", "sex", "commune_code", "quartier_id", "place")
CONSENT_COLUMNS = ("consent_given", "consent_recorded_by", "consent_at", "parental_consent")
# Revisions that replace the answers: the last of them says who wrote the current content.
ANSWER_REVISIONS = ("edit", "correction")

NOT_YOURS = (
    "Aucun entretien envoyé par vous ne porte cet identifiant : la correction n'est pas "
    "enregistrée."
)
STALE = (
    "Cet entretien a été modifié depuis votre dernier envoi (par exemple par la chargée "
    "d'étude) : votre correction n'est pas enregistrée. Demandez à la chargée d'étude de la "
    "reporter."
)
CLOSED = {
    "validee": "Entretien déjà validé : demandez à la chargée d'étude de le corriger.",
    "rejetee": "Entretien rejeté par la chargée d'étude : demandez-lui de le corriger.",
}


class CorrectionRefused(ValueError):
    """A correction that cannot be stored; `code` is the API's error code. Nothing was changed."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def correct_submission(
    *,
    version: PublishedVersion,
    client_uuid: str,
    corrects: str,
    answers: dict,
    profile: Profile,
    consent: Consent,
    content_hash: str,
    enumerator_id: int,
) -> Stored:
    """Replaces the answers, profile and consent of the enquêteur's own submission `client_uuid`
    when `corrects` is still its content hash. The same correction sent twice is stored once: the
    second finds its own hash, as a resent interview does.

    The row is locked (PostgreSQL) so that a correction and a back-office edit cannot both read
    the same content and overwrite each other; SQLite serialises writers anyway."""
    submission = db.session.scalar(
        select(Submission).where(Submission.client_uuid == client_uuid).with_for_update()
    )
    # Another enquêteur's submission answers as one that does not exist: no id, no existence.
    if submission is None or submission.enumerator_id != enumerator_id:
        raise CorrectionRefused(NOT_YOURS, "correction_introuvable")
    if submission.content_hash == content_hash:
        return Stored(submission.id, False, submission.state, submission.receipt_code)
    if submission.state in CLOSED:
        raise CorrectionRefused(CLOSED[submission.state], "correction_close")
    if corrects != submission.content_hash or _edited_since_sent(submission.id):
        raise CorrectionRefused(STALE, "correction_perimee")

    errors = _Errors()
    if version.id != submission.questionnaire_version_id:
        errors.add(
            "version",
            "Une correction garde la version du questionnaire de l'entretien d'origine.",
        )
    columns = _profile_columns(profile, errors) | _consent_columns(consent, profile, errors)
    cleaned_answers = _checked_answers(version, answers, errors)
    if errors.by_path:
        raise SubmissionInvalid(
            errors.by_path, "La correction contient des erreurs : rien n'a été modifié."
        )

    before = _content(submission)
    for name, value in columns.items():
        setattr(submission, name, value)
    submission.answers = cleaned_answers
    submission.content_hash = content_hash
    if submission.state == "recue":
        # A corrected age band unusual for the public is put aside, as on the first sync.
        submission.state, submission.review_comment = _first_review(profile)
    after = _content(submission)
    if after == before:
        # Sent again with nothing changed (a new hash, the same content): acknowledged, no revision.
        db.session.flush()
        return Stored(submission.id, False, submission.state, submission.receipt_code)
    if before["answers"] != after["answers"]:
        # Codings and other anchors move with the corrected text, in this transaction.
        answers_replaced.send(submission, before=before["answers"], after=after["answers"])
    enumerator = db.session.get(User, enumerator_id)
    db.session.add(
        SubmissionRevision(
            submission=submission,
            user_id=enumerator_id,
            action="correction",
            before=before,
            after=copy.deepcopy(after),
        )
    )
    db.session.flush()
    write_answer_rows([submission])
    changes = answer_changes(before["answers"], after["answers"])
    changed_profile = [name for name in PROFILE_COLUMNS if before[name] != after[name]]
    # The journal keeps what changed; the revision keeps the rest.
    record(
        "submission",
        submission.id,
        "correction",
        by=enumerator,
        study_id=submission.study_id,
        before={change["path"]: change["before"] for change in changes}
        | {name: before[name] for name in changed_profile},
        after={change["path"]: change["after"] for change in changes}
        | {name: after[name] for name in changed_profile},
    )
    return Stored(submission.id, False, submission.state, submission.receipt_code)


def _content(submission: Submission) -> dict:
    """What a correction replaces, JSON-ready for the revision."""
    content = {"answers": copy.deepcopy(submission.answers or {})}
    for name in PROFILE_COLUMNS:
        content[name] = getattr(submission, name)
    consent_at = _utc(submission.consent_at)
    content["consent_at"] = consent_at.isoformat() if consent_at else None
    for name in ("consent_given", "consent_recorded_by", "parental_consent"):
        content[name] = getattr(submission, name)
    return content


def _edited_since_sent(submission_id: int) -> bool:
    """True when the back office replaced the answers after the tablet's last acknowledged send:
    the content hash is the tablet's, an edit does not change it."""
    last = db.session.scalar(
        select(SubmissionRevision.action)
        .where(
            SubmissionRevision.submission_id == submission_id,
            SubmissionRevision.action.in_(ANSWER_REVISIONS),
        )
        .order_by(SubmissionRevision.id.desc())
        .limit(1)
    )
    return last == "edit"
