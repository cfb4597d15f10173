"""Préconisations: what the collectif proposes to the élus, the themes they answer, the comité in
charge, their priority and their status followed year after year through dated entries; the
list's filters. Their evidence is in recommendation_evidence.py. Services flush, never commit;
each change writes one journal line."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.models import utcnow
from ..coding.models import Code, Codebook, Theme
from ..extensions import db
from ..questionnaire_store.models import Questionnaire
from ..studies.audit import record
from .following import notify_followers
from .models import (
    COMMITTEES,
    PRIORITIES,
    RECOMMENDATION_STATUSES,
    Evidence,
    Recommendation,
    RecommendationEntry,
)

TITLE_LENGTH = 300
BODY_LENGTH = 20_000
COMMITTEE_LENGTH = 200
NOTE_LENGTH = 5_000


class RecommendationInvalid(ValueError):
    """What is wrong with a préconisation's form or evidence, in French, field by field;
    nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class RecommendationStale(RecommendationInvalid):
    """Someone else saved the préconisation since the form was read."""


# --- the study's themes --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeChoice:
    theme: Theme
    questionnaire: Questionnaire | None

    @property
    def label(self) -> str:
        if self.questionnaire is None:
            return self.theme.code.name
        return f"{self.theme.code.name} ({self.questionnaire.title})"


def study_themes() -> list[ThemeChoice]:
    """The themes of every codebook of the study (the request's), by questionnaire then name;
    merged codes left out."""
    rows = db.session.execute(
        select(Theme, Codebook)
        .join(Code, Code.id == Theme.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Code.merged_into_id.is_(None))
        .order_by(Codebook.id, Code.name)
    ).all()
    questionnaires = {
        questionnaire.id: questionnaire
        for questionnaire in db.session.scalars(
            select(Questionnaire).where(
                Questionnaire.id.in_({book.questionnaire_id for _, book in rows})
            )
        )
    }
    return [ThemeChoice(theme, questionnaires.get(book.questionnaire_id)) for theme, book in rows]


def _themes_from_ids(theme_ids: list[int]) -> list[Theme]:
    known = {choice.theme.id: choice.theme for choice in study_themes()}
    if any(theme_id not in known for theme_id in theme_ids):
        raise RecommendationInvalid(
            {"themes": "Thèmes : l'un des thèmes choisis n'existe plus dans l'étude ; rechargez."}
        )
    return [known[theme_id] for theme_id in dict.fromkeys(theme_ids)]


# --- create, edit --------------------------------------------------------------------------------


def _checked_fields(title: str, body: str, committee: str, priority: str) -> dict:
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Titre : il est obligatoire."
    elif len(title) > TITLE_LENGTH:
        errors["title"] = f"Titre : {TITLE_LENGTH} caractères au plus ({len(title)} saisis)."
    if len(body or "") > BODY_LENGTH:
        errors["body"] = f"Texte : {BODY_LENGTH} caractères au plus."
    committee = (committee or "").strip()
    if len(committee) > COMMITTEE_LENGTH:
        errors["committee"] = f"Comité : {COMMITTEE_LENGTH} caractères au plus."
    if priority not in PRIORITIES:
        errors["priority"] = "Priorité : choisissez haute, moyenne ou basse."
    if errors:
        raise RecommendationInvalid(errors)
    return {
        "title": title,
        "body": (body or "").strip(),
        "committee": committee,
        "priority": priority,
    }


def _state(recommendation: Recommendation) -> dict:
    return {
        "title": recommendation.title,
        "body": recommendation.body,
        "committee": recommendation.committee,
        "priority": recommendation.priority,
        "themes": sorted(theme.id for theme in recommendation.themes),
    }


def create_recommendation(
    study,
    *,
    title: str,
    body: str = "",
    committee: str = "",
    priority: str = "moyenne",
    theme_ids: list[int] = (),
    by=None,
) -> Recommendation:
    """A new préconisation, « proposée », with its first follow-up entry (the study's year).
    Raises RecommendationInvalid. Flushes."""
    fields = _checked_fields(title, body, committee, priority)
    themes = _themes_from_ids(list(theme_ids))
    position = (
        db.session.scalar(
            select(func.max(Recommendation.position)).where(Recommendation.study_id == study.id)
        )
        or 0
    ) + 1
    recommendation = Recommendation(
        study_id=study.id,
        status="proposee",
        position=position,
        created_by_id=getattr(by, "id", None),
        **fields,
    )
    recommendation.themes = themes
    recommendation.entries.append(
        RecommendationEntry(
            status="proposee", year=study.year, note="", author_id=getattr(by, "id", None)
        )
    )
    db.session.add(recommendation)
    db.session.flush()
    record(
        "recommendation",
        recommendation.id,
        "create",
        study=study,
        by=by,
        after=_state(recommendation),
    )
    return recommendation


