"""Operations of the coding workspace: codebooks, codings on spans, suggestions, memos, and the
free-text answers of a question as rows.

Every function flushes and never commits: the view, CLI command or job commits once. Errors are
`CodingError` values with a French message and the HTTP status a JSON endpoint should answer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property

from sqlalchemy import delete, false, func, or_, select
from sqlalchemy.orm import selectinload

from analyse import codebook as analyse_codebook
from analyse.nlp import fold, text_hash
from questionnaires.answers import answer_at
from questionnaires.model import label_in

from ..accounts.models import User
from ..extensions import db
from ..main.converters import MAX_DATABASE_ID
from ..questionnaire_store.definitions import version_model
from ..questionnaire_store.models import Questionnaire
from ..studies.audit import changed, record
from ..submissions.answer_table import FREE_TEXT_TYPES, AnswerText
from ..submissions.models import AGE_BANDS, PUBLICS, Submission
from ..territory.models import Commune, Quartier
from .models import Code, Codebook, Coding, Memo, PseudonymisedAnswer, Suggestion

PALETTE = (
    "#2563eb",
    "#d97706",
    "#059669",
    "#dc2626",
    "#7c3aed",
    "#0891b2",
    "#be185d",
    "#4d7c0f",
    "#b45309",
    "#475569",
)
# Analyse's names for where a suggestion comes from, and ours (stored on Suggestion and Coding).
SOURCES = {"regle": "rules", "modele": "model", "regle+modele": "rules+model"}
SOURCE_LABELS = {
    "manual": "Manuel",
    "rules": "Règle",
    "model": "Modèle",
    "rules+model": "Règle et modèle",
    "classes": "Classe émergente",
}


class CodingError(ValueError):
    """An operation refused; `message` is French, `status` is what a JSON endpoint answers."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- codebooks ------------------------------------------------------------------------------------
def codebook_of(questionnaire_id: int) -> Codebook | None:
    return db.session.scalar(
        select(Codebook)
        .where(Codebook.questionnaire_id == questionnaire_id)
        .order_by(Codebook.id)
        .limit(1)
    )


def active_codes(codebook: Codebook) -> list[Code]:
    """Codes still in use (merged ones stay only so that old links resolve), in tree order."""
    codes = [code for code in codebook.codes if code.merged_into_id is None]
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []

    def visit(parent_id):
        for code in sorted(children.get(parent_id, []), key=lambda c: (c.position, c.name)):
            ordered.append(code)
            visit(code.id)

    visit(None)
    return ordered


def code_depth(code: Code) -> int:
    depth, parent = 0, code.parent
    while parent is not None and depth < 20:
        depth, parent = depth + 1, parent.parent
    return depth


def code_label(code: Code) -> str:
    """« Logement › Coût, loyers »."""
    names, current = [], code
    while current is not None and len(names) < 20:
        names.append(current.name)
        current = current.parent
    return " › ".join(reversed(names))


def to_analyse(codebook: Codebook) -> analyse_codebook.Codebook:
    """The codebook as analyse knows it (active codes only), for rules, models and checks."""
    result = analyse_codebook.Codebook(name=codebook.name)
    for code in active_codes(codebook):
        result.codes[code.key] = analyse_codebook.Code(
            id=code.key,
            name=code.name,
            description=code.description,
            colour=code.colour,
            parent=code.parent.key if code.parent is not None else None,
            keywords=list(code.keywords or []),
            phrases=list(code.phrases or []),
            regexes=list(code.regexes or []),
        )
    return result


def import_codes(codebook: Codebook, source: analyse_codebook.Codebook) -> list[Code]:
    """Add analyse's codes to a stored codebook (parents first); existing keys are left alone."""
    existing = {code.key: code for code in codebook.codes}
    added = []
    pending = list(source)
    position = len(existing)
    while pending:
        progressed = False
        for item in list(pending):
            if item.parent is not None and item.parent not in existing:
                continue
            pending.remove(item)
            progressed = True
            if item.id in existing:
                continue
            code = Code(
                key=item.id,
                name=item.name,
                description=item.description,
                colour=item.colour,
                keywords=list(item.keywords),
                phrases=list(item.phrases),
                regexes=list(item.regexes),
                parent=existing.get(item.parent) if item.parent else None,
                position=position,
            )
            position += 1
            codebook.codes.append(code)
            existing[item.id] = code
            added.append(code)
        if not progressed:
            raise CodingError("livre de codes : hiérarchie incohérente (parent introuvable)")
    db.session.flush()
    return added


def create_default_codebook(questionnaire: Questionnaire) -> Codebook:
    """The questionnaire's codebook, made from the ABS codebook shipped with analyse."""
    if codebook_of(questionnaire.id) is not None:
        raise CodingError("ce questionnaire a déjà un livre de codes", 409)
    source = analyse_codebook.default_codebook()
    codebook = Codebook(
        name=f"Livre de codes — {questionnaire.title}"[:200], questionnaire_id=questionnaire.id
    )
    db.session.add(codebook)
    added = import_codes(codebook, source)
    record(
        "codebook",
        codebook.id,
        "create",
        after={"name": codebook.name, "questionnaire_id": questionnaire.id, "codes": len(added)},
    )
    return codebook


def _check(codebook: Codebook, operation) -> None:
    """Run the operation on analyse's copy first: it knows what a valid codebook is."""
    try:
        operation(to_analyse(codebook))
    except analyse_codebook.CodebookError as error:
        raise CodingError("; ".join(error.problems)) from None


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:56] or "code"
    return slug if slug[0].isalnum() else f"c{slug}"


