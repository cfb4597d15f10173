"""Writing the questionnaire model as an XLSForm workbook (survey, choices, settings).

What the import kept without interpreting (`extra`, choice properties, unknown settings) is
written back under its own header, so import → export → import gives the same model.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..model import TYPES_WITH_CHOICES, Group, Question, Questionnaire
from ..names import xlsform_name
from . import vocabulary as vocab
from .attachments import choice_file_bytes, file_columns
from .reader import END_ROW_PREFIX


def xlsform_bytes(questionnaire: Questionnaire) -> bytes:
    buffer = io.BytesIO()
    to_xlsform(questionnaire, buffer)
    return buffer.getvalue()


def to_xlsform(questionnaire: Questionnaire, destination: str | os.PathLike | BinaryIO) -> None:
    """Write `questionnaire` as an .xlsx XLSForm to a path or a binary stream."""
    writer = _Writer(questionnaire)
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    _fill(survey, writer.survey_rows())
    choice_rows = writer.choice_rows(external=False)
    if len(choice_rows) > 1:
        _fill(workbook.create_sheet("choices"), choice_rows)
    external_rows = writer.choice_rows(external=True)
    if len(external_rows) > 1:
        _fill(workbook.create_sheet("external_choices"), external_rows)
    _fill(workbook.create_sheet("settings"), writer.settings_rows())
    if questionnaire.entities:
        _fill(workbook.create_sheet("entities"), _entity_rows(questionnaire.entities))
    workbook.save(destination)


def _entity_rows(entities: list[dict[str, str]]) -> list[list[str]]:
    headers: list[str] = []
    for row in entities:
        headers += [header for header in row if header not in headers]
    return [headers] + [[row.get(header, "") for header in headers] for row in entities]


def choice_files(questionnaire: Questionnaire) -> dict[str, bytes]:
    """The files the form's select_one_from_file questions read, written from their lists:
    {"communes.csv": bytes}. The first list read from a file gives its columns."""
    writer = _Writer(questionnaire)
    files: dict[str, bytes] = {}
    for choice_list in questionnaire.choice_lists.values():
        if not choice_list.file or choice_list.file in files:
            continue
        value_column, label_column = file_columns(choice_list.name.partition(" ")[2])
        files[choice_list.file] = choice_file_bytes(
            choice_list,
            value_column,
            label_column,
            questionnaire.default_language,
            writer.display,
        )
    return files


def xlsform_archive(questionnaire: Questionnaire, form_name: str = "") -> bytes:
    """A zip of the form (.xlsx) and of the files it reads its choices from, as ODK Central and
    KoboToolbox take them: the files beside the form, under their own names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(form_name or f"{questionnaire.form_id}.xlsx", xlsform_bytes(questionnaire))
        for file_name, payload in choice_files(questionnaire).items():
            archive.writestr(file_name, payload)
    return buffer.getvalue()


def _fill(sheet, rows: list[list[str]]):
    for values in rows:
        sheet.append([_safe(value) for value in values])
    for row in sheet.iter_rows():
        for cell in row:
            # A text starting with "=" is text in XLSForm, never a formula.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column_cells in sheet.iter_cols(max_row=min(sheet.max_row, 200)):
        width = max((len(str(cell.value or "")) for cell in column_cells), default=8)
        sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 8), 60)


def _safe(value: str) -> str | None:
    if value == "" or value is None:
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", value)


