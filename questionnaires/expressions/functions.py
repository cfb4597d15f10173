"""The functions of the language: XPath 1.0 core functions and the ODK XForms additions.

Each function takes its arguments already evaluated, in one of three ways (``Function.takes``):
``values`` (scalars), ``nodes`` (a ``${name}`` inside a repeat gives the list of its values
across instances; anything else a one-item list), or ``lazy`` (the syntax nodes, for ``if``).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import difflib
import hashlib
import math
import random
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Callable

import regex

from .values import (
    EPOCH,
    NAN,
    days_since_epoch,
    fractional_days,
    is_number,
    parse_iso_date,
    parse_iso_date_time,
    to_boolean,
    to_number,
    to_string,
)

VALUES, NODES, LAZY = "values", "nodes", "lazy"
_EPOCH_TIME = datetime.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Function:
    name: str
    minimum: int
    maximum: int | None  # None: any number
    implementation: Callable
    takes: str = VALUES
    # Arguments (by index, None for all) that must be a ${name}: count(3) means nothing.
    needs_reference: bool = False


def xpath_round(number: float) -> float:
    """XPath 1.0 round: halves go toward +∞ (round(-2.5) = -2)."""
    if not math.isfinite(number) or number == 0:
        return number
    if -0.5 <= number < 0:
        return -0.0
    return float(math.floor(number + 0.5))


def _round(scope, number, digits=None):
    number = to_number(number)
    if digits is None:
        return xpath_round(number)
    digits = to_number(digits)
    if not math.isfinite(digits):
        return NAN
    factor = 10.0 ** int(digits)
    return xpath_round(number * factor) / factor


def _int(scope, value):
    number = to_number(value)
    return float(math.trunc(number)) if math.isfinite(number) else number


def _floor(scope, value):
    number = to_number(value)
    return float(math.floor(number)) if math.isfinite(number) else number


def _ceiling(scope, value):
    number = to_number(value)
    return float(math.ceil(number)) if math.isfinite(number) else number


def _pow(scope, base, exponent):
    base, exponent = to_number(base), to_number(exponent)
    try:
        return math.pow(base, exponent)
    except ValueError:
        return NAN
    except OverflowError:
        negative = base < 0 and exponent.is_integer() and int(exponent) % 2 == 1
        return -math.inf if negative else math.inf


def _ieee(operation: Callable[..., float]) -> Callable:
    """A math function of numbers with IEEE 754 results where Python raises: sqrt(-1) and
    asin(2) are NaN, exp(1000) is Infinity, log(0) is -Infinity, as in XPath engines."""

    def compute(scope, *values):
        numbers = [to_number(value) for value in values]
        if any(math.isnan(number) for number in numbers):
            return NAN
        try:
            return float(operation(*numbers))
        except OverflowError:
            return math.inf
        except ValueError:
            return NAN

    return compute


def _log(number: float) -> float:
    if number == 0:
        return -math.inf
    return math.log(number)


def _log10(number: float) -> float:
    if number == 0:
        return -math.inf
    return math.log10(number)


def _checklist_bound(value) -> float | None:
    """A checklist bound: -1 (or any negative number) means no bound."""
    number = to_number(value)
    return None if math.isnan(number) or number < 0 else number


def _checklist(scope, minimum, maximum, *node_lists):
    """ODK checklist(min, max, v…): true when the number of true values is within the bounds."""
    count = sum(1 for nodes in node_lists for value in nodes if to_boolean(value))
    return _within(count, minimum, maximum)


def _weighted_checklist(scope, minimum, maximum, *node_lists):
    """ODK weighted-checklist(min, max, v1, w1, v2, w2…): the weights of the true values, summed
    and compared with the bounds. A value and its weight may be repeat fields of the same size."""
    total = 0.0
    for values, weights in zip(node_lists[0::2], node_lists[1::2]):
        for value, weight in zip(values, weights):
            if to_boolean(value):
                total += to_number(weight)
    return _within(total, minimum, maximum)


def _within(total: float, minimum, maximum) -> bool:
    low = _checklist_bound(minimum[0] if minimum else "")
    high = _checklist_bound(maximum[0] if maximum else "")
    return (low is None or total >= low) and (high is None or total <= high)


def _choice_name(scope, value, question):
    """jr:choice-name(value, '${question}'): the label of the choice in the form's language."""
    return scope.choice_label(to_string(question), to_string(value))


