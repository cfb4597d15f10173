"""Which codebook themes an indicator documents, and whether its figures are still fresh.

The glossary is shared by every study: an indicator names the themes it documents by the code's
`key` (« mobilite », « isolement »), so every study whose codebook has that key finds it, whatever
its codebook's ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ForeignKey, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import Indicator, IndicatorValue

# A code's key as the codebook makes them (coding/services.py _slug): lower case, digits, dashes.
THEME_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# Years a publication may come out after its millésime (INSEE publishes the census of year N in
# June of N + 3; Filosofi and the CAF's files come sooner): a figure is late only beyond that.
PUBLICATION_DELAY = 3
FREQUENCY_YEARS = {"annuelle": 1, "trimestrielle": 1, "mensuelle": 1, "pluriannuelle": 5}


class IndicatorTheme(db.Model):
    __tablename__ = "indicator_theme"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    theme_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class ThemeKeysInvalid(ValueError):
    pass


def parse_theme_keys(raw: str) -> list[str]:
    """The keys written in the glossary's field (commas, semicolons or spaces between them).
    Raises ThemeKeysInvalid naming the keys that are not written as a code's key."""
    keys = [key.strip().lower() for key in re.split(r"[,;\s]+", raw or "") if key.strip()]
    wrong = [key for key in keys if not THEME_KEY.fullmatch(key)]
    if wrong:
        raise ThemeKeysInvalid(
            "Clé de thème mal formée : "
            + ", ".join(f"« {key} »" for key in wrong)
            + " (lettres minuscules sans accent, chiffres et tirets, comme « mobilite »)."
        )
    return list(dict.fromkeys(keys))


def theme_keys_of(indicator: Indicator) -> list[str]:
    return list(
        db.session.scalars(
            select(IndicatorTheme.theme_key)
            .where(IndicatorTheme.indicator_id == indicator.id)
            .order_by(IndicatorTheme.theme_key)
        )
    )


def set_theme_keys(indicator: Indicator, keys: list[str]) -> tuple[list[str], list[str]]:
    """Links the indicator to exactly these theme keys; returns (before, after). Flushes."""
    before = theme_keys_of(indicator)
    db.session.execute(delete(IndicatorTheme).where(IndicatorTheme.indicator_id == indicator.id))
    for key in keys:
        db.session.add(IndicatorTheme(indicator_id=indicator.id, theme_key=key))
    db.session.flush()
    return before, sorted(keys)


def indicators_of_themes(keys) -> dict[str, list[Indicator]]:
    """theme key → the indicators documenting it, by label."""
    keys = set(keys)
    found: dict[str, list[Indicator]] = {key: [] for key in keys}
    if not keys:
        return found
    rows = db.session.execute(
        select(IndicatorTheme.theme_key, Indicator)
        .join(Indicator, Indicator.id == IndicatorTheme.indicator_id)
        .where(IndicatorTheme.theme_key.in_(keys))
        .order_by(Indicator.label, Indicator.code)
    ).all()
    for key, indicator in rows:
        found[key].append(indicator)
    return found


@dataclass(frozen=True)
class Freshness:
    latest: int | None  # the latest millésime with a value, else the glossary's
    stale: bool
    expected: int | None  # the millésime one could have by now

    @property
    def message(self) -> str:
        if not self.stale:
            return ""
        return (
            f"Chiffres à actualiser : le dernier millésime est {self.latest}, alors que sa "
            f"fréquence de mise à jour laisse attendre {self.expected} ou plus récent."
        )


def latest_years(indicator_ids) -> dict[int, int]:
    ids = list(indicator_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(IndicatorValue.indicator_id, func.max(IndicatorValue.year))
            .where(IndicatorValue.indicator_id.in_(ids))
            .group_by(IndicatorValue.indicator_id)
        ).all()
    )


def freshness(
    indicator: Indicator, latest_year: int | None, today: date | None = None
) -> Freshness:
    """Stale when the latest millésime is older than the update frequency allows, counting the
    usual delay between a millésime and its publication. An indicator without frequency, or
    « ponctuelle », is never stale."""
    years = [year for year in (latest_year, indicator.millesime) if year]
    latest = max(years) if years else None
    period = FREQUENCY_YEARS.get(indicator.update_frequency)
    if latest is None or period is None:
        return Freshness(latest, False, None)
    year = (today or date.today()).year
    expected = year - PUBLICATION_DELAY - period + 1
    return Freshness(latest, latest < expected, expected)