def _rules(values: Iterable[str] | str | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[\n;]", values)
    return [value.strip() for value in values if value and value.strip()]


def create_code(
    codebook: Codebook,
    name: str,
    *,
    parent: Code | None = None,
    description: str = "",
    colour: str | None = None,
    keywords=None,
    phrases=None,
    regexes=None,
) -> Code:
    name = (name or "").strip()
    if not name:
        raise CodingError("le nom du code est obligatoire")
    if len(name) > 200:
        raise CodingError("le nom du code dépasse 200 caractères")
    if parent is not None and (
        parent.codebook_id != codebook.id or parent.merged_into_id is not None
    ):
        raise CodingError("code parent inconnu dans ce livre de codes")
    taken = {code.key for code in codebook.codes}
    key, suffix = _slug(name), 2
    while key in taken:
        key, suffix = f"{_slug(name)[:52]}-{suffix}", suffix + 1
    colour = colour or (
        parent.colour if parent is not None else PALETTE[len(codebook.codes) % len(PALETTE)]
    )
    candidate = analyse_codebook.Code(
        id=key,
        name=name,
        description=description or "",
        colour=colour,
        parent=parent.key if parent else None,
        keywords=_rules(keywords),
        phrases=_rules(phrases),
        regexes=_rules(regexes),
    )
    _check(codebook, lambda copy: copy.add(candidate))
    code = Code(
        key=key,
        name=name,
        description=candidate.description,
        colour=colour,
        parent=parent,
        keywords=candidate.keywords,
        phrases=candidate.phrases,
        regexes=candidate.regexes,
        position=len(codebook.codes),
    )
    codebook.codes.append(code)
    db.session.flush()
    record("code", code.id, "create", after=_code_state(code))
    return code


def _code_state(code: Code) -> dict:
    return {
        "name": code.name,
        "parent": code.parent.name if code.parent is not None else None,
        "description": code.description,
        "colour": code.colour,
        "keywords": list(code.keywords or []),
        "phrases": list(code.phrases or []),
        "regexes": list(code.regexes or []),
    }


def update_code(
    code: Code,
    *,
    name: str | None = None,
    description: str | None = None,
    colour: str | None = None,
    keywords=None,
    phrases=None,
    regexes=None,
) -> Code:
    """Rename, describe, recolour or change the rules of a code; its codings stay."""
    _ensure_active(code)
    changes = {}
    if name is not None:
        if not name.strip():
            raise CodingError("le nom du code est obligatoire")
        changes["name"] = name.strip()[:200]
    if description is not None:
        changes["description"] = description
    if colour is not None:
        changes["colour"] = colour.strip()
    for attribute, value in (("keywords", keywords), ("phrases", phrases), ("regexes", regexes)):
        if value is not None:
            changes[attribute] = _rules(value)

    def apply(copy):
        current = copy.codes.pop(code.key)
        for attribute, value in changes.items():
            setattr(current, attribute, value)
        copy.add(current)

    _check(code.codebook, apply)
    was = _code_state(code)
    for attribute, value in changes.items():
        setattr(code, attribute, value)
    db.session.flush()
    before, after = changed(was, _code_state(code))
    if before or after:
        action = "rename" if set(before) | set(after) == {"name"} else "edit"
        record("code", code.id, action, before=before, after=after)
    return code


def move_code(code: Code, new_parent: Code | None) -> Code:
    """Put a code under another one (or at the top); its key and codings stay."""
    _ensure_active(code)
    if new_parent is not None:
        _ensure_active(new_parent)
        if new_parent.codebook_id != code.codebook_id:
            raise CodingError("le code parent appartient à un autre livre de codes")
    _check(code.codebook, lambda copy: copy.move(code.key, new_parent.key if new_parent else None))
    before = {"parent": code.parent.name if code.parent is not None else None}
    code.parent = new_parent
    siblings = [
        c for c in code.codebook.codes if c.parent_id == (new_parent.id if new_parent else None)
    ]
    code.position = max((c.position for c in siblings if c is not code), default=-1) + 1
    db.session.flush()
    after = {"parent": new_parent.name if new_parent is not None else None}
    if before != after:
        record("code", code.id, "move", before=before, after=after)
    return code


def merge_codes(sources: Iterable[Code], target: Code) -> dict:
    """Merge codes into `target`: their codings, suggestions and memos move to the target (a
    duplicate of a coding the target already has is dropped), their sub-codes move under it and
    they stay as records with `merged_into`. Returns counts."""
    _ensure_active(target)
    sources = [code for code in dict.fromkeys(sources) if code.id != target.id]
    if not sources:
        raise CodingError("choisissez au moins un code à fusionner, différent du code cible")
    for source in sources:
        _ensure_active(source)
        if source.codebook_id != target.codebook_id:
            raise CodingError("on ne fusionne que des codes du même livre de codes")
    _check(target.codebook, lambda copy: copy.merge([source.key for source in sources], target.key))
    source_ids = [source.id for source in sources]
    moved = dropped = 0
    target_codings = {
        (c.submission_id, c.path, c.start, c.end, c.coder_id)
        for c in db.session.scalars(select(Coding).where(Coding.code_id == target.id))
    }
    for coding in db.session.scalars(
        select(Coding).where(Coding.code_id.in_(source_ids)).order_by(Coding.id)
    ):
        identity = (coding.submission_id, coding.path, coding.start, coding.end, coding.coder_id)
        if identity in target_codings:
            db.session.delete(coding)
            dropped += 1
        else:
            coding.code_id = target.id
            target_codings.add(identity)
            moved += 1
    target_suggestions = {
        (s.submission_id, s.path)
        for s in db.session.scalars(select(Suggestion).where(Suggestion.code_id == target.id))
    }
    for suggestion in db.session.scalars(
        select(Suggestion).where(Suggestion.code_id.in_(source_ids))
    ):
        if (suggestion.submission_id, suggestion.path) in target_suggestions:
            db.session.delete(suggestion)
        else:
            suggestion.code_id = target.id
            target_suggestions.add((suggestion.submission_id, suggestion.path))
    for memo in db.session.scalars(select(Memo).where(Memo.code_id.in_(source_ids))):
        memo.code_id = target.id
    for source in sources:
        for child in list(source.children):
            if child.merged_into_id is None:
                child.parent = target
        for attribute in ("keywords", "phrases", "regexes"):
            merged = list(getattr(target, attribute) or []) + list(getattr(source, attribute) or [])
            setattr(target, attribute, list(dict.fromkeys(merged)))
        source.merged_into_id = target.id
        source.parent = None
    db.session.flush()
    counts = {"codings_moved": moved, "duplicates_dropped": dropped, "merged": len(sources)}
    record(
        "code",
        target.id,
        "merge",
        before={"codes": [source.name for source in sources]},
        after={"into": target.name} | counts,
    )
    return counts


def codings_per_code(codebook: Codebook) -> dict[int, int]:
    """How many codings each code of the codebook holds (codes without any are absent)."""
    return dict(
        db.session.execute(
            select(Coding.code_id, func.count(Coding.id))
            .join(Code, Coding.code_id == Code.id)
            .where(Code.codebook_id == codebook.id)
            .group_by(Coding.code_id)
        ).all()
    )


def code_usage(code: Code) -> int:
    return db.session.scalar(select(func.count(Coding.id)).where(Coding.code_id == code.id)) or 0


def delete_code(code: Code) -> None:
    """Only a code nobody used: otherwise merge it, so that its codings are kept."""
    _ensure_active(code)
    used = code_usage(code)
    if used:
        raise CodingError(
            f"« {code.name} » est utilisé par {used} codage(s) : fusionnez-le dans un autre code pour les garder",
            409,
        )
    if any(child.merged_into_id is None for child in code.children):
        raise CodingError(
            f"« {code.name} » a des sous-codes : déplacez-les ou fusionnez d'abord", 409
        )
    db.session.execute(delete(Suggestion).where(Suggestion.code_id == code.id))
    db.session.execute(delete(Memo).where(Memo.code_id == code.id))
    for merged in db.session.scalars(select(Code).where(Code.merged_into_id == code.id)):
        merged.merged_into_id = None  # the history ends here
    code_id, name = code.id, code.name
    code.codebook.codes.remove(code)
    db.session.delete(code)
    db.session.flush()
    record("code", code_id, "delete", before={"name": name})


def _ensure_active(code: Code) -> None:
    if code.merged_into_id is not None:
        raise CodingError(f"« {code.name} » a été fusionné dans un autre code", 409)


def codable_questionnaires() -> list[Questionnaire]:
    """The questionnaires whose answers can be coded: published at least once and not archived."""
    return [
        questionnaire
        for questionnaire in db.session.scalars(select(Questionnaire).order_by(Questionnaire.title))
        if questionnaire.published_versions and not questionnaire.archived
    ]


# ---- answers --------------------------------------------------------------------------------------
def free_text_questions(questionnaire: Questionnaire) -> list:
    """Free-text questions (text, paragraph) of the questionnaire, in order, from its most recent
    published version (the latest draft when none is published)."""
    version = questionnaire.current_published or questionnaire.latest
    if version is None:
        return []
    return [
        question
        for question in version_model(version).questions()
        if question.type in FREE_TEXT_TYPES
    ]


def text_at(answers: dict, path: str) -> str | None:
    """The answer text at `path` ("name" or "group[i]/name"), None when there is none."""
    value = answer_at(answers, path)
    return value if isinstance(value, str) else None


@dataclass
class Respondent:
    """What the analysis pages show of a submission: its id and respondent profile, read from the
    answer table (the submission's JSON is never loaded to list answers)."""

    id: int
    public: str
    age_band: str = ""
    commune_code: str | None = None
    quartier_id: int | None = None
    commune_name: str = ""
    quartier_name: str = ""


@dataclass
class AnswerRow:
    submission: Respondent
    path: str
    text: str
    question: str
    text_hash: str = ""
    codings: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)
    memo: Memo | None = None
    pseudonymised: PseudonymisedAnswer | None = None
    # (the question it follows up, the respondent's answer to it): see attach_followed.
    follows: tuple[str, str] | None = None

    @property
    def key(self) -> str:
        return f"{self.submission.id}:{self.path}"

    @cached_property
    def hash(self) -> str:
        return self.text_hash or text_hash(self.text)

    @property
    def codings_to_review(self) -> list:
        """Codings « à revoir »: their words were edited since they were coded."""
        current = self.hash
        return [coding for coding in self.codings if coding.to_review(current)]

    @property
    def settled_codings(self) -> list:
        """Codings that agreement and results count: those not waiting for a review."""
        current = self.hash
        return [coding for coding in self.codings if not coding.to_review(current)]

    @property
    def public_label(self) -> str:
        return PUBLICS.get(self.submission.public, self.submission.public)

    @property
    def age_band_label(self) -> str:
        return AGE_BANDS.get(self.submission.age_band, self.submission.age_band or "")

    @property
    def place_label(self) -> str:
        return " · ".join(
            part for part in (self.submission.commune_name, self.submission.quartier_name) if part
        )

    @property
    def validated_text(self) -> str | None:
        """The pseudonymised text a non-coder may read: validated, and of the current answer."""
        found = self.pseudonymised
        if found is not None and found.is_validated and found.text_hash == self.hash:
            return found.text
        return None


