"""A survey figure on the map: the share of respondents of each commune who gave one answer to a
closed question, as the chiffres page cross-tabs it by commune. Where the table masks (roles that
may not see small counts), a masked count or a commune with fewer respondents than the minimum is
« < 5 » on the map, never a colour."""

from __future__ import annotations

from analyse.charts import french_number

from ..indicators.maps import IndicatorMap, MapLine
from ..territory.contours import territory_map
from ..territory.services import territories_by_code
from .survey_figures import OVERALL, QuestionFigures


def survey_map(
    question: QuestionFigures, row: int, minimum: int, map_id: str
) -> IndicatorMap | None:
    """The map of the answer `row` of `question` (figures grouped by commune); None when the
    row does not exist or fewer than two communes have a contour and a figure."""
    if not 0 <= row < len(question.rows):
        return None
    answer, cells = question.rows[row]
    codes = [key for key, _ in question.columns if key != OVERALL]
    known = territories_by_code("commune", codes)
    territories = sorted(
        (known[code] for code in codes if code in known), key=lambda t: (t.name, t.code)
    )
    values: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for (key, _), cell in zip(question.columns, cells):
        if key == OVERALL:
            continue
        # A share of a handful of respondents would single them out as surely as their count.
        if cell.masked or key in question.masked_bases:
            values[key], notes[key] = None, f"< {minimum} répondants"
        elif question.bases.get(key, 0) == 0:
            values[key], notes[key] = None, "aucun répondant"
        else:
            values[key] = cell.percent
    title = f"{question.label} — « {answer} »"
    drawn = territory_map(
        map_id,
        title,
        territories,
        values,
        unit="%",
        notes=notes,
        what=f"la part des répondants ayant répondu « {answer} » à « {question.label} »",
    )
    if drawn is None:
        return None
    lines = [
        MapLine(
            territory.name or territory.code,
            territory.code,
            f"{french_number(values[territory.code], 1)} %"
            if values.get(territory.code) is not None
            else notes.get(territory.code, "pas de donnée"),
        )
        for territory in territories
    ]
    return IndicatorMap(title, "%", drawn, lines, [])
