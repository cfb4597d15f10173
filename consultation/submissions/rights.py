"""A respondent's rights over one submission: see it, take it away (JSON, CSV), erase it.

The respondent is known by the receipt code they were handed (end of interview, confirmation page,
paper); staff act from the submission's page. Both go through these functions, which flush and
never commit, and write one journal line per action that names the submission and counts, never
the content.

Erasing takes everything hanging from the submission in the same transaction: every row of a table
with a foreign key to `submission.id` (codings, suggestions, memos, pseudonymised texts, revisions,
answer-table rows, and whatever a later feature adds), found from the schema rather than listed, so
that a new table cannot be forgotten. The journal lines about the submission and about those rows
keep who did what and when, but lose their before/after (an edit's line holds the answers it
changed, a confirmed coding's the coded words). The analysis figures are kept under a fingerprint
of the tables' counts and ids (coding/figures.py), so they are computed again without the erased
answer on the next visit."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy import delete, select, update

from questionnaires import label_in
from questionnaires.answers import walk_answers

from ..extensions import db
from ..questionnaire_store.definitions import version_model
from ..studies.audit import record
from ..studies.models import AuditEntry, Study
from .answer_table import AnswerText
from .exports import neutralise
from .models import AGE_BANDS, CHANNELS, PUBLICS, SEXES, Submission, normal_receipt_code

_signals = Namespace()
# Sent with the submission as sender; each receiver returns {heading: [rows as dicts]} of what a
# feature derived from it (the coding workspace: codes given, pseudonymised texts), so that the
# respondent's copy says what was made of their answers without this package importing a feature.
derived_data_requested = _signals.signal("derived-data-requested")
# Sent once submissions are erased, with submission_ids= and text_hashes= (sha256 of each erased
# free-text answer): a feature keeping what it derived outside the database (the coding's token
# cache) drops it. Outside the transaction: a rollback only costs recomputing what was dropped.
submissions_erased = _signals.signal("submissions-erased")

RECEIPT_LENGTH = 14  # « 7K2M-QX9D-4TBE »


@dataclass(frozen=True)
class Erased:
    submission_id: int
    study_id: int
    rows: dict[str, int]  # table -> rows deleted (the submission itself included)


def find_by_receipt(typed: str) -> Submission | None:
    """The submission of a receipt code as a resident types it (case, spaces, O for 0 tolerated),
    in any study: the code alone designates it. None for anything that is not a stored code."""
    code = normal_receipt_code(typed or "")
    if len(code) != RECEIPT_LENGTH:
        return None
    return db.session.scalar(
        select(Submission)
        .where(Submission.receipt_code == code)
        .execution_options(all_studies=True)
    )


def _labelled(options: dict[str, str], value) -> str:
    return options.get(value or "", value or "")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def submission_copy(submission: Submission) -> dict:
    """Everything kept about the submission, as the respondent may take it away: where it was
    given, the profile, the consent, the dates, every answer with its question, and what was
    derived from it. Plain JSON-able data, in French headings."""
    version = submission.questionnaire_version
    model = version_model(version)
    study = db.session.get(Study, submission.study_id)
    answers = []
    for answer in walk_answers(model, submission.answers or {}):
        if answer.question.type == "note":
            continue
        answers.append(
            {
                "chemin": answer.path,
                "question": label_in(answer.question.label, "fr") or answer.question.name,
                "reponse": _answer_text(model, answer.question, answer.value),
            }
        )
    derived: dict[str, list] = {}
    for _receiver, section in derived_data_requested.send(submission):
        for heading, rows in (section or {}).items():
            derived.setdefault(heading, []).extend(rows)
    return {
        "code_de_recepisse": submission.receipt_code,
        "etude": study.name if study else "",
        "questionnaire": version.questionnaire.title,
        "version": version.number,
        "canal": _labelled(CHANNELS, submission.channel),
        "profil": {
            "public": _labelled(PUBLICS, submission.public),
            "tranche_d_age": _labelled(AGE_BANDS, submission.age_band),
            "sexe": _labelled(SEXES, submission.sex),
            "commune": submission.commune.name if submission.commune else "",
            "quartier": submission.quartier.name if submission.quartier else "",
            "lieu": submission.place,
        },
        "consentement": {
            "donne": submission.consent_given,
            "recueilli_par": submission.consent_recorded_by,
            "le": _iso(submission.consent_at),
            "accord_parental": submission.parental_consent,
        },
        "dates": {
            "debut": _iso(submission.started_at),
            "fin": _iso(submission.completed_at),
            "recue_le": _iso(submission.received_at),
            "modifiee_le": _iso(submission.updated_at),
        },
        "reponses": answers,
        "donnees_derivees": derived,
    }


def _answer_text(model, question, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    if question.type in ("select_one", "select_multiple"):
        names = value.split() if isinstance(value, str) else value
        names = names if isinstance(names, list) else [names]
        choice_list = model.choice_lists.get(question.choice_list)
        labels = (
            {choice.name: label_in(choice.label, "fr") for choice in choice_list.choices}
            if choice_list
            else {}
        )
        return " ; ".join(labels.get(str(name)) or str(name) for name in names)
    return str(value)


def copy_as_json(copy: dict) -> str:
    return json.dumps(copy, ensure_ascii=False, indent=2)


def _cell(value) -> str:
    """A spreadsheet must not run what a respondent typed: neutralised as the CSV exports do."""
    return neutralise("" if value is None else str(value))


def copy_as_csv(copy: dict) -> str:
    """One line per fact: rubrique ; champ ; valeur (semicolons and a BOM: Excel in French)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["rubrique", "champ", "valeur"])
    for key in ("code_de_recepisse", "etude", "questionnaire", "version", "canal"):
        writer.writerow(["réponse", key, _cell(copy[key])])
    for section in ("profil", "consentement", "dates"):
        for key, value in copy[section].items():
            writer.writerow([section, key, _cell(value)])
    for answer in copy["reponses"]:
        writer.writerow(["réponses", _cell(answer["question"]), _cell(answer["reponse"])])
    for heading, rows in copy["donnees_derivees"].items():
        for row in rows:
            writer.writerow([heading, _cell(row.get("champ", "")), _cell(row.get("valeur", ""))])
    return "\ufeff" + buffer.getvalue()