def analysed_answers(questionnaire_id: int):
    """The answer-table rows the analysis reads: not those of a rejected submission."""
    return (AnswerText.questionnaire_id == questionnaire_id, AnswerText.state != "rejetee")


def _rows_query(questionnaire_id: int):
    return (
        select(
            AnswerText.submission_id,
            AnswerText.path,
            AnswerText.text,
            AnswerText.question,
            AnswerText.text_hash,
            AnswerText.public,
            AnswerText.age_band,
            AnswerText.commune_code,
            AnswerText.quartier_id,
            Commune.name.label("commune_name"),
            Quartier.name.label("quartier_name"),
        )
        .outerjoin(Commune, Commune.insee_code == AnswerText.commune_code)
        .outerjoin(Quartier, Quartier.id == AnswerText.quartier_id)
        .where(*analysed_answers(questionnaire_id))
    )


def _answer_rows(query) -> list[AnswerRow]:
    return [
        AnswerRow(
            Respondent(
                record.submission_id,
                record.public,
                record.age_band,
                record.commune_code,
                record.quartier_id,
                record.commune_name or "",
                record.quartier_name or "",
            ),
            record.path,
            record.text,
            record.question,
            record.text_hash,
        )
        for record in db.session.execute(query)
    ]


def all_answer_rows(
    questionnaire_id: int,
    questions: Iterable[str] | None = None,
    *,
    public: str = "",
    commune: str = "",
) -> list[AnswerRow]:
    """Every non-empty free-text answer of the questionnaire (repeat instances included), in
    submission order, from the answer table."""
    query = _rows_query(questionnaire_id)
    if questions is not None:
        query = query.where(AnswerText.question.in_(list(questions)))
    if public:
        query = query.where(AnswerText.public == public)
    if commune:
        query = query.where(AnswerText.commune_code == commune)
    return _answer_rows(query.order_by(AnswerText.submission_id, AnswerText.position))


