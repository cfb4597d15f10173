"""The words of XLSForm: column headers, question types, yes/no values, language suffixes.

Headers are matched case-insensitively with surrounding spaces trimmed, and spaces inside a header
count as underscores (`list name`, `choice filter`), as pyxform reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Survey columns we interpret, in the order the export writes them.
SURVEY_FIELDS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "constraint",
    "constraint_message",
    "relevant",
    "calculation",
    "choice_filter",
    "appearance",
    "default",
    "read_only",
    "parameters",
    "repeat_count",
)
TRANSLATABLE_FIELDS = ("label", "hint", "required_message", "constraint_message")
GROUP_FIELDS = ("type", "name", "label", "hint", "relevant", "appearance", "repeat_count")

_SURVEY_ALIASES = {
    "relevance": "relevant",
    "bind::relevant": "relevant",
    "bind::required": "required",
    "bind::constraint": "constraint",
    "bind::calculate": "calculation",
    "calculate": "calculation",
    "bind::readonly": "read_only",
    "readonly": "read_only",
    "control::appearance": "appearance",
    "caption": "label",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "control::jr:count": "repeat_count",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "bind::jr:constraintmsg": "constraint_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "bind::jr:requiredmsg": "required_message",
}
CHOICE_FIELDS = ("list_name", "name", "label")
_CHOICE_ALIASES = {"caption": "label"}

SETTINGS_FIELDS = ("form_title", "form_id", "version", "default_language")
_SETTINGS_ALIASES = {"set_form_title": "form_title", "set_form_id": "form_id"}

# XLSForm types we know but do not support, and the type of ours that stands in for each so the
# question still has a place in the form; the original type is kept in `Question.extra["type"]`.
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "imei",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "background-audio",
        "background-geopoint",
        "uri:deviceid",
        "uri:email",
        "uri:username",
        "uri:subscriberid",
        "uri:phonenumber",
        "uri:simserial",
    }
)
_UNSUPPORTED_TYPES = {
    "time": "text",
    "datetime": "text",
    "datetime-local": "text",
    "geopoint": "text",
    "geotrace": "text",
    "geoshape": "text",
    "barcode": "text",
    "hidden": "text",
    "osm": "text",
    "image": "note",
    "photo": "note",
    "audio": "note",
    "video": "note",
    "file": "note",
    "acknowledge": "note",
    "trigger": "note",
    "xml-external": "calculate",
    "csv-external": "calculate",
}
# Types followed by a list or a file name.
FROM_FILE_TYPES = {
    "select_one_from_file": "select_one",
    "select_multiple_from_file": "select_multiple",
}
_UNSUPPORTED_LIST_TYPES = {
    "select_one_external": "select_one",
    "rank": "select_multiple",
}
_TYPE_ALIASES = {
    "string": "text",
    "int": "integer",
    "select one": "select_one",
    "select1": "select_one",
    "select one from": "select_one",
    "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
    "select one from file": "select_one_from_file",
    "select multiple from file": "select_multiple_from_file",
    "begin_group": "begin group",
    "end_group": "end group",
    "begin_repeat": "begin repeat",
    "end_repeat": "end repeat",
}
SIMPLE_TYPES = ("text", "integer", "decimal", "date", "note", "calculate", "range")
STRUCTURE_TYPES = ("begin group", "end group", "begin repeat", "end repeat")


@dataclass(frozen=True)
class ParsedType:
    """A `type` cell read: `kind` is ours ("text", "select_one", "begin group"…), `argument` the
    list or file name after it, `unsupported` the original cell when we only stand in for it."""

    kind: str
    argument: str = ""
    unsupported: str = ""
    metadata: bool = False
    unknown: bool = False
    or_other: bool = False
    external: bool = False  # select_one_external: its list is in the external_choices sheet
    from_file: bool = False  # select_one_from_file: `argument` is the attached file's name


def parse_type(cell: str) -> ParsedType:
    words = cell.split()
    text = " ".join(words).lower()
    if text in _TYPE_ALIASES:
        text = _TYPE_ALIASES[text]
    if text in STRUCTURE_TYPES or text in SIMPLE_TYPES:
        return ParsedType(text)
    if text in METADATA_TYPES:
        return ParsedType("calculate", unsupported=" ".join(words), metadata=True)
    if text in _UNSUPPORTED_TYPES:
        return ParsedType(_UNSUPPORTED_TYPES[text], unsupported=" ".join(words))
    # "select_one LIST", "select one LIST", "select_one LIST or_other", "rank LIST"…
    for spelled, kind in sorted(
        {
            **{alias: target for alias, target in _TYPE_ALIASES.items()},
            "select_one": "select_one",
            "select_multiple": "select_multiple",
            **{name: name for name in _UNSUPPORTED_LIST_TYPES},
            **{name: name for name in FROM_FILE_TYPES},
        }.items(),
        key=lambda item: -len(item[0]),
    ):
        if text.startswith(spelled + " "):
            spelled_words = len(spelled.split())
            rest = words[spelled_words:]
            or_other = len(rest) == 2 and rest[1].lower() == "or_other"
            argument = rest[0] if rest else ""
            if kind in FROM_FILE_TYPES:
                if len(rest) > 1:
                    return ParsedType(FROM_FILE_TYPES[kind], argument, unknown=True)
                return ParsedType(FROM_FILE_TYPES[kind], argument, from_file=True)
            if kind in _UNSUPPORTED_LIST_TYPES:
                return ParsedType(
                    _UNSUPPORTED_LIST_TYPES[kind],
                    argument,
                    unsupported=" ".join(words),
                    external=kind == "select_one_external",
                )
            if kind not in ("select_one", "select_multiple"):
                break
            if len(rest) > 1 and not or_other:
                return ParsedType(kind, argument, unknown=True)
            return ParsedType(
                kind, argument, unsupported=" ".join(words) if or_other else "", or_other=or_other
            )
    if text in ("select_one", "select_multiple"):
        return ParsedType(text)
    if text in FROM_FILE_TYPES:
        return ParsedType(FROM_FILE_TYPES[text], from_file=True)
    return ParsedType(text, unknown=True)


def fallback_type(original_type: str) -> str | None:
    """Our type standing in for an unsupported XLSForm type, or None when it is not one."""
    parsed = parse_type(original_type)
    if parsed.from_file:
        # versions imported before these types were read stood in for them with a text question
        return "text"
    if parsed.unknown or not parsed.unsupported:
        # range with decimal bounds is read as decimal; see reader
        return "decimal" if parsed.kind == "range" else None
    return parsed.kind


YES_VALUES = frozenset({"yes", "true", "true()", "1", "oui", "vrai"})
NO_VALUES = frozenset({"no", "false", "false()", "0", "non", "faux", ""})


def normalise_header(header: str) -> str:
    return "_".join(header.strip().lower().split())


@dataclass(frozen=True)
class Column:
    """A header of a sheet. `field` is the column we interpret (None when we keep it as is);
    `language` is the suffix after `::` for a translatable column ("" when it has none)."""

    index: int
    header: str
    field: str | None
    language: str | None = None


def survey_column(index: int, header: str) -> Column:
    return _column(index, header, SURVEY_FIELDS, _SURVEY_ALIASES, TRANSLATABLE_FIELDS)


def choices_column(index: int, header: str) -> Column:
    key = normalise_header(header)
    if key in ("list_name", "listname"):
        return Column(index, header, "list_name")
    return _column(index, header, ("name", "label"), _CHOICE_ALIASES, ("label",))


def settings_column(index: int, header: str) -> Column:
    key = normalise_header(header)
    key = _SETTINGS_ALIASES.get(key, key)
    return Column(index, header, key if key in SETTINGS_FIELDS else None)


def _column(index, header, fields, aliases, translatable) -> Column:
    key = normalise_header(header)
    key = aliases.get(key, key)
    if key in fields:
        return Column(index, header, key, "" if key in translatable else None)
    if "::" in header:
        base, _, suffix = header.partition("::")
        base_key = normalise_header(base)
        base_key = aliases.get(base_key, base_key)
        if base_key in translatable and suffix.strip():
            return Column(index, header, base_key, suffix.strip())
    return Column(index, header, None)


# --- languages ------------------------------------------------------------------------------

LANGUAGE_NAMES = {
    "fr": "Français",
    "en": "English",
    "es": "Español",
    "de": "Deutsch",
    "it": "Italiano",
    "pt": "Português",
    "ar": "العربية",
    "tr": "Türkçe",
    "nl": "Nederlands",
    "ro": "Română",
    "pl": "Polski",
    "ru": "Русский",
    "uk": "Українська",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "wo": "Wolof",
}
_NAME_TO_CODE = {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | {
    "french": "fr",
    "francais": "fr",
    "anglais": "en",
    "spanish": "es",
    "espagnol": "es",
    "espanol": "es",
    "german": "de",
    "allemand": "de",
    "italian": "it",
    "italien": "it",
    "portuguese": "pt",
    "portugais": "pt",
    "arabic": "ar",
    "arabe": "ar",
    "turkish": "tr",
    "turc": "tr",
}
_CODE_IN_PARENTHESES = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")
# Settings keys, not columns of the settings sheet: the language suffix written in the headers.
LANGUAGE_SETTING_PREFIX = "language::"
UNDETERMINED_LANGUAGE = "und"


def language_code(display: str) -> str:
    """ "Français (fr)" -> "fr", "English" -> "en", "Wolof" -> "wo"; else the text itself."""
    display = display.strip()
    match = _CODE_IN_PARENTHESES.search(display)
    if match:
        return match.group(1).lower().replace("_", "-")
    return _NAME_TO_CODE.get(display.lower(), display)


def generated_language_display(code: str, languages: list[str], default_language: str) -> str:
    """The header suffix the export writes for a language nobody named: none for a form in one
    language, "Français (fr)" when there are several."""
    if languages == [code] and code == default_language:
        return ""
    if code == UNDETERMINED_LANGUAGE:
        return ""
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code
