"""Reading the audit log: the lines of a study (or of the platform) filtered by person, object,
action and dates, shown readably and written as CSV. Writing lines is audit.py."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.roles import ROLE_LABELS
from ..extensions import db
from ..submissions.local_time import local_text, study_timezone
from ..submissions.models import STATES
from .audit import ACTION_LABELS, OBJECT_LABELS, links_for
from .models import KIND_LABELS, NOTICE_FIELDS, STATE_LABELS, AuditEntry

PER_PAGE = 50
# What the keys of before/after are called on the page; a key not listed (a question's path in
# a submission edit) is shown as it is.
FIELD_LABELS = {
    "title": "Titre",
    "description": "Description",
    "languages": "Langues",
    "default_language": "Langue par défaut",
    "form_id": "Identifiant",
    "filename": "Fichier importé",
    "source_id": "Copie du questionnaire n°",
    "source_version": "Version copiée",
    "version": "Version",
    "questionnaire_id": "Questionnaire n°",
    "questionnaire_version_id": "Version de questionnaire n°",
    "state": "État",
    "comment": "Commentaire",
    "name": "Nom",
    "slug": "Identifiant",
    "kind": "Type",
    "year": "Année",
    "parent": "Code parent",
    "colour": "Couleur",
    "keywords": "Mots-clés",
    "phrases": "Expressions",
    "regexes": "Expressions régulières",
    "codes": "Codes",
    "into": "Fusionnés dans",
    "codings_moved": "Codages déplacés",
    "duplicates_dropped": "Doublons retirés",
    "merged": "Codes fusionnés",
    "submission_id": "Réponse n°",
    "path": "Question",
    "start": "Début",
    "end": "Fin",
    "code": "Code",
    "codings": "Codages n°",
    "status": "Décision",
    "to_review": "À revoir",
    "words_before": "Mots avant la modification",
    "words": "Mots codés",
    "validated": "Validée",
    "answers": "Réponses (n°, question)",
    "added": "Identifiants ajoutés",
    "removed": "Identifiants retirés",
    "role": "Rôle",
    "email": "Adresse e-mail",
    "file": "Fichier",
    "rows": "Lignes",
    "filters": "Filtres",
    "pseudonymised": "Pseudonymisé",
    "reason": "Motif",
    "expires_at": "Expire le",
    "account_created": "Compte créé",
    "previous_edition": "Édition précédente",
    "questionnaires": "Questionnaires",
    "codebooks": "Livres de codes",
    "communes": "Communes",
    "quartiers": "Quartiers n°",
    **NOTICE_FIELDS,
}
VALUE_LABELS = {
    # Submissions' and studies' states share the key and none of their values.
    "state": STATES | STATE_LABELS,
    "kind": KIND_LABELS,
    "role": ROLE_LABELS,
    "status": {"pending": "en attente", "accepted": "acceptée", "rejected": "refusée"},
    "reason": {
        "inconnu": "aucun compte à cette adresse",
        "inactif": "compte désactivé",
        "mot_de_passe": "mot de passe incorrect",
    },
}
MAX_SHOWN = 300


@dataclass
class JournalFilters:
    user_id: int | None = None
    object_type: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_params(self) -> dict:
        """For the journal's own download line: which lines were taken away."""
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in vars(self).items()
            if value not in (None, "")
        }


def _local_midnight_utc(day: date) -> datetime:
    # A day of the filter is a day in the study's time zone, stored moments are UTC.
    moment = datetime.combine(day, time.min, tzinfo=study_timezone())
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def journal_query(study_id: int | None, filters: JournalFilters) -> Select:
    """The lines of a study, or the platform's (study_id None: logins), newest first."""
    query = select(AuditEntry).where(
        AuditEntry.study_id.is_(None) if study_id is None else AuditEntry.study_id == study_id
    )
    if filters.user_id is not None:
        query = query.where(AuditEntry.user_id == filters.user_id)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEntry.at >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        query = query.where(
            AuditEntry.at < _local_midnight_utc(filters.date_to + timedelta(days=1))
        )
    return query.options(selectinload(AuditEntry.user)).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc()
    )


def journal_page(query: Select, page: int) -> tuple[list[AuditEntry], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page, 1), pages)
    entries = list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return entries, total


def people_in_journal(study_id: int | None) -> list[User]:
    """Whoever has a line here, removed members included: the choices of the person filter."""
    with_lines = select(AuditEntry.user_id).where(
        AuditEntry.study_id.is_(None) if study_id is None else AuditEntry.study_id == study_id
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(with_lines)).order_by(User.name, User.email)
        )
    )


# --- shown readably ---------------------------------------------------------------------------


def value_text(key: str, value, limit: int | None = MAX_SHOWN) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    labels = VALUE_LABELS.get(key)
    if labels is not None and isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, list):
        text = ", ".join(value_text("", item, None) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def changes_of(entry: AuditEntry, limit: int | None = MAX_SHOWN) -> list[dict]:
    """[{label, before, after}] with before/after as text ("" when that side says nothing)."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        rows.append(
            {
                "label": FIELD_LABELS.get(key, key),
                "before": value_text(key, before[key], limit) if key in before else "",
                "after": value_text(key, after[key], limit) if key in after else "",
            }
        )
    return rows


def who_of(entry: AuditEntry) -> str:
    if entry.user is not None:
        return entry.user.name or entry.user.email
    if entry.user_label:
        return f"{entry.user_label} (adresse saisie)"
    return "Système"


def object_of(entry: AuditEntry) -> str:
    label = OBJECT_LABELS.get(entry.object_type, entry.object_type)
    return f"{label} n° {entry.object_id}" if entry.object_id else label


@dataclass
class JournalLine:
    entry: AuditEntry
    when: str
    who: str
    email: str
    what: str
    link: str | None
    action: str
    changes: list[dict]


def journal_lines(entries: list[AuditEntry]) -> list[JournalLine]:
    links = links_for(entries)
    return [
        JournalLine(
            entry=entry,
            when=local_text(entry.at, "%d/%m/%Y %H:%M:%S"),
            who=who_of(entry),
            email=entry.user.email if entry.user is not None else entry.user_label,
            what=object_of(entry),
            link=links.get((entry.object_type, entry.object_id)),
            action=ACTION_LABELS.get(entry.action, entry.action),
            changes=changes_of(entry),
        )
        for entry in entries
    ]


CSV_HEADER = [
    "Date (heure de Paris)",
    "Personne",
    "Adresse e-mail",
    "Objet",
    "N°",
    "Action",
    "Avant",
    "Après",
]


def _side(changes: list[dict], side: str) -> str:
    return " ; ".join(f"{change['label']} : {change[side]}" for change in changes if change[side])


def journal_csv(query: Select) -> tuple[bytes, int]:
    """UTF-8 with a BOM, semicolons and CRLF, like the app's other CSV files (a French
    spreadsheet opens it without an import dialog). Returns the file and its number of lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    count = 0
    for entry in db.session.scalars(query.execution_options(yield_per=1000)):
        changes = changes_of(entry, limit=None)
        writer.writerow(
            [
                local_text(entry.at, "%d/%m/%Y %H:%M:%S", missing=""),
                who_of(entry),
                entry.user.email if entry.user is not None else entry.user_label,
                OBJECT_LABELS.get(entry.object_type, entry.object_type),
                entry.object_id,
                ACTION_LABELS.get(entry.action, entry.action),
                _side(changes, "before"),
                _side(changes, "after"),
            ]
        )
        count += 1
    return buffer.getvalue().encode("utf-8-sig"), count
