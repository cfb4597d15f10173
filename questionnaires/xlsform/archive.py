"""Taking an uploaded file in safely: size limits and zip checks before any spreadsheet parser runs.

An .xlsx file is a zip archive of XML parts. A hostile or broken upload must be refused here, from
the sizes the archive declares, so that openpyxl never inflates a zip bomb. Python's zipfile never
returns more bytes than an entry declares (it fails the CRC check instead), so the declared sizes
are a real bound on what the parser will read.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from .issues import SheetIssue

# The same limit as the web upload (MAX_CONTENT_LENGTH), so that the CLI and the page agree.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1000
# XML of real spreadsheets compresses 5 to 30 times; a bomb compresses hundreds of times.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM_BYTES = 1024 * 1024

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
# What reading a damaged or hostile zip may raise, from zipfile and the decompressor under it.
_BROKEN_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
)

Source = str | os.PathLike | bytes | bytearray | BinaryIO


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo"


def _file_issue(message: str) -> list[SheetIssue]:
    return [SheetIssue("", None, None, message)]


def read_source(source: Source) -> tuple[bytes | None, list[SheetIssue]]:
    """The bytes of the upload, or None with the reason when it is too big or cannot be read."""
    too_big = (
        f"Le fichier dépasse la taille maximale de {_megabytes(MAX_FILE_BYTES)} : "
        "un questionnaire XLSForm pèse habituellement quelques dizaines de kilo-octets."
    )
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_FILE_BYTES:
            return None, _file_issue(too_big)
        return bytes(source), []
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return None, _file_issue(too_big)
            with path.open("rb") as stream:
                payload = stream.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            return None, _file_issue(
                f"Impossible de lire le fichier « {path.name} » ({error.strerror})."
            )
    else:
        try:
            payload = source.read(MAX_FILE_BYTES + 1)
        except (OSError, ValueError) as error:
            return None, _file_issue(f"Impossible de lire le fichier envoyé ({error}).")
        if not isinstance(payload, (bytes, bytearray)):
            return None, _file_issue("Le fichier envoyé doit être lu en binaire.")
    if len(payload) > MAX_FILE_BYTES:
        return None, _file_issue(too_big)
    return bytes(payload), []


def check_archive(payload: bytes) -> list[SheetIssue]:
    """Errors that forbid opening the payload as a workbook: not a zip, not an xlsx, a bomb."""
    if not payload:
        return _file_issue("Le fichier est vide.")
    if payload.startswith(_OLE_SIGNATURE):
        return _file_issue(
            "Ce fichier est au format Excel 97-2003 (.xls) : enregistrez-le au format .xlsx "
            "(Fichier › Enregistrer sous › Classeur Excel) puis importez-le à nouveau."
        )
    if not payload.startswith(_ZIP_SIGNATURES):
        return _file_issue(
            "Ce fichier n'est pas un classeur Excel .xlsx : importez le questionnaire XLSForm "
            "au format .xlsx (un fichier CSV, PDF ou texte ne convient pas)."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                return _file_issue(
                    f"L'archive contient {len(entries)} éléments (plus de {MAX_ENTRIES}) : "
                    "ce n'est pas un classeur XLSForm ordinaire, il est refusé."
                )
            total = sum(entry.file_size for entry in entries)
            if total > MAX_UNCOMPRESSED_BYTES:
                return _file_issue(
                    f"Une fois décompressé, le classeur occuperait {_megabytes(total)} "
                    f"(plus de {_megabytes(MAX_UNCOMPRESSED_BYTES)}) : il est refusé par sécurité."
                )
            for entry in entries:
                if entry.file_size < RATIO_CHECK_FROM_BYTES:
                    continue
                ratio = entry.file_size / max(entry.compress_size, 1)
                if ratio > MAX_COMPRESSION_RATIO:
                    return _file_issue(
                        f"L'élément « {entry.filename} » de l'archive est compressé {ratio:.0f} fois : "
                        "un taux aussi élevé signale une « bombe zip », le classeur est refusé."
                    )
            names = {entry.filename for entry in entries}
            if names and "mimetype" in names and "content.xml" in names:
                return _file_issue(
                    "Ce fichier est au format OpenDocument (.ods) : enregistrez-le au format .xlsx "
                    "puis importez-le à nouveau."
                )
            if "[Content_Types].xml" not in names or not any(
                name.startswith("xl/") for name in names
            ):
                return _file_issue(
                    "Cette archive zip n'est pas un classeur Excel .xlsx (il y manque le classeur "
                    "lui-même) : importez le questionnaire XLSForm au format .xlsx."
                )
            damaged = archive.testzip()
            if damaged is not None:
                return _file_issue(
                    f"Le classeur est endommagé (élément « {damaged} » illisible) : "
                    "ouvrez-le dans Excel ou LibreOffice, enregistrez-le à nouveau puis réessayez."
                )
    except _BROKEN_ZIP:
        return _file_issue(
            "Le classeur est endommagé (archive zip illisible) : ouvrez-le dans Excel ou "
            "LibreOffice, enregistrez-le à nouveau puis réessayez."
        )
    return []


# Files a form may read its choices from, found beside it in a zip (see attachments.py).
ATTACHED_EXTENSIONS = (".csv", ".xml")


def unpack_form_archive(
    payload: bytes,
) -> tuple[bytes, dict[str, bytes], list[SheetIssue]] | None:
    """A zip holding one .xlsx form and the files beside it (what the export of a form with
    attached files gives, as ODK Central and KoboToolbox take them): (the form, {file name:
    bytes}, errors). None when the payload is not such a zip (an .xlsx is a zip too)."""
    if not payload.startswith(_ZIP_SIGNATURES):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            entries = [entry for entry in archive.infolist() if not entry.is_dir()]
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names:
                return None
            forms = [e for e in entries if e.filename.lower().endswith(".xlsx")]
            if not forms:
                return None  # no form in it: check_archive says it is no workbook
            if len(forms) > 1:
                return (
                    b"",
                    {},
                    _file_issue(
                        "L'archive zip doit contenir un seul formulaire .xlsx, et à côté les "
                        f"fichiers .csv ou .xml qu'il lit ({len(forms)} fichiers .xlsx trouvés)."
                    ),
                )
            kept = forms + [e for e in entries if e.filename.lower().endswith(ATTACHED_EXTENSIONS)]
            total = sum(entry.file_size for entry in kept)
            if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED_BYTES:
                return (
                    b"",
                    {},
                    _file_issue(
                        f"Une fois décompressée, l'archive occuperait {_megabytes(total)} "
                        f"(plus de {_megabytes(MAX_UNCOMPRESSED_BYTES)}) : elle est refusée par sécurité."
                    ),
                )
            for entry in kept:
                ratio = entry.file_size / max(entry.compress_size, 1)
                if entry.file_size >= RATIO_CHECK_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
                    return (
                        b"",
                        {},
                        _file_issue(
                            f"L'élément « {entry.filename} » de l'archive est compressé {ratio:.0f} "
                            "fois : un taux aussi élevé signale une « bombe zip », elle est refusée."
                        ),
                    )
            form = archive.read(forms[0])
            attached = {os.path.basename(entry.filename): archive.read(entry) for entry in kept[1:]}
    except _BROKEN_ZIP:
        return None  # check_archive says what is wrong with it
    return form, attached, []
