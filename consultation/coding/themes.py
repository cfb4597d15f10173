"""Themes: codes of a questionnaire's codebook marked as themes, and what the theme pages set
side by side — the territory's indicators against the comparison levels, the survey's related
closed questions, the coded verbatims with their weight by public.

A theme is a `Theme` row on its code (models.py); its sub-codes count with it. The indicators
come from the glossary, linked to the code's key (indicators/theme_links.py), so that every study
whose codebook has the key finds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import distinct, func, or_, select

from analyse.charts import french_number
from analyse.indicator_files import STATUS_LABELS, VALUE
from analyse.territories import LEVEL_LABELS

from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..indicators.theme_links import Freshness, freshness, indicators_of_themes, latest_years
from ..studies.audit import record
from ..submissions.answer_table import AnswerText
from ..submissions.models import PUBLICS
from ..territory.comparison import commune_territory, comparison_territories
from ..territory.models import Territory
from .models import Code, Codebook, Coding, Theme
from .results import _ON_ANSWER, SETTLED, code_family
from .services import active_codes, analysed_answers


class ThemeInvalid(ValueError):
    """A problem of a theme's settings, in French; nothing was changed."""


def themes_of(codebook: Codebook) -> list[Theme]:
    """The codebook's themes, in the codebook's tree order (merged codes left out)."""
    order = {code.id: index for index, code in enumerate(active_codes(codebook))}
    themes = db.session.scalars(
        select(Theme).join(Code, Code.id == Theme.code_id).where(Code.codebook_id == codebook.id)
    ).all()
    return sorted((t for t in themes if t.code_id in order), key=lambda t: order[t.code_id])


def theme_by_key(codebook: Codebook, key: str) -> Theme | None:
    return db.session.scalar(
        select(Theme)
        .join(Code, Code.id == Theme.code_id)
        .where(Code.codebook_id == codebook.id, Code.key == key, Code.merged_into_id.is_(None))
    )


def set_themes(codebook: Codebook, code_ids: set[int]) -> tuple[list[str], list[str]]:
    """Marks exactly these codes (active codes of the codebook) as themes; a code no longer
    marked loses its theme row. Returns the keys (added, removed) and writes one journal line
    when something changed. Flushes."""
    codes = {code.id: code for code in active_codes(codebook)}
    unknown = set(code_ids) - set(codes)
    if unknown:
        raise ThemeInvalid("Code inconnu dans ce livre de codes : rechargez la page.")
    current = {theme.code_id: theme for theme in themes_of(codebook)}
    added = [codes[code_id].key for code_id in code_ids if code_id not in current]
    removed = [theme.code.key for code_id, theme in current.items() if code_id not in code_ids]
    for code_id in code_ids - set(current):
        db.session.add(Theme(code_id=code_id, questions=[]))
    for code_id, theme in current.items():
        if code_id not in code_ids:
            db.session.delete(theme)
    db.session.flush()
    if added or removed:
        record(
            "codebook",
            codebook.id,
            "themes",
            before={"removed": sorted(removed)},
            after={"added": sorted(added)},
        )
    return sorted(added), sorted(removed)


def update_theme(
    theme: Theme,
    questions: list[str],
    key_indicator_id: int | None,
    *,
    closed_question_names: list[str],
    version: int | None = None,
) -> None:
    """Sets the theme's related closed questions (kept in the questionnaire's order) and its key
    indicator (one the glossary links to the theme). `version` is the one the form was read at:
    another edit since refuses this one. Flushes."""
    if version is not None and version != theme.version:
        raise ThemeInvalid(
            "Ce thème a été modifié par quelqu'un d'autre pendant que vous le lisiez : "
            "rechargez la page pour voir ses réglages actuels."
        )
    unknown = [name for name in questions if name not in closed_question_names]
    if unknown:
        raise ThemeInvalid(
            "Question fermée inconnue : " + ", ".join(unknown) + ". Rechargez la page."
        )
    if key_indicator_id is not None:
        linked = {i.id for i in indicators_of_themes([theme.code.key])[theme.code.key]}
        if key_indicator_id not in linked:
            raise ThemeInvalid(
                "Indicateur clé : choisissez l'un des indicateurs que le glossaire relie à ce thème."
            )
    before = {"questions": list(theme.questions or []), "key_indicator_id": theme.key_indicator_id}
    chosen = set(questions)
    theme.questions = [name for name in closed_question_names if name in chosen]
    theme.key_indicator_id = key_indicator_id
    db.session.flush()
    after = {"questions": theme.questions, "key_indicator_id": theme.key_indicator_id}
    if after != before:
        record("theme", theme.id, "edit", before=before, after=after)


# --- weight of the themes by public --------------------------------------------------------------


@dataclass
class Weight:
    answers: int  # free-text answers coded with the theme (or a sub-code)
    respondents: int  # respondents with at least one
    base: int  # respondents of the public who wrote at least one free-text answer

    @property
    def percent(self) -> float:
        return 100 * self.respondents / self.base if self.base else 0.0


def respondent_bases(codebook: Codebook, commune: str = "") -> dict[str, int]:
    """Respondents who wrote at least one free-text answer (not rejected), by public."""
    query = select(AnswerText.public, func.count(distinct(AnswerText.submission_id))).where(
        *analysed_answers(codebook.questionnaire_id)
    )
    if commune:
        query = query.where(AnswerText.commune_code == commune)
    return dict(db.session.execute(query.group_by(AnswerText.public)).all())


