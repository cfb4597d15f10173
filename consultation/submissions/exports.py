"""Exports of submissions for spreadsheets: one row per submission, one column per question,
repeats in their own sheet (XLSX) or file (CSV in a zip) linked by the submission id.

Cells that a spreadsheet would read as a formula are neutralised: a resident's answer such as
`=HYPERLINK(...)` must stay text on the chargé d'étude's computer. In XLSX the text is kept as
typed, in a text cell marked "quote prefix" (Excel and LibreOffice show it as is and never
evaluate it); CSV has no cell types, so such a value gets a leading apostrophe there.

CSV files are UTF-8 with a BOM and use semicolons, decimal commas and CRLF line ends: that is what
Excel set up for French opens with a double click, and LibreOffice detects all of it.
Times are in the study's time zone (see local_time).

Exports are streamed: the layout comes from the questionnaire versions exported (`plan_export`),
then each submission read from a cursor becomes its rows (`export_rows`) and is written at once
(`write_xlsx`, `write_csv`), so memory stays flat in the number of submissions. The background
job that runs them is in export_job.py."""

from __future__ import annotations

import csv
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

import orjson

from questionnaires import Group, Question, Questionnaire, label_in
from questionnaires.answers import instances_of

from .local_time import local
from .models import AGE_BANDS, CHANNELS, PUBLICS, SEXES, STATES
from .xlsx_stream import FORMULA_TRIGGERS, StreamedWorkbook

NO_ANSWER_TYPES = ("note",)
LABELS, CODES = "labels", "codes"
JOINED, COLUMNS = "joined", "columns"