def update_recommendation(
    recommendation: Recommendation,
    *,
    version: int | None,
    title: str,
    body: str,
    committee: str,
    priority: str,
    theme_ids: list[int],
    by=None,
) -> bool:
    """Saves the form read at `version`; another save since refuses it (RecommendationStale).
    Returns whether anything changed. Flushes."""
    if version is not None and version != recommendation.version:
        raise RecommendationStale(
            {
                "version": "Cette préconisation a été modifiée par quelqu'un d'autre pendant que "
                "vous la modifiiez : rien n'a été enregistré. Votre texte est conservé ci-dessous ; "
                "comparez-le à la version actuelle, puis enregistrez à nouveau."
            }
        )
    fields = _checked_fields(title, body, committee, priority)
    themes = _themes_from_ids(list(theme_ids))
    before = _state(recommendation)
    for name, value in fields.items():
        setattr(recommendation, name, value)
    if {theme.id for theme in themes} != {theme.id for theme in recommendation.themes}:
        recommendation.themes = themes
    after = {**fields, "themes": sorted(theme.id for theme in themes)}
    if after == before:
        return False
    # A change of themes alone touches only the link table: the row is updated anyway, so that
    # its version moves and a form read before this save is refused.
    recommendation.updated_at = utcnow()
    db.session.flush()
    changed_before = {key: value for key, value in before.items() if after[key] != value}
    changed_after = {key: after[key] for key in changed_before}
    record(
        "recommendation",
        recommendation.id,
        "edit",
        by=by,
        before=changed_before,
        after=changed_after,
    )
    return True


# --- follow-up -----------------------------------------------------------------------------------


def add_entry(
    recommendation: Recommendation, study, *, status: str, note: str = "", by=None, url: str = ""
) -> RecommendationEntry:
    """A dated line of follow-up in the study's year; the préconisation takes its status. A new
    status is told to the préconisation's followers (but the author). Flushes."""
    errors = {}
    if status not in RECOMMENDATION_STATUSES:
        errors["status"] = "Statut : choisissez l'un des statuts proposés."
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        errors["note"] = f"Note : {NOTE_LENGTH} caractères au plus."
    if errors:
        raise RecommendationInvalid(errors)
    previous = recommendation.status
    entry = RecommendationEntry(
        status=status, year=study.year, note=note, author_id=getattr(by, "id", None)
    )
    recommendation.entries.append(entry)
    recommendation.status = status
    db.session.flush()
    record(
        "recommendation",
        recommendation.id,
        "state",
        by=by,
        before={"status": previous},
        after={"status": status, "note": note[:200]},
    )
    if status != previous:
        notify_followers(
            recommendation.study_id,
            "preconisation_statut",
            f"Préconisation « {recommendation.title} » : "
            f"{RECOMMENDATION_STATUSES[status].lower()} (était {RECOMMENDATION_STATUSES[previous].lower()}).",
            url,
            recommendation_id=recommendation.id,
            exclude_user_id=getattr(by, "id", None),
        )
    return entry


def recommendations_of_theme(theme_id: int) -> list[Recommendation]:
    return list(
        db.session.scalars(
            select(Recommendation)
            .join(Recommendation.themes)
            .where(Theme.id == theme_id)
            .order_by(Recommendation.position)
        )
    )


def filtered(
    *, committee: str = "", status: str = "", priority: str = "", theme_id=None
) -> list[Recommendation]:
    """The study's préconisations, in their order, filtered as the list page asks."""
    query = select(Recommendation).order_by(Recommendation.position, Recommendation.id)
    if committee:
        query = query.where(Recommendation.committee == committee)
    if status:
        query = query.where(Recommendation.status == status)
    if priority:
        query = query.where(Recommendation.priority == priority)
    if theme_id is not None:
        query = query.where(Recommendation.themes.any(Theme.id == theme_id))
    return list(db.session.scalars(query))


def evidence_counts(recommendation_ids: list[int]) -> dict[int, int]:
    if not recommendation_ids:
        return {}
    return dict(
        db.session.execute(
            select(Evidence.recommendation_id, func.count(Evidence.id))
            .where(Evidence.recommendation_id.in_(recommendation_ids))
            .group_by(Evidence.recommendation_id)
        ).all()
    )


def committees_in_use() -> list[str]:
    used = set(db.session.scalars(select(Recommendation.committee).distinct()))
    return [c for c in COMMITTEES] + sorted(c for c in used if c and c not in COMMITTEES)


def previous_of(recommendation: Recommendation) -> tuple[Recommendation | None, object]:
    """(the préconisation of the previous edition it was carried from, that edition's study);
    read across studies, since it belongs to the previous one."""
    from ..studies.models import Study
    from ..studies.scope import ALL_STUDIES

    if recommendation.carried_from_id is None:
        return None, None
    previous = db.session.scalar(
        select(Recommendation)
        .where(Recommendation.id == recommendation.carried_from_id)
        .execution_options(**{ALL_STUDIES: True})
    )
    if previous is None:
        return None, None
    return previous, db.session.get(Study, previous.study_id)
