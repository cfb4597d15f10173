"""Reading an indicator file as INSEE and the CAF publish them: one line per territory, a code
column, maybe a label column (LIBGEO) and other attribute columns, and one column per indicator.

CSV (`;` or `,`, UTF-8 with or without BOM, or cp1252/latin-1; CRLF; no final newline) or XLSX
(title lines above the header: the header is the first line holding the code column's name).
Values in French notation (`1 234,5`, spaces, U+00A0 or U+202F between thousands, negatives),
secret (`s`) and missing (`nd`, empty) values kept apart from zero.

Errors are values: `read_indicator_file` returns every problem with its line and column, so the
caller shows them all at once and imports nothing when there is one. Lines whose code is not a
territory code (footnotes, totals, blank codes) are set aside as `rejected` and listed."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from .territories import (
    LEVELS,
    OF_LEVEL,
    code_error,
    guess_level,
    level_of_column,
    normalise_code,
)

VALUE = "value"
SECRET = "secret"
MISSING = "missing"
STATUS_LABELS = {VALUE: "valeur", SECRET: "secret statistique", MISSING: "non disponible"}

# How publications write a value withheld by statistical secrecy, and an unavailable one.
SECRET_MARKS = {"s", "secret", "se", "c"}
MISSING_MARKS = {"", "nd", "n.d.", "n.d", "nc", "n.c.", "na", "n/a", "-", "–", "—", "…", "..."}

# Columns that describe a territory rather than measure it: its name, and the codes of the
# territories it lies in, as INSEE's « bases » carry them beside the indicators.
LABEL_COLUMNS = ("LIBGEO", "LIBCOM", "LIB_COM", "NOM_COM", "LIBIRIS", "LIB_IRIS", "LIBEPCI")
LABEL_WORDS = ("LIBELLE", "LIBELLÉ", "NOM", "NOM_COMMUNE", "LIBELLE_COMMUNE")
ATTRIBUTE_COLUMNS = {
    "CODGEO",
    "COM",
    "DEPCOM",
    "IRIS",
    "EPCI",
    "DEP",
    "REG",
    "ARR",
    "CV",
    "ZE2020",
    "UU2020",
    "AAV2020",
    "BV2022",
    "TYP_IRIS",
    "MODIF_IRIS",
    "LAB_IRIS",
    "GRD_QUART",
    "NATURE_EPCI",
}
_SPACES = (" ", "\u00a0", "\u202f", "\u2009")
_GROUPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
# A millésime in a column's name: « 2021 » anywhere, or INSEE's prefix « P20_POP » (2020).
_FULL_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_INSEE_PREFIX = re.compile(r"^[A-Z]{1,3}(\d{2})_")


@dataclass(frozen=True)
class FileProblem:
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        if not where:
            return self.message[:1].upper() + self.message[1:]
        text = ", ".join(where)
        return f"{text[:1].upper()}{text[1:]} : {self.message}"


@dataclass(frozen=True)
class Cell:
    value: float | None
    status: str


@dataclass
class TableRow:
    line: int
    code: str
    label: str
    cells: dict[str, Cell]


@dataclass
class IndicatorTable:
    level: str | None = None
    code_column: str = ""
    label_column: str | None = None
    indicator_columns: list[str] = field(default_factory=list)
    attribute_columns: list[str] = field(default_factory=list)
    years: dict[str, int] = field(default_factory=dict)
    rows: list[TableRow] = field(default_factory=list)
    rejected: list[FileProblem] = field(default_factory=list)
    errors: list[FileProblem] = field(default_factory=list)
    # With keep_last_duplicate: the lines that replace an earlier line of the same territory.
    replaced_lines: list[FileProblem] = field(default_factory=list)


class _Unreadable(Exception):
    pass


def parse_value(raw) -> Cell:
    """A cell as a value, a secret or a missing value; ValueError (French) when it is none."""
    if raw is None:
        return Cell(None, MISSING)
    if isinstance(raw, bool):
        raise ValueError(f"« {raw} » n'est pas un nombre.")
    if isinstance(raw, (int, float)):
        if raw != raw:  # NaN
            return Cell(None, MISSING)
        return Cell(float(raw), VALUE)
    if not isinstance(raw, str):
        raise ValueError(f"« {raw} » n'est pas un nombre.")
    text = raw.strip()
    if text.casefold() in SECRET_MARKS:
        return Cell(None, SECRET)
    if text.casefold() in MISSING_MARKS:
        return Cell(None, MISSING)
    number = text.replace("\u2212", "-")
    sign = ""
    if number[:1] in "+-":
        sign, number = number[:1], number[1:].lstrip()
    whole, _, decimals = number.partition(",")
    if any(space in whole for space in _SPACES):
        if not _GROUPED.fullmatch(whole):
            raise ValueError(
                f"« {text} » n'est pas un nombre (séparateurs de milliers mal placés)."
            )
        for space in _SPACES:
            whole = whole.replace(space, "")
    if "," in number and "." in number:
        raise ValueError(f"« {text} » n'est pas un nombre (virgule et point à la fois).")
    number = whole + ("." + decimals if "," in number else "")
    if not _NUMBER.fullmatch(number):
        raise ValueError(f"« {text} » n'est pas un nombre.")
    return Cell(float(sign + number), VALUE)


def _decode(content: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return content.decode(encoding)
        except LookupError:
            raise _Unreadable(f"Encodage inconnu : « {encoding} ».") from None
        except UnicodeDecodeError as error:
            raise _Unreadable(
                f"Le fichier n'est pas en {encoding} (octet illisible à la position {error.start})."
            ) from None
    # UTF-8 (with or without BOM) first; Excel's « CSV » on Windows writes cp1252; latin-1 reads
    # any byte, for the few that cp1252 leaves undefined.
    for candidate in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")


def _csv_lines(text: str, sep: str) -> list[tuple[int, list]]:
    if "\x00" in text:
        raise _Unreadable("Le fichier n'est pas un CSV (il contient des octets nuls).")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    lines = []
    start = 1
    try:
        for cells in reader:
            lines.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise _Unreadable(f"CSV illisible ligne {reader.line_num} : {error}.") from None
    return lines


def _has_header(cells: list, code_column: str) -> bool:
    wanted = code_column.strip().casefold()
    return any(isinstance(cell, str) and cell.strip().casefold() == wanted for cell in cells)


def _csv_table(content, code_column, sep, encoding) -> list[tuple[int, list]]:
    text = _decode(content, encoding)
    separators = [sep] if sep else [";", ",", "\t"]
    for candidate in separators:
        lines = _csv_lines(text, candidate)
        if any(_has_header(cells, code_column) for _, cells in lines):
            return lines
    first = text.splitlines()[0][:200] if text.strip() else "(fichier vide)"
    raise _Unreadable(
        f"En-tête introuvable : aucune ligne ne contient la colonne « {code_column} »"
        + (f" avec le séparateur « {sep} »" if sep else "")
        + f". Première ligne du fichier : {first}"
    )


def _xlsx_table(content, code_column, sheet) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise _Unreadable(
            f"Le classeur XLSX est illisible (fichier abîmé ou d'un autre format) : {error}"
        ) from None
    except Exception as error:  # openpyxl's own InvalidFileException and parser errors
        raise _Unreadable(f"Le classeur XLSX est illisible : {error}") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise _Unreadable(
                f"Feuille « {sheet} » absente du classeur ; ses feuilles : "
                + ", ".join(f"« {name} »" for name in workbook.sheetnames)
                + "."
            )
        # INSEE workbooks often open on a documentation sheet: the first sheet with the header.
        for name in [sheet] if sheet is not None else workbook.sheetnames:
            lines = [
                (number, list(cells))
                for number, cells in enumerate(workbook[name].iter_rows(values_only=True), start=1)
            ]
            if any(_has_header(cells, code_column) for _, cells in lines):
                return lines
    except _Unreadable:
        raise
    except Exception as error:  # a damaged sheet inside a readable archive
        raise _Unreadable(f"Le classeur XLSX est illisible : {error}") from None
    finally:
        workbook.close()
    where = f"la feuille « {sheet} »" if sheet is not None else "aucune feuille du classeur"
    if sheet is None:
        raise _Unreadable(
            f"En-tête introuvable : {where} n'a de ligne contenant la colonne « {code_column} »."
        )
    raise _Unreadable(
        f"En-tête introuvable : {where} n'a aucune ligne contenant la colonne « {code_column} »."
    )


def is_xlsx(content: bytes, filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK"


def _code_text(raw) -> str:
    """The code as written (a number in a spreadsheet cell is read as its digits)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def _year_of(column: str, year: int | None) -> int | None:
    if year is not None:
        return year
    full = _FULL_YEAR.search(column)
    if full:
        return int(full.group(1))
    prefix = _INSEE_PREFIX.match(column.upper())
    return 2000 + int(prefix.group(1)) if prefix else None