# How the workspace may order a question's answers: as they came, or by their best pending
# suggestion's score (calibrated, so « 80 % » reads as « right 8 times in 10 »): the surest first
# to accept them quickly, or the least sure first, where a coder's eye is most needed.
ANSWER_ORDERS = {
    "": "Ordre d'arrivée",
    "score": "Suggestions les plus sûres d'abord",
    "doute": "Suggestions les moins sûres d'abord",
}


@dataclass
class AnswerFilters:
    uncoded_by: int | None = None  # a user id: answers this coder has not coded yet
    code_id: int | None = None
    public: str = ""
    commune: str = ""
    min_score: float | None = None
    search: str = ""
    to_review: bool = False  # answers with a coding « à revoir »
    order: str = ""  # a key of ANSWER_ORDERS


def _codings_of_answer(coder_id: int | None = None):
    query = select(Coding.id).where(
        Coding.submission_id == AnswerText.submission_id, Coding.path == AnswerText.path
    )
    return query.where(Coding.coder_id == coder_id) if coder_id is not None else query


def _pending_of_answer():
    return select(Suggestion.id).where(
        Suggestion.submission_id == AnswerText.submission_id,
        Suggestion.path == AnswerText.path,
        Suggestion.status == "pending",
        Suggestion.text_hash == AnswerText.text_hash,
    )


def _filtered(query, filters: AnswerFilters, *, coder_id: int | None, blind: bool):
    """The workspace's filters as SQL on the answer table; the codings and suggestions a filter
    looks at are those the coder sees (only their own codings and no suggestion when blind)."""
    if filters.public:
        query = query.where(AnswerText.public == filters.public)
    if filters.commune:
        query = query.where(AnswerText.commune_code == filters.commune)
    if filters.search.strip():
        query = query.where(
            AnswerText.folded.contains(fold(filters.search.strip()), autoescape=True)
        )
    seen_coder = coder_id if blind else None
    if filters.uncoded_by is not None:
        query = query.where(~_codings_of_answer(filters.uncoded_by).exists())
    if filters.code_id is not None:
        coded = _codings_of_answer(seen_coder).where(Coding.code_id == filters.code_id).exists()
        suggested = _pending_of_answer().where(Suggestion.code_id == filters.code_id).exists()
        query = query.where(coded if blind else or_(coded, suggested))
    if filters.min_score is not None:
        query = query.where(
            false()
            if blind
            else _pending_of_answer().where(Suggestion.score >= filters.min_score).exists()
        )
    if filters.to_review:
        query = query.where(
            _codings_of_answer(seen_coder)
            .where(or_(Coding.needs_review.is_(True), Coding.text_hash != AnswerText.text_hash))
            .exists()
        )
    return query


