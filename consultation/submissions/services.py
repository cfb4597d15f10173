"""Storing a submission, editing its answers with history, and its review state.

Services take plain arguments, flush and never commit: the request or command commits once."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import Integer, String, and_, bindparam, column, false, select, text

from questionnaires.answers import is_repeat

from ..accounts.models import User, utcnow
from ..extensions import db
from ..questionnaire_store.definitions import PublishedVersion, version_model
from ..studies.audit import record
from ..territory.models import Commune, Quartier
from .answer_table import (
    answer_row_parameters,
    new_answer_rows,
    with_answer_rows,
    write_answer_rows,
    write_new_answer_rows,
)
from .assignments import AGE_BANDS_BY_PUBLIC, AGE_BANDS_NEEDING_PARENTAL_CONSENT
from .events import answers_replaced
from .models import (
    AGE_BANDS,
    CHANNELS,
    PUBLICS,
    RECEIPT_ALPHABET,
    SEXES,
    STATES,
    Submission,
    SubmissionRevision,
    new_receipt_code,
    normal_receipt_code,
)


class SubmissionInvalid(ValueError):
    """The submission was refused; `errors` maps a field path to its French messages."""

    def __init__(
        self, errors: dict[str, list[str]], message: str = "La réponse contient des erreurs."
    ):
        super().__init__(message)
        self.message = message
        self.errors = errors


class SubmissionConflict(ValueError):
    """The client UUID is already used by a submission with a different content."""

    def __init__(self, existing: Submission):
        super().__init__(
            "Une autre réponse a déjà été reçue avec cet identifiant : la réponse d'origine est "
            "conservée. Vérifiez l'entretien sur la tablette."
        )
        self.existing = existing


@dataclass
class Profile:
    public: str
    age_band: str = ""
    sex: str = ""
    commune: str | None = None
    quartier: int | str | None = None
    place: str = ""


@dataclass
class Consent:
    given: bool
    recorded_by: str = ""
    at: datetime | None = None
    parental_consent: bool | None = None


@dataclass
class Stored:
    """What the sync needs to answer; the row itself is loaded only when asked for."""

    id: int
    created: bool
    state: str = "recue"
    receipt_code: str = ""

    @property
    def submission(self) -> Submission:
        return db.session.get(Submission, self.id)


@dataclass
class _Errors:
    by_path: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path, []).append(message)


def content_hash(payload) -> str:
    """sha256 of the canonical JSON: a resent interview hashes the same whatever the key order."""
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    # A lone surrogate ("\ud800" in the JSON) hashes too, for validation to refuse it in French;
    # every other text encodes as before, so that stored hashes keep matching.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


RECEIPT_TAKEN = "Ce code de récépissé est déjà celui d'une autre réponse."


def find_by_uuid(client_uuid: str, *, all_studies: bool = False) -> Submission | None:
    query = select(Submission).where(Submission.client_uuid == client_uuid)
    if all_studies:
        query = query.execution_options(all_studies=True)
    return db.session.scalar(query)


def store_submission(
    *,
    version: PublishedVersion,
    client_uuid: str,
    answers: dict,
    profile: Profile,
    consent: Consent,
    content_hash: str,
    channel: str = "tablette",
    enumerator_id: int | None = None,
    device_id: str = "",
    started_at: datetime | None = None,
    completed_at: datetime | None = None,
    receipt_code: str | None = None,
) -> Stored:
    """Stores one submission once: a resent one (same UUID, same content) returns the stored row,
    a different content under a used UUID raises SubmissionConflict and keeps the original.

    Race-safe: concurrent retries rely on the unique client_uuid, not on a first read. The
    usual case, a new interview, thus costs no lookup by UUID; a resent one is found when the
    insert meets the constraint, or before refusing it (it was valid when it was stored). The
    receipt code is checked before the insert, for a French answer among the other errors, and
    again by its unique constraint at the insert: a code taken by another request in between
    is refused as the check refuses it, with nothing written."""
    errors = _Errors()
    if channel not in CHANNELS:
        errors.add("channel", "Canal inconnu : « tablette », « en_ligne » ou « papier ».")
    columns = _profile_values(profile, errors) | _consent_columns(consent, profile, errors)
    cleaned_answers = _checked_answers(version, answers, errors)
    receipt = _receipt(receipt_code, client_uuid, errors)
    place = _place_of(profile)
    if place is None or errors.by_path:
        # Every error in one answer: the place is looked up apart, for its messages.
        columns |= _place_columns(profile, errors)
        place = _NO_PLACE, {}
    if errors.by_path:
        existing = find_by_uuid(client_uuid)
        if existing is not None:
            return _already_stored(existing, content_hash, enumerator_id)
        raise SubmissionInvalid(errors.by_path)

    state, review_comment = _first_review(profile)
    values = dict(
        client_uuid=client_uuid,
        content_hash=content_hash,
        questionnaire_version_id=version.id,
        study_id=version.study_id,
        channel=channel,
        state=state,
        review_comment=review_comment,
        answers=cleaned_answers,
        enumerator_id=enumerator_id,
        device_id=(device_id or "")[:100],
        started_at=_utc(started_at),
        completed_at=_utc(completed_at),
        received_at=utcnow(),
        receipt_code=receipt,
        **columns,
    )
    questionnaire_id, answer_rows = new_answer_rows(version.id, cleaned_answers)
    inserted, answers_written = _insert_once(values, place, questionnaire_id, answer_rows)
    if inserted is None:
        place_errors = _Errors()
        if place[0] != _NO_PLACE:
            _place_columns(profile, place_errors)
        if place_errors.by_path:
            # The interview's commune or quartier is not in the territory: nothing was written.
            existing = find_by_uuid(client_uuid)
            if existing is not None:
                return _already_stored(existing, content_hash, enumerator_id)
            raise SubmissionInvalid(place_errors.by_path)
        # The insert met a unique constraint. Another request stored the same UUID first (a
        # retry racing its lost original), in this study or another (the UUID is unique across
        # studies: someone else's is a conflict, never a 500)…
        existing = find_by_uuid(client_uuid, all_studies=True)
        if existing is not None:
            return _already_stored(existing, content_hash, enumerator_id)
        # …or took this receipt code after `_receipt` found it free.
        raise SubmissionInvalid({"receipt_code": [RECEIPT_TAKEN]})
    submission_id = inserted.id
    if not answers_written:
        stored = values | {
            "commune_code": inserted.commune_code,
            "quartier_id": inserted.quartier_id,
        }
        write_new_answer_rows(
            SimpleNamespace(id=submission_id, **stored), questionnaire_id, answer_rows
        )
    if channel == "papier":
        # A paper questionnaire typed in the back office is someone's act on personal data. A
        # tablet's sync creating a submission is not an edit: no line there, the sync path stays
        # one INSERT per interview (the submission row itself says who sent it and when).
        record(
            "submission",
            submission_id,
            "paper_entry",
            study_id=version.study_id,
            after={"questionnaire_version_id": version.id, "state": state},
        )
    return Stored(submission_id, True, state, receipt)


def _receipt(typed: str | None, client_uuid: str, errors: _Errors) -> str:
    """The receipt code the tablet drew and already handed to the respondent (it works offline),
    or a new one. A code held by another submission is refused rather than replaced: the person
    holds the tablet's. One indexed lookup, only when a code is sent."""
    if not typed:
        return new_receipt_code()
    code = normal_receipt_code(typed)
    if len(code) != 14 or any(ch not in RECEIPT_ALPHABET for ch in code.replace("-", "")):
        errors.add("receipt_code", "Code de récépissé mal formé : 12 lettres et chiffres attendus.")
        return code
    taken = db.session.scalar(
        select(Submission.client_uuid)
        .where(Submission.receipt_code == code)
        .execution_options(all_studies=True)
    )
    if taken is not None and taken != client_uuid:
        errors.add("receipt_code", RECEIPT_TAKEN)
    return code