def read_indicator_file(
    content: bytes,
    filename: str,
    code_column: str,
    *,
    year: int | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    level: str | None = None,
    label_column: str | None = None,
    indicator_columns: list[str] | None = None,
    keep_last_duplicate: bool = False,
) -> IndicatorTable:
    """The file's table of indicator values; its `errors` list every problem that forbids the
    import (an unreadable file, no header, values that are not numbers, a territory twice…).

    `indicator_columns` (the mapping step of the web import) says which columns are indicators;
    every other column is then ignored. `keep_last_duplicate`: a territory given twice keeps its
    last line, and the replaced line is listed in `replaced_lines`, instead of being an error."""
    table = IndicatorTable(code_column=code_column)
    if level is not None and level not in LEVELS:
        table.errors.append(
            FileProblem(
                f"Niveau géographique inconnu : « {level} » ; niveaux : {', '.join(LEVELS)}."
            )
        )
        return table
    try:
        if is_xlsx(content, filename):
            lines = _xlsx_table(content, code_column, sheet)
        else:
            lines = _csv_table(content, code_column, sep, encoding)
    except _Unreadable as error:
        table.errors.append(FileProblem(str(error)))
        return table

    header_at = next(i for i, (_, cells) in enumerate(lines) if _has_header(cells, code_column))
    header_line, header_cells = lines[header_at]
    names = [str(cell).strip() if cell is not None else "" for cell in header_cells]
    seen = set()
    for name in names:
        if name and name.casefold() in seen:
            table.errors.append(FileProblem("colonne en double dans l'en-tête.", header_line, name))
        seen.add(name.casefold())
    if table.errors:
        return table
    position = {name: index for index, name in enumerate(names) if name}
    code_name = next(name for name in position if name.casefold() == code_column.casefold())
    table.code_column = code_name
    if label_column is not None:
        label_name = next((n for n in position if n.casefold() == label_column.casefold()), None)
        if label_name is None:
            table.errors.append(
                FileProblem(f"colonne de libellé « {label_column} » absente.", header_line)
            )
            return table
    else:
        label_name = next(
            (n for n in position if n.upper() in LABEL_COLUMNS or n.upper() in LABEL_WORDS), None
        )
    table.label_column = label_name

    body = [
        (number, cells)
        for number, cells in lines[header_at + 1 :]
        if any(cell is not None and str(cell).strip() for cell in cells)
    ]

    def cell_at(cells, name):
        index = position[name]
        return cells[index] if index < len(cells) else None

    codes = [_code_text(cell_at(cells, code_name)) for _, cells in body]
    table.level = level or guess_level(code_name, codes)
    if table.level is None:
        table.errors.append(
            FileProblem(
                f"Le niveau géographique des codes de la colonne « {code_name} » ne se "
                f"devine pas (un code à 9 chiffres est un IRIS ou un EPCI, « 11 » un département "
                f"ou une région) : précisez-le ({', '.join(LEVELS)})."
            )
        )
        return table

    candidates = [name for name in position if name not in (code_name, label_name)]
    if indicator_columns is not None:
        chosen = {name.casefold() for name in indicator_columns}
        for wanted in indicator_columns:
            if wanted.casefold() not in {name.casefold() for name in position}:
                table.errors.append(
                    FileProblem("colonne d'indicateur absente de l'en-tête.", header_line, wanted)
                )
        if table.errors:
            return table
    for name in candidates:
        if indicator_columns is not None:
            if name.casefold() in chosen:
                table.indicator_columns.append(name)
            else:
                table.attribute_columns.append(name)
            continue
        upper = name.upper()
        if upper in ATTRIBUTE_COLUMNS or upper.startswith(("LIB", "NOM")):
            table.attribute_columns.append(name)
            continue
        raw_cells = [cell_at(cells, name) for _, cells in body]
        parsed = []
        for raw in raw_cells:
            try:
                parsed.append(parse_value(raw))
            except ValueError:
                parsed.append(None)
        # A column of text without a single number describes territories (a type, a name).
        if parsed and not any(cell is not None and cell.status == VALUE for cell in parsed):
            if any(cell is None for cell in parsed):
                table.attribute_columns.append(name)
                continue
        table.indicator_columns.append(name)
    if not table.indicator_columns:
        table.errors.append(
            FileProblem(
                "aucune colonne d'indicateur (colonnes de nombres) dans l'en-tête.", header_line
            )
        )
        return table
    for name in table.indicator_columns:
        found = _year_of(name, year)
        if found is None:
            table.errors.append(
                FileProblem(
                    "année inconnue : le nom de la colonne n'en contient pas, précisez l'année.",
                    header_line,
                    name,
                )
            )
        else:
            table.years[name] = found
    if table.errors:
        return table

    first_line_of = {}
    for (number, cells), code in zip(body, codes):
        problem = code_error(code, table.level) if code else "code de territoire vide."
        if problem is not None:
            table.rejected.append(FileProblem(problem, number, code_name))
            continue
        code = normalise_code(code)
        if code in first_line_of and keep_last_duplicate:
            earlier = first_line_of[code]
            table.rows = [row for row in table.rows if row.line != earlier]
            table.replaced_lines.append(
                FileProblem(
                    f"le territoire {code} figure déjà ligne {earlier} : cette ligne-ci la "
                    "remplace.",
                    number,
                    code_name,
                )
            )
        elif code in first_line_of:
            table.errors.append(
                FileProblem(
                    f"le territoire {code} figure déjà ligne {first_line_of[code]} : une seule "
                    "valeur par indicateur, territoire et année.",
                    number,
                    code_name,
                )
            )
            continue
        first_line_of[code] = number
        row_cells = {}
        for name in table.indicator_columns:
            try:
                row_cells[name] = parse_value(cell_at(cells, name))
            except ValueError as error:
                table.errors.append(FileProblem(str(error), number, name))
        label = cell_at(cells, label_name) if label_name else None
        table.rows.append(TableRow(number, code, str(label).strip() if label else "", row_cells))
    if not table.rows and not table.errors:
        table.errors.append(
            FileProblem(
                f"aucune ligne n'a un code {OF_LEVEL[table.level]} bien formé dans la "
                f"colonne « {code_name} » ({len(table.rejected)} lignes rejetées)."
            )
        )
    return table


