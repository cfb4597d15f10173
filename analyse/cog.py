"""INSEE's official geography files (Code officiel géographique), read into plain records:

- the list of communes (`v_commune_AAAA.csv`: TYPECOM, COM, REG, DEP, …, LIBELLE): a commune's
  name, its département and its région; the lines of associated or delegated communes and of
  municipal arrondissements (TYPECOM COMA, COMD, ARM) are not communes of their own and are left out;
- the lists of départements (DEP, REG, CHEFLIEU, …, LIBELLE) and régions (REG, CHEFLIEU, …, LIBELLE);
- the « composition communale des EPCI » (CODGEO, LIBGEO, EPCI, LIBEPCI, DEP, REG; XLSX with title
  lines above the header, or CSV): the EPCI each commune belongs to.

Files are read as indicator files are (analyse/indicator_files.read_table: encodings, separators,
title lines); codes stay text and are checked by their form (analyse/territories.py)."""

from dataclasses import dataclass, field

from .indicator_files import FileProblem, read_table
from .territories import COMMUNE, DEPARTEMENT, EPCI, REGION, code_error, normalise_code

COMMUNES, DEPARTEMENTS, REGIONS, EPCI_COMPOSITION = "communes", "departements", "regions", "epci"
KIND_LABELS = {
    COMMUNES: "liste des communes",
    DEPARTEMENTS: "liste des départements",
    REGIONS: "liste des régions",
    EPCI_COMPOSITION: "composition communale des EPCI",
}
# Communes not in any EPCI (islands such as Île-de-Sein) carry this code instead of a SIREN.
NO_EPCI = "ZZZZZZZZZ"


@dataclass(frozen=True)
class Place:
    """One territory of the file: its level, code, name, and the codes it lies in."""

    level: str
    code: str
    name: str
    departement: str = ""
    region: str = ""
    epci: str = ""
    epci_name: str = ""


@dataclass
class GeographyFile:
    kind: str | None = None
    places: list[Place] = field(default_factory=list)
    rejected: list[FileProblem] = field(default_factory=list)
    errors: list[FileProblem] = field(default_factory=list)


# Kind → (the column that finds the header, the columns it needs).
_KINDS = (
    (COMMUNES, "TYPECOM", ("TYPECOM", "COM", "DEP", "REG", "LIBELLE")),
    (EPCI_COMPOSITION, "LIBEPCI", ("CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP", "REG")),
    (DEPARTEMENTS, "CHEFLIEU", ("DEP", "REG", "LIBELLE")),
)


def _kind_and_rows(content, filename, sep, encoding, sheet):
    first_problems = None
    for kind, header_column, needed in _KINDS:
        rows, problems = read_table(
            content, filename, header_column, sep=sep, encoding=encoding, sheet=sheet
        )
        if problems:
            if "introuvable" not in problems[0].message:
                return None, [], problems  # unreadable whatever the kind
            first_problems = first_problems or problems
            continue
        columns = set(rows[0][1]) if rows else set()
        if kind == DEPARTEMENTS and "DEP" not in columns:
            kind, needed = REGIONS, ("REG", "LIBELLE")
        return kind, rows, [c for c in needed if rows and c not in columns]
    return (
        None,
        [],
        [
            FileProblem(
                "ce fichier n'est pas un fichier du Code officiel géographique : aucune ligne "
                "d'en-tête avec TYPECOM (liste des communes), LIBEPCI (composition communale des "
                "EPCI) ou CHEFLIEU (départements, régions)."
            )
        ],
    )


def read_geography_file(
    content: bytes,
    filename: str,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> GeographyFile:
    """The territories of an official geography file; `errors` when it cannot be used at all,
    `rejected` for the lines whose codes are not well formed (each with its line and column)."""
    result = GeographyFile()
    kind, rows, problems = _kind_and_rows(content, filename, sep, encoding, sheet)
    if kind is None:
        result.errors = problems
        return result
    result.kind = kind
    if problems:
        result.errors = [
            FileProblem(f"colonne « {name} » absente de l'en-tête.") for name in problems
        ]
        return result
    if not rows:
        result.errors = [FileProblem("aucune ligne sous l'en-tête.")]
        return result
    for line, row in rows:
        place = _place(kind, line, row, result.rejected)
        if place is not None:
            result.places.append(place)
    if not result.places:
        result.errors.append(
            FileProblem(f"aucune ligne n'a de code bien formé ({len(result.rejected)} rejetées).")
        )
    return result


def _checked(code: str, level: str, line: int, column: str, rejected: list) -> str | None:
    problem = code_error(code, level)
    if problem is not None:
        rejected.append(FileProblem(problem, line, column))
        return None
    return normalise_code(code)


def _place(kind: str, line: int, row: dict, rejected: list) -> Place | None:
    if kind == COMMUNES:
        if row.get("TYPECOM", "").upper() != "COM":
            return None
        code = _checked(row["COM"], COMMUNE, line, "COM", rejected)
        departement = _checked(row["DEP"], DEPARTEMENT, line, "DEP", rejected)
        region = _checked(row["REG"], REGION, line, "REG", rejected)
        if None in (code, departement, region):
            return None
        return Place(COMMUNE, code, row["LIBELLE"], departement, region)
    if kind == EPCI_COMPOSITION:
        code = _checked(row["CODGEO"], COMMUNE, line, "CODGEO", rejected)
        departement = _checked(row["DEP"], DEPARTEMENT, line, "DEP", rejected)
        region = _checked(row["REG"], REGION, line, "REG", rejected)
        epci = row["EPCI"].strip().upper()
        if epci != NO_EPCI:
            epci = _checked(epci, EPCI, line, "EPCI", rejected)
        if None in (code, departement, region, epci):
            return None
        if epci == NO_EPCI:
            epci = ""
        return Place(
            COMMUNE, code, row["LIBGEO"], departement, region, epci, row["LIBEPCI"] if epci else ""
        )
    if kind == DEPARTEMENTS:
        code = _checked(row["DEP"], DEPARTEMENT, line, "DEP", rejected)
        region = _checked(row["REG"], REGION, line, "REG", rejected)
        if None in (code, region):
            return None
        return Place(DEPARTEMENT, code, row["LIBELLE"], region=region)
    code = _checked(row["REG"], REGION, line, "REG", rejected)
    return Place(REGION, code, row["LIBELLE"]) if code else None
