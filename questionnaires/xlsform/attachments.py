"""Choice files attached to a form: `select_one_from_file communes.csv`.

ODK and KoboToolbox read the choices of such a question from a CSV or XML file sent beside the
form: one row (CSV) or one child element (XML) per choice, the choice's value in the column
`name` and its text in `label`, unless the question's `parameters` say `value=code label=nom`.
The other columns stay with each choice (`Choice.properties`), so that a `choice_filter` can
read them (`departement = ${departement}`).

The choices are read once, at import, into a `ChoiceList` whose `file` names the file: the
published version then holds them, and the tablet, the preview and the public page show them
as any other list. The export writes the file back from them (`choice_file_bytes`).

A CSV file made by Excel on a French computer is often in Windows-1252 (or Latin-1) and
separated by semicolons: both are recognised (UTF-8 with or without BOM first, then
Windows-1252, then Latin-1, which decodes any byte).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ..model import Choice, ChoiceList
from . import vocabulary as vocab
from .archive import MAX_FILE_BYTES
from .issues import SheetIssue

FILE_EXTENSIONS = (".csv", ".xml")
DEFAULT_VALUE_COLUMN = "name"
DEFAULT_LABEL_COLUMN = "label"
# A file of every French commune is 35,000 rows; far beyond that is not a choice list.
MAX_CHOICES = 100_000


def _too_many_choices(file_name: str) -> SheetIssue:
    return SheetIssue(
        file_name,
        None,
        None,
        f"Plus de {MAX_CHOICES} choix : ce fichier n'est pas une liste de choix.",
    )


def file_columns(parameters: str) -> tuple[str, str]:
    """(value column, label column) of a select_from_file question's `parameters`."""
    value, label = DEFAULT_VALUE_COLUMN, DEFAULT_LABEL_COLUMN
    for word in parameters.replace(",", " ").replace(";", " ").split():
        key, _, text = word.partition("=")
        if key.strip().lower() == "value" and text.strip():
            value = text.strip()
        elif key.strip().lower() == "label" and text.strip():
            label = text.strip()
    return value, label


def list_key(file_name: str, value_column: str, label_column: str) -> str:
    """The name of the list read from a file: the file's name, with its columns when they are
    not the usual `name` and `label` (the same file may be read by columns twice)."""
    if (value_column, label_column) == (DEFAULT_VALUE_COLUMN, DEFAULT_LABEL_COLUMN):
        return file_name
    return f"{file_name} value={value_column} label={label_column}"