# --- The layout of a file before its mapping is known (the web import's first step) ---

SAMPLE_LINES = 5
_SNIFFED_LINES = 60  # the header is looked for among the first lines only


@dataclass
class FileLayout:
    """What the mapping step shows: the sheets, the header line found, its columns, the first
    lines below it, and a guess of the code column."""

    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    sep: str | None = None
    header_line: int | None = None
    columns: list[str] = field(default_factory=list)
    samples: list[list[str]] = field(default_factory=list)
    code_column: str | None = None
    label_column: str | None = None
    errors: list[FileProblem] = field(default_factory=list)


def _filled(cells) -> int:
    return sum(1 for cell in cells if cell is not None and str(cell).strip())


def _header_at(lines) -> int | None:
    """The header of a table under title lines: the first line as wide as the widest of the
    first lines and made of text only (titles above are narrower, values below hold numbers)."""
    head = lines[:_SNIFFED_LINES]
    widest = max((_filled(cells) for _, cells in head), default=0)
    if widest < 2:
        return None
    for index, (_, cells) in enumerate(head):
        if _filled(cells) == widest and all(
            cell is None or isinstance(cell, str) for cell in cells
        ):
            return index
    return None


def _xlsx_lines(content: bytes, sheet: str | None) -> tuple[list[str], str, list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # zip, XML and openpyxl's own errors: all mean « not readable »
        raise _Unreadable(
            f"Le classeur XLSX est illisible (fichier abîmé ou d'un autre format) : {error}"
        ) from None
    try:
        names = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise _Unreadable(f"Feuille « {sheet} » absente du classeur.")
        # The first sheet with a table (INSEE workbooks often open on a documentation sheet).
        for name in [sheet] if sheet is not None else names:
            lines = [
                (number, list(cells))
                for number, cells in enumerate(workbook[name].iter_rows(values_only=True), start=1)
            ]
            if _header_at(lines) is not None:
                return names, name, lines
        return names, sheet or names[0], []
    except _Unreadable:
        raise
    except Exception as error:
        raise _Unreadable(f"Le classeur XLSX est illisible : {error}") from None
    finally:
        workbook.close()


def sniff_layout(
    content: bytes,
    filename: str,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> FileLayout:
    """The columns of a file whose code column is not known yet: the header is the first line as
    wide as the table and made of text (title lines above it are skipped)."""
    layout = FileLayout()
    try:
        if is_xlsx(content, filename):
            layout.sheets, layout.sheet, lines = _xlsx_lines(content, sheet)
        else:
            text = _decode(content, encoding)
            best = None
            for candidate in [sep] if sep else [";", ",", "\t"]:
                candidate_lines = _csv_lines(text, candidate)
                at = _header_at(candidate_lines)
                width = _filled(candidate_lines[at][1]) if at is not None else 0
                if best is None or width > best[0]:
                    best = (width, candidate, candidate_lines)
            layout.sep, lines = best[1], best[2]
    except _Unreadable as error:
        layout.errors.append(FileProblem(str(error)))
        return layout
    at = _header_at(lines)
    if at is None:
        layout.errors.append(
            FileProblem(
                "En-tête introuvable : aucune des premières lignes n'a les noms de plusieurs "
                "colonnes (le fichier est-il un tableau, avec une ligne par territoire ?)."
            )
        )
        return layout
    layout.header_line, header = lines[at]
    layout.columns = [
        str(cell).strip() for cell in header if cell is not None and str(cell).strip()
    ]
    positions = [
        index for index, cell in enumerate(header) if cell is not None and str(cell).strip()
    ]
    for _, cells in lines[at + 1 : at + 1 + SAMPLE_LINES]:
        layout.samples.append(
            [_code_text(cells[index]) if index < len(cells) else "" for index in positions]
        )
    layout.code_column = _guess_code_column(
        layout.columns, [row for _, row in lines[at + 1 :]], positions
    )
    layout.label_column = next(
        (n for n in layout.columns if n.upper() in LABEL_COLUMNS or n.upper() in LABEL_WORDS), None
    )
    return layout


def _guess_code_column(columns, body, positions) -> str | None:
    for name in columns:
        if level_of_column(name) is not None:
            return name
    # Else the first column whose values are mostly commune codes.
    for name, index in zip(columns, positions):
        codes = [_code_text(cells[index]) for cells in body[:50] if index < len(cells)]
        fitting = [code for code in codes if code_error(code, "commune") is None]
        if codes and len(fitting) * 2 > len(codes):
            return name
    return None


def read_table(
    content: bytes,
    filename: str,
    header_column: str,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> tuple[list[tuple[int, dict[str, str]]], list[FileProblem]]:
    """Any table read as the indicator files are (encodings, separators, title lines above the
    header found by one of its column names): its lines as {column name in capitals: text}, with
    their line numbers; or the problems that make it unreadable. Codes stay text."""
    try:
        if is_xlsx(content, filename):
            lines = _xlsx_table(content, header_column, sheet)
        else:
            lines = _csv_table(content, header_column, sep, encoding)
    except _Unreadable as error:
        return [], [FileProblem(str(error))]
    at = next(i for i, (_, cells) in enumerate(lines) if _has_header(cells, header_column))
    names = [str(cell).strip().upper() if cell is not None else "" for cell in lines[at][1]]
    rows = []
    for number, cells in lines[at + 1 :]:
        if not _filled(cells):
            continue
        rows.append(
            (
                number,
                {
                    name: _code_text(cells[index]) if index < len(cells) else ""
                    for index, name in enumerate(names)
                    if name
                },
            )
        )
    return rows, []