def _numbers(node_lists) -> list[float]:
    return [to_number(value) for nodes in node_lists for value in nodes]


def _min(scope, *node_lists):
    numbers = _numbers(node_lists)
    if not numbers or any(math.isnan(number) for number in numbers):
        return NAN
    return min(numbers)


def _max(scope, *node_lists):
    numbers = _numbers(node_lists)
    if not numbers or any(math.isnan(number) for number in numbers):
        return NAN
    return max(numbers)


def _sum(scope, nodes):
    return float(math.fsum(to_number(value) for value in nodes)) if nodes else 0.0


def _count(scope, nodes):
    return float(len(nodes))


def _count_non_empty(scope, nodes):
    return float(sum(1 for value in nodes if to_string(value) != ""))


def _join(scope, separator, *node_lists):
    separator = to_string(separator[0]) if separator else ""
    return separator.join(to_string(value) for nodes in node_lists for value in nodes)


def _java_int(number: float, length: int) -> int:
    """An index as JavaRosa reads it: truncated toward zero, NaN as 0, ±Infinity past the ends."""
    if math.isnan(number):
        return 0
    if math.isinf(number):
        return length + 1 if number > 0 else -(2 * length + 1)
    return math.trunc(number)


def _substr(scope, text, start, end=None):
    """ODK substr (JavaRosa's): 0-based start, end excluded, both truncated; a negative index
    counts from the end (substr('abcde', -3) = 'cde'), as in JavaScript's slice."""
    text = to_string(text)
    length = len(text)
    first = _java_int(to_number(start), length)
    last = length if end is None else _java_int(to_number(end), length)
    if first < 0:
        first += length
    if last < 0:
        last += length
    first = min(max(0, first), length)
    last = min(max(0, last), length)
    return text[first:last] if first <= last else ""


def _substring(scope, text, start, length=None):
    """XPath 1.0 substring: 1-based, rounded positions (substring('12345', 1.5, 2.6) = '234')."""
    text = to_string(text)
    first = xpath_round(to_number(start))
    last = math.inf if length is None else first + xpath_round(to_number(length))
    return "".join(char for position, char in enumerate(text, 1) if first <= position < last)


def _substring_before(scope, text, needle):
    text, needle = to_string(text), to_string(needle)
    index = text.find(needle)
    return text[:index] if index >= 0 else ""


def _substring_after(scope, text, needle):
    text, needle = to_string(text), to_string(needle)
    index = text.find(needle)
    return text[index + len(needle) :] if index >= 0 else ""


def _translate(scope, text, source, target):
    text, source, target = to_string(text), to_string(source), to_string(target)
    mapping: dict[str, str] = {}
    for index, char in enumerate(source):
        mapping.setdefault(char, target[index] if index < len(target) else "")
    return "".join(mapping.get(char, char) for char in text)


_XPATH_SPACE = re.compile(r"[ \t\r\n]+")


def _normalize_space(scope, text=None):
    text = to_string(scope.current_value() if text is None else text)
    return " ".join(part for part in _XPATH_SPACE.split(text) if part)


def _items(value) -> list[str]:
    return [item for item in _XPATH_SPACE.split(to_string(value)) if item]