def theme_weights(
    codebook: Codebook, themes: list[Theme], commune: str = ""
) -> dict[int, dict[str, Weight]]:
    """theme id → public → Weight (every public of PUBLICS, zeros included), from the settled
    codings (not « à revoir »), as the results page counts them."""
    bases = respondent_bases(codebook, commune)
    weights = {}
    for theme in themes:
        family = code_family(codebook, theme.code)
        coded = select(Coding.id).where(_ON_ANSWER, SETTLED, Coding.code_id.in_(family)).exists()
        query = (
            select(
                AnswerText.public,
                func.count(AnswerText.id),
                func.count(distinct(AnswerText.submission_id)),
            )
            .where(*analysed_answers(codebook.questionnaire_id), coded)
            .group_by(AnswerText.public)
        )
        if commune:
            query = query.where(AnswerText.commune_code == commune)
        counts = {
            public: (answers, people) for public, answers, people in db.session.execute(query)
        }
        weights[theme.id] = {
            public: Weight(*counts.get(public, (0, 0)), bases.get(public, 0)) for public in PUBLICS
        }
    return weights


# --- indicators beside the theme ----------------------------------------------------------------


@dataclass
class Column:
    """A territory the indicators are shown for: the study's, a commune filtered on, or one of
    the comparison levels (None when the study's territory is not known to lie in one)."""

    role: str  # « etude », « commune », « comparaison »
    level: str
    territory: Territory | None

    @property
    def label(self) -> str:
        if self.territory is None:
            return f"{LEVEL_LABELS[self.level].capitalize()} (non rattaché)"
        return self.territory.name or self.territory.code


@dataclass
class Figure:
    column: Column
    status: str | None  # VALUE, SECRET, MISSING, or None: nothing imported for this territory
    value: float | None
    year: int | None

    @property
    def shown(self) -> str:
        """The number as the page writes it, or what stands in its place."""
        return french_number(self.value) if self.status == VALUE else self.text

    @property
    def text(self) -> str:
        if self.status is None:
            return "pas de donnée"
        if self.status != VALUE:
            return STATUS_LABELS[self.status]
        return ""


@dataclass
class IndicatorBlock:
    indicator: Indicator
    freshness: Freshness
    figures: list[Figure] = field(default_factory=list)
    key: bool = False


def indicator_columns(study, commune: str = "") -> list[Column]:
    columns = []
    if study.territory is not None:
        columns.append(Column("etude", study.territory.level, study.territory))
    if commune and (study.territory is None or study.territory.code != commune):
        territory = commune_territory(commune)
        if territory is not None:
            columns.append(Column("commune", "commune", territory))
    for level, territory in comparison_territories(study.territory, study.comparison_levels):
        columns.append(Column("comparaison", level, territory))
    return columns


def indicator_blocks(
    indicators: list[Indicator],
    columns: list[Column],
    key_indicator_id: int | None = None,
    today: date | None = None,
) -> list[IndicatorBlock]:
    """Each indicator with its latest figure for each column's territory (a secret or missing
    one kept as such), and whether its figures are fresh."""
    ids = [indicator.id for indicator in indicators]
    territory_ids = [c.territory.id for c in columns if c.territory is not None]
    latest: dict[tuple[int, int], IndicatorValue] = {}
    if ids and territory_ids:
        for value in db.session.scalars(
            select(IndicatorValue)
            .where(
                IndicatorValue.indicator_id.in_(ids),
                IndicatorValue.territory_id.in_(territory_ids),
            )
            .order_by(IndicatorValue.year.desc())
        ):
            latest.setdefault((value.indicator_id, value.territory_id), value)
    years = latest_years(ids)
    blocks = []
    for indicator in indicators:
        block = IndicatorBlock(
            indicator,
            freshness(indicator, years.get(indicator.id), today),
            key=indicator.id == key_indicator_id,
        )
        for column in columns:
            value = (
                latest.get((indicator.id, column.territory.id))
                if column.territory is not None
                else None
            )
            block.figures.append(
                Figure(
                    column,
                    value.status if value is not None else None,
                    value.value if value is not None else None,
                    value.year if value is not None else None,
                )
            )
        blocks.append(block)
    blocks.sort(key=lambda block: not block.key)
    return blocks


def map_territories(study) -> list[Territory]:
    """The communes a theme page maps its indicators over: the study's communes and, when the
    study's territory is an EPCI, every commune known to belong to it."""
    codes = [commune.insee_code for commune in study.communes]
    inside = Territory.code.in_(codes)
    if study.territory is not None and study.territory.level == "epci":
        inside = or_(inside, Territory.epci_id == study.territory.id)
    return list(
        db.session.scalars(
            select(Territory)
            .where(Territory.level == "commune", inside)
            .order_by(Territory.name, Territory.code)
        )
    )


def theme_indicators(theme: Theme) -> list[Indicator]:
    return indicators_of_themes([theme.code.key])[theme.code.key]


def key_indicators(themes: list[Theme]) -> dict[int, Indicator | None]:
    """theme id → its key indicator: the one chosen, else the first the glossary links to it."""
    linked = indicators_of_themes([theme.code.key for theme in themes])
    chosen = {}
    for theme in themes:
        candidates = linked.get(theme.code.key, [])
        by_id = {indicator.id: indicator for indicator in candidates}
        chosen[theme.id] = by_id.get(theme.key_indicator_id) or (
            candidates[0] if candidates else None
        )
    return chosen