def question_page(
    questionnaire_id: int,
    question: str,
    filters: AnswerFilters | None = None,
    *,
    coder_id: int | None = None,
    blind: bool = False,
    page: int = 1,
    per_page: int | None = None,
) -> tuple[list[AnswerRow], int, int]:
    """One page of a question's answers, filtered in SQL, with their codings, suggestions, memo
    and pseudonymised text: (rows, matching answers, page shown)."""
    query = _filtered(
        _rows_query(questionnaire_id).where(AnswerText.question == question),
        filters or AnswerFilters(),
        coder_id=coder_id,
        blind=blind,
    )
    total = (
        db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    filters = filters or AnswerFilters()
    if filters.order in ("score", "doute") and not blind:
        # Answers without a pending suggestion come last either way.
        best = _pending_of_answer().with_only_columns(func.max(Suggestion.score)).scalar_subquery()
        by_score = best.desc() if filters.order == "score" else best.asc()
        query = query.order_by(by_score.nulls_last())
    query = query.order_by(AnswerText.submission_id, AnswerText.position)
    if per_page:
        pages = max((total + per_page - 1) // per_page, 1)
        page = min(max(page, 1), pages)
        query = query.limit(per_page).offset((page - 1) * per_page)
    rows = _answer_rows(query)
    attach(rows, coder_id=coder_id, blind=blind)
    return rows, total, page


def question_rows(
    questionnaire_id: int,
    question: str,
    filters: AnswerFilters | None = None,
    *,
    coder_id: int | None = None,
    blind: bool = False,
) -> list[AnswerRow]:
    """The answers of one question with their codings (only `coder_id`'s when `blind`), pending
    suggestions (none when blind, so that coders code independently), memo and pseudonymised
    version, filtered."""
    return question_page(questionnaire_id, question, filters, coder_id=coder_id, blind=blind)[0]


def attach_followed(rows: list[AnswerRow], questionnaire: Questionnaire) -> None:
    """For an open question that follows up another (« Quels soins, et pourquoi ? » shown after
    « Avez-vous renoncé à des soins ? » = oui), the question and each respondent's answer to it,
    read from the submissions of the rows only (a page, not the questionnaire)."""
    version = questionnaire.current_published or questionnaire.latest
    if not rows or version is None:
        return
    model = version_model(version)
    by_question: dict[str, list[AnswerRow]] = {}
    for row in rows:
        by_question.setdefault(row.question, []).append(row)
    for question, question_rows in by_question.items():
        followed = model.followed(question)
        # A followed question inside a repeat has one answer per instance: not shown.
        if followed is None or model.repeat_of(followed.name) is not None:
            continue
        label = label_in(followed.label, "fr") or followed.name
        ids = sorted({row.submission.id for row in question_rows})
        values = dict(
            db.session.execute(
                select(Submission.id, Submission.answers[followed.name]).where(
                    Submission.id.in_(ids)
                )
            ).all()
        )
        for row in question_rows:
            row.follows = (label, model.answer_text(followed, values.get(row.submission.id)))


def answer_row(
    questionnaire_id: int,
    submission_id: int,
    path: str,
    *,
    coder_id: int | None = None,
    blind: bool = False,
) -> AnswerRow | None:
    """One answer as the workspace shows it: what a coding click renders again."""
    rows = _answer_rows(
        _rows_query(questionnaire_id).where(
            AnswerText.submission_id == submission_id, AnswerText.path == path
        )
    )
    attach(rows, coder_id=coder_id, blind=blind)
    return rows[0] if rows else None


def question_counts(questionnaire_id: int, question: str, *, coder_id: int, blind: bool) -> dict:
    """The workspace's counters over all the question's answers, as SQL aggregates: answers,
    answers coded by the coder, answers per code (the codings the coder sees), pending suggestions."""
    answers = (
        db.session.scalar(
            select(func.count(AnswerText.id)).where(
                *analysed_answers(questionnaire_id), AnswerText.question == question
            )
        )
        or 0
    )
    joined = (
        select(Coding.code_id, func.count(func.distinct(AnswerText.id)))
        .join(
            AnswerText,
            (Coding.submission_id == AnswerText.submission_id) & (Coding.path == AnswerText.path),
        )
        .where(*analysed_answers(questionnaire_id), AnswerText.question == question)
    )
    if blind:
        joined = joined.where(Coding.coder_id == coder_id)
    code_counts = dict(db.session.execute(joined.group_by(Coding.code_id)).all())
    mine = (
        db.session.scalar(
            select(func.count(func.distinct(AnswerText.id)))
            .select_from(AnswerText)
            .join(
                Coding,
                (Coding.submission_id == AnswerText.submission_id)
                & (Coding.path == AnswerText.path),
            )
            .where(
                *analysed_answers(questionnaire_id),
                AnswerText.question == question,
                Coding.coder_id == coder_id,
            )
        )
        or 0
    )
    pending = (
        0
        if blind
        else db.session.scalar(
            select(func.count(Suggestion.id))
            .join(
                AnswerText,
                (Suggestion.submission_id == AnswerText.submission_id)
                & (Suggestion.path == AnswerText.path)
                & (Suggestion.text_hash == AnswerText.text_hash),
            )
            .where(
                *analysed_answers(questionnaire_id),
                AnswerText.question == question,
                Suggestion.status == "pending",
            )
        )
        or 0
    )
    held = (
        select(func.count(Coding.id))
        .join(
            AnswerText,
            (Coding.submission_id == AnswerText.submission_id) & (Coding.path == AnswerText.path),
        )
        .where(
            *analysed_answers(questionnaire_id),
            AnswerText.question == question,
            or_(Coding.needs_review.is_(True), Coding.text_hash != AnswerText.text_hash),
        )
    )
    if blind:
        held = held.where(Coding.coder_id == coder_id)
    to_review = db.session.scalar(held) or 0
    return {
        "answers": answers,
        "coded_by_me": mine,
        "code_counts": code_counts,
        "pending": pending,
        "to_review": to_review,
    }


def attach(
    rows: list[AnswerRow],
    *,
    coder_id: int | None = None,
    blind: bool = False,
    codings: bool = True,
    suggestions: bool = True,
    memos: bool = True,
) -> None:
    """Load codings, pending suggestions, memos and pseudonymised texts of the rows in a few queries."""
    if not rows:
        return
    by_key = {(row.submission.id, row.path): row for row in rows}
    ids = sorted({row.submission.id for row in rows})
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        query = (
            select(Coding)
            .options(selectinload(Coding.code), selectinload(Coding.coder))
            .where(Coding.submission_id.in_(part))
            .order_by(Coding.start, Coding.id)
        )
        if blind and coder_id is not None:
            query = query.where(Coding.coder_id == coder_id)
        for coding in db.session.scalars(query) if codings else ():
            row = by_key.get((coding.submission_id, coding.path))
            if row is not None:
                row.codings.append(coding)
        if not blind and suggestions:
            for suggestion in db.session.scalars(
                select(Suggestion)
                .options(selectinload(Suggestion.code))
                .where(Suggestion.submission_id.in_(part), Suggestion.status == "pending")
                .order_by(Suggestion.score.desc())
            ):
                row = by_key.get((suggestion.submission_id, suggestion.path))
                if row is not None and suggestion.text_hash == row.hash:
                    row.suggestions.append(suggestion)
        for memo in (
            db.session.scalars(select(Memo).where(Memo.submission_id.in_(part))) if memos else ()
        ):
            row = by_key.get((memo.submission_id, memo.path))
            if row is not None:
                row.memo = memo
        for found in db.session.scalars(
            select(PseudonymisedAnswer).where(PseudonymisedAnswer.submission_id.in_(part))
        ):
            row = by_key.get((found.submission_id, found.path))
            if row is not None:
                row.pseudonymised = found


# ---- codings --------------------------------------------------------------------------------------
def _answer_text(submission: Submission, path: str) -> str:
    text = text_at(submission.answers or {}, path) if path else None
    if text is None or not text.strip():
        raise CodingError(
            f"aucune réponse libre « {path} » dans la réponse n° {submission.id}", 404
        )
    return text


def _codebook_for_submission(submission: Submission) -> Codebook:
    codebook = codebook_of(submission.questionnaire_version.questionnaire_id)
    if codebook is None:
        raise CodingError("ce questionnaire n'a pas encore de livre de codes", 409)
    return codebook


def add_coding(
    submission: Submission,
    path: str,
    start,
    end,
    code: Code,
    coder_id: int,
    *,
    source: str = "manual",
    expected_hash: str | None = None,
) -> Coding:
    """Code [start, end) of the answer at `path`. Offsets are checked against the current text;
    `expected_hash` (the text the coder saw) refuses a coding made on a text edited since."""
    coding, created = _add_coding(
        submission,
        path,
        start,
        end,
        code,
        coder_id,
        source=source,
        expected_hash=expected_hash,
    )
    if created:
        record("coding", coding.id, "add", after=_coding_state(coding, code))
    return coding


def _coding_state(coding: Coding, code: Code | None = None) -> dict:
    code = code or coding.code
    return {
        "submission_id": coding.submission_id,
        "path": coding.path,
        "start": coding.start,
        "end": coding.end,
        "code": code.name if code is not None else None,
    }


def _add_coding(
    submission: Submission,
    path: str,
    start,
    end,
    code: Code,
    coder_id: int,
    *,
    source: str = "manual",
    expected_hash: str | None = None,
) -> tuple[Coding, bool]:
    """The coding, and whether it is new (the same coding twice is kept once)."""
    text = _answer_text(submission, path)
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise CodingError("début et fin du segment doivent être des nombres entiers", 400) from None
    if not 0 <= start < end <= len(text):
        raise CodingError(
            f"segment {start}–{end} hors de la réponse (0 à {len(text)} caractères) ou vide", 422
        )
    digest = text_hash(text)
    if expected_hash and expected_hash != digest:
        raise CodingError(
            "la réponse a été modifiée depuis l'ouverture de la page : rechargez-la", 409
        )
    if code.codebook_id != _codebook_for_submission(submission).id:
        raise CodingError("ce code n'appartient pas au livre de codes de ce questionnaire", 422)
    _ensure_active(code)
    existing = db.session.scalar(
        select(Coding).where(
            Coding.submission_id == submission.id,
            Coding.path == path,
            Coding.start == start,
            Coding.end == end,
            Coding.code_id == code.id,
            Coding.coder_id == coder_id,
        )
    )
    if existing is not None:
        return existing, False
    coding = Coding(
        submission_id=submission.id,
        path=path,
        start=start,
        end=end,
        code_id=code.id,
        coder_id=coder_id,
        text_hash=digest,
        source=source,
    )
    db.session.add(coding)
    # A code coded by hand answers its pending suggestion on that answer.
    pending = db.session.scalar(
        select(Suggestion).where(
            Suggestion.submission_id == submission.id,
            Suggestion.path == path,
            Suggestion.code_id == code.id,
            Suggestion.status == "pending",
        )
    )
    if pending is not None:
        pending.status, pending.decided_by_id, pending.decided_at = "accepted", coder_id, _now()
    db.session.flush()
    return coding, True


def confirm_coding(coding: Coding, user) -> Coding:
    """A coder has read a coding « à revoir » again and keeps it on the current words. Confirming
    a coding that is not à revoir changes nothing (a second click, another tab)."""
    text = _answer_text(db.session.get(Submission, coding.submission_id), coding.path)
    if not coding.to_review(text_hash(text)):
        return coding
    if coding.coder_id != user.id and not user.is_admin:
        raise CodingError("vous ne pouvez confirmer que vos propres codages", 403)
    if not 0 <= coding.start < coding.end <= len(text):
        raise CodingError(
            "les mots codés ont été supprimés de la réponse : retirez ce codage ou codez à nouveau",
            409,
        )
    words_before = coding.words_before
    coding.needs_review, coding.words_before, coding.text_hash = False, "", text_hash(text)
    db.session.flush()
    record(
        "coding",
        coding.id,
        "confirm",
        before={"to_review": True, "words_before": words_before},
        after={"to_review": False, "words": text[coding.start : coding.end]},
    )
    return coding


def remove_coding(coding: Coding, user) -> None:
    if coding.coder_id != user.id and not user.is_admin:
        raise CodingError("vous ne pouvez retirer que vos propres codages", 403)
    coding_id, before = coding.id, _coding_state(coding)
    db.session.delete(coding)
    db.session.flush()
    record("coding", coding_id, "remove", before=before)


def accept_suggestion(suggestion: Suggestion, user) -> list[Coding]:
    """Turn a suggestion into codings: one per evidence span, or the whole answer without span."""
    if suggestion.status != "pending":
        raise CodingError("cette suggestion a déjà été traitée", 409)
    submission = db.session.get(Submission, suggestion.submission_id)
    text = _answer_text(submission, suggestion.path)
    if text_hash(text) != suggestion.text_hash:
        raise CodingError("la réponse a changé depuis la suggestion : relancez l'analyse", 409)
    spans = [tuple(span) for span in suggestion.spans or [] if 0 <= span[0] < span[1] <= len(text)]
    if not spans:
        stripped = len(text) - len(text.lstrip())
        spans = [(stripped, len(text.rstrip()))]
    source = suggestion.source if suggestion.source in SOURCE_LABELS else "rules"
    codings = [
        _add_coding(
            submission, suggestion.path, start, end, suggestion.code, user.id, source=source
        )[0]
        for start, end in spans
    ]
    suggestion.status, suggestion.decided_by_id, suggestion.decided_at = "accepted", user.id, _now()
    db.session.flush()
    # One line for the decision, naming the codings it made (not one line per span).
    record(
        "suggestion",
        suggestion.id,
        "accept",
        by=user,
        before={"status": "pending"},
        after={
            "status": "accepted",
            "submission_id": suggestion.submission_id,
            "path": suggestion.path,
            "code": suggestion.code.name,
            "codings": [coding.id for coding in codings],
        },
    )
    return codings


def reject_suggestion(suggestion: Suggestion, user) -> Suggestion:
    if suggestion.status != "pending":
        raise CodingError("cette suggestion a déjà été traitée", 409)
    suggestion.status, suggestion.decided_by_id, suggestion.decided_at = "rejected", user.id, _now()
    db.session.flush()
    record(
        "suggestion",
        suggestion.id,
        "reject",
        by=user,
        before={"status": "pending"},
        after={
            "status": "rejected",
            "submission_id": suggestion.submission_id,
            "path": suggestion.path,
            "code": suggestion.code.name if suggestion.code is not None else None,
        },
    )
    return suggestion


# ---- memos ----------------------------------------------------------------------------------------
def memo_of(code: Code) -> Memo | None:
    """The shared memo of a code, if one was written."""
    return db.session.scalar(select(Memo).where(Memo.code_id == code.id))


def submission_in(questionnaire: Questionnaire, submission_id) -> Submission:
    """The submission with this id (as sent in JSON) if it answers this questionnaire."""
    known = isinstance(submission_id, int) and 0 < submission_id <= MAX_DATABASE_ID
    submission = db.session.get(Submission, submission_id) if known else None
    if submission is None or submission.questionnaire_version.questionnaire_id != questionnaire.id:
        raise CodingError("réponse introuvable dans ce questionnaire", 404)
    return submission


def save_memo(
    author_id: int,
    text: str,
    *,
    code: Code | None = None,
    submission: Submission | None = None,
    path: str = "",
) -> Memo | None:
    """The shared memo of a code or of one answer; an empty text removes it."""
    if (code is None) == (submission is None):
        raise CodingError("un mémo porte sur un code ou sur une réponse", 400)
    if len(text or "") > 20_000:
        raise CodingError("mémo trop long (20 000 caractères au plus)")
    if submission is not None:
        _answer_text(submission, path)
        query = select(Memo).where(Memo.submission_id == submission.id, Memo.path == path)
    else:
        query = select(Memo).where(Memo.code_id == code.id)
    memo = db.session.scalar(query)
    # The journal names what the memo is about, never its text (it may quote an answer).
    about = {"code": code.key} if code is not None else {"réponse": submission.id, "question": path}
    if not (text or "").strip():
        if memo is not None:
            record("memo", memo.id, "delete", before=about)
            db.session.delete(memo)
            db.session.flush()
        return None
    created = memo is None
    if memo is None:
        memo = Memo(
            code_id=code.id if code else None,
            submission_id=submission.id if submission else None,
            path=path if submission else "",
            author_id=author_id,
        )
        db.session.add(memo)
    memo.text, memo.author_id, memo.updated_at = text.strip(), author_id, _now()
    db.session.flush()
    record("memo", memo.id, "create" if created else "edit", after=about)
    return memo


# ---- pseudonymisation review ----------------------------------------------------------------------
def pseudonymised_result(original: str, stored: PseudonymisedAnswer):
    """analyse's Pseudonymised of a stored row, rebuilt from its spans."""
    from analyse.pseudonymise import Span, render

    spans = [
        Span(
            item["start"],
            item["end"],
            item["kind"],
            item.get("text", ""),
            item.get("source", "rule"),
        )
        for item in stored.spans or []
    ]
    return render(original, spans)


def spans_json(result) -> list[dict]:
    return [
        {
            "start": r.start,
            "end": r.end,
            "kind": r.kind,
            "text": r.original,
            "source": r.source,
            "placeholder": r.placeholder,
        }
        for r in result.replacements
    ]


def correct_pseudonymisation(
    stored: PseudonymisedAnswer,
    *,
    add: Iterable[tuple[int, int, str]] = (),
    remove: Iterable[tuple[int, int]] = (),
) -> PseudonymisedAnswer:
    """A coder adds a missed identifier or removes a false one (original offsets); the text is
    rendered again and must be validated again."""
    from analyse.pseudonymise import KINDS, apply_corrections

    submission = db.session.get(Submission, stored.submission_id)
    original = _answer_text(submission, stored.path)
    if text_hash(original) != stored.text_hash:
        raise CodingError(
            "la réponse a changé depuis la pseudonymisation : relancez l'analyse", 409
        )
    added = []
    for start, end, kind in add:
        if kind not in KINDS:
            raise CodingError(f"type d'identifiant inconnu : {kind}", 422)
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            raise CodingError("début et fin doivent être des nombres entiers", 400) from None
        if not 0 <= start < end <= len(original):
            raise CodingError(
                f"segment {start}–{end} hors de la réponse ({len(original)} caractères)", 422
            )
        added.append((start, end, kind))
    try:
        result = apply_corrections(
            pseudonymised_result(original, stored),
            add=added,
            remove=[(int(s), int(e)) for s, e in remove],
        )
    except ValueError as error:
        raise CodingError(str(error), 422) from None
    was_validated = stored.validated_at is not None
    stored.text, stored.spans = result.text, spans_json(result)
    stored.validated_at, stored.validated_by_id = None, None
    db.session.flush()
    # Kinds and offsets only: the words themselves are what pseudonymisation hides.
    record(
        "pseudonymisation",
        stored.id,
        "correct",
        before={"validated": was_validated},
        after={
            "submission_id": stored.submission_id,
            "path": stored.path,
            "added": [[start, end, kind] for start, end, kind in added],
            "removed": [[int(s), int(e)] for s, e in remove],
            "validated": False,
        },
    )
    return stored


def validate_pseudonymisation(stored: PseudonymisedAnswer, user_id: int) -> PseudonymisedAnswer:
    _validate(stored, user_id)
    record(
        "pseudonymisation",
        stored.id,
        "validate",
        by=db.session.get(User, user_id),
        before={"validated": False},
        after={"validated": True, "answers": [[stored.submission_id, stored.path]]},
    )
    return stored


def _validate(stored: PseudonymisedAnswer, user_id: int) -> PseudonymisedAnswer:
    submission = db.session.get(Submission, stored.submission_id)
    if text_hash(_answer_text(submission, stored.path)) != stored.text_hash:
        raise CodingError(
            "la réponse a changé depuis la pseudonymisation : relancez l'analyse", 409
        )
    stored.validated_at, stored.validated_by_id = _now(), user_id
    db.session.flush()
    return stored


def validate_pseudonymisations(
    records: Iterable[PseudonymisedAnswer], user_id: int
) -> tuple[int, list[str]]:
    """Validate the pseudonymised texts a coder has just read on one page. An answer changed since
    its analysis is left out (named in the returned problems), the others are validated."""
    validated, problems = [], []
    for stored in records:
        if stored.is_validated:
            continue
        try:
            _validate(stored, user_id)
        except CodingError as error:
            problems.append(f"réponse n° {stored.submission_id} ({stored.path}) : {error.message}")
        else:
            validated.append(stored)
    if validated:
        # One line for the page the coder validated, naming each answer.
        record(
            "pseudonymisation",
            validated[0].id if len(validated) == 1 else "",
            "validate",
            by=db.session.get(User, user_id),
            before={"validated": False},
            after={
                "validated": True,
                "answers": [[stored.submission_id, stored.path] for stored in validated],
            },
        )
    return len(validated), problems


def coders_of(codebook: Codebook) -> list:
    from ..accounts.models import User

    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(Coding.coder_id)
                    .join(Code, Coding.code_id == Code.id)
                    .where(Code.codebook_id == codebook.id)
                )
            )
            .order_by(User.name, User.email)
        )
    )


