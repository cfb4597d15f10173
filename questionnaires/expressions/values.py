"""XPath 1.0 conversions between the four kinds of value: boolean, number, string and date.

Numbers are floats (IEEE doubles, as in the browser); a date is a ``datetime.date`` and counts
as the number of days since 1970-01-01, as in ODK. An ISO date string ("2026-03-15") converts to
that number too, so a date answer (stored as a string) compares with ``today()``.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal

EPOCH = datetime.date(1970, 1, 1)
NAN = float("nan")
# XPath 1.0 Number: no exponent, no leading "+".
_NUMBER = re.compile(r"^[ \t\r\n]*-?(?:\d+(?:\.\d*)?|\.\d+)[ \t\r\n]*$")
_ISO_DATE = re.compile(r"^[ \t\r\n]*(\d{4})-(\d{2})-(\d{2})[ \t\r\n]*$")
# An XML Schema dateTime as ODK writes it: 2026-03-15T10:30:00.000+01:00 (seconds, fraction and
# zone optional).
_ISO_DATE_TIME = re.compile(
    r"^[ \t\r\n]*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?[ \t\r\n]*$"
)
_MILLISECOND = datetime.timedelta(milliseconds=1)
_EPOCH_TIME = datetime.datetime(1970, 1, 1)


def to_boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, datetime.date):
        return True
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return len(str(value)) > 0


def to_number(value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        return fractional_days(value)
    if isinstance(value, datetime.date):
        return float(days_since_epoch(value))
    if value is None:
        return NAN
    text = to_string(value)
    if _NUMBER.match(text):
        return float(text)
    day = parse_iso_date(text)
    if day is not None:
        return float(days_since_epoch(day))
    return NAN


def to_string(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(float(value))
    if isinstance(value, datetime.datetime):
        return format_date_time(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return " ".join(to_string(item) for item in value)
    return str(value)


def format_number(number: float) -> str:
    """XPath's string of a number: no exponent, no trailing ".0", "NaN", "Infinity"."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer():
        return str(int(number))
    text = repr(number)  # the shortest digits that read back as the same double, as in JS
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def parse_iso_date(text: str) -> datetime.date | None:
    match = _ISO_DATE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_iso_date_time(text: str) -> datetime.datetime | None:
    """A date-time from ODK's text, to the millisecond, keeping its zone (naive without one)."""
    match = _ISO_DATE_TIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is None:
        tzinfo = None
    elif zone == "Z":
        tzinfo = datetime.timezone.utc
    else:
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:]) if digits[2:] else 0)
        if minutes >= 24 * 60:
            return None
        sign = -1 if zone[0] == "-" else 1
        tzinfo = datetime.timezone(datetime.timedelta(minutes=sign * minutes))
    try:
        return datetime.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:3].ljust(3, "0")) * 1000,
            tzinfo=tzinfo,
        )
    except ValueError:
        return None


def fractional_days(moment: datetime.datetime) -> float:
    """Days since 1970-01-01 of the clock time as written (its own zone, as the person who
    answered saw it), to the millisecond: noon is x.5."""
    milliseconds = (moment.replace(tzinfo=None) - _EPOCH_TIME) // _MILLISECOND
    return milliseconds / 86_400_000


def format_date_time(moment: datetime.datetime) -> str:
    """ODK's text of a date-time: 2026-03-15T10:30:00.000+01:00 (Z at UTC, no zone if none)."""
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}"
    )
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    return text + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def days_since_epoch(day: datetime.date) -> int:
    if isinstance(day, datetime.datetime):
        day = day.date()
    return (day - EPOCH).days


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def plain_number(number: float):
    """An integral float as an int (42, not 42.0) for callers; NaN and infinities stay floats."""
    if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number
