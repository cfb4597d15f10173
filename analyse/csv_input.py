"""Reading and writing the CSV files people actually have: exported from Excel (cp1252, `;`),
from LibreOffice or a web tool (UTF-8 with or without BOM, `,`).

`read_csv` never raises on a malformed line: it keeps every good row, even those that follow a
broken one, and lists every problem in French with its line number, so the person can fix the
file once. It raises `CsvReadError` only
when the file cannot be read at all (missing, binary, empty).
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 64 * 1024


class CsvReadError(Exception):
    """The file cannot be read as CSV at all; the message is in French."""


@dataclass(frozen=True)
class CsvProblem:
    line: int | None  # 1-based physical line in the file (the header is line 1); None: whole file
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}" if self.line is not None else self.message


@dataclass
class CsvTable:
    columns: list[str]
    rows: list[dict[str, str]]
    # The physical line where each row starts, parallel to `rows`, for messages about a row.
    row_lines: list[int]
    problems: list[CsvProblem] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    has_bom: bool = False

    @property
    def problem_messages(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    @property
    def ok(self) -> bool:
        return not self.problems


def decode_csv_bytes(raw: bytes) -> tuple[str, str, bool]:
    """Return (text, encoding, has_bom). UTF-8 first (the only encoding that can fail loudly),
    then Windows-1252 as Excel writes it on French Windows, then Latin-1 which never fails."""
    text, encoding, has_bom, _bad_lines = _decode(raw)
    return text, encoding, has_bom


def _decode(raw: bytes) -> tuple[str, str, bool, set[int]]:
    """(text, encoding, has_bom, lines that are not in that encoding). A file that is UTF-8 except
    for a few lines (two exports pasted together) stays UTF-8: those lines are reported instead
    of turning every accent of the others into « Ã© »."""
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise CsvReadError(
            "fichier illisible : ce n'est pas un fichier texte CSV (contenu binaire)"
        )
    has_bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8-sig"), "utf-8", has_bom, set()
    except UnicodeDecodeError:
        pass
    # Split on b"\n" only: that byte never occurs inside a UTF-8 or cp1252 character.
    raw_lines = raw.split(b"\n")
    utf8_lines, bad_lines = 0, set()
    for number, raw_line in enumerate(raw_lines, start=1):
        if raw_line.isascii():
            continue
        try:
            raw_line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            bad_lines.add(number)
    if has_bom or utf8_lines:
        decoded = [
            _decode_single(raw_line) if number in bad_lines else raw_line.decode("utf-8")
            for number, raw_line in enumerate(raw_lines, start=1)
        ]
        return "\n".join(decoded).removeprefix("\ufeff"), "utf-8", has_bom, bad_lines
    text, encoding = _decode_single(raw), "cp1252"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        encoding = "latin-1"
    return text, encoding, False, set()


def _decode_single(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    # The sniffer gives up on files with long quoted answers: the header line decides.
    header = sample.splitlines()[0] if sample else ""
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# A physical line and its ending: \r\n, \n or a lone \r, as the csv module splits them (not
# str.splitlines, which also splits on characters a text answer may hold, like U+2028).
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


def read_csv(
    source: str | os.PathLike | bytes,
    *,
    required_columns: Sequence[str] = (),
    delimiter: str | None = None,
) -> CsvTable:
    """Read a CSV file (path or raw bytes) into rows keyed by the header's column names.

    Every malformed record is reported with the line it starts on, and reading resumes at the
    line just after that start, not after the end of what the bad record swallowed: an unclosed
    quote on line 2 costs line 2 only, lines 3 and 4 are read as the rows they are. Blank lines
    hold nothing and are skipped without a word."""
    raw = _read_bytes(source)
    text, encoding, has_bom, bad_lines = _decode(raw)
    if not text.strip():
        raise CsvReadError("fichier vide : aucune ligne d'en-tête")
    delimiter = delimiter or sniff_delimiter(text)
    lines = _PHYSICAL_LINE.findall(text)
    problems: list[CsvProblem] = []

    header, position, error = _record_at(lines, 0, delimiter)
    if error is not None:
        raise CsvReadError(f"ligne 1 : en-tête illisible ({_french_csv_error(error, delimiter)})")
    columns = [name.strip() for name in header or []]
    _check_header(columns, required_columns, problems)

    rows: list[dict[str, str]] = []
    row_lines: list[int] = []
    expected = len(columns)
    while position < len(lines):
        reader = _Records(lines, position, delimiter)
        position = len(lines)
        for start, end, record, error in reader:
            problem = _problem(
                record, error, lines[start:end], start + 1, bad_lines, expected, delimiter
            )
            if problem is None:
                if record and not (len(record) == 1 and not record[0].strip()):
                    rows.append(dict(zip(columns, record)))
                    row_lines.append(start + 1)
                continue  # else a blank line: spreadsheets leave them at the end
            problems.append(CsvProblem(start + 1, problem))
            # Only characters are wrong, or the record held one line: go on with the next one.
            # Otherwise the lines it took may be rows of their own: read them again, one by one.
            if error is None and (end == start + 1 or problem.startswith(_SOUND_STRUCTURE)):
                continue
            position = start + 1
            break
    return CsvTable(columns, rows, row_lines, problems, encoding, delimiter, has_bom)


class _Records:
    """Iterates (first line, line after the end, fields or None, csv.Error or None) over the
    records from physical line `start`, keeping track of which lines each one took; stops after
    an error (the caller decides where to resume)."""

    def __init__(self, lines: list[str], start: int, delimiter: str):
        self.lines = lines
        self.position = start
        # strict: a misplaced or unclosed quote is an error instead of text silently joined.
        self.reader = csv.reader(self._following_lines(), delimiter=delimiter, strict=True)

    def _following_lines(self):
        while self.position < len(self.lines):
            self.position += 1
            yield self.lines[self.position - 1]

    def __iter__(self):
        while True:
            start = self.position
            try:
                record = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, self.position, None, error
                return
            yield start, self.position, record, None


def _record_at(
    lines: list[str], start: int, delimiter: str
) -> tuple[list[str] | None, int, csv.Error | None]:
    """The one record starting at physical line `start`: (fields, line after it, error)."""
    for _start, end, record, error in _Records(lines, start, delimiter):
        return record, end, error
    return None, len(lines), None


_ENCODING = "caractères illisibles"
_NUL = "caractère nul"
_BOM = "marque d'encodage (BOM)"
_SOUND_STRUCTURE = (_ENCODING, _NUL, _BOM)


def _problem(
    record,
    error,
    record_lines: list[str],
    first_line: int,
    bad_lines: set[int],
    expected: int,
    delimiter: str,
) -> str | None:
    """What is wrong with the record starting at `first_line`, in French, or None."""
    if error is not None:
        return f"ligne mal formée : {_french_csv_error(error, delimiter)}"
    if bad_lines:
        wrong_encoding = sorted(
            bad_lines.intersection(range(first_line, first_line + len(record_lines)))
        )
        if wrong_encoding:
            return (
                f"{_ENCODING} en UTF-8 (ligne {wrong_encoding[0]}) : le fichier mélange deux encodages ; "
                "enregistrez-le de nouveau en UTF-8"
            )
    raw = record_lines[0] if len(record_lines) == 1 else "".join(record_lines)
    if "\x00" in raw:
        return f"{_NUL} : le fichier est peut-être endommagé"
    if "\ufeff" in raw and any(line.startswith("\ufeff") for line in record_lines):
        return f"{_BOM} en début de ligne : deux fichiers ont sans doute été mis bout à bout"
    if not record or (len(record) == 1 and not record[0].strip()):
        return None  # a blank line
    if '"' in raw and _quote_inside_unquoted_field(raw, delimiter):
        return (
            "guillemet isolé au milieu d'un champ : entourez tout le champ de guillemets et doublez "
            'ceux du texte ("")'
        )
    if len(record) != expected:
        return f"{expected} colonnes attendues, {len(record)} trouvées"
    return None


def _quote_inside_unquoted_field(raw: str, delimiter: str) -> bool:
    """Whether a field not opened by a quote holds one (`1,il a dit "non"`). The csv module takes
    it as text, but it is where a text meant to span lines went wrong: the following lines would
    otherwise come back as rows made of the ends of that text."""
    return _well_quoted_record(delimiter).fullmatch(raw) is None


@lru_cache(maxsize=8)
def _well_quoted_record(delimiter: str) -> re.Pattern:
    # Each field is either wholly quoted (quotes doubled inside) or holds no quote at all.
    separator = re.escape(delimiter)
    field = f'(?:"(?:[^"]+|"")*"|[^"{separator}\\r\\n]*)'
    return re.compile(f"{field}(?:{separator}{field})*(?:\\r\\n|\\n|\\r)?")


def _french_csv_error(error: csv.Error, delimiter: str) -> str:
    message = str(error)
    if "unexpected end of data" in message:
        return "guillemet ouvert jamais refermé (les lignes suivantes sont lues chacune pour elle-même)"
    if "expected after" in message:
        return (
            f"guillemet mal placé : après un guillemet fermant, « {delimiter} » ou une fin de ligne est attendu "
            "(doublez les guillemets à l'intérieur d'un texte : \"\")"
        )
    if "NUL" in message or "null byte" in message:
        return "caractère nul : le fichier est peut-être endommagé"
    if "new-line character seen in unquoted field" in message:
        return "retour chariot isolé au milieu d'un champ"
    if "field larger than field limit" in message:
        return "champ trop long (plus de 128 000 caractères) : un guillemet n'est sans doute pas refermé"
    return message


def _read_bytes(source: str | os.PathLike | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CsvReadError(f"fichier introuvable : {path}") from None
    except IsADirectoryError:
        raise CsvReadError(f"{path} est un dossier, pas un fichier CSV") from None
    except OSError as error:
        raise CsvReadError(f"fichier illisible : {path} ({error.strerror})") from None


def _check_header(columns: list[str], required: Sequence[str], problems: list[CsvProblem]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(columns, start=1):
        if not name:
            problems.append(CsvProblem(1, f"la colonne {index} n'a pas de nom"))
        elif name in seen:
            problems.append(CsvProblem(1, f"colonne « {name} » en double"))
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(CsvProblem(None, f"colonne « {name} » absente"))


def missing_columns(table: CsvTable, required: Iterable[str]) -> list[str]:
    return [name for name in required if name not in table.columns]


def write_csv_atomic(
    path: str | os.PathLike,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
) -> None:
    """Write to a temporary file in the same folder, then rename over `path`: a reader never
    sees a half-written file, and an error leaves the previous file as it was."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        file_encoding = "utf-8-sig" if encoding == "utf-8" and bom else encoding
        with os.fdopen(handle, "w", encoding=file_encoding, newline="", errors="strict") as out:
            writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow(
                    ["" if row.get(name) is None else row.get(name) for name in columns]
                )
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