def codings_of(codebook: Codebook, *, question: str | None = None) -> list[Coding]:
    query = (
        select(Coding).join(Code, Coding.code_id == Code.id).where(Code.codebook_id == codebook.id)
    )
    if question:
        query = query.where(or_(Coding.path == question, Coding.path.like(f"%/{question}")))
    return list(db.session.scalars(query.order_by(Coding.submission_id, Coding.path, Coding.start)))


def pseudonymised_in(questionnaire: Questionnaire, ids: list[int]) -> list[PseudonymisedAnswer]:
    """The pseudonymised answers with these ids that belong to this questionnaire's submissions."""
    from ..questionnaire_store.models import QuestionnaireVersion

    return list(
        db.session.scalars(
            select(PseudonymisedAnswer)
            .join(Submission, Submission.id == PseudonymisedAnswer.submission_id)
            .join(
                QuestionnaireVersion, QuestionnaireVersion.id == Submission.questionnaire_version_id
            )
            .where(
                PseudonymisedAnswer.id.in_(ids),
                QuestionnaireVersion.questionnaire_id == questionnaire.id,
            )
            .order_by(PseudonymisedAnswer.id)
        )
    )


def occurrences(stored: PseudonymisedAnswer, needle: str, kind: str) -> list[tuple[int, int, str]]:
    """Every place the coder's text appears in the original answer, as spans to mask."""
    submission = db.session.get(Submission, stored.submission_id)
    original = text_at(submission.answers or {}, stored.path) or ""
    needle = needle.strip()
    if not needle:
        raise CodingError("indiquez le texte à masquer, tel qu'il apparaît dans la réponse", 422)
    found, start = [], original.find(needle)
    while start != -1:
        found.append((start, start + len(needle), kind))
        start = original.find(needle, start + len(needle))
    if not found:
        raise CodingError(f"« {needle} » ne figure pas dans la réponse", 422)
    return found
