"""The evidence of a préconisation, as links that open what they point to: verbatims (answers
coded with one of its themes), survey figures (a closed question of a questionnaire of the study)
and indicators of the glossary; and what a page shows of them.

A verbatim link keeps the answer's address (submission, path, questionnaire), never its words: the
text is read where it lives each time it is shown, pseudonymised for whoever is not a coder, and a
link whose submission was erased says so. Services flush, never commit; each change writes one
journal line."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from questionnaires import label_in

from ..coding import results, survey_figures
from ..coding.models import Codebook, Theme
from ..coding.services import answer_row, free_text_questions
from ..extensions import db
from ..indicators.models import Indicator
from ..indicators.theme_links import indicators_of_themes
from ..questionnaire_store.models import Questionnaire
from ..studies.audit import record
from ..submissions.models import Submission
from .models import Evidence, Recommendation, ThemeVerbatim
from .recommendations import RecommendationInvalid

CANDIDATES_PER_THEME = 30
ERASED = "Ce verbatim a été effacé (droit à l'effacement)."


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
    name = evidence.path.rsplit("/", 1)[-1].split("[", 1)[0]
    for question in free_text_questions(questionnaire):
        if question.name == name:
            return label_in(question.label, "fr") or name
    return name
