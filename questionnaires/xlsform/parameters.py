"""The `parameters` column checked as pyxform checks it: which keys each type takes, and the
values those keys accept. A parameter pyxform refuses would make ODK and KoboToolbox refuse the
form we export, so the import refuses it first, on its cell, in French.

Keys and values are read as pyxform reads them: `key=value` pairs separated by spaces, commas or
semicolons; keys in lower case, values too except `label` and `value` (column names of a file).
"""

from __future__ import annotations

import re

from ..checks import is_valid_name

_PAIR = re.compile(r"([^\s=,;]+)\s*=\s*([^\s=,;]+)")
_REFERENCE = re.compile(r"^\$\{[^{}]+\}$")

# The keys pyxform accepts for each type (pyxform/constants.py, Parameters*).
_SELECT = {"randomize", "seed"}
ACCEPTED = {
    "text": {"rows"},
    "select_one": _SELECT,
    "select_multiple": _SELECT,
    "select_one_external": _SELECT,
    "rank": _SELECT,
    "select_one_from_file": _SELECT | {"label", "value"},
    "select_multiple_from_file": _SELECT | {"label", "value"},
    "range": {"start", "end", "step", "tick_interval", "placeholder", "tick_labelset"},
    "image": {"app", "max-pixels"},
    "photo": {"app", "max-pixels"},
    "audio": {"quality"},
    "background-audio": {"quality"},
    "audit": {
        "identify-user",
        "location-max-age",
        "location-min-interval",
        "location-priority",
        "track-changes",
        "track-changes-reasons",
    },
    "geopoint": {
        "allow-mock-accuracy",
        "capture-accuracy",
        "reference-geometry",
        "warning-accuracy",
    },
    "geotrace": {"allow-mock-accuracy", "incremental", "reference-geometry"},
    "geoshape": {"allow-mock-accuracy", "incremental", "reference-geometry"},
}
_SPELLINGS = {
    "select one": "select_one",
    "select1": "select_one",
    "select all that apply": "select_multiple",
    "select one from file": "select_one_from_file",
    "select multiple from file": "select_multiple_from_file",
}
_AUDIO_QUALITIES = {"voice-only", "low", "normal", "external"}


def parameters_of(text: str) -> dict[str, str]:
    """{key: value} as pyxform reads them."""
    found = {}
    for key, value in _PAIR.findall(text):
        key = key.strip().lower()
        found[key] = value.strip() if key in ("label", "value") else value.strip().lower()
    return found


def _base_type(type_text: str) -> str:
    text = " ".join(type_text.split()).lower()
    for spelled, name in sorted(_SPELLINGS.items(), key=lambda item: -len(item[0])):
        if text == spelled or text.startswith(spelled + " "):
            return name
    return text.split(" ", 1)[0] if text else ""


def parameter_problems(type_text: str, text: str) -> list[str]:
    """French messages for what pyxform refuses in the `parameters` of a `type_text` row."""
    base = _base_type(type_text)
    accepted = ACCEPTED.get(base)
    if accepted is None or not text.strip():
        return []
    values = parameters_of(text)
    problems = []
    unknown = sorted(set(values) - accepted)
    if unknown:
        problems.append(
            f"paramètre{'s' if len(unknown) > 1 else ''} "
            + ", ".join(f"« {key} »" for key in unknown)
            + f" inconnu{'s' if len(unknown) > 1 else ''} pour le type « {base} » : "
            + "il accepte "
            + ", ".join(f"« {key} »" for key in sorted(accepted))
            + "."
        )
    problems += _value_problems(base, values)
    return problems


def _value_problems(base: str, values: dict[str, str]) -> list[str]:
    problems = []

    def yes_no(key):
        if key in values and values[key] not in ("true", "false"):
            problems.append(f"« {key}={values[key]} » : la valeur est « true » ou « false ».")

    def whole(key, minimum=None):
        if key in values:
            try:
                number = int(values[key])
            except ValueError:
                problems.append(f"« {key}={values[key]} » : la valeur est un nombre entier.")
                return
            if minimum is not None and number < minimum:
                problems.append(f"« {key}={values[key]} » : la valeur est au moins {minimum}.")

    def decimal(key):
        if key in values:
            try:
                float(values[key])
            except ValueError:
                problems.append(f"« {key}={values[key]} » : la valeur est un nombre.")

    if "randomize" in values:
        yes_no("randomize")
        seed = values.get("seed")
        if seed is not None and not _REFERENCE.match(seed):
            decimal("seed")
    elif "seed" in values:
        problems.append("« seed » ne s'emploie qu'avec « randomize=true ».")
    for key in ("value", "label"):
        if key in values and not is_valid_name(values[key]):
            problems.append(
                f"« {key}={values[key]} » : le nom de colonne commence par une lettre ou « _ » "
                "et ne contient que lettres, chiffres, « _ », « - » ou « . »."
            )
    if base == "text":
        whole("rows")
    if base in ("image", "photo"):
        whole("max-pixels")
    if base in ("audio", "background-audio") and "quality" in values:
        if values["quality"] not in _AUDIO_QUALITIES:
            problems.append(
                f"« quality={values['quality']} » : la valeur est "
                + ", ".join(f"« {quality} »" for quality in sorted(_AUDIO_QUALITIES))
                + "."
            )
    if base == "geopoint":
        decimal("capture-accuracy")
        decimal("warning-accuracy")
    if base.startswith("geo"):
        yes_no("allow-mock-accuracy")
        if "incremental" in values and values["incremental"] != "true":
            problems.append("« incremental » vaut « true » ou n'est pas écrit.")
    if base == "range":
        for key in ("tick_interval", "placeholder"):
            decimal(key)
        if values.get("tick_interval") in ("0", "0.0"):
            problems.append("« tick_interval=0 » : l'intervalle ne peut pas être nul.")
    if base == "audit":
        yes_no("track-changes")
        yes_no("identify-user")
        whole("location-min-interval", 0)
        whole("location-max-age", 0)
        if "track-changes-reasons" in values and values["track-changes-reasons"] != "on-form-edit":
            problems.append("« track-changes-reasons » vaut « on-form-edit ».")
    return problems
