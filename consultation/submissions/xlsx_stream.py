"""A streamed XLSX writer for exports of any size: the sheet XML is written row by row straight
into the zip archive (or, for the second and later sheets, into a temporary file zipped at the
end), so memory stays flat and each cell costs a few string operations.

openpyxl's write-only mode builds an object and an XML element per cell: at 100,000 submissions ×
100 questions (10 million cells) that alone took over 80 s. What we write is the small subset of
SpreadsheetML a data export needs, as Excel, LibreOffice and openpyxl read it:

- text as inline strings (`t="inlineStr"`), not a shared-strings table that would grow with every
  distinct answer; characters XML cannot hold (control characters, lone surrogates) are removed,
  `\\r` is kept as a character reference, and text is cut at 32,767 characters, Excel's limit;
- text a spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`) in a cell whose style has the
  quote prefix: shown as typed, never evaluated;
- numbers as numbers, booleans as booleans, datetimes as serial numbers in a date-time format."""

from __future__ import annotations

import math
import re
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import IO

from openpyxl.utils.datetime import to_excel

MAX_TEXT = 32_767  # characters in a cell, Excel's limit
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry, even escaped (tab, line feed and carriage return can).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Style indexes of styles.xml below.
_DATETIME_STYLE, _DATE_STYLE, _TEXT_AS_TYPED_STYLE = 1, 2, 3
_ROWS_PER_WRITE = 200


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def xml_text(value: str) -> str:
    """Text as the content of a <t> element: escaped, without what XML cannot hold."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if not value.isprintable():
        # Rare: line breaks, tabs, control characters. isprintable() is False for all of them.
        value = _NOT_XML.sub("", value).replace("\r", "\x00")
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value.replace("\x00", "&#13;")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_cell(reference: str, value: str) -> str:
    style = f' s="{_TEXT_AS_TYPED_STYLE}"' if value.startswith(FORMULA_TRIGGERS) else ""
    text = xml_text(value)
    if not text:
        return ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def cell_xml(reference: str, value) -> str:
    """One cell; "" for an empty one (no element: a spreadsheet reads it as empty)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return _text_cell(reference, value)
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{reference}"><v>{int(value)}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            return _text_cell(reference, str(value))
        return f'<c r="{reference}"><v>{float(value)!r}</v></c>'
    if isinstance(value, datetime):
        serial = to_excel(value.replace(tzinfo=None))
        return f'<c r="{reference}" s="{_DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="{_DATE_STYLE}"><v>{to_excel(value)!r}</v></c>'
    return _text_cell(reference, str(value))


class SheetWriter:
    """The rows of one sheet, appended in order."""

    def __init__(self, title: str, handle: IO[bytes]):
        self.title = title
        self._handle = handle
        self._row = 0
        self._letters: list[str] = []
        self._pending: list[str] = []
        handle.write(_SHEET_START)

    def append(self, values: list) -> None:
        self._row = row = self._row + 1
        letters = self._letters
        if len(values) > len(letters):
            letters = self._letters = column_letters(len(values))
        number = str(row)
        cells = [f'<row r="{number}">']
        add = cells.append
        for letter, value in zip(letters, values):
            kind = type(value)
            # The common cases inline: this runs for every cell of the export.
            if kind is str:
                if not value:
                    continue
                if (
                    value.isprintable()
                    and len(value) <= MAX_TEXT
                    and not value.startswith(FORMULA_TRIGGERS)
                    and value[0] != " "
                    and value[-1] != " "
                ):
                    if "&" in value or "<" in value or ">" in value:
                        value = (
                            value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        )
                    add(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    add(_text_cell(letter + number, value))
            elif kind is int:
                add(f'<c r="{letter}{number}"><v>{value}</v></c>')
            elif value is not None:
                add(cell_xml(letter + number, value))
        add("</row>")
        self._pending.append("".join(cells))
        if len(self._pending) >= _ROWS_PER_WRITE:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._handle.write("".join(self._pending).encode("utf-8"))
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._handle.write(_SHEET_END)


class StreamedWorkbook:
    """`with StreamedWorkbook(path) as workbook:` then `workbook.add_sheet(title)` for each sheet
    (titles already valid and unique) and `sheet.append(values)`. The first sheet goes straight into
    the archive; the others wait in temporary files beside `path` until the end."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.sheets: list[SheetWriter] = []
        self._archive = zipfile.ZipFile(
            self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESSION
        )
        self._folder = tempfile.TemporaryDirectory(dir=self.path.parent, prefix=".xlsx-")
        self._handles: list[IO[bytes]] = []

    def add_sheet(self, title: str) -> SheetWriter:
        number = len(self.sheets) + 1
        if number == 1:
            handle = self._archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        else:
            handle = open(Path(self._folder.name) / f"sheet{number}.xml", "wb")  # noqa: SIM115
        self._handles.append(handle)
        sheet = SheetWriter(title, handle)
        self.sheets.append(sheet)
        return sheet

    def __enter__(self) -> StreamedWorkbook:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            if error_type is None:
                self._finish()
        finally:
            for handle in self._handles:
                handle.close()
            self._archive.close()
            self._folder.cleanup()

    def _finish(self) -> None:
        for sheet, handle in zip(self.sheets, self._handles):
            sheet.close()
            handle.close()  # the first sheet's entry ends here, so the archive takes the next
        for number, handle in enumerate(self._handles[1:], start=2):
            self._archive.write(handle.name, f"xl/worksheets/sheet{number}.xml")
        archive, count = self._archive, len(self.sheets)
        archive.writestr("[Content_Types].xml", _content_types(count))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook([sheet.title for sheet in self.sheets]))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(count))
        archive.writestr("xl/styles.xml", _STYLES)


_COMPRESSION = 1  # deflate level: 6 costs three times the time for a file a tenth smaller
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheetData>'
).encode()
_SHEET_END = b"</sheetData></worksheet>"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# Cell styles: 0 default, 1 date and time, 2 date, 3 text shown as typed (quote prefix).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"'
    ' quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for number in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook(titles: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{_attribute(title)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, title in enumerate(titles, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>{sheets}</sheets></workbook>'
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{number}" Type="{_RELS}/worksheet" '
        f'Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PACKAGE_RELS}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _attribute(value: str) -> str:
    return xml_text(value).replace('"', "&quot;")
