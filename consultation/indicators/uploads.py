"""The web import of an indicator file, step by step: the uploaded file is kept in the instance
folder (readable by the server's account only) with its mapping, read again for the preview and
by the import job, and deleted when the job ends or after KEEP_FOR if it is abandoned."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from analyse.indicator_files import IndicatorTable, is_xlsx, read_indicator_file

from ..accounts.models import utcnow
from ..extensions import db
from .models import ImportTemplate, IndicatorUpload

FOLDER = "indicator-imports"
KEEP_FOR = timedelta(hours=24)
PREVIEW_ROWS = 10


@dataclass
class Mapping:
    """What the person said about the file's columns."""

    code_column: str = ""
    level: str = ""  # "" : guessed from the column's name and the codes
    label_column: str = ""
    year: int | None = None  # None: read in each column's name (P20_POP, TX_2022)
    indicator_columns: list[str] = field(default_factory=list)
    sheet: str = ""
    sep: str = ""
    encoding: str = ""

    @classmethod
    def of(cls, stored: dict | None) -> Mapping:
        stored = stored or {}
        known = {name: stored[name] for name in cls.__dataclass_fields__ if name in stored}
        return cls(**known)

    def as_dict(self) -> dict:
        return asdict(self)


def _folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def path_of(upload: IndicatorUpload) -> Path:
    return _folder() / upload.stored_name


def save_upload(content: bytes, filename: str, user_id: int) -> IndicatorUpload:
    """Keeps the file under an unguessable name; flushes the upload's row."""
    delete_abandoned_uploads()
    extension = "xlsx" if is_xlsx(content, filename) else "csv"
    stored_name = f"{secrets.token_hex(12)}.{extension}"
    path = _folder() / stored_name
    path.write_bytes(content)
    os.chmod(path, 0o600)
    upload = IndicatorUpload(
        filename=Path(filename).name[:255] or "fichier",
        stored_name=stored_name,
        mapping={},
        created_by_id=user_id,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def content_of(upload: IndicatorUpload) -> bytes | None:
    """The file's bytes; None once it was imported or abandoned (deleted)."""
    if not upload.stored_name:
        return None
    try:
        return path_of(upload).read_bytes()
    except FileNotFoundError:
        return None


def discard_file(upload: IndicatorUpload) -> None:
    if upload.stored_name:
        path_of(upload).unlink(missing_ok=True)
        upload.stored_name = ""


def delete_abandoned_uploads() -> None:
    """Files of uploads older than KEEP_FOR that no job is importing (a mapping left halfway)."""
    limit = utcnow() - KEEP_FOR
    stale = db.session.scalars(
        select(IndicatorUpload).where(
            IndicatorUpload.created_at < limit,
            IndicatorUpload.stored_name != "",
            IndicatorUpload.job_id.is_(None),
        )
    )
    for upload in stale:
        discard_file(upload)


def read_upload(upload: IndicatorUpload, *, keep_last_duplicate: bool = False) -> IndicatorTable:
    """The file read with its mapping, as the import will store it."""
    mapping = Mapping.of(upload.mapping)
    content = content_of(upload)
    if content is None:
        from analyse.indicator_files import FileProblem

        return IndicatorTable(errors=[FileProblem("Le fichier envoyé n'est plus disponible.")])
    return read_indicator_file(
        content,
        upload.filename,
        mapping.code_column,
        year=mapping.year,
        sep=mapping.sep or None,
        encoding=mapping.encoding or None,
        sheet=mapping.sheet or None,
        level=mapping.level or None,
        label_column=mapping.label_column or None,
        indicator_columns=mapping.indicator_columns,
        keep_last_duplicate=keep_last_duplicate,
    )


# A millésime inside a column's name, so that « P20_POP » of a template finds « P21_POP » in
# next year's file, and « TX_COUV_2022 » finds « TX_COUV_2023 ».
_INSEE_PREFIX = re.compile(r"^([A-Za-z]{1,3})\d{2}_")
_FULL_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def _shape(column: str) -> str:
    shape = _INSEE_PREFIX.sub(r"\1##_", column.strip())
    return _FULL_YEAR.sub("####", shape).casefold()


def match_column(wanted: str, columns: list[str]) -> str | None:
    """The file's column that a template's column stands for: the same name, or the same name
    with another millésime in it."""
    for column in columns:
        if column.casefold() == wanted.casefold():
            return column
    shapes = [column for column in columns if _shape(column) == _shape(wanted)]
    return shapes[0] if len(shapes) == 1 else None


def apply_template(template: ImportTemplate, columns: list[str]) -> tuple[Mapping, list[str]]:
    """The template's mapping on this file's columns, and the template's columns not found."""
    stored = Mapping.of(template.mapping)
    missing = []

    def found(name: str) -> str:
        if not name:
            return ""
        column = match_column(name, columns)
        if column is None:
            missing.append(name)
            return ""
        return column

    indicators = [name for name in (found(name) for name in stored.indicator_columns) if name]
    # Next year's file: a year fixed by the template would be last year's. When every indicator
    # column says its millésime in its name, that is read instead; otherwise the template's year
    # is kept, shown in the mapping form to be checked.
    named_years = indicators and all(
        _INSEE_PREFIX.match(name) or _FULL_YEAR.search(name) for name in indicators
    )
    mapping = Mapping(
        code_column=found(stored.code_column),
        level=stored.level,
        label_column=found(stored.label_column),
        year=None if named_years else stored.year,
        indicator_columns=indicators,
        sheet="",
        sep=stored.sep,
        encoding=stored.encoding,
    )
    return mapping, missing


def save_template(name: str, mapping: Mapping, user_id: int) -> ImportTemplate:
    """Creates the named template, or replaces the mapping of the one with that name. Flushes."""
    template = db.session.scalar(select(ImportTemplate).where(ImportTemplate.name == name))
    if template is None:
        template = ImportTemplate(name=name, created_by_id=user_id)
        db.session.add(template)
    template.mapping = mapping.as_dict()
    db.session.flush()
    return template


def templates() -> list[ImportTemplate]:
    return list(db.session.scalars(select(ImportTemplate).order_by(ImportTemplate.name)))