def _selected(scope, answer, choice):
    """Whether ``choice`` is among the answer's space-separated names. A choice name holding a
    space (accepted in select_one lists, as pyxform does) is looked for as a run of whole words,
    as JavaRosa's " answer ".contains(" choice ") does."""
    wanted = _items(choice)
    items = _items(answer)
    if not wanted:
        # JavaRosa's " answer ".contains("  "): the empty choice is selected in an empty answer
        # only (Enketo's split(" ").indexOf("") agrees).
        return not items
    if len(wanted) == 1:
        return wanted[0] in items
    return f" {' '.join(wanted)} " in f" {' '.join(items)} "


def _selected_at(scope, answer, index):
    items = _items(answer)
    index = to_number(index)
    if not math.isfinite(index) or not 0 <= int(index) < len(items):
        return ""
    return items[int(index)]


# A form's pattern meets respondents' text: a pattern that backtracks badly must not hold a
# server worker, so matching gives up (as a non-match) after this many seconds.
REGEX_TIMEOUT = 0.25


def _regex(scope, text, pattern):
    try:
        return regex.search(to_string(pattern), to_string(text), timeout=REGEX_TIMEOUT) is not None
    except (regex.error, TimeoutError):
        return False


def _finite_days(value) -> float | None:
    """What is not a date read as a number of days since the epoch; None for a boolean, None, or
    what is no finite number."""
    if isinstance(value, bool) or value is None:
        return None
    number = to_number(value)
    return number if math.isfinite(number) else None


def to_date(value):
    """A date from a date, an ISO string or a number of days; "" when there is none."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return ""
        day = parse_iso_date(text[:10]) if len(text) == 10 or text[10:11] == "T" else None
        if day is not None:
            return day
    number = _finite_days(value)
    if number is None:
        return ""
    try:
        return EPOCH + datetime.timedelta(days=math.floor(number))
    except OverflowError:
        return ""


def _date(scope, value):
    return to_date(value)


def to_date_time(value):
    """A date-time from a date-time, a date (its midnight), ODK's text of either, or a number of
    days (its fraction is the time of day); "" when there is none."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        moment = parse_iso_date_time(value)
        if moment is not None:
            return moment
        day = parse_iso_date(value)
        if day is not None:
            return datetime.datetime(day.year, day.month, day.day)
    number = _finite_days(value)
    if number is None:
        return ""
    try:
        # A number of days, possibly fractional, to the millisecond.
        return _EPOCH_TIME + datetime.timedelta(milliseconds=xpath_round(number * 86_400_000))
    except OverflowError:
        return ""


def _decimal_date(scope, value):
    day = to_date(value)
    return float(days_since_epoch(day)) if day != "" else NAN


def _decimal_date_time(scope, value):
    moment = to_date_time(value)
    return fractional_days(moment) if moment != "" else NAN


_TIME = re.compile(
    r"^[ \t\r\n]*(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?[ \t\r\n]*$"
)


def _decimal_time(scope, value):
    """ODK decimal-time("18:00:00.000+01:00") = 0.75: the fraction of the day of the clock time
    as written; NaN for anything but a time."""
    match = _TIME.match(to_string(value))
    if not match:
        return NAN
    hour, minute, second, fraction = match.groups()
    hour, minute, second = int(hour), int(minute), int(second or 0)
    if hour > 23 or minute > 59 or second > 59:
        return NAN
    milliseconds = ((hour * 60 + minute) * 60 + second) * 1000 + int(
        (fraction or "0")[:3].ljust(3, "0")
    )
    return milliseconds / 86_400_000


def _has_time(value) -> bool:
    return isinstance(value, datetime.datetime) or (
        isinstance(value, str) and parse_iso_date_time(value) is not None
    )


def _format(moment, pattern) -> str:
    codes = {
        "Y": f"{moment.year:04d}",
        "y": f"{moment.year % 100:02d}",
        "m": f"{moment.month:02d}",
        "n": str(moment.month),
        "d": f"{moment.day:02d}",
        "e": str(moment.day),
        "H": f"{moment.hour:02d}",
        "h": str(moment.hour),
        "M": f"{moment.minute:02d}",
        "S": f"{moment.second:02d}",
        "3": f"{moment.microsecond // 1000:03d}",
    }
    return re.sub(r"%([YymndeHhMS3])", lambda match: codes[match.group(1)], to_string(pattern))


