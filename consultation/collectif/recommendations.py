"""Préconisations: what the collectif proposes to the élus, the themes they answer, the evidence
they rest on (links to a verbatim, a survey figure or an indicator) and their status followed
year after year through dated entries.

A verbatim link keeps the answer's address (submission, path, questionnaire), never its words: the
text is read where it lives each time it is shown, pseudonymised for whoever is not a coder, and a
link whose submission was erased says so. Services flush, never commit; each change writes one
journal line."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from questionnaires import label_in

from ..accounts.models import utcnow
from ..coding import results, survey_figures
from ..coding.models import Code, Codebook, Theme
from ..coding.services import answer_row
from ..extensions import db
from ..indicators.models import Indicator
from ..indicators.theme_links import indicators_of_themes
from ..questionnaire_store.models import Questionnaire
from ..studies.audit import record
from ..submissions.models import Submission
from .following import notify_followers
from .models import (
    COMMITTEES,
    PRIORITIES,
    RECOMMENDATION_STATUSES,
    Evidence,
    Recommendation,
    RecommendationEntry,
    ThemeVerbatim,
)

TITLE_LENGTH = 300
BODY_LENGTH = 20_000
COMMITTEE_LENGTH = 200
NOTE_LENGTH = 5_000
CANDIDATES_PER_THEME = 30
ERASED = "Ce verbatim a été effacé (droit à l'effacement)."


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


# --- evidence ------------------------------------------------------------------------------------


def _theme_codebooks(recommendation: Recommendation) -> list[tuple[Theme, Codebook, set[int]]]:
    """(theme, its codebook, the code ids it counts: the code and its sub-codes)."""
    found = []
    for theme in recommendation.themes:
        book = db.session.get(Codebook, theme.code.codebook_id)
        if book is None or book.questionnaire_id is None:
            continue
        found.append((theme, book, results.code_family(book, theme.code)))
    return found


def _coded_with_themes(recommendation, submission_id: int, path: str):
    """(questionnaire id, theme) of the préconisation whose codes settle on this answer, or
    None."""
    for theme, book, family in _theme_codebooks(recommendation):
        row = answer_row(book.questionnaire_id, submission_id, path)
        if row is None:
            continue
        if any(coding.code_id in family for coding in row.settled_codings):
            return book.questionnaire_id, theme
    return None


def _next_position(recommendation: Recommendation) -> int:
    return max((evidence.position for evidence in recommendation.evidence), default=0) + 1


def parse_verbatim_key(value: str) -> tuple[int, str] | None:
    """« 12:besoins » → (12, "besoins"); anything else → None."""
    submission, _, path = (value or "").partition(":")
    if not submission.isdecimal() or len(submission) > 12 or not path or len(path) > 200:
        return None
    return int(submission), path


def add_verbatims(recommendation: Recommendation, keys: list[str], *, by=None) -> int:
    """Links answers coded with one of the préconisation's themes (« submission:path » keys).
    All or nothing: an answer of another study, not coded with these themes, or unreadable
    refuses the whole form. Returns how many new links were made. Flushes."""
    if not keys:
        raise RecommendationInvalid({"verbatims": "Verbatims : cochez au moins un verbatim."})
    if not recommendation.themes:
        raise RecommendationInvalid(
            {
                "verbatims": "Verbatims : choisissez d'abord les thèmes auxquels répond la "
                "préconisation ; ses verbatims sont des réponses codées avec ces thèmes."
            }
        )
    existing = {
        (evidence.submission_id, evidence.path)
        for evidence in recommendation.evidence
        if evidence.kind == "verbatim"
    }
    to_add = []
    for key in dict.fromkeys(keys):
        parsed = parse_verbatim_key(key)
        found = _coded_with_themes(recommendation, *parsed) if parsed else None
        if found is None:
            raise RecommendationInvalid(
                {
                    "verbatims": "Verbatims : l'une des réponses choisies n'est pas codée avec un "
                    "thème de cette préconisation dans cette étude ; rien n'a été lié."
                }
            )
        if parsed not in existing:
            to_add.append((parsed, found))
            existing.add(parsed)
    for (submission_id, path), (questionnaire_id, theme) in to_add:
        recommendation.evidence.append(
            Evidence(
                kind="verbatim",
                submission_id=submission_id,
                path=path,
                questionnaire_id=questionnaire_id,
                # The theme's name, never the resident's words.
                label=f"Verbatim codé « {theme.code.name} »"[:300],
                position=_next_position(recommendation),
                created_by_id=getattr(by, "id", None),
            )
        )
        db.session.flush()
    if to_add:
        record(
            "recommendation",
            recommendation.id,
            "add",
            by=by,
            after={"verbatims": [f"{s}:{p}" for (s, p), _ in to_add]},
        )
    return len(to_add)


def closed_question_choices(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(name, label) of the questionnaire's closed questions, as the chiffres page shows them."""
    model = survey_figures.reference_model(questionnaire)
    if model is None:
        return []
    return [
        (closed.name, label_in(question.label, "fr") or closed.name)
        for closed, question in survey_figures.closed_questions(model)
    ]