class _Writer:
    def __init__(self, questionnaire: Questionnaire):
        self.questionnaire = questionnaire
        self.languages = list(questionnaire.languages) or [questionnaire.default_language]
        for code in _codes_used(questionnaire):
            if code not in self.languages:
                self.languages.append(code)

    def display(self, code: str) -> str:
        key = vocab.LANGUAGE_SETTING_PREFIX + code
        if key in self.questionnaire.settings:
            return self.questionnaire.settings[key]
        return vocab.generated_language_display(
            code, list(self.questionnaire.languages), self.questionnaire.default_language
        )

    def header(self, field: str, code: str) -> str:
        display = self.display(code)
        return f"{field}::{display}" if display else field

    # --- survey ---------------------------------------------------------------------------

    def survey_rows(self) -> list[list[str]]:
        records: list[dict[str, str]] = []
        self._nodes(self.questionnaire.children, records)
        headers: list[str] = []
        for field in vocab.SURVEY_FIELDS:
            if field in vocab.TRANSLATABLE_FIELDS:
                for code in self.languages:
                    header = self.header(field, code)
                    if header not in headers and (
                        field == "label" or any(r.get(header) for r in records)
                    ):
                        headers.append(header)
            elif field in ("type", "name") or any(r.get(field) for r in records):
                headers.append(field)
        for record in records:
            for header in record:
                if header not in headers and record[header]:
                    headers.append(header)
        return [headers] + [[record.get(header, "") for header in headers] for record in records]

    def _texts(self, record: dict, field: str, translations: dict[str, str]):
        for code, text in translations.items():
            if text:
                record[self.header(field, code)] = text

    def _extra(self, record: dict, extra: dict[str, str]):
        for header, text in extra.items():
            if not header.startswith(END_ROW_PREFIX) and not record.get(header):
                record[header] = text

    def _nodes(self, nodes, records):
        for node in nodes:
            if isinstance(node, Group):
                self._group(node, records)
            else:
                records.append(self._question(node))

    def _group(self, group: Group, records):
        kind = "repeat" if group.repeat else "group"
        record = {"type": f"begin {kind}", "name": xlsform_name(group.name)}
        self._texts(record, "label", group.label)
        self._texts(record, "hint", group.hint)
        record["relevant"] = group.relevant
        record["appearance"] = group.appearance
        if group.repeat:
            record["repeat_count"] = group.repeat_count
        self._extra(record, group.extra)
        records.append(record)
        self._nodes(group.children, records)
        end = {"type": f"end {kind}"}
        for header, text in group.extra.items():
            if header.startswith(END_ROW_PREFIX):
                end[header[len(END_ROW_PREFIX) :]] = text
        records.append(end)

    def _question(self, question: Question) -> dict[str, str]:
        extra = dict(question.extra)
        original_type = extra.pop("type", "")
        record: dict[str, str] = {"name": xlsform_name(question.name)}
        appearance = question.appearance
        parameters = extra.pop("parameters", "")
        if original_type and vocab.fallback_type(original_type) == question.type:
            record["type"] = original_type
        elif question.type == "paragraph":
            record["type"] = "text"
            appearance = " ".join(["multiline", appearance]).strip()
        elif question.type == "rating":
            record["type"] = "range"
            bounds = f"start={question.start} end={question.end} step={question.step}"
            parameters = f"{bounds} {parameters}".strip()
        elif question.type in TYPES_WITH_CHOICES:
            choice_list = self.questionnaire.choice_lists.get(question.choice_list)
            if choice_list is not None and choice_list.file:
                record["type"] = f"{question.type}_from_file {choice_list.file}"
            else:
                record["type"] = f"{question.type} {question.choice_list}".strip()
        else:
            record["type"] = question.type
        self._texts(record, "label", question.label)
        self._texts(record, "hint", question.hint)
        record["required"] = "yes" if question.required else extra.pop("required", "")
        record["read_only"] = "yes" if question.read_only else extra.pop("read_only", "")
        self._texts(record, "required_message", question.required_message)
        record["constraint"] = question.constraint
        self._texts(record, "constraint_message", question.constraint_message)
        record["relevant"] = question.relevant
        record["calculation"] = question.calculation
        record["choice_filter"] = question.choice_filter
        record["appearance"] = appearance
        record["default"] = question.default
        record["parameters"] = parameters
        self._extra(record, extra)
        return record

    # --- choices and settings -------------------------------------------------------------

    def choice_rows(self, external: bool) -> list[list[str]]:
        """The rows of the choices sheet, or of the external_choices sheet with `external`."""
        records = []
        for choice_list in self.questionnaire.choice_lists.values():
            if choice_list.external != external or choice_list.file:
                continue
            for choice in choice_list.choices:
                record = {"list_name": choice_list.name, "name": choice.name}
                self._texts(record, "label", choice.label)
                for header, text in choice.properties.items():
                    record.setdefault(header, text)
                records.append(record)
        headers = ["list_name", "name"]
        headers += [self.header("label", code) for code in self.languages]
        for record in records:
            for header in record:
                if header not in headers:
                    headers.append(header)
        return [headers] + [[record.get(header, "") for header in headers] for record in records]

    def settings_rows(self) -> list[list[str]]:
        questionnaire = self.questionnaire
        default_display = (
            self.display(questionnaire.default_language) or questionnaire.default_language
        )
        values = {
            "form_title": questionnaire.title,
            "form_id": questionnaire.form_id,
            "version": questionnaire.version,
            "default_language": default_display,
        }
        for key, text in questionnaire.settings.items():
            if not key.startswith(vocab.LANGUAGE_SETTING_PREFIX):
                values.setdefault(key, text)
        return [list(values), list(values.values())]


def _codes_used(questionnaire: Questionnaire) -> list[str]:
    codes: list[str] = []
    texts = []
    for _, node in questionnaire.walk():
        texts += [node.label, node.hint]
        if isinstance(node, Question):
            texts += [node.required_message, node.constraint_message]
    for choice_list in questionnaire.choice_lists.values():
        texts += [choice.label for choice in choice_list.choices]
    for translations in texts:
        for code in translations:
            if code not in codes:
                codes.append(code)
    return codes