def _format_date(scope, value, pattern):
    """ODK format-date(): the date's codes (%Y %y %m %n %d %e) and, for a date-time, its time's
    (%H %h %M %S %3); a date's time is midnight."""
    moment = to_date_time(value) if _has_time(value) else to_date(value)
    if moment == "":
        return ""
    if not isinstance(moment, datetime.datetime):
        moment = datetime.datetime(moment.year, moment.month, moment.day)
    return _format(moment, pattern)


def _format_date_time(scope, value, pattern):
    moment = to_date_time(value)
    return _format(moment, pattern) if moment != "" else ""


# The earth as JavaRosa (GeoUtils), Enketo and Web Forms see it: a sphere of this radius, and
# results rounded to the centimetre (to the hundredth of a square metre).
EARTH_RADIUS = 6_378_100.0


def _geopoints(node_lists) -> list[tuple[float, float]] | None:
    """The points of geopoint, geotrace or geoshape values ("lat lon [alt [acc]]" joined by
    ";"), None when one is not a point (latitude beyond ±90, longitude beyond ±180…)."""
    points = []
    for nodes in node_lists:
        for value in nodes:
            text = to_string(value).strip()
            for part in re.split(r"\s*;\s*", text):
                coordinates = part.split()
                if not 2 <= len(coordinates) <= 4:
                    return None
                latitude, longitude = (to_number(item) for item in coordinates[:2])
                if not (abs(latitude) <= 90 and abs(longitude) <= 180):
                    return None
                points.append((latitude, longitude))
    return points


def _to_centimetre(value: float) -> float:
    return abs(xpath_round(value * 100) / 100) if value else 0.0


def _distance(scope, *node_lists):
    """ODK distance(): the length in metres of the line through the points, on the sphere
    (the spherical law of cosines between successive points); NaN for fewer than two points."""
    points = _geopoints(node_lists)
    if not points or len(points) < 2:
        return NAN
    total = 0.0
    for (lat0, lon0), (lat1, lon1) in zip(points, points[1:]):
        phi0, phi1 = math.radians(lat0), math.radians(lat1)
        cosine = math.sin(phi0) * math.sin(phi1) + math.cos(phi0) * math.cos(phi1) * math.cos(
            math.radians(lon0 - lon1)
        )
        # acos of a rounding error past 1 is NaN in JavaScript and JavaRosa too.
        total += (math.acos(cosine) if -1 <= cosine <= 1 else NAN) * EARTH_RADIUS
    return _to_centimetre(total)


def _area(scope, *node_lists):
    """ODK area(): the area in square metres of the polygon through the points (closed when the
    last point is not the first), on the sphere; NaN for fewer than two points."""
    points = _geopoints(node_lists)
    if not points or len(points) < 2:
        return NAN
    if points[0] != points[-1]:
        points = [*points, points[0]]
    total = 0.0
    for (lat0, lon0), (lat1, lon1) in zip(points, points[1:]):
        total += math.radians(lon1 - lon0) * (
            2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat0))
        )
    return _to_centimetre(total * EARTH_RADIUS * EARTH_RADIUS / 2)


_BASE64_SPACE = re.compile(r"[ \t\n\f\r]+")


def _base64_decode(scope, value):
    """ODK base64-decode(): the UTF-8 text that the base64 value encodes; "" when it is not
    base64 (the browser's atob rules: spaces ignored, "=" padding optional)."""
    text = _BASE64_SPACE.sub("", to_string(value))
    if len(text) % 4 == 0 and text.endswith("="):
        text = text[:-2] if text.endswith("==") else text[:-1]
    if len(text) % 4 == 1 or not re.fullmatch(r"[A-Za-z0-9+/]*", text):
        return ""
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return data.decode("utf-8", errors="replace")