@dataclass(frozen=True)
class ExportOptions:
    headers: str = LABELS  # question labels or names, and choice labels or names
    multiple: str = JOINED  # select_multiple as one column, or one 0/1 column per choice
    language: str = "fr"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise(value):
    """For CSV: text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


@dataclass
class _Column:
    question: Question
    header: str
    choice: str | None = None  # for 0/1 columns of a select_multiple
    read: Callable = None  # (answers, choice labels) -> cell; see _reader


@dataclass
class TablePlan:
    name: str
    headers: list[str]
    columns: list[_Column]
    repeat: Group | None = None


@dataclass
class ExportPlan:
    """The tables of an export (the main one first, then one per repeat group) and the parsed
    model of every version exported."""

    options: ExportOptions
    models: dict[int, Questionnaire]
    tables: list[TablePlan] = field(default_factory=list)
    # Per version, per choice list: choice name -> label (looked up for every cell of a select).
    labels: dict[int, dict[str, dict[str, str]]] = field(default_factory=dict)


def plan_export(
    models: dict[int, Questionnaire], options: ExportOptions = ExportOptions()
) -> ExportPlan:
    """`models`: the parsed model of each questionnaire version id among the exported submissions."""
    models = dict(sorted(models.items()))
    reference = models[max(models)] if models else None
    top_questions, repeats = _layout(list(models.values()))
    top_columns = _columns(top_questions, reference, options)
    plan = ExportPlan(
        options,
        models,
        labels={version_id: _choice_labels(model, options) for version_id, model in models.items()},
    )
    plan.tables.append(
        TablePlan(
            "reponses",
            _profile_headers(options) + [column.header for column in top_columns],
            top_columns,
        )
    )
    for repeat, questions in repeats:
        columns = _columns(questions, reference, options)
        plan.tables.append(
            TablePlan(
                repeat.name,
                ["id_reponse", "rang"] + [column.header for column in columns],
                columns,
                repeat,
            )
        )
    return plan


def export_rows(plan: ExportPlan, record) -> Iterator[tuple[int, list]]:
    """(table index, row) for one submission: its row of the main table, then its repeat rows.
    `record` has the attributes of `_profile_values` (a row of export_job.RECORD_COLUMNS)."""
    options = plan.options
    model = plan.models[record.questionnaire_version_id]
    labels = plan.labels[record.questionnaire_version_id]
    answers = _answers_of(record)
    main = plan.tables[0]
    yield (
        0,
        _profile_values(record, options)
        + [column.read(answers, labels) for column in main.columns],
    )
    for index, table in enumerate(plan.tables[1:], start=1):
        for rank, instance in enumerate(_instances(answers, table.repeat, model), start=1):
            yield (
                index,
                [record.id, rank] + [column.read(instance, labels) for column in table.columns],
            )


def _answers_of(record) -> dict:
    """The record's answers, given as a dict or as their JSON text: an export reads them as text
    and decodes them here with orjson, several times faster than the json module on the 100,000
    documents of a large export; the json module takes what orjson refuses (NaN, lone surrogates)."""
    answers = record.answers
    if isinstance(answers, (str, bytes)):
        try:
            answers = orjson.loads(answers)
        except orjson.JSONDecodeError:
            answers = json.loads(answers)
    return answers or {}


def _layout(models: list[Questionnaire]):
    """Questions outside repeats and, per repeat group, its own questions; newest version first,
    then questions only older versions asked."""
    top: dict[str, Question] = {}
    repeats: dict[str, tuple[Group, dict[str, Question]]] = {}
    for model in reversed(models):
        _collect(model.children, None, top, repeats)
    return list(top.values()), [
        (group, list(questions.values())) for group, questions in repeats.values()
    ]


def _collect(nodes, repeat: Group | None, top: dict, repeats: dict) -> None:
    for node in nodes:
        if isinstance(node, Group):
            if node.repeat:
                repeats.setdefault(node.name, (node, {}))
                _collect(node.children, node, top, repeats)
            else:
                _collect(node.children, repeat, top, repeats)
        elif node.type not in NO_ANSWER_TYPES:
            target = top if repeat is None else repeats[repeat.name][1]
            target.setdefault(node.name, node)


def _title(label: dict, name: str, options: ExportOptions) -> str:
    if options.headers == CODES:
        return name
    return label_in(label, options.language) or name


def _columns(
    questions: list[Question], reference: Questionnaire | None, options: ExportOptions
) -> list[_Column]:
    columns = []
    seen_headers: set[str] = set()
    for question in questions:
        header = _title(question.label, question.name, options)
        if header in seen_headers:
            header = f"{header} ({question.name})"
        seen_headers.add(header)
        if question.type == "select_multiple" and options.multiple == COLUMNS:
            for choice in _choices(question, reference):
                choice_header = (
                    f"{question.name}/{choice.name}"
                    if options.headers == CODES
                    else f"{header} : {label_in(choice.label, options.language) or choice.name}"
                )
                columns.append(
                    _Column(
                        question,
                        choice_header,
                        choice.name,
                        _reader(question, choice.name, options),
                    )
                )
        else:
            columns.append(_Column(question, header, read=_reader(question, None, options)))
    return columns


def _choices(question: Question, model: Questionnaire | None):
    if model is None or question.choice_list not in model.choice_lists:
        return []
    return model.choice_lists[question.choice_list].choices


def _instances(answers: dict, repeat: Group, model: Questionnaire) -> list[dict]:
    """Instances of a repeat, looked for at the top level or inside an enclosing repeat."""
    if isinstance(answers.get(repeat.name), list):
        return instances_of(answers, repeat.name)
    return [
        child
        for item in answers.values()
        if isinstance(item, list)
        for parent in item
        for child in instances_of(parent, repeat.name)
    ]


def _reader(question: Question, choice: str | None, options: ExportOptions):
    """The function that gives this column's cell from a submission's answers and its version's
    choice labels; decided once per column, since it then runs for every cell."""
    name, list_name = question.name, question.choice_list
    if question.type == "select_multiple":

        def selected_of(value) -> list:
            return value.split() if isinstance(value, str) else list(value or [])

        if choice is not None:

            def read(answers: dict, labels: dict):
                value = answers.get(name)
                selected = selected_of(value)
                if value in (None, "", []):
                    return None
                return 1 if choice in selected else 0
        elif options.headers == CODES:

            def read(answers: dict, labels: dict):
                return " ".join(selected_of(answers.get(name))) or None
        else:

            def read(answers: dict, labels: dict):
                shown = labels.get(list_name, {})
                return (
                    " ; ".join(shown.get(item, item) for item in selected_of(answers.get(name)))
                    or None
                )

        return read
    if question.type == "select_one" and options.headers == LABELS:

        def read(answers: dict, labels: dict):
            value = answers.get(name)
            if value in (None, ""):
                return None
            value = str(value)
            return labels.get(list_name, {}).get(value, value)

        return read

    def read(answers: dict, labels: dict):
        value = answers.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, (list, dict)):
            return str(value)
        return value

    return read


def _choice_labels(model: Questionnaire, options: ExportOptions) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for list_name, choice_list in model.choice_lists.items():
        shown = labels[list_name] = {}
        for choice in choice_list.choices:
            shown.setdefault(choice.name, label_in(choice.label, options.language) or choice.name)
    return labels


def _profile_headers(options: ExportOptions) -> list[str]:
    if options.headers == CODES:
        return [
            "id",
            "uuid",
            "version",
            "canal",
            "etat",
            "debut",
            "fin",
            "recue_le",
            "enqueteur",
            "public",
            "tranche_age",
            "sexe",
            "commune_insee",
            "commune",
            "quartier",
            "lieu",
            "consentement",
            "consentement_parental",
        ]
    return [
        "Identifiant",
        "UUID",
        "Version",
        "Canal",
        "État",
        "Début de l'entretien",
        "Fin de l'entretien",
        "Reçue le",
        "Enquêteur",
        "Public",
        "Tranche d'âge",
        "Sexe",
        "Code INSEE",
        "Commune",
        "Quartier",
        "Lieu",
        "Consentement",
        "Consentement parental",
    ]


def _profile_values(record, options: ExportOptions) -> list:
    codes = options.headers == CODES

    def shown(value: str, labels: dict) -> str:
        return value if codes else labels.get(value, value)

    return [
        record.id,
        record.client_uuid,
        record.version_number,
        shown(record.channel, CHANNELS),
        shown(record.state, STATES),
        local(record.started_at),
        local(record.completed_at),
        local(record.received_at),
        (record.enumerator_name or record.enumerator_email)
        if record.enumerator_id is not None
        else None,
        shown(record.public, PUBLICS),
        shown(record.age_band, AGE_BANDS) or None,
        shown(record.sex, SEXES) if record.sex else None,
        record.commune_code,
        record.commune_name,
        record.quartier_name,
        record.place or None,
        _yes_no(record.consent_given, codes),
        _yes_no(record.parental_consent, codes),
    ]


def _yes_no(value: bool | None, codes: bool):
    if value is None:
        return None
    if codes:
        return int(value)
    return "oui" if value else "non"


# --- writers -------------------------------------------------------------------------------


OnRow = Callable[[int], None]


def write_xlsx(
    plan: ExportPlan, records: Iterable, path: Path, on_submission: OnRow = lambda count: None
) -> None:
    """Streamed (xlsx_stream): each row is written as it comes, text inline (no shared-strings
    table growing with the answers), formula-like text in a quote-prefix cell."""
    used: set[str] = set()
    with StreamedWorkbook(path) as workbook:
        sheets = []
        for table in plan.tables:
            sheet = workbook.add_sheet(_sheet_name(table.name, used))
            sheet.append(table.headers)
            sheets.append(sheet)
        appenders = [sheet.append for sheet in sheets]
        for count, record in enumerate(records, start=1):
            for index, row in export_rows(plan, record):
                appenders[index](row)
            on_submission(count)


def _sheet_name(name: str, used: set[str]) -> str:
    cleaned = "".join("_" if char in "[]:*?/\\" else char for char in name)[:31] or "feuille"
    candidate, counter = cleaned, 2
    while candidate.lower() in used:
        suffix = f"_{counter}"
        candidate, counter = cleaned[: 31 - len(suffix)] + suffix, counter + 1
    used.add(candidate.lower())
    return candidate


def csv_extension(plan: ExportPlan) -> str:
    """One CSV when there is no repeat, else a zip of one CSV per table."""
    return "csv" if len(plan.tables) == 1 else "zip"


def write_csv(
    plan: ExportPlan, records: Iterable, path: Path, on_submission: OnRow = lambda count: None
) -> None:
    """UTF-8 with a BOM and semicolons: what a French spreadsheet opens without an import dialog.
    With repeats, each table is written to its own temporary file, then zipped from disk."""
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".csv-") as folder:
        used: set[str] = set()
        files = [Path(folder) / f"{_sheet_name(table.name, used)}.csv" for table in plan.tables]
        if len(files) == 1:
            files = [path]
        handles = [file.open("w", encoding="utf-8-sig", newline="") for file in files]
        try:
            writers = [
                csv.writer(handle, delimiter=";", lineterminator="\r\n") for handle in handles
            ]
            for writer, table in zip(writers, plan.tables):
                writer.writerow([neutralise(header) for header in table.headers])
            for count, record in enumerate(records, start=1):
                for index, row in export_rows(plan, record):
                    writers[index].writerow([_csv_cell(value) for value in row])
                on_submission(count)
        finally:
            for handle in handles:
                handle.close()
        if len(plan.tables) > 1:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in files:
                    archive.write(file, file.name)


def _csv_cell(value):
    """_csv_value(neutralise(value)), the common types first: it runs for every cell."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if kind is int:
        return value
    return _csv_value(neutralise(value))


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (datetime, date)):
        # To the second: French Excel reads "2026-03-14 10:05:00" as a date, not with microseconds.
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if isinstance(value, datetime)
            else value.isoformat()
        )
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return value


# --- Small tables (figures, glossaries) with the same conventions ---------------------------------


def table_csv_bytes(headers: list[str], lines: Iterable[list]) -> bytes:
    """One table as the CSV exports write it: UTF-8 with a BOM, semicolons, decimal commas, CRLF,
    formula-like text neutralised."""
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for line in lines:
        writer.writerow([_csv_value(neutralise(value)) for value in line])
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx_bytes(sheets: list[tuple[str, list[str], Iterable[list]]]) -> bytes:
    """Tables as the XLSX exports write them (xlsx_stream: formula-like text as typed), one sheet
    per (name, headers, lines)."""
    with tempfile.TemporaryDirectory(prefix="tableau-") as folder:
        path = Path(folder) / "tableau.xlsx"
        used: set[str] = set()
        with StreamedWorkbook(path) as workbook:
            for name, headers, lines in sheets:
                sheet = workbook.add_sheet(_sheet_name(name, used))
                sheet.append(headers)
                for line in lines:
                    sheet.append(line)
        return path.read_bytes()
