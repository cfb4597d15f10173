"""The forms of French territory codes, by geographic level (INSEE's official geography).

Codes are text: leading zeros (`01001`), Corsica's `2A`/`2B` and the overseas `97x` départements
must survive, so nothing here ever turns a code into a number."""

import re

COMMUNE = "commune"
IRIS = "iris"
EPCI = "epci"
DEPARTEMENT = "departement"
REGION = "region"
FRANCE = "france"

LEVEL_LABELS = {
    COMMUNE: "commune",
    IRIS: "IRIS",
    EPCI: "EPCI",
    DEPARTEMENT: "département",
    REGION: "région",
    FRANCE: "France",
}
LEVELS = tuple(LEVEL_LABELS)
# « un code de commune », « un code d'IRIS »: the French article elides before a vowel.
OF_LEVEL = {
    COMMUNE: "de commune",
    IRIS: "d'IRIS",
    EPCI: "d'EPCI",
    DEPARTEMENT: "de département",
    REGION: "de région",
    FRANCE: "de la France",
}
# The one code of the level « France ».
FRANCE_CODE = "FR"

# Metropolitan départements 01–95 (20 became 2A and 2B in 1976), Corsica, and the overseas
# départements 971–976 whose communes are numbered 97101…
_DEPARTEMENT = r"(?:0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-6])"
_COMMUNE = r"(?:(?:0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB])\d{3}|97[1-6]\d{2})"
_FORMS = {
    COMMUNE: re.compile(rf"{_COMMUNE}"),
    IRIS: re.compile(rf"{_COMMUNE}\d{{4}}"),
    EPCI: re.compile(r"\d{9}"),
    DEPARTEMENT: re.compile(_DEPARTEMENT),
    REGION: re.compile(r"\d{2}"),
    FRANCE: re.compile(FRANCE_CODE),
}
_EXPECTED = {
    COMMUNE: "5 caractères : 2 chiffres du département (ou 2A/2B) puis 3 chiffres, ou 97x puis 2 "
    "chiffres outre-mer",
    IRIS: "9 caractères : le code de la commune puis 4 chiffres",
    EPCI: "le SIREN de l'EPCI, 9 chiffres",
    DEPARTEMENT: "01 à 95, 2A, 2B ou 971 à 976",
    REGION: "2 chiffres",
    FRANCE: f"« {FRANCE_CODE} »",
}


def normalise_code(code: str) -> str:
    """The code as written in official files: no surrounding spaces, Corsica in capitals."""
    return code.strip().upper()


def code_error(code: str, level: str) -> str | None:
    """None when `code` has the form of a code of `level`, else why not (in French)."""
    if level not in _FORMS:
        return f"Niveau géographique inconnu : « {level} »."
    normalised = normalise_code(code)
    if not normalised:
        return "Code de territoire vide."
    if _FORMS[level].fullmatch(normalised):
        return None
    hint = ""
    if level in (COMMUNE, IRIS) and normalised.isdigit() and len(normalised) in (4, 8):
        hint = " (le zéro en tête a-t-il été perdu par un tableur ?)"
    return f"« {code.strip()} » n'est pas un code {OF_LEVEL[level]} : attendu {_EXPECTED[level]}{hint}."


def parent_code(code: str, level: str) -> tuple[str, str] | None:
    """The territory that contains this one and can be read from its code alone: an IRIS is in
    its commune, a commune in its département, a département and a région in France. None when
    the code does not say it (a commune's EPCI comes from the official lists, not its code)."""
    code = normalise_code(code)
    if level == IRIS:
        return COMMUNE, code[:5]
    if level == COMMUNE:
        return DEPARTEMENT, code[:3] if code.startswith("97") else code[:2]
    if level in (DEPARTEMENT, REGION, EPCI):
        return FRANCE, FRANCE_CODE
    return None


# Column names INSEE and the CAF use for a code, by level: the column says the level when a code's
# form alone does not (a 9-digit code is an IRIS or an EPCI; « 11 » is the Aude or Île-de-France).
_LEVEL_BY_COLUMN = {
    "CODGEO": COMMUNE,
    "COM": COMMUNE,
    "DEPCOM": COMMUNE,
    "INSEE_COM": COMMUNE,
    "CODE_COMMUNE": COMMUNE,
    "NUMCOM": COMMUNE,
    "IRIS": IRIS,
    "CODE_IRIS": IRIS,
    "DCOMIRIS": IRIS,
    "EPCI": EPCI,
    "SIREN_EPCI": EPCI,
    "DEP": DEPARTEMENT,
    "CODE_DEPT": DEPARTEMENT,
    "NUMDEPT": DEPARTEMENT,
    "REG": REGION,
    "CODE_REGION": REGION,
}


def level_of_column(name: str) -> str | None:
    """The level a column's usual name says (CODGEO: commune, EPCI…), None when it says none."""
    return _LEVEL_BY_COLUMN.get(name.strip().upper())


def guess_level(code_column: str, codes: list[str]) -> str | None:
    """The level of a file's codes: from the code column's usual name, else from the codes when
    only one level fits them all (5 characters: communes); None when it cannot be told."""
    by_name = _LEVEL_BY_COLUMN.get(code_column.strip().upper())
    if by_name:
        return by_name
    # Footnotes below a table (« Source : Insee ») fit no level and do not spoil the guess.
    fitting = [code for code in codes if code_error(code, COMMUNE) is None]
    others = [
        code
        for code in codes
        if code_error(code, COMMUNE) is not None
        and any(code_error(code, level) is None for level in (IRIS, EPCI, DEPARTEMENT, REGION))
    ]
    return COMMUNE if fitting and not others else None