def add_figure(
    recommendation: Recommendation, questionnaire_id: int, question: str, *, by=None
) -> Evidence | None:
    """Links a closed question of one of the study's questionnaires (its figures on the chiffres
    page). None when the link existed already. Flushes."""
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    labels = (
        dict(closed_question_choices(questionnaire))
        if questionnaire is not None and questionnaire.study_id == recommendation.study_id
        else {}
    )
    if question not in labels:
        raise RecommendationInvalid(
            {
                "figure": "Chiffre de l'enquête : choisissez une question fermée d'un questionnaire "
                "de l'étude."
            }
        )
    if any(
        evidence.kind == "figure"
        and evidence.questionnaire_id == questionnaire_id
        and evidence.question == question
        for evidence in recommendation.evidence
    ):
        return None
    evidence = Evidence(
        kind="figure",
        questionnaire_id=questionnaire_id,
        question=question,
        label=labels[question][:300],
        position=_next_position(recommendation),
        created_by_id=getattr(by, "id", None),
    )
    recommendation.evidence.append(evidence)
    db.session.flush()
    record(
        "recommendation",
        recommendation.id,
        "add",
        by=by,
        after={"figure": f"{questionnaire_id}:{question}"},
    )
    return evidence


def add_indicator(recommendation: Recommendation, indicator_id: int, *, by=None) -> Evidence | None:
    """Links an indicator of the glossary. None when the link existed already. Flushes."""
    indicator = db.session.get(Indicator, indicator_id) if 0 < indicator_id < 2**31 else None
    if indicator is None:
        raise RecommendationInvalid(
            {"indicator": "Indicateur : choisissez un indicateur du glossaire."}
        )
    if any(
        evidence.kind == "indicator" and evidence.indicator_id == indicator.id
        for evidence in recommendation.evidence
    ):
        return None
    evidence = Evidence(
        kind="indicator",
        indicator_id=indicator.id,
        label=indicator.label[:300],
        position=_next_position(recommendation),
        created_by_id=getattr(by, "id", None),
    )
    recommendation.evidence.append(evidence)
    db.session.flush()
    record("recommendation", recommendation.id, "add", by=by, after={"indicator": indicator.code})
    return evidence


def remove_evidence(recommendation: Recommendation, evidence_id: int, *, by=None) -> bool:
    """Removes one link of the préconisation; False when it was already gone. Flushes."""
    evidence = next((e for e in recommendation.evidence if e.id == evidence_id), None)
    if evidence is None:
        return False
    before = {
        "kind": evidence.kind,
        "target": (
            f"{evidence.submission_id}:{evidence.path}"
            if evidence.kind == "verbatim"
            else f"{evidence.questionnaire_id}:{evidence.question}"
            if evidence.kind == "figure"
            else str(evidence.indicator_id)
        ),
    }
    recommendation.evidence.remove(evidence)
    db.session.flush()
    record("recommendation", recommendation.id, "remove", by=by, before=before)
    return True


# --- what a page shows of the evidence ------------------------------------------------------------


@dataclass
class VerbatimShown:
    """A verbatim as the reader may see it: `gone` says why there is no text (erased, edited
    away, waiting for its pseudonymisation)."""

    evidence: Evidence | None
    key: str
    row: object | None = None
    before: str = ""
    segment: str = ""
    after: str = ""
    colour: str = "#6b7280"
    theme: Theme | None = None
    gone: str = ""
    waiting: bool = False
    chosen: bool = False


def _shown(row, theme: Theme, book: Codebook, originals: bool) -> tuple[str, str, str] | None:
    segments, _ = results.verbatims(book, [row], theme.code, originals)
    if segments:
        return segments[0].before, segments[0].segment, segments[0].after
    return None