def decode_text(payload: bytes) -> str:
    """The text of a CSV file, whatever Excel or LibreOffice saved it as."""
    if payload.startswith(codecs.BOM_UTF8):
        return payload[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return payload.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return payload.decode(encoding)
        except UnicodeDecodeError:
            continue
    return payload.decode("latin-1")


def read_choice_file(
    file_name: str,
    payload: bytes,
    value_column: str,
    label_column: str,
    default_language: str,
) -> tuple[ChoiceList | None, list[SheetIssue], list[SheetIssue]]:
    """(the list, errors, warnings) of an attached file; errors name the file, row and column."""
    if len(payload) > MAX_FILE_BYTES:
        return (
            None,
            [
                SheetIssue(
                    file_name,
                    None,
                    None,
                    f"Le fichier dépasse {MAX_FILE_BYTES // (1024 * 1024)} Mo : une liste de "
                    "choix, même de toutes les communes de France, tient en bien moins.",
                )
            ],
            [],
        )
    extension = os.path.splitext(file_name)[1].lower()
    if extension == ".xml":
        rows, errors = _xml_rows(file_name, payload)
    else:
        rows, errors = _csv_rows(file_name, payload)
    if errors:
        return None, errors, []
    if not rows:
        return None, [SheetIssue(file_name, None, None, "Le fichier ne contient aucun choix.")], []
    headers = list(rows[0][1])
    if value_column not in headers:
        known = ", ".join(f"« {header} »" for header in headers if header) or "aucune"
        return (
            None,
            [
                SheetIssue(
                    file_name,
                    1,
                    value_column,
                    f"La colonne « {value_column} » est absente du fichier : c'est elle qui "
                    f"donne la valeur de chaque choix (colonnes trouvées : {known}).",
                )
            ],
            [],
        )
    label_headers = _label_headers(headers, label_column, default_language)
    warnings: list[SheetIssue] = []
    if not label_headers:
        warnings.append(
            SheetIssue(
                file_name,
                1,
                label_column,
                f"La colonne « {label_column} » est absente du fichier : chaque choix "
                "s'affiche sous sa valeur.",
            )
        )
    choice_list = ChoiceList(list_key(file_name, value_column, label_column), file=file_name)
    seen: dict[str, int] = {}
    for number, values in rows[1:]:
        name = values.get(value_column, "").strip()
        if not name:
            warnings.append(
                SheetIssue(
                    file_name, number, value_column, "Valeur vide : cette ligne est ignorée."
                )
            )
            continue
        if name in seen:
            warnings.append(
                SheetIssue(
                    file_name,
                    number,
                    value_column,
                    f"La valeur « {name} » figure déjà ligne {seen[name]} : cette ligne est ignorée.",
                )
            )
            continue
        seen[name] = number
        label = {code: values[header] for header, code in label_headers if values.get(header)}
        properties = {
            header: text
            for header, text in values.items()
            if header != value_column and header not in dict(label_headers)
        }
        choice_list.choices.append(Choice(name, label, properties))
    if not choice_list.choices:
        return None, [SheetIssue(file_name, None, None, "Le fichier ne contient aucun choix.")], []
    return choice_list, [], warnings


def _label_headers(
    headers: list[str], label_column: str, default_language: str
) -> list[tuple[str, str]]:
    """(header, language code) of the label columns: `label`, `label::English (en)`…"""
    found = []
    for header in headers:
        if header == label_column:
            found.append((header, default_language))
        elif header.startswith(label_column + "::") and header.partition("::")[2].strip():
            found.append((header, vocab.language_code(header.partition("::")[2])))
    return found


def _csv_rows(file_name: str, payload: bytes):
    """[(row number, {header: text})], the header row first (number 1)."""
    text = decode_text(payload)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        header_cells = next(reader, None)
        if header_cells is None:
            return [], []
        headers = [cell.strip() for cell in header_cells]
        rows.append((1, {header: header for header in headers}))
        for cells in reader:
            if len(rows) > MAX_CHOICES:
                return [], [_too_many_choices(file_name)]
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(
                (
                    reader.line_num,
                    {header: cell for header, cell in zip(headers, cells) if header},
                )
            )
    except csv.Error as error:
        return [], [
            SheetIssue(file_name, reader.line_num, None, f"Fichier CSV illisible : {error}.")
        ]
    return rows, []


def _xml_rows(file_name: str, payload: bytes):
    """The children of the root element as rows, numbered from 2 (1 stands for the headers)."""
    try:
        root = ElementTree.fromstring(payload)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        return [], [SheetIssue(file_name, None, None, f"Fichier XML illisible : {error}.")]
    items = list(root)
    if len(items) > MAX_CHOICES:
        return [], [_too_many_choices(file_name)]
    headers: dict[str, str] = {}
    rows = []
    for number, item in enumerate(items, start=2):
        values = {child.tag: (child.text or "").strip() for child in item}
        headers.update({tag: tag for tag in values})
        rows.append((number, values))
    return [(1, headers)] + rows, []


def choice_file_bytes(
    choice_list: ChoiceList,
    value_column: str,
    label_column: str,
    default_language: str,
    display: Callable[[str], str],
) -> bytes:
    """The file of a list read from a file, written back from its choices (UTF-8 CSV, or XML
    for a .xml name). `display(code)` is the header suffix of a language."""
    codes = list(dict.fromkeys(code for choice in choice_list.choices for code in choice.label))
    label_headers = {
        code: label_column if code == default_language else f"{label_column}::{display(code)}"
        for code in codes
    }
    properties = list(
        dict.fromkeys(header for choice in choice_list.choices for header in choice.properties)
    )
    headers = [value_column] + list(label_headers.values()) + properties
    records = [
        [choice.name]
        + [choice.label.get(code, "") for code in label_headers]
        + [choice.properties.get(header, "") for header in properties]
        for choice in choice_list.choices
    ]
    if choice_list.file.lower().endswith(".xml"):
        return _xml_bytes(headers, records)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


def _xml_bytes(headers: list[str], records: list[list[str]]) -> bytes:
    from xml.etree.ElementTree import Element, SubElement, tostring

    root = Element("root")
    for record in records:
        item = SubElement(root, "item")
        for header, text in zip(headers, record):
            SubElement(item, header).text = text
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode()