def _first_review(profile: Profile) -> tuple[str, str]:
    """An age band unusual for the public is stored (the tablet only warns about it, and the
    interview took place) but put aside for a chargé d'étude to check."""
    usual = AGE_BANDS_BY_PUBLIC.get(profile.public)
    if profile.age_band and usual is not None and profile.age_band not in usual:
        return "a_verifier", (
            f"Tranche d'âge « {AGE_BANDS[profile.age_band]} » inhabituelle pour le public "
            f"« {PUBLICS[profile.public]} » : à vérifier."
        )
    return "recue", ""


def _insert_once(
    values: dict, place: tuple[str, dict], questionnaire_id: int, answer_rows: list[dict]
):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the unique constraints (client UUID, receipt
    code) decide which of two concurrent requests stores the row, in one round trip and without
    a savepoint; the loser's transaction stays usable, with nothing of its submission written.
    The same statement finds the interview's commune and quartier (`place`, from `_place_of`) and
    writes nothing when they are not in the territory.

    Returns the new row (id, commune_code, quartier_id), or None when nothing was written (the
    UUID or the receipt code was already there, or the place is unknown), and whether the
    submission's answer rows were written too: on PostgreSQL the same statement writes them
    (answer_table.with_answer_rows), on SQLite the caller does.

    Written as text (SQLite and PostgreSQL share this syntax) because SQLAlchemy compiles its
    dialect-specific ON CONFLICT inserts anew on every call, which cost more than the insert
    itself on the sync endpoint."""
    dialect = db.session.get_bind().dialect.name
    kind, place_parameters = place
    statement, columns = _insert_statement(dialect, kind)
    parameters = {
        column.name: values[column.name] if column.name in values else _python_default(column)
        for column in columns
    } | place_parameters
    connection = db.session.connection()
    if dialect != "postgresql":
        return connection.execute(statement, parameters).first(), False
    parameters |= answer_row_parameters(questionnaire_id, answer_rows)
    return connection.execute(statement, parameters).first(), True


# How the INSERT finds the place of an interview: the commune and quartier columns' values, and
# the rows they come from (none: both as given, null when not given). A place not in the
# territory selects no row, and nothing is inserted.
_NO_PLACE = "none"
_PLACE_SOURCES = {
    _NO_PLACE: (None, None, ""),
    "commune": (
        "commune.insee_code",
        "NULL",
        "FROM commune WHERE commune.insee_code = :commune_code",
    ),
    "commune_quartier_id": (
        "commune.insee_code",
        "quartier.id",
        "FROM commune JOIN quartier ON quartier.commune_code = commune.insee_code "
        "WHERE commune.insee_code = :commune_code AND quartier.id = :quartier_id",
    ),
    "commune_quartier_name": (
        "commune.insee_code",
        "quartier.id",
        "FROM commune JOIN quartier ON quartier.commune_code = commune.insee_code "
        "WHERE commune.insee_code = :commune_code AND quartier.name = :quartier_name",
    ),
    "quartier": (
        "quartier.commune_code",
        "quartier.id",
        "FROM quartier WHERE quartier.id = :quartier_id",
    ),
}


@lru_cache(maxsize=None)
def _insert_statement(dialect: str, place: str):
    # Columns the database fills itself (server defaults, SQL expressions) are left out.
    columns = [
        column
        for column in Submission.__table__.columns
        if not column.primary_key
        and not (column.default is None and column.server_default is not None)
        and not (column.default is not None and column.default.is_clause_element)
    ]
    names = ", ".join(f'"{column.name}"' for column in columns)
    commune, quartier, source = _PLACE_SOURCES[place]
    if not source:
        insert = (
            f"INSERT INTO submission ({names}) VALUES "
            f"({', '.join(f':{column.name}' for column in columns)}) ON CONFLICT DO NOTHING"
        )
    else:
        found = {"commune_code": commune, "quartier_id": quartier}
        selected = ", ".join(
            found.get(column.name) or _parameter(column, dialect) for column in columns
        )
        insert = (
            f"INSERT INTO submission ({names}) SELECT {selected} {source} ON CONFLICT DO NOTHING"
        )
    returned = "id, commune_code, quartier_id"
    sql = (
        with_answer_rows(insert, returned)
        if dialect == "postgresql"
        else f"{insert} RETURNING {returned}"
    )
    statement = (
        text(sql)
        .bindparams(
            *[
                bindparam(column.name, type_=column.type)
                for column in columns
                if f":{column.name}" in sql
            ]
        )
        # Positional columns: SQLAlchemy then keeps the result's description with the compiled
        # statement instead of matching the cursor's columns by name on every insert.
        .columns(
            column("id", Integer), column("commune_code", String), column("quartier_id", Integer)
        )
    )
    return statement, columns


def _parameter(column, dialect: str) -> str:
    """A value of the INSERT's SELECT list. PostgreSQL types a parameter there as text unless
    told (VALUES takes the column's type): it is cast to the column's."""
    if dialect != "postgresql":
        return f":{column.name}"
    return f"CAST(:{column.name} AS {column.type.compile(dialect=db.engine.dialect)})"


def _python_default(column):
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


def _already_stored(existing: Submission, digest: str, enumerator_id: int | None) -> Stored:
    # Someone else's submission is never "yours, already received": that would hand its id to
    # whoever learnt its UUID and content.
    if existing.content_hash != digest or existing.enumerator_id != enumerator_id:
        raise SubmissionConflict(existing)
    return Stored(existing.id, False, existing.state, existing.receipt_code)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _profile_columns(profile: Profile, errors: _Errors) -> dict:
    """The respondent's profile as the submission stores it, its place looked up (one query)."""
    return _profile_values(profile, errors) | _place_columns(profile, errors)


def _profile_values(profile: Profile, errors: _Errors) -> dict:
    """The profile's columns but its place (commune and quartier)."""
    if profile.public not in PUBLICS:
        errors.add("profile.public", "Public inconnu : « jeune », « age » ou « autre ».")
    if profile.age_band not in AGE_BANDS and profile.age_band != "":
        errors.add("profile.age_band", "Tranche d'âge inconnue.")
    if profile.sex not in SEXES:
        errors.add("profile.sex", "Sexe inconnu : « femme », « homme », « autre » ou vide.")
    return {
        "public": profile.public,
        "age_band": profile.age_band,
        "sex": profile.sex,
        "place": (profile.place or "").strip()[:200],
    }


def _place_columns(profile: Profile, errors: _Errors) -> dict:
    """The commune and quartier columns, looked up; a place not in the territory is an error."""
    commune_code = (profile.commune or "").strip() or None
    commune_found, quartier_id, quartier_commune = _find_place(_place_of(profile))
    if commune_code is not None and not commune_found:
        errors.add(
            "profile.commune",
            f"La commune « {commune_code} » n'est pas dans le territoire de l'étude.",
        )
        commune_code = None
    if profile.quartier not in (None, "") and quartier_id is None:
        errors.add(
            "profile.quartier",
            f"Le quartier « {profile.quartier} » n'existe pas dans cette commune.",
        )
    if quartier_id is not None and commune_code is None:
        commune_code = quartier_commune
    return {"commune_code": commune_code, "quartier_id": quartier_id}


def _place_of(profile: Profile) -> tuple[str, dict] | None:
    """How the interview's place is found (a kind of `_PLACE_SOURCES` and `_place_statement`, and
    its parameters), by the sync's INSERT or by `_find_place`; None for a place that cannot exist
    (a quartier named without its commune)."""
    commune_code = (profile.commune or "").strip() or None
    quartier = profile.quartier
    if quartier in (None, ""):
        if commune_code is None:
            return _NO_PLACE, {"commune_code": None, "quartier_id": None}
        return "commune", {"commune_code": commune_code}
    if isinstance(quartier, int) or (
        isinstance(quartier, str) and quartier.isdigit() and len(quartier) < 10
    ):
        parameters = {"quartier_id": int(quartier)}
        if commune_code is None:
            return "quartier", parameters
        return "commune_quartier_id", parameters | {"commune_code": commune_code}
    if commune_code is None:
        return None
    return "commune_quartier_name", {
        "commune_code": commune_code,
        "quartier_name": str(quartier).strip(),
    }


def _find_place(place: tuple[str, dict] | None) -> tuple[bool, int | None, str | None]:
    """(commune exists, quartier id, quartier's commune) of a place read by `_place_of`, in one
    query: a quartier is given by its id, or by its name within the commune, and must lie in the
    commune when both are given."""
    if place is None or place[0] == _NO_PLACE:
        return False, None, None
    kind, parameters = place
    row = db.session.connection().execute(_place_statement(kind), parameters).first()
    if kind == "quartier":  # by its id alone: the commune is the quartier's
        return False, (row.id if row else None), (row.commune_code if row else None)
    if row is None:
        return False, None, None
    return True, row.id, parameters["commune_code"]


@lru_cache(maxsize=None)
def _place_statement(kind: str):
    # Built once: constructing the statement costs more than running it on a small territory.
    # Run on the session's connection, without the ORM session's per-statement machinery: the
    # territory is shared by every study, there is nothing to scope.
    if kind == "quartier":
        return select(Quartier.id, Quartier.commune_code).where(
            Quartier.id == bindparam("quartier_id")
        )
    wanted = {
        "commune": false(),
        "commune_quartier_id": Quartier.id == bindparam("quartier_id"),
        "commune_quartier_name": Quartier.name == bindparam("quartier_name"),
    }[kind]
    return (
        select(Commune.insee_code, Quartier.id)
        .outerjoin(Quartier, and_(Quartier.commune_code == Commune.insee_code, wanted))
        .where(Commune.insee_code == bindparam("commune_code"))
    )


def _consent_columns(consent: Consent, profile: Profile, errors: _Errors) -> dict:
    if not consent.given:
        errors.add("consent.given", "Le consentement de la personne interrogée est obligatoire.")
    if profile.age_band in AGE_BANDS_NEEDING_PARENTAL_CONSENT and not consent.parental_consent:
        errors.add(
            "consent.parental_consent",
            "Le consentement d'un parent est obligatoire pour une personne de moins de 15 ans.",
        )
    return {
        "consent_given": bool(consent.given),
        "consent_recorded_by": (consent.recorded_by or "").strip()[:200],
        "consent_at": _utc(consent.at),
        "parental_consent": consent.parental_consent,
    }


def _checked_answers(version: PublishedVersion, answers: dict, errors: _Errors) -> dict:
    result = version.validate(answers)
    for error in result.errors:
        errors.add(f"answers.{error.path}", error.message)
    return result.answers


# --- back office ---------------------------------------------------------------------------


ANSWERS_CHANGED = (
    "Ces réponses ont été modifiées entre-temps (par une correction envoyée depuis la tablette "
    "ou par une autre personne) : rien n'a été enregistré. Vos saisies sont conservées sur "
    "cette page ; ouvrez la réponse dans un autre onglet pour voir la version actuelle, puis "
    "enregistrez à nouveau pour la remplacer."
)


class SubmissionStale(SubmissionInvalid):
    """The answers changed since the form was read; `version` is that of the current answers."""

    def __init__(self, version: str):
        super().__init__({"version": [ANSWERS_CHANGED]}, ANSWERS_CHANGED)
        self.version = version


def answers_version(submission: Submission) -> str:
    """What a back-office form read, to tell at saving time whether the answers changed since:
    a correction from the tablet, or another person's edit, changes it."""
    return content_hash(submission.answers or {})


def lock_submission(submission: Submission) -> Submission:
    """Reads the row again, locked until the request ends (SELECT … FOR UPDATE on PostgreSQL;
    SQLite's writing requests already hold the database's write lock): a check made on it then
    holds until the commit, as a tablet's correction locks it too."""
    return db.session.scalars(
        select(Submission)
        .where(Submission.id == submission.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def edit_answers(
    submission: Submission,
    answers: dict,
    *,
    by: User,
    comment: str = "",
    version: str | None = None,
) -> SubmissionRevision | None:
    """Replaces the answers after validating them against the submission's own version; the
    revision keeps before and after. Returns None when nothing changed.

    `version` is `answers_version` as the form read it: when the answers changed since (a
    tablet's correction, another edit), SubmissionStale is raised and nothing is changed, rather
    than silently overwriting that change. The row is locked first, so that a correction cannot
    slip in between the check and the write."""
    from questionnaires.validation import validate_answers

    submission = lock_submission(submission)
    if version is not None and version != answers_version(submission):
        raise SubmissionStale(answers_version(submission))
    result = validate_answers(version_model(submission.questionnaire_version), answers)
    if result.errors:
        raise SubmissionInvalid(
            {f"answers.{error.path}": [error.message] for error in result.errors},
            "Les réponses contiennent des erreurs : rien n'a été modifié.",
        )
    before = copy.deepcopy(submission.answers or {})
    if before == result.answers:
        return None
    submission.answers = result.answers
    # Codings and other anchors in the answers' texts move with the edit, in this transaction.
    answers_replaced.send(submission, before=before, after=result.answers)
    revision = SubmissionRevision(
        submission=submission,
        user_id=by.id,
        action="edit",
        before={"answers": before},
        after={"answers": copy.deepcopy(result.answers)},
        comment=comment.strip(),
    )
    db.session.add(revision)
    db.session.flush()
    write_answer_rows([submission])
    # The journal keeps only what changed, question by question: the revision keeps the rest.
    changes = answer_changes(before, result.answers)
    record(
        "submission",
        submission.id,
        "edit",
        by=by,
        study_id=submission.study_id,
        before={change["path"]: change["before"] for change in changes},
        after={change["path"]: change["after"] for change in changes}
        | ({"comment": revision.comment} if revision.comment else {}),
    )
    return revision


def set_state(
    submission: Submission, state: str, *, by: User, comment: str = ""
) -> SubmissionRevision:
    """Moves a submission through reçue / à vérifier / validée / rejetée; a rejection says why."""
    if state not in STATES:
        raise SubmissionInvalid({"state": ["État inconnu."]}, "État inconnu.")
    comment = comment.strip()
    if state == "rejetee" and not comment:
        raise SubmissionInvalid(
            {"comment": ["Indiquez pourquoi la réponse est rejetée."]},
            "Indiquez pourquoi la réponse est rejetée.",
        )
    revision = SubmissionRevision(
        submission=submission,
        user_id=by.id,
        action="state",
        before={"state": submission.state, "comment": submission.review_comment},
        after={"state": state, "comment": comment},
        comment=comment,
    )
    submission.state = state
    submission.review_comment = comment
    db.session.add(revision)
    db.session.flush()
    write_answer_rows([submission])  # a rejected answer leaves the analysis
    record(
        "submission",
        submission.id,
        "state",
        by=by,
        study_id=submission.study_id,
        before=revision.before,
        after=revision.after,
    )
    return revision


def answer_changes(before: dict, after: dict) -> list[dict]:
    """What an edit changed, question by question: [{path, before, after}], repeats by instance."""
    changes: list[dict] = []
    _diff(before or {}, after or {}, "", changes)
    return changes


def _diff(before: dict, after: dict, prefix: str, changes: list[dict]) -> None:
    for name in list(dict.fromkeys([*before, *after])):
        old, new = before.get(name), after.get(name)
        if is_repeat(old) or is_repeat(new):
            old_list, new_list = old or [], new or []
            for index in range(max(len(old_list), len(new_list))):
                old_item = old_list[index] if index < len(old_list) else {}
                new_item = new_list[index] if index < len(new_list) else {}
                _diff(old_item, new_item, f"{prefix}{name}[{index}]/", changes)
            continue
        if _blank(old) and _blank(new):
            continue
        if old != new:
            changes.append({"path": prefix + name, "before": old, "after": new})


def _blank(value) -> bool:
    return value is None or value == "" or value == []
