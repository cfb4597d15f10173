"""Bar charts as accessible SVG, drawn by matplotlib on the server: no JavaScript, no CDN.

A chart is a figure for the eye; the same numbers stay readable as a table beside it (the page
puts it in a <details>). The SVG carries role="img", a <title> and a <desc> that say what it
shows, and ids prefixed by the chart's own id so that several charts can share a page."""

from __future__ import annotations

import io
import math
import re
from html import escape

from matplotlib import rc_context
from matplotlib.figure import Figure

PALETTE = ("#1d3f72", "#c2571a", "#2f7d4f", "#7a4f9a", "#8a6d00")  # contrast ≥ 4.5:1 on white
MISSING_COLOUR = "#9aa3ad"
_WIDTH_INCHES = 5.2
_ROW_INCHES = 0.42


def _plain(label: str) -> str:
    """matplotlib reads $…$ as mathematics: a label is shown as written."""
    return str(label).replace("$", r"\$")


def french_number(value: float, digits: int | None = None) -> str:
    """1 234,5 in French: a thin space between thousands, a decimal comma; a whole number (a
    count of allocataires) has no decimals unless `digits` says so."""
    if digits is None:
        digits = 0 if float(value).is_integer() else 1
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _svg(figure: Figure, chart_id: str, title: str, description: str) -> str:
    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # the XML prologue and doctype do not belong inside HTML
    # Ids unique on the page: prefixed, and the references to them with them.
    svg = re.sub(r'\bid="', f'id="{chart_id}-', svg)
    svg = re.sub(r"url\(#", f"url(#{chart_id}-", svg)
    svg = re.sub(r'xlink:href="#', f'xlink:href="#{chart_id}-', svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    # matplotlib's `*{…}` rule would apply to the whole HTML page the SVG is written into.
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)
    opening_end = svg.index(">") + 1
    opening = svg[:opening_end]
    # Scales with its container; the height follows the width through the viewBox.
    opening = re.sub(r'\s(width|height)="[^"]*"', "", opening)
    opening = opening.replace(
        "<svg",
        f'<svg role="img" aria-labelledby="{chart_id}-titre {chart_id}-desc" class="chart"',
        1,
    )
    return (
        opening
        + f'<title id="{chart_id}-titre">{escape(title)}</title>'
        + f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        + svg[opening_end:]
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    values: list[float | None],
    *,
    unit: str = "",
    notes: list[str] | None = None,
) -> str:
    """Horizontal bars, one per label, the value written at the end of each bar; a value that is
    None (secret, missing) has no bar and its `notes` text (« secret statistique ») instead."""
    notes = notes or [""] * len(labels)
    figure = Figure(figsize=(_WIDTH_INCHES, 0.6 + _ROW_INCHES * max(len(labels), 1)))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    numbers = [value if value is not None and not math.isnan(value) else 0.0 for value in values]
    colours = [PALETTE[0] if index == 0 else "#6b8cc2" for index in positions]
    axes.barh(positions, numbers, color=colours, height=0.6)
    axes.set_yticks(positions, [_plain(label) for label in labels], fontsize=10)
    axes.invert_yaxis()
    widest = max([abs(number) for number in numbers] + [1e-9])
    for position, value, note in zip(positions, values, notes):
        shown = (
            f"{french_number(value)}{(' ' + unit) if unit else ''}"
            if value is not None and not math.isnan(value)
            else note or "non disponible"
        )
        axes.text(
            (value if value is not None and value > 0 else 0) + widest * 0.02,
            position,
            _plain(shown),
            va="center",
            fontsize=10,
            color="#1b1b1b" if value is not None else "#4b5563",
        )
    # No territory to compare yet: no bar at all, an empty axis rather than an error.
    axes.set_xlim(min(0, min(numbers, default=0.0) * 1.1), widest * 1.25)
    _tidy(axes)
    return _svg(figure, chart_id, title, description)


def grouped_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: dict[str, list[float]],
    *,
    unit: str = "",
) -> str:
    """Horizontal bars grouped by category, one colour per series, with a legend."""
    count = max(len(series), 1)
    figure = Figure(
        figsize=(_WIDTH_INCHES, 0.9 + _ROW_INCHES * count * max(len(categories), 1) * 0.8)
    )
    axes = figure.add_subplot()
    height = 0.8 / count
    widest = max([value for values in series.values() for value in values] + [1e-9])
    for index, (name, values) in enumerate(series.items()):
        offsets = [position - 0.4 + height * (index + 0.5) for position in range(len(categories))]
        axes.barh(
            offsets,
            values,
            height=height * 0.9,
            color=PALETTE[index % len(PALETTE)],
            label=_plain(name),
        )
        for offset, value in zip(offsets, values):
            axes.text(
                value + widest * 0.02,
                offset,
                f"{french_number(value, 1)}{(' ' + unit) if unit else ''}",
                va="center",
                fontsize=8,
            )
    axes.set_yticks(
        range(len(categories)), [_plain(category) for category in categories], fontsize=10
    )
    axes.invert_yaxis()
    axes.set_xlim(0, widest * 1.3)
    axes.legend(loc="lower right", fontsize=9, frameon=False)
    _tidy(axes)
    return _svg(figure, chart_id, title, description)


def _tidy(axes) -> None:
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="x", bottom=False, labelbottom=False)
    axes.tick_params(axis="y", length=0)