# digest()'s algorithms, by the names the ODK specification gives (any case).
_DIGESTS = {
    "md5": hashlib.md5,
    "sha-1": hashlib.sha1,
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}


def _digest(scope, data, algorithm, encoding="base64"):
    """ODK digest(data, 'SHA-256'[, 'hex']): the hash of the UTF-8 text, in base64 (the default)
    or lowercase hexadecimal; "" for an algorithm or an encoding the specification does not
    name."""
    hasher = _DIGESTS.get(to_string(algorithm).strip().lower())
    encoding = to_string(encoding).strip().lower()
    if hasher is None or encoding not in ("base64", "hex"):
        return ""
    digest = hasher(to_string(data).encode("utf-8")).digest()
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")


# Park-Miller (the "minimal standard" generator): the one JavaRosa and Web Forms seed randomize()
# with, so that a seed gives the same order on Collect, in the browser and here.
_PARK_MILLER_MODULUS = 2_147_483_647
_PARK_MILLER_MULTIPLIER = 16_807
# A function that gives a node-set: its result is a list, read item by item by join(), sum()…
NODESET_FUNCTIONS = frozenset({"randomize"})


def _java_long(number: float) -> float:
    """Java's (long) of a double, as a double: NaN is 0, past ±2^63 saturates, else truncated."""
    if math.isnan(number):
        return 0.0
    if number >= 2.0**63:
        return 2.0**63
    if number <= -(2.0**63):
        return -(2.0**63)
    return float(math.trunc(number))


def _park_miller(seed: float) -> Callable[[], float]:
    state = math.fmod(_java_long(seed), _PARK_MILLER_MODULUS)
    if state <= 0:
        state += _PARK_MILLER_MODULUS - 1

    def next_double() -> float:
        nonlocal state
        # The products stay below 2^46: exact in doubles, as in Java and JavaScript.
        state = math.fmod(state * _PARK_MILLER_MULTIPLIER, _PARK_MILLER_MODULUS)
        return (state - 1) / (_PARK_MILLER_MODULUS - 1)

    return next_double


def _randomize(scope, nodes, seed=None):
    """ODK randomize(${champ}[, seed]): the values in a shuffled order; with a seed (the first
    value's number, truncated as Java's long), always the same order, JavaRosa's: the inside-out
    Fisher-Yates shuffle driven by Park-Miller."""
    next_double = (
        random.random if seed is None else _park_miller(to_number(seed[0] if seed else ""))
    )
    result: list = []
    for index, value in enumerate(nodes):
        other = math.floor(next_double() * (index + 1))
        if other == index:
            result.append(value)
        else:
            result.append(result[other])
            result[other] = value
    return result


def _if(scope, condition, when_true, when_false):
    return scope.value(when_true if to_boolean(scope.value(condition)) else when_false)


def _indexed_repeat(scope, field, *pairs):
    """ODK indexed-repeat(${field}, ${repeat}, n [, ${inner}, m …]): the value of ``field`` in
    the n-th instance (from 1) of each repeat named; a repeat left unnamed is the instance being
    filled, else all its instances, of which the first value counts (an XPath node-set's string).
    "" when an index points at no instance. The arguments are syntax nodes: the checks made sure
    that the field and the repeats are ${names}."""
    indexes: dict[str, int] = {}
    for repeat, index in zip(pairs[::2], pairs[1::2]):
        number = to_number(scope.value(index))
        # position() = n in XPath: no instance sits at 1.5, nor at NaN.
        if not number.is_integer():
            return ""
        indexes[repeat.name] = int(number)
    values = scope.indexed_nodes(field.name, indexes)
    return values[0] if values else ""


def _coalesce(scope, first, second):
    """JavaRosa's coalesce: the first value unless it is empty or NaN (its "null"), kept with its
    type; the second argument is evaluated only when needed."""
    value = scope.value(first)
    if to_string(value) != "" and not (is_number(value) and math.isnan(value)):
        return value
    return scope.value(second)