def record_download(submission: Submission, fmt: str, *, by=None, by_resident: bool) -> None:
    """A copy of personal data handed out is a journal line (who, which submission, which format)."""
    record(
        "submission",
        submission.id,
        "download",
        study_id=submission.study_id,
        by=by,
        user_label="" if by is not None or not by_resident else "la personne (code de récépissé)",
        after={"format": fmt, "par": "la personne" if by_resident else "l'équipe"},
    )


def _hanging_tables():
    """(table, column) of every foreign key to submission.id, children before parents."""
    submission_id = Submission.__table__.c.id
    found = []
    for table in reversed(db.metadata.sorted_tables):
        for column in table.columns:
            if any(fk.column is submission_id for fk in column.foreign_keys):
                found.append((table, column))
    return found


def erase_submissions(
    submission_ids: list[int],
    *,
    reason: str,
    by=None,
    user_label: str = "",
    journal: bool = True,
) -> list[Erased]:
    """Deletes the submissions and every row hanging from them, redacts the journal lines that
    held their content, and writes one journal line per submission (`reason`: « la personne »,
    « l'équipe »; `journal=False` for a batch that writes its own line). Flushes, never commits:
    all or nothing with the caller's transaction."""
    if not submission_ids:
        return []
    db.session.flush()
    rows = db.session.execute(
        select(Submission.id, Submission.study_id)
        .where(Submission.id.in_(submission_ids))
        .execution_options(all_studies=True)
    ).all()
    studies = dict(rows)
    ids = list(studies)
    counts: dict[int, dict[str, int]] = {submission_id: {} for submission_id in ids}
    text_hashes = set(
        db.session.scalars(select(AnswerText.text_hash).where(AnswerText.submission_id.in_(ids)))
    )
    redact: dict[str, list[str]] = {"submission": [str(submission_id) for submission_id in ids]}
    for table, column in _hanging_tables():
        if table.name == "submission":
            continue
        # The row's own key names it in the journal; a table keyed otherwise is named by its column.
        key = next(iter(table.primary_key.columns), column)
        hanging = db.session.execute(select(key, column).where(column.in_(ids))).all()
        for row_id, submission_id in hanging:
            counts[submission_id][table.name] = counts[submission_id].get(table.name, 0) + 1
            redact.setdefault(table.name, []).append(str(row_id))
        if hanging:
            db.session.execute(delete(table).where(column.in_(ids)))
    for object_type, object_ids in redact.items():
        for start in range(0, len(object_ids), 500):
            db.session.execute(
                update(AuditEntry)
                .where(
                    AuditEntry.object_type == object_type,
                    AuditEntry.object_id.in_(object_ids[start : start + 500]),
                )
                .values(before=None, after=None)
            )
    db.session.execute(
        delete(Submission).where(Submission.id.in_(ids)).execution_options(all_studies=True)
    )
    # Rows deleted by SQL: the objects the session still holds must not be flushed again.
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Submission) and instance.id in studies:
            db.session.expunge(instance)
    submissions_erased.send(None, submission_ids=ids, text_hashes=sorted(text_hashes))
    erased = []
    for submission_id in ids:
        erased.append(Erased(submission_id, studies[submission_id], counts[submission_id]))
        if not journal:
            continue
        record(
            "submission",
            submission_id,
            "erase",
            study_id=studies[submission_id],
            by=by,
            user_label=user_label,
            after={"motif": reason, "lignes": counts[submission_id]},
        )
    db.session.flush()
    return erased


def erase_submission(
    submission: Submission, *, reason: str, by=None, user_label: str = ""
) -> Erased:
    return erase_submissions([submission.id], reason=reason, by=by, user_label=user_label)[0]
