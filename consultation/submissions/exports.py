"""Exports of submissions for spreadsheets: one row per submission, one column per question,
repeats in their own sheet (XLSX) or file (CSV in a zip) linked by the submission id.

Cells that a spreadsheet would read as a formula are neutralised: a resident's answer such as
`=HYPERLINK(...)` must stay text on the chargé d'étude's computer. In XLSX the text is kept as
typed, in a text cell marked "quote prefix" (Excel and LibreOffice show it as is and never
evaluate it); CSV has no cell types, so such a value gets a leading apostrophe there.

CSV files are UTF-8 with a BOM and use semicolons, decimal commas and CRLF line ends: that is what
Excel set up for French opens with a double click, and LibreOffice detects all of it.
Times are in the study's time zone (see local_time)."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from questionnaires import Group, Question, Questionnaire, label_in

from ..interviews.models import AGE_BANDS, CHANNELS, PUBLICS, SEXES, STATES, Submission
from .definitions import version_model
from .local_time import local

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NO_ANSWER_TYPES = ("note",)
LABELS, CODES = "labels", "codes"
JOINED, COLUMNS = "joined", "columns"


@dataclass(frozen=True)
class ExportOptions:
    headers: str = LABELS  # question labels or names, and choice labels or names
    multiple: str = JOINED  # select_multiple as one column, or one 0/1 column per choice
    language: str = "fr"


@dataclass
class Table:
    name: str
    headers: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)


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


def build_tables(submissions: Iterable[Submission], options: ExportOptions = ExportOptions()) -> list[Table]:
    """The main table, then one table per repeat group; cells hold the values as stored (the
    writers neutralise what a spreadsheet would take for a formula)."""
    submissions = list(submissions)
    models = _models_by_version(submissions)
    reference = models[max(models)] if models else None
    top_questions, repeats = _layout(list(models.values()))
    main = Table("reponses", _profile_headers(options))
    top_columns = _columns(top_questions, reference, options)
    main.headers += [column.header for column in top_columns]
    repeat_tables = []
    for repeat, questions in repeats:
        columns = _columns(questions, reference, options)
        table = Table(repeat.name, ["id_reponse", "rang"] + [column.header for column in columns])
        repeat_tables.append((repeat, columns, table))

    for submission in submissions:
        model = models[submission.questionnaire_version_id]
        answers = submission.answers or {}
        main.rows.append(
            _profile_values(submission, options) + [_cell(column, answers, model, options) for column in top_columns]
        )
        for repeat, columns, table in repeat_tables:
            for index, instance in enumerate(_instances(answers, repeat, model), start=1):
                table.rows.append(
                    [submission.id, index] + [_cell(column, instance, model, options) for column in columns]
                )
    return [main] + [table for _, _, table in repeat_tables]


def _models_by_version(submissions: list[Submission]) -> dict[int, Questionnaire]:
    models: dict[int, Questionnaire] = {}
    for submission in submissions:
        if submission.questionnaire_version_id not in models:
            models[submission.questionnaire_version_id] = version_model(submission.questionnaire_version)
    return dict(sorted(models.items()))


def _layout(models: list[Questionnaire]):
    """Questions outside repeats and, per repeat group, its own questions; newest version first,
    then questions only older versions asked."""
    top: dict[str, Question] = {}
    repeats: dict[str, tuple[Group, dict[str, Question]]] = {}
    for model in reversed(models):
        _collect(model.children, None, top, repeats)
    return list(top.values()), [(group, list(questions.values())) for group, questions in repeats.values()]


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


def _columns(questions: list[Question], reference: Questionnaire | None, options: ExportOptions) -> list[_Column]:
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
                columns.append(_Column(question, choice_header, choice.name))
        else:
            columns.append(_Column(question, header))
    return columns


def _choices(question: Question, model: Questionnaire | None):
    if model is None or question.choice_list not in model.choice_lists:
        return []
    return model.choice_lists[question.choice_list].choices


def _instances(answers: dict, repeat: Group, model: Questionnaire) -> list[dict]:
    """Instances of a repeat, looked for at the top level or inside an enclosing repeat."""
    value = answers.get(repeat.name)
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    instances = []
    for item in answers.values():
        if isinstance(item, list):
            for parent in item:
                if isinstance(parent, dict) and isinstance(parent.get(repeat.name), list):
                    instances.extend(child for child in parent[repeat.name] if isinstance(child, dict))
    return instances


def _cell(column: _Column, answers: dict, model: Questionnaire, options: ExportOptions):
    question = column.question
    value = answers.get(question.name)
    if question.type == "select_multiple":
        selected = value.split() if isinstance(value, str) else list(value or [])
        if column.choice is not None:
            if value in (None, "", []):
                return None
            return 1 if column.choice in selected else 0
        if options.headers == CODES:
            return " ".join(selected) or None
        return " ; ".join(_choice_label(question, name, model, options) for name in selected) or None
    if question.type == "select_one" and value not in (None, "") and options.headers == LABELS:
        return _choice_label(question, str(value), model, options)
    if value in (None, ""):
        return None
    if isinstance(value, (list, dict)):
        return str(value)
    return value


def _choice_label(question: Question, name: str, model: Questionnaire, options: ExportOptions) -> str:
    for choice in _choices(question, model):
        if choice.name == name:
            return label_in(choice.label, options.language) or name
    return name


def _profile_headers(options: ExportOptions) -> list[str]:
    if options.headers == CODES:
        return ["id", "uuid", "version", "canal", "etat", "debut", "fin", "recue_le", "enqueteur", "public",
                "tranche_age", "sexe", "commune_insee", "commune", "quartier", "lieu", "consentement",
                "consentement_parental"]
    return ["Identifiant", "UUID", "Version", "Canal", "État", "Début de l'entretien", "Fin de l'entretien",
            "Reçue le", "Enquêteur", "Public", "Tranche d'âge", "Sexe", "Code INSEE", "Commune", "Quartier",
            "Lieu", "Consentement", "Consentement parental"]


def _profile_values(submission: Submission, options: ExportOptions) -> list:
    codes = options.headers == CODES

    def shown(value: str, labels: dict) -> str:
        return value if codes else labels.get(value, value)

    enumerator = submission.enumerator
    return [
        submission.id,
        submission.client_uuid,
        submission.questionnaire_version.number,
        shown(submission.channel, CHANNELS),
        shown(submission.state, STATES),
        local(submission.started_at),
        local(submission.completed_at),
        local(submission.received_at),
        (enumerator.name or enumerator.email) if enumerator is not None else None,
        shown(submission.public, PUBLICS),
        shown(submission.age_band, AGE_BANDS) or None,
        shown(submission.sex, SEXES) if submission.sex else None,
        submission.commune_code,
        submission.commune.name if submission.commune is not None else None,
        submission.quartier.name if submission.quartier is not None else None,
        submission.place or None,
        _yes_no(submission.consent_given, codes),
        _yes_no(submission.parental_consent, codes),
    ]


def _yes_no(value: bool | None, codes: bool):
    if value is None:
        return None
    if codes:
        return int(value)
    return "oui" if value else "non"


# --- writers -------------------------------------------------------------------------------


def to_xlsx(tables: list[Table]) -> bytes:
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.name, used))
        sheet.append([_xlsx_cell(sheet, header) for header in table.headers])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    if not is_formula_like(value):
        return value
    # openpyxl would store "=…" as a formula: a text cell with the quote prefix stays text.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _sheet_name(name: str, used: set[str]) -> str:
    cleaned = "".join("_" if char in "[]:*?/\\" else char for char in name)[:31] or "feuille"
    candidate, counter = cleaned, 2
    while candidate.lower() in used:
        suffix = f"_{counter}"
        candidate, counter = cleaned[: 31 - len(suffix)] + suffix, counter + 1
    used.add(candidate.lower())
    return candidate


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM and semicolons: what a French spreadsheet opens without an import dialog."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(neutralise(value)) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (datetime, date)):
        # To the second: French Excel reads "2026-03-14 10:05:00" as a date, not with microseconds.
        return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return value


def to_csv_bundle(tables: list[Table]) -> tuple[bytes, str]:
    """One CSV when there is no repeat, else a zip of one CSV per table; (content, extension)."""
    if len(tables) == 1:
        return to_csv(tables[0]), "csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for table in tables:
            archive.writestr(_sheet_name(table.name, used) + ".csv", to_csv(table))
    return buffer.getvalue(), "zip"