def _once(scope, value):
    current = scope.current_value()
    return current if to_string(current) != "" else value


def _position(scope, parent=None):
    return float(scope.position())


def _boolean_from_string(scope, value):
    return to_string(value) in ("true", "1")


def _string_length(scope, value=None):
    return float(len(to_string(scope.current_value() if value is None else value)))


def _string(scope, value=None):
    return to_string(scope.current_value() if value is None else value)


def _number(scope, value=None):
    return to_number(scope.current_value() if value is None else value)


def _concat(scope, *values):
    return "".join(to_string(value) for value in values)


def _abs(scope, value):
    return abs(to_number(value))


def _today(scope):
    return scope.today


# uuid(n)'s characters, as JavaRosa's PropertyUtils.genGUID draws them.
_GUID_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# A form's uuid(n) meets a server worker: a length past this is cut, not a way to stall it.
_GUID_MAX_LENGTH = 4096


def _uuid(scope, length=None):
    """uuid(): a version 4 UUID; uuid(n): n random letters and digits (none when n is not a
    positive number), from a cryptographically secure source."""
    if length is None:
        return str(uuid.uuid4())
    number = to_number(length)
    count = int(min(number, _GUID_MAX_LENGTH)) if number >= 1 else 0
    return "".join(secrets.choice(_GUID_CHARACTERS) for _ in range(count))


_FUNCTIONS = [
    Function("true", 0, 0, lambda scope: True),
    Function("false", 0, 0, lambda scope: False),
    Function("not", 1, 1, lambda scope, value: not to_boolean(value)),
    Function("boolean", 1, 1, lambda scope, value: to_boolean(value)),
    Function("boolean-from-string", 1, 1, _boolean_from_string),
    Function("number", 0, 1, _number),
    Function("string", 0, 1, _string),
    Function("string-length", 0, 1, _string_length),
    Function("int", 1, 1, _int),
    Function("round", 1, 2, _round),
    Function("floor", 1, 1, _floor),
    Function("ceiling", 1, 1, _ceiling),
    Function("abs", 1, 1, _abs),
    Function("pow", 2, 2, _pow),
    Function("sin", 1, 1, _ieee(math.sin)),
    Function("cos", 1, 1, _ieee(math.cos)),
    Function("tan", 1, 1, _ieee(math.tan)),
    Function("asin", 1, 1, _ieee(math.asin)),
    Function("acos", 1, 1, _ieee(math.acos)),
    Function("atan", 1, 1, _ieee(math.atan)),
    Function("atan2", 2, 2, _ieee(math.atan2)),
    Function("log", 1, 1, _ieee(_log)),
    Function("log10", 1, 1, _ieee(_log10)),
    Function("exp", 1, 1, _ieee(math.exp)),
    Function("exp10", 1, 1, lambda scope, value: _pow(scope, 10.0, value)),
    Function("sqrt", 1, 1, _ieee(math.sqrt)),
    Function("pi", 0, 0, lambda scope: math.pi),
    Function("checklist", 2, None, _checklist, NODES),
    Function("weighted-checklist", 2, None, _weighted_checklist, NODES),
    Function("jr:choice-name", 2, 2, _choice_name),
    Function("min", 1, None, _min, NODES),
    Function("max", 1, None, _max, NODES),
    Function("sum", 1, 1, _sum, NODES, needs_reference=True),
    Function("count", 1, 1, _count, NODES, needs_reference=True),
    Function("count-non-empty", 1, 1, _count_non_empty, NODES, needs_reference=True),
    Function("join", 2, None, _join, NODES),
    Function("concat", 0, None, _concat),
    Function("contains", 2, 2, lambda scope, text, needle: to_string(needle) in to_string(text)),
    Function(
        "starts-with", 2, 2, lambda scope, text, start: to_string(text).startswith(to_string(start))
    ),
    Function("ends-with", 2, 2, lambda scope, text, end: to_string(text).endswith(to_string(end))),
    Function("substr", 2, 3, _substr),
    Function("substring", 2, 3, _substring),
    Function("substring-before", 2, 2, _substring_before),
    Function("substring-after", 2, 2, _substring_after),
    Function("normalize-space", 0, 1, _normalize_space),
    Function("translate", 3, 3, _translate),
    Function("selected", 2, 2, _selected),
    Function("selected-at", 2, 2, _selected_at),
    Function("count-selected", 1, 1, lambda scope, answer: float(len(_items(answer)))),
    Function("regex", 2, 2, _regex),
    Function("if", 3, 3, _if, LAZY),
    Function("coalesce", 2, 2, _coalesce, LAZY),
    Function("indexed-repeat", 3, 7, _indexed_repeat, LAZY),
    Function("once", 1, 1, _once),
    Function("today", 0, 0, _today),
    Function("date", 1, 1, _date),
    Function("now", 0, 0, lambda scope: scope.now),
    Function("date-time", 1, 1, lambda scope, value: to_date_time(value)),
    Function("decimal-date-time", 1, 1, _decimal_date_time),
    Function("decimal-time", 1, 1, _decimal_time),
    Function("format-date-time", 2, 2, _format_date_time),
    Function("decimal-date", 1, 1, _decimal_date),
    Function("format-date", 2, 2, _format_date),
    Function("position", 0, 1, _position),
    Function("uuid", 0, 1, _uuid),
    Function("distance", 1, None, _distance, NODES),
    Function("area", 1, 1, _area, NODES),
    Function("base64-decode", 1, 1, _base64_decode),
    Function("digest", 2, 3, _digest),
    Function("random", 0, 0, lambda scope: random.random()),
    Function("randomize", 1, 2, _randomize, NODES),
]