def show_verbatim(
    evidence: Evidence, recommendation: Recommendation, originals: bool
) -> VerbatimShown:
    """The linked answer as `originals` (a coder) or a reader may see it."""
    shown = VerbatimShown(evidence, f"{evidence.submission_id}:{evidence.path}")
    if db.session.get(Submission, evidence.submission_id) is None:
        shown.gone = ERASED
        return shown
    row = (
        answer_row(evidence.questionnaire_id, evidence.submission_id, evidence.path)
        if evidence.questionnaire_id
        else None
    )
    if row is None:
        shown.gone = "Cette réponse n'existe plus (elle a été vidée ou son questionnaire retiré)."
        return shown
    shown.row = row
    for theme, book, family in _theme_codebooks(recommendation):
        if book.questionnaire_id != evidence.questionnaire_id:
            continue
        if any(coding.code_id in family for coding in row.settled_codings):
            shown.theme = theme
            shown.colour = theme.code.colour
            pieces = _shown(row, theme, book, originals)
            if pieces is None:
                shown.waiting = True
            else:
                shown.before, shown.segment, shown.after = pieces
            return shown
    # No longer coded with the préconisation's themes: the whole answer, as the reader may see it.
    text = results.visible_text(row, originals)
    if text is None:
        shown.waiting = True
    else:
        shown.segment = text
    return shown


def verbatim_candidates(recommendation: Recommendation, originals: bool) -> list[VerbatimShown]:
    """Answers the préconisation may link: those the coders chose for its themes first, then the
    other answers coded with them (a page of each theme), already linked ones left out. Readers
    see only answers whose pseudonymisation is validated."""
    linked = {
        f"{evidence.submission_id}:{evidence.path}"
        for evidence in recommendation.evidence
        if evidence.kind == "verbatim"
    }
    chosen_keys = {
        (theme_verbatim.theme_id, f"{theme_verbatim.submission_id}:{theme_verbatim.path}")
        for theme_verbatim in db.session.scalars(
            select(ThemeVerbatim)
            .where(ThemeVerbatim.theme_id.in_([t.id for t in recommendation.themes]))
            .order_by(ThemeVerbatim.position)
        )
    }
    found: dict[str, VerbatimShown] = {}
    chosen_first: list[VerbatimShown] = []
    for theme, book, family in _theme_codebooks(recommendation):
        chosen_rows = [
            answer_row(book.questionnaire_id, int(key.split(":", 1)[0]), key.split(":", 1)[1])
            for theme_id, key in chosen_keys
            if theme_id == theme.id
        ]
        rows = [row for row in chosen_rows if row is not None] + results.rows_coded_with(
            book, family, limit=CANDIDATES_PER_THEME
        )
        for row in rows:
            key = row.key
            if key in linked or key in found:
                if (theme.id, key) in chosen_keys and key in found:
                    found[key].chosen = True
                continue
            pieces = _shown(row, theme, book, originals)
            if pieces is None:
                continue  # nothing a reader may see yet
            candidate = VerbatimShown(
                None,
                key,
                row,
                *pieces,
                colour=theme.code.colour,
                theme=theme,
                chosen=(theme.id, key) in chosen_keys,
            )
            found[key] = candidate
    for candidate in found.values():
        (chosen_first if candidate.chosen else []).append(candidate)
    return chosen_first + [candidate for candidate in found.values() if not candidate.chosen]


def figure_choices(recommendation: Recommendation) -> list[tuple[str, list[tuple[str, str]]]]:
    """(questionnaire title, [(« qid:question », label)]) for the study's questionnaires: the
    closed questions the préconisation's themes name first."""
    themed = {name for theme in recommendation.themes for name in (theme.questions or [])}
    groups = []
    for questionnaire in db.session.scalars(
        select(Questionnaire).where(~Questionnaire.archived).order_by(Questionnaire.id)
    ):
        questions = closed_question_choices(questionnaire)
        if not questions:
            continue
        ordered = [q for q in questions if q[0] in themed] + [
            q for q in questions if q[0] not in themed
        ]
        groups.append(
            (
                questionnaire.title,
                [(f"{questionnaire.id}:{name}", label) for name, label in ordered],
            )
        )
    return groups


def indicator_choices(recommendation: Recommendation) -> tuple[list[Indicator], list[Indicator]]:
    """(indicators the glossary links to the préconisation's themes, the other indicators)."""
    keys = [theme.code.key for theme in recommendation.themes]
    linked = {
        indicator.id: indicator
        for indicators in indicators_of_themes(keys).values()
        for indicator in indicators
    }
    others = [
        indicator
        for indicator in db.session.scalars(select(Indicator).order_by(Indicator.label))
        if indicator.id not in linked
    ]
    return sorted(linked.values(), key=lambda i: i.label), others


def question_label(evidence: Evidence) -> str:
    """A verbatim's question as its questionnaire words it (the path when it is gone)."""
    questionnaire = (
        db.session.get(Questionnaire, evidence.questionnaire_id)
        if evidence.questionnaire_id
        else None
    )
    if questionnaire is None:
        return evidence.path
    from ..coding.services import free_text_questions

    name = evidence.path.rsplit("/", 1)[-1].split("[", 1)[0]
    for question in free_text_questions(questionnaire):
        if question.name == name:
            return label_in(question.label, "fr") or name
    return name


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
