"""Reading and writing the CSV files people actually have: exported from Excel (cp1252, `;`),
from LibreOffice or a web tool (UTF-8 with or without BOM, `,`).

`read_csv` never raises on a malformed line: it keeps the good rows and lists every problem in
French with its line number, so the person can fix the file once. It raises `CsvReadError` only
when the file cannot be read at all (missing, binary, empty).
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise CsvReadError("fichier illisible : ce n'est pas un fichier texte CSV (contenu binaire)")
    has_bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8-sig"), "utf-8", has_bom
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1", False


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


def read_csv(
    source: str | os.PathLike | bytes,
    *,
    required_columns: Sequence[str] = (),
    delimiter: str | None = None,
) -> CsvTable:
    """Read a CSV file (path or raw bytes) into rows keyed by the header's column names."""
    raw = _read_bytes(source)
    text, encoding, has_bom = decode_csv_bytes(raw)
    if not text.strip():
        raise CsvReadError("fichier vide : aucune ligne d'en-tête")
    delimiter = delimiter or sniff_delimiter(text)
    # strict: a stray or unclosed quote is reported by line instead of silently swallowing the
    # following lines into one answer.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[CsvProblem] = []
    try:
        header = next(reader)
    except csv.Error as error:
        raise CsvReadError(f"ligne 1 : en-tête illisible ({error})") from None
    columns = [name.strip() for name in header]
    _check_header(columns, required_columns, problems)

    rows: list[dict[str, str]] = []
    row_lines: list[int] = []
    expected = len(columns)
    while True:
        start_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # The reader starts afresh on the next line: the lines after a bad one are still read.
            problems.append(CsvProblem(start_line, f"ligne mal formée : {_french_csv_error(error, delimiter)}"))
            continue
        if not record or all(not cell.strip() for cell in record) and len(record) <= 1:
            continue  # blank line: spreadsheets leave them at the end
        if len(record) != expected:
            problems.append(
                CsvProblem(start_line, f"{expected} colonnes attendues, {len(record)} trouvées")
            )
            continue
        rows.append(dict(zip(columns, record)))
        row_lines.append(start_line)
    return CsvTable(columns, rows, row_lines, problems, encoding, delimiter, has_bom)


def _french_csv_error(error: csv.Error, delimiter: str) -> str:
    message = str(error)
    if "unexpected end of data" in message:
        return "guillemet ouvert jamais refermé (la suite du fichier serait lue comme une seule réponse)"
    if "expected after" in message:
        return f"guillemet mal placé : après un guillemet fermant, « {delimiter} » ou une fin de ligne est attendu " \
               "(doublez les guillemets à l'intérieur d'un texte : \"\")"
    if "NUL" in message or "null byte" in message:
        return "caractère nul : le fichier est peut-être endommagé"
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
                writer.writerow(["" if row.get(name) is None else row.get(name) for name in columns])
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