FUNCTIONS: dict[str, Function] = {function.name: function for function in _FUNCTIONS}


def call_problem(name: str, count: int, position: int):
    """The ExpressionError of a call to ``name`` with ``count`` arguments, or None when the
    function exists and takes that many: raised at run time when the call is reached, a warning
    in the designer's checks."""
    from .errors import ARITY, UNKNOWN_FUNCTION, ExpressionError

    function = FUNCTIONS.get(name)
    if function is None:
        message = f"Fonction inconnue « {name}() »"
        close = difflib.get_close_matches(name, FUNCTIONS, n=1)
        if close:
            message += f" : vouliez-vous dire {close[0]}() ?"
        return ExpressionError(message, position, UNKNOWN_FUNCTION)
    if count < function.minimum or (function.maximum is not None and count > function.maximum):
        given = f"{count} donné{'s' if count > 1 else ''}" if count else "aucun donné"
        expected = arity_text(function)
        verb = "ne prend" if expected == "aucun argument" else "attend"
        return ExpressionError(f"{name}() {verb} {expected} ({given})", position, ARITY)
    if name == "weighted-checklist" and count % 2:
        return ExpressionError(
            "weighted-checklist() attend des paires valeur, poids après le minimum et le maximum",
            position,
            ARITY,
        )
    if name == "indexed-repeat" and count % 2 == 0:
        return ExpressionError(
            "indexed-repeat() attend la question puis des paires répétition, rang "
            "(3, 5 ou 7 arguments)",
            position,
            ARITY,
        )
    return None


def arity_text(function: Function) -> str:
    if function.maximum is None:
        count = function.minimum
        return f"au moins {count} argument{'s' if count > 1 else ''}"
    if function.minimum == function.maximum:
        count = function.minimum
        if count == 0:
            return "aucun argument"
        return f"{count} argument{'s' if count > 1 else ''}"
    return f"de {function.minimum} à {function.maximum} arguments"


__all__ = [
    "FUNCTIONS",
    "NODESET_FUNCTIONS",
    "Function",
    "arity_text",
    "call_problem",
    "is_number",
    "to_date",
    "to_date_time",
    "xpath_round",
]
