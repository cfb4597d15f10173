"""Times are stored in UTC; the people of the study read them in its time zone (config TIMEZONE,
Europe/Paris by default), in the back office and in the spreadsheets they export."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Paris"


def study_timezone() -> ZoneInfo:
    name = (
        current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE)
        if has_app_context()
        else DEFAULT_TIMEZONE
    )
    return ZoneInfo(name)


def local(moment: datetime | None) -> datetime | None:
    """A stored moment (UTC; naive as SQLite gives it back) as a naive local time: spreadsheets
    keep no time zone, and a chargée d'étude expects the hour the interview took place."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(study_timezone()).replace(tzinfo=None)


def local_text(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M", missing: str = "—") -> str:
    shown = local(moment)
    return shown.strftime(pattern) if shown is not None else missing
