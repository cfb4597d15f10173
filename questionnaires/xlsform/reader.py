"""Reading an XLSForm workbook into the questionnaire model.

Every problem is collected as a SheetIssue naming sheet, row and column, and all of them are
returned at once: an import never raises for a bad file. What we do not interpret (columns,
types, settings) is kept in `extra`/`settings` and reported as a warning, so an export gives it
back.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from ..checks import check_questionnaire, is_valid_name
from ..messages import as_sentence
from ..model import DEFAULT_LANGUAGE, Choice, ChoiceList, Group, Question, Questionnaire
from ..names import qualify_duplicate_names
from . import vocabulary as vocab
from .archive import Source, check_archive, read_source, unpack_form_archive
from .attachments import FILE_EXTENSIONS, file_columns, list_key, read_choice_file
from .issues import ImportResult, SheetIssue
from .parameters import parameter_problems
from .references import text_reference_errors
from .sheets import SheetRow, SheetTable, read_formula_values, read_sheet
from .vocabulary import Column

_PARAMETER_PATTERN = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*([^\s,;]+)")
# What pyxform's parameter grammar reads: key=value pairs separated by spaces, commas or semicolons.
_PARAMETERS_SYNTAX = re.compile(r"[^\s=,;]+\s*=\s*[^\s=,;]+(?:[\s,;]+[^\s=,;]+\s*=\s*[^\s=,;]+)*")
END_ROW_PREFIX = "end_row:"
# Real forms nest a handful of groups; a file nesting hundreds is refused before any recursive
# walk of the tree (checks, export, pages) could exhaust Python's stack.
MAX_GROUP_DEPTH = 30
DEFAULT_FORM_ID = "questionnaire"

_DAMAGED = (
    "Le classeur est endommagé ou n'est pas un classeur Excel valide : ouvrez-le dans Excel ou "
    "LibreOffice, enregistrez-le à nouveau au format .xlsx puis réessayez."
)


def load_xlsform(source: Source, attachments: Mapping[str, bytes] | None = None) -> ImportResult:
    """Import an XLSForm (.xlsx) from a path, bytes or a binary stream, with the files attached
    to it ({"communes.csv": bytes}) that `select_one_from_file` questions read their choices from.
    A zip of the form and its files (as `xlsform_archive` writes it) is read the same way.

    Never raises for bad input: `result.errors` lists every problem found, `result.questionnaire`
    is None when there is at least one error.
    """
    payload, errors = read_source(source)
    if payload is None:
        return ImportResult(None, errors)
    unpacked = unpack_form_archive(payload)
    if unpacked is not None:
        payload, found, errors = unpacked
        if errors:
            return ImportResult(None, errors)
        attachments = found | dict(attachments or {})
    errors = check_archive(payload)
    if errors:
        return ImportResult(None, errors)
    default_form_id = DEFAULT_FORM_ID
    if isinstance(source, (str, os.PathLike)):
        default_form_id = _slug(Path(source).stem) or DEFAULT_FORM_ID
    errors, warnings_found = [], []
    try:
        # openpyxl warns about Excel features it drops (data validation, conditional formats):
        # they do not concern a questionnaire.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(payload), read_only=True, data_only=False)
            try:
                tables = _read_tables(workbook, errors, warnings_found)
            finally:
                workbook.close()
            if any(table.formula_cells for table in tables.values()):
                _read_formula_values(payload, tables, errors, warnings_found)
    except Exception:  # openpyxl raises many kinds of exception on malformed parts
        return ImportResult(None, [SheetIssue("", None, None, _DAMAGED)])
    reader = _FormReader(tables, default_form_id, errors, warnings_found, attachments or {})
    questionnaire = reader.build()
    if errors:
        return ImportResult(None, errors, warnings_found)
    return ImportResult(questionnaire, errors, warnings_found)


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w.-]+", "_", text.strip()).strip("_")
    return slug if is_valid_name(slug) else ""


def _read_formula_values(payload: bytes, tables, errors, warnings_found) -> None:
    """Second reading, only for a workbook with formulas: the values saved with them."""
    workbook = openpyxl.load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    try:
        for table in tables.values():
            if table.formula_cells:
                read_formula_values(table, workbook[table.title], errors, warnings_found)
    finally:
        workbook.close()


def _read_tables(workbook, errors, warnings_found) -> dict[str, SheetTable]:
    tables: dict[str, SheetTable] = {}
    for title in workbook.sheetnames:
        key = title.strip().lower()
        if key in ("survey", "choices", "settings", "external_choices", "entities"):
            if key in tables:
                errors.append(
                    SheetIssue(
                        title,
                        None,
                        None,
                        f"Deux feuilles s'appellent « {key} » : gardez-en une seule.",
                    )
                )
                continue
            tables[key] = read_sheet(workbook[title], errors)
        else:
            warnings_found.append(
                SheetIssue(
                    title,
                    None,
                    None,
                    "Feuille ignorée : seules les feuilles « survey », « choices », « settings », "
                    "« external_choices » et « entities » sont lues ; elle ne sera pas dans le "
                    "questionnaire exporté.",
                )
            )
    return tables


@dataclass
class _OpenGroup:
    group: Group
    row: int
    repeat: bool
    children: list = field(default_factory=list)
    # Names already used at this level, as pyxform scopes them: {name: row}, and in lower case.
    names: dict[str, int] = field(default_factory=dict)
    lower_names: dict[str, int] = field(default_factory=dict)


class _FormReader:
    """Builds the model from the three sheets, collecting issues as it goes."""

    def __init__(self, tables, default_form_id, errors, warnings_found, attachments):
        self.tables: dict[str, SheetTable] = tables
        self.attachments: Mapping[str, bytes] = {
            os.path.basename(name): payload for name, payload in attachments.items()
        }
        # select_one_from_file questions: (question, row, type header, file name, parameters)
        self.file_questions: list[tuple[Question, int, str, str, str]] = []
        self.unread_files: set[int] = set()  # id() of those whose file is missing or unreadable
        self.default_form_id = default_form_id
        self.errors: list[SheetIssue] = errors
        self.warnings: list[SheetIssue] = warnings_found
        self.settings: dict[str, str] = {}
        self.setting_values: dict[str, str] = {}
        self.row_of_name: dict[str, int] = {}  # filled once names are qualified (see build)
        self.row_of_node: dict[int, int] = {}  # id(question or group) -> row
        self.repeat_rows: dict[str, int] = {}  # repeat names, unique in the whole form
        self.ambiguous: dict[str, list[str]] = {}  # XLSForm name -> qualified names
        self.first_choice_row: dict[tuple[str, str], int] = {}  # (sheet, list) -> first row
        self.choice_headers: dict[tuple[str, str], str] = {}  # (sheet, field) -> header
        self.external_questions: set[int] = set()  # id() of select_one_external questions
        # Choices whose name holds a space: (sheet, row, header, list, name).
        self.spaced_choices: list[tuple[str, int, str, str, str]] = []
        self.missing_headers: set[tuple[str, str]] = set()  # (sheet, field) already reported
        self.header_of_field: dict[str, str] = {}
        self.language_of: dict[str, str] = {}  # header suffix as written -> language code
        self.display_of: dict[str, str] = {}  # language code -> suffix written by the export
        self.languages: list[str] = []
        self.default_language = DEFAULT_LANGUAGE

    # --- issues ---------------------------------------------------------------------------

    def error(self, sheet: SheetTable | str, row, column, message):
        title = sheet.title if isinstance(sheet, SheetTable) else sheet
        self.errors.append(SheetIssue(title, row, column, as_sentence(message)))

    def warn(self, sheet: SheetTable | str, row, column, message):
        title = sheet.title if isinstance(sheet, SheetTable) else sheet
        self.warnings.append(SheetIssue(title, row, column, as_sentence(message)))

    # --- whole form -----------------------------------------------------------------------

    def build(self) -> Questionnaire | None:
        self._read_settings()
        survey = self.tables.get("survey")
        if survey is None:
            self.error(
                "survey",
                None,
                None,
                "la feuille « survey » est absente : c'est elle qui décrit les questions du formulaire.",
            )
            return None
        choices = self.tables.get("choices")
        survey_columns = self._columns(survey, vocab.survey_column)
        choices_columns = self._columns(choices, vocab.choices_column) if choices else []
        self._resolve_languages(survey_columns + choices_columns)
        self._check_required_headers(survey, survey_columns, ("type", "name"))
        if choices is not None and choices.rows:
            self._check_required_headers(choices, choices_columns, ("list_name", "name"))
        for column in survey_columns:
            if column.field and column.field not in self.header_of_field:
                self.header_of_field[column.field] = column.header
        children = self._read_survey(survey, survey_columns)
        choices_readable = choices is not None and not any(
            sheet == choices.title for sheet, _ in self.missing_headers
        )
        choice_lists = self._read_choices(choices, choices_columns) if choices_readable else {}
        external = self.tables.get("external_choices")
        if external is not None and external.rows:
            external_columns = self._columns(external, vocab.choices_column)
            self._check_required_headers(external, external_columns, ("list_name", "name"))
            if not any(sheet == external.title for sheet, _ in self.missing_headers):
                self._add_external_lists(
                    choice_lists, self._read_choices(external, external_columns), external
                )
        questionnaire = Questionnaire(
            title=self.setting_values.get("form_title", ""),
            form_id=self.setting_values.get("form_id", ""),
            version=self.setting_values.get("version", ""),
            default_language=self.default_language,
            languages=list(self.languages) or [self.default_language],
            children=children,
            choice_lists=choice_lists,
            settings=dict(self.settings),
            entities=self._read_entities(),
        )
        self._qualify_names(questionnaire)
        if not questionnaire.form_id:
            questionnaire.form_id = self.default_form_id
        if not questionnaire.title:
            questionnaire.title = questionnaire.form_id
        for code in questionnaire.languages:
            display = self.display_of.get(code, "")
            generated = vocab.generated_language_display(
                code, questionnaire.languages, questionnaire.default_language
            )
            if display != generated:
                questionnaire.settings[vocab.LANGUAGE_SETTING_PREFIX + code] = display
        self._attach_files(survey, questionnaire)
        if choices is None or choices_readable:
            self._check_lists(survey, questionnaire, choices is not None or external is not None)
        self._check_expressions(survey, questionnaire)
        self.errors.extend(text_reference_errors(self.tables, questionnaire))
        return questionnaire

    def _qualify_names(self, questionnaire: Questionnaire):
        """A name used in several groups becomes its qualified name (see names.py); the rows of
        the elements are then found by their names in the model."""
        nodes = [node for _, node in questionnaire.walk()]
        self.ambiguous = qualify_duplicate_names(questionnaire)
        for node in nodes:
            row = self.row_of_node.get(id(node))
            if row is not None and node.name:
                self.row_of_name.setdefault(node.name, row)

    # --- settings -------------------------------------------------------------------------

    def _read_settings(self):
        table = self.tables.get("settings")
        if table is None:
            return
        if not table.rows:
            return
        first, *others = table.rows
        for other in others:
            self.warn(
                table,
                other.number,
                None,
                "seule la première ligne de valeurs de la feuille « settings » est lue : cette ligne est ignorée.",
            )
        for index, text in first.cells.items():
            header = table.headers[index] if index < len(table.headers) else ""
            if not header:
                self.warn(
                    table,
                    first.number,
                    table.column_name(index),
                    "valeur sans en-tête de colonne : elle est ignorée.",
                )
                continue
            column = vocab.settings_column(index, header)
            if vocab.normalise_header(header) == "name" and not is_valid_name(text):
                self.error(
                    table,
                    first.number,
                    header,
                    f"« {text} » ne peut pas être le nom de la racine du formulaire : il commence par une lettre ou « _ » et ne contient que lettres, chiffres, « _ », « - » ou « . ».",
                )
            if column.field:
                self.setting_values[column.field] = text
            elif header.lower().startswith(vocab.LANGUAGE_SETTING_PREFIX):
                self.warn(table, 1, header, "réglage réservé : il est ignoré.")
            else:
                self.settings[header] = text
                self.warn(
                    table,
                    1,
                    header,
                    "réglage non interprété ici : il est gardé tel quel et sera réécrit à l'export.",
                )

    def _read_entities(self) -> list[dict[str, str]]:
        """The entities sheet as it is, row by row: ODK Central reads it, we only give it back."""
        table = self.tables.get("entities")
        if table is None or not table.rows:
            return []
        self.warn(
            table,
            None,
            None,
            "entités ODK Central : la feuille n'est pas interprétée ici ; elle est gardée telle "
            "quelle et réécrite à l'export.",
        )
        rows = []
        for row in table.rows:
            cells = {}
            for index, text in row.cells.items():
                header = table.headers[index] if index < len(table.headers) else ""
                if header:
                    cells[header] = text
                else:
                    self.warn(
                        table,
                        row.number,
                        table.column_name(index),
                        "valeur sans en-tête de colonne : elle est ignorée.",
                    )
            if cells:
                rows.append(cells)
        return rows

    # --- headers and languages ------------------------------------------------------------

    def _columns(self, table: SheetTable, make) -> list[Column]:
        columns: list[Column] = []
        seen: dict[tuple, str] = {}
        for index, header in enumerate(table.headers):
            if not header:
                continue
            column = make(index, header)
            key = (
                (column.field, vocab.language_code(column.language or ""))
                if column.field
                else (None, header.lower())
            )
            if key in seen:
                self.error(
                    table,
                    1,
                    header,
                    f"colonne en double (elle reprend la colonne « {seen[key]} ») : gardez-en une seule.",
                )
                continue
            seen[key] = header
            columns.append(column)
            if column.field is None and table.title.strip().lower() == "survey":
                if any(index in row.cells for row in table.rows):
                    self.warn(
                        table,
                        1,
                        header,
                        "colonne non interprétée ici : ses valeurs sont gardées telles quelles et seront réécrites à l'export.",
                    )
        used = {column.index for column in columns}
        headerless: set[int] = set()
        for row in table.rows:
            for index in row.cells:
                if (
                    index not in used
                    and index not in headerless
                    and (index >= len(table.headers) or not table.headers[index])
                ):
                    headerless.add(index)
                    self.warn(
                        table,
                        row.number,
                        table.column_name(index),
                        "valeur dans une colonne sans en-tête : elle est ignorée (donnez un nom à la colonne en ligne 1 pour la garder).",
                    )
        return columns

    def _resolve_languages(self, columns: list[Column]):
        translatable = [column for column in columns if column.language is not None]
        settings_default = self.setting_values.get("default_language", "")
        has_plain = any(column.language == "" for column in translatable)
        if settings_default:
            default = vocab.language_code(settings_default)
        elif has_plain:
            default = DEFAULT_LANGUAGE
        else:
            default = next(
                (vocab.language_code(c.language) for c in translatable), DEFAULT_LANGUAGE
            )
        plain_code = default
        plain_fields = {c.field for c in translatable if c.language == ""}
        clash = [
            c
            for c in translatable
            if c.language and c.field in plain_fields and vocab.language_code(c.language) == default
        ]
        if clash:
            plain_code = vocab.UNDETERMINED_LANGUAGE
            self.warn(
                self.tables["survey"].title,
                1,
                clash[0].header,
                f"les colonnes sans langue (« {clash[0].field} ») et « {clash[0].header} » désignent la même langue : "
                f"les colonnes sans langue sont gardées comme langue indéterminée (« {plain_code} ») ; indiquez la langue dans leur en-tête.",
            )
        self.default_language = default
        for column in translatable:
            code = plain_code if column.language == "" else vocab.language_code(column.language)
            self.language_of[column.language] = code
            if code not in self.languages:
                self.languages.append(code)
            # the first header naming a language gives the suffix the export writes
            self.display_of.setdefault(code, column.language)
        if settings_default and default not in self.languages:
            self.display_of.setdefault(default, settings_default)

    def _check_required_headers(self, table, columns, fields):
        present = {column.field for column in columns}
        for name in fields:
            if name not in present:
                self.missing_headers.add((table.title, name))
                self.error(
                    table, 1, None, f"la colonne « {name} » est absente de la ligne d'en-tête."
                )

    def _row_values(self, row: SheetRow, columns_by_index: dict[int, Column]):
        """(fields, translations, kept, headers) of a row: interpreted values, texts per language
        code, the other cells under their own header, and the header each field was read from."""
        fields: dict[str, str] = {}
        translations: dict[str, dict[str, str]] = {}
        kept: dict[str, str] = {}
        headers: dict[str, str] = {}
        for index, text in row.cells.items():
            column = columns_by_index.get(index)
            if column is None:
                continue
            if column.field is None:
                kept[column.header] = text
            elif column.language is not None:
                translations.setdefault(column.field, {})[self.language_of[column.language]] = text
                headers[column.field] = column.header
            else:
                fields[column.field] = text
                headers[column.field] = column.header
        return fields, translations, kept, headers

    # --- survey ---------------------------------------------------------------------------

    def _read_survey(self, survey: SheetTable, columns: list[Column]) -> list:
        by_index = {column.index: column for column in columns}
        root: list = []
        stack: list[_OpenGroup] = []
        top = _OpenGroup(Group(""), 0, False, root)
        if "type" not in {column.field for column in columns}:
            return root
        if not survey.rows:
            self.error(survey, None, None, "la feuille « survey » ne contient aucune question.")
        for row in survey.rows:
            fields, translations, kept, headers = self._row_values(row, by_index)
            level = stack[-1] if stack else top
            siblings = level.children
            type_text = fields.pop("type", "")
            type_header = headers.get("type", "type")
            if not type_text:
                if fields or translations:
                    self.error(
                        survey,
                        row.number,
                        type_header,
                        "le type de la question est vide : indiquez-le (text, integer, select_one liste…).",
                    )
                elif kept:
                    self.warn(
                        survey, row.number, type_header, "ligne sans type : elle est ignorée."
                    )
                continue
            parsed = vocab.parse_type(type_text)
            if parsed.kind in ("begin group", "begin repeat"):
                group = self._group(survey, row, parsed, fields, translations, kept, headers, level)
                if len(stack) >= MAX_GROUP_DEPTH:
                    if len(stack) == MAX_GROUP_DEPTH:
                        self.error(
                            survey,
                            row.number,
                            type_header,
                            f"groupes imbriqués sur plus de {MAX_GROUP_DEPTH} niveaux : regroupez les questions sur moins de niveaux.",
                        )
                    # Not nested any deeper: its rows stay balanced, its questions join the level above.
                    stack.append(
                        _OpenGroup(
                            group,
                            row.number,
                            parsed.kind == "begin repeat",
                            siblings,
                            level.names,
                            level.lower_names,
                        )
                    )
                    continue
                siblings.append(group)
                stack.append(_OpenGroup(group, row.number, parsed.kind == "begin repeat"))
                continue
            if parsed.kind in ("end group", "end repeat"):
                self._close(survey, row, parsed, stack, kept, type_header)
                continue
            siblings.append(
                self._question(
                    survey, row, parsed, type_text, fields, translations, kept, headers, level
                )
            )
        for open_group in reversed(stack):
            kind = "begin repeat" if open_group.repeat else "begin group"
            closing = "end repeat" if open_group.repeat else "end group"
            self.error(
                survey,
                open_group.row,
                self.header_of_field.get("type", "type"),
                f"le « {kind} » « {open_group.group.name} » n'est jamais fermé : ajoutez une ligne « {closing} » après ses questions.",
            )
        return root

    def _close(self, survey, row, parsed, stack, kept, type_header):
        closing_repeat = parsed.kind == "end repeat"
        if not stack:
            opening = "begin repeat" if closing_repeat else "begin group"
            self.error(
                survey,
                row.number,
                type_header,
                f"« {parsed.kind} » sans « {opening} » ouvert avant : supprimez cette ligne ou ajoutez le début du groupe.",
            )
            return
        open_group = stack.pop()
        open_group.group.children = open_group.children
        if open_group.repeat != closing_repeat:
            kind = "begin repeat" if open_group.repeat else "begin group"
            expected = "end repeat" if open_group.repeat else "end group"
            self.error(
                survey,
                row.number,
                type_header,
                f"« {parsed.kind} » ferme le « {kind} » « {open_group.group.name} » ouvert ligne {open_group.row} : il faut « {expected} ».",
            )
        for header, text in kept.items():
            open_group.group.extra[END_ROW_PREFIX + header] = text

    def _register_name(self, survey, row, name_header, name, kept, level, repeat=False) -> str:
        """Checks a name where pyxform does: unique among the elements of one group (the same
        name in two groups is allowed), "meta" reserved, a repeat's name unique in the form."""
        if not name and kept.get("$autoname"):
            name = kept["$autoname"]
        if not name and (survey.title, "name") in self.missing_headers:
            return ""
        if not name:
            self.error(
                survey,
                row.number,
                name_header,
                "le nom est vide : chaque question et chaque groupe a besoin d'un nom (sans espace), unique dans son groupe.",
            )
            return ""
        if not is_valid_name(name):
            self.error(
                survey,
                row.number,
                name_header,
                f"le nom « {name} » est invalide : il commence par une lettre ou « _ » et ne contient que lettres, chiffres, « _ », « - » ou « . » (pas d'espace ni d'apostrophe).",
            )
        where = f"le groupe « {level.group.name} »" if level.group.name else "le formulaire"
        if name == "meta":
            self.error(
                survey,
                row.number,
                name_header,
                "le nom « meta » est réservé aux métadonnées du formulaire (ODK, KoboToolbox) : choisissez-en un autre.",
            )
        elif name in level.names:
            self.error(
                survey,
                row.number,
                name_header,
                f"le nom « {name} » est déjà utilisé ligne {level.names[name]} dans {where} : "
                "deux éléments d'un même groupe doivent avoir des noms différents (le même nom reste possible dans deux groupes différents).",
            )
        else:
            level.names[name] = row.number
            if name.lower() in level.lower_names:
                self.warn(
                    survey,
                    row.number,
                    name_header,
                    f"le nom « {name} » ne diffère que par les majuscules de celui de la ligne "
                    f"{level.lower_names[name.lower()]} dans {where} : certains logiciels "
                    "d'analyse ne les distinguent pas.",
                )
            level.lower_names.setdefault(name.lower(), row.number)
        if repeat:
            if name == self.settings.get("name", "data"):
                self.error(
                    survey,
                    row.number,
                    name_header,
                    f"un « begin repeat » ne peut pas s'appeler « {name} », le nom de la racine du formulaire.",
                )
            elif name in self.repeat_rows:
                self.error(
                    survey,
                    row.number,
                    name_header,
                    f"le nom « {name} » est déjà celui d'une autre répétition ligne {self.repeat_rows[name]} : "
                    "le nom d'un « begin repeat » est unique dans tout le formulaire.",
                )
            else:
                self.repeat_rows[name] = row.number
        return name

    def _group(self, survey, row, parsed, fields, translations, kept, headers, level) -> Group:
        name = self._register_name(
            survey,
            row,
            headers.get("name", "name"),
            fields.pop("name", ""),
            kept,
            level,
            repeat=parsed.kind == "begin repeat",
        )
        group = Group(
            name=name,
            label=translations.pop("label", {}),
            hint=translations.pop("hint", {}),
            relevant=fields.pop("relevant", ""),
            appearance=fields.pop("appearance", ""),
            repeat=parsed.kind == "begin repeat",
            repeat_count=fields.pop("repeat_count", "") if parsed.kind == "begin repeat" else "",
            extra=dict(kept),
        )
        if parsed.kind != "begin repeat" and fields.get("repeat_count"):
            group.extra["repeat_count"] = fields.pop("repeat_count")
            self.warn(
                survey,
                row.number,
                headers["repeat_count"],
                "« repeat_count » n'a de sens que pour un « begin repeat » : valeur gardée telle quelle, sans effet.",
            )
        self._keep_leftovers(survey, row, group.extra, fields, translations, headers, "un groupe")
        self.row_of_node[id(group)] = row.number
        if group.repeat and not any(group.label.values()) and "media::image" not in group.extra:
            self.warn(
                survey,
                row.number,
                headers.get("label", "label"),
                f"la répétition « {name} » n'a pas de libellé : l'enquêteur ne verra que son nom en ajoutant une occurrence.",
            )
        return group

    def _keep_leftovers(self, survey, row, extra, fields, translations, headers, what):
        for field_name, text in fields.items():
            extra[field_name] = text
            self.warn(
                survey,
                row.number,
                headers[field_name],
                f"colonne sans effet pour {what} : valeur gardée telle quelle.",
            )
        for field_name, texts in translations.items():
            for code, text in texts.items():
                display = self.display_of.get(code, "")
                extra[f"{field_name}::{display}" if display else field_name] = text
            self.warn(
                survey,
                row.number,
                headers[field_name],
                f"colonne sans effet pour {what} : valeur gardée telle quelle.",
            )

    def _question(
        self, survey, row, parsed, type_text, fields, translations, kept, headers, level
    ) -> Question:
        type_header = headers.get("type", "type")
        if not fields.get("name") and not kept.get("$autoname"):
            # pyxform names these itself: an audit is always "audit", a note gets a name
            if type_text.strip().lower() == "audit":
                fields["name"] = "audit"
            elif parsed.kind == "note" and not parsed.unsupported:
                fields["name"] = f"generated_note_name_{row.number}"
                self.warn(
                    survey,
                    row.number,
                    headers.get("name", "name"),
                    f"note sans nom : elle s'appelle « {fields['name']} », comme pyxform la nomme.",
                )
        name = self._register_name(
            survey, row, headers.get("name", "name"), fields.pop("name", ""), kept, level
        )
        extra = dict(kept)
        question = Question(
            type=parsed.kind,
            name=name,
            label=translations.pop("label", {}),
            hint=translations.pop("hint", {}),
            required_message=translations.pop("required_message", {}),
            constraint=fields.pop("constraint", ""),
            constraint_message=translations.pop("constraint_message", {}),
            relevant=fields.pop("relevant", ""),
            calculation=fields.pop("calculation", ""),
            choice_filter=fields.pop("choice_filter", ""),
            appearance=fields.pop("appearance", ""),
            default=fields.pop("default", ""),
            extra=extra,
        )
        self.row_of_node[id(question)] = row.number
        for flag in ("required", "read_only"):
            text = fields.pop(flag, "")
            if text.lower() in vocab.YES_VALUES:
                setattr(question, flag, True)
            elif text.lower() not in vocab.NO_VALUES:
                extra[flag] = text
                self.warn(
                    survey,
                    row.number,
                    headers[flag],
                    f"« {text} » : seules les valeurs oui/non (yes, no, true, false) sont interprétées ici ; l'expression est gardée telle quelle pour l'export.",
                )
        parameters = fields.pop("parameters", "")
        if parameters and not _PARAMETERS_SYNTAX.fullmatch(parameters.strip()):
            self.error(
                survey,
                row.number,
                headers.get("parameters", "parameters"),
                f"paramètres « {parameters} » illisibles : écrivez-les « clé=valeur », séparés par des espaces (par exemple « start=1 end=5 step=1 »).",
            )
        elif parameters:
            for message in parameter_problems(type_text, parameters):
                self.error(survey, row.number, headers.get("parameters", "parameters"), message)
        if parsed.unknown:
            known = (
                list(vocab.SIMPLE_TYPES)
                + ["select_one", "select_multiple"]
                + list(vocab.STRUCTURE_TYPES)
            )
            close = difflib.get_close_matches(parsed.kind.split(" ")[0], known, n=1)
            suggestion = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
            self.error(
                survey, row.number, type_header, f"type « {type_text} » inconnu.{suggestion}"
            )
            question.type = "text"
        elif parsed.unsupported:
            extra["type"] = parsed.unsupported
            if parsed.metadata:
                self.warn(
                    survey,
                    row.number,
                    type_header,
                    f"métadonnée « {type_text} » : elle n'est pas collectée ici ; elle est gardée telle quelle et réécrite à l'export.",
                )
                if type_text.strip().lower() == "audit" and name not in ("", "audit"):
                    self.error(
                        survey,
                        row.number,
                        headers.get("name", "name"),
                        "la métadonnée « audit » s'appelle toujours « audit » (ODK l'exige) : videz la colonne « name » ou écrivez « audit ».",
                    )
            elif parsed.external:
                self.external_questions.add(id(question))
            elif parsed.or_other:
                if question.choice_filter:
                    self.error(
                        survey,
                        row.number,
                        headers.get("choice_filter", "choice_filter"),
                        "« or_other » ne se combine pas avec un « choice_filter » (ODK le refuse) : ajoutez un choix « autre » à la liste plutôt que « or_other ».",
                    )
                self.warn(
                    survey,
                    row.number,
                    type_header,
                    "« or_other » n'est pas pris en charge : ajoutez un choix « autre » et une question texte ; le type est gardé tel quel pour l'export.",
                )
            else:
                self.warn(
                    survey,
                    row.number,
                    type_header,
                    f"type « {type_text} » non pris en charge : la question est traitée comme « {parsed.kind} » et son type d'origine est gardé pour l'export.",
                )
        if parsed.from_file:
            question.choice_list = parsed.argument
            if parsed.argument:
                self.file_questions.append(
                    (question, row.number, type_header, parsed.argument, parameters)
                )
            else:
                self.error(
                    survey,
                    row.number,
                    type_header,
                    f"« {type_text} » doit être suivi du nom du fichier joint qui donne les choix (par exemple « {type_text} communes.csv »).",
                )
        elif question.type in (
            "select_one",
            "select_multiple",
        ) or parsed.unsupported.lower().startswith("rank"):
            question.choice_list = parsed.argument
            if not parsed.argument:
                self.error(
                    survey,
                    row.number,
                    type_header,
                    f"« {type_text} » doit être suivi du nom d'une liste de la feuille « choices » (par exemple « {type_text} oui_non »).",
                )
        if question.type == "text" and not parsed.unsupported and not parsed.unknown:
            tokens = question.appearance.split()
            if "multiline" in tokens:
                question.type = "paragraph"
                question.appearance = " ".join(token for token in tokens if token != "multiline")
        if question.type == "range":
            parameters = self._range(
                survey, row, question, parameters, headers.get("parameters", "parameters")
            )
        if parameters:
            extra["parameters"] = parameters
        if (
            question.type == "calculate"
            and not parsed.metadata
            and not parsed.unsupported
            and not question.calculation
        ):
            self.error(
                survey,
                row.number,
                headers.get("calculation", "calculation"),
                "une question « calculate » a besoin d'une formule dans la colonne « calculation ».",
            )
        if fields.get("repeat_count"):
            extra["repeat_count"] = fields.pop("repeat_count")
            self.warn(
                survey,
                row.number,
                headers["repeat_count"],
                "« repeat_count » n'a de sens que pour un « begin repeat » : valeur gardée telle quelle, sans effet.",
            )
        self._keep_leftovers(survey, row, extra, fields, translations, headers, "une question")
        return question

    def _range(self, survey, row, question, parameters, header) -> str:
        """Reads start/end/step into a rating; a range with decimal bounds stays a decimal."""
        values: dict[str, str] = {}
        leftovers: list[str] = []
        for key, value in _PARAMETER_PATTERN.findall(parameters):
            if key.lower() in ("start", "end", "step"):
                values[key.lower()] = value
            else:
                leftovers.append(f"{key}={value}")
        bounds = {"start": 1, "end": 10, "step": 1}  # pyxform's defaults
        numbers = {}
        for key, default in bounds.items():
            text = values.get(key, str(default))
            try:
                numbers[key] = float(text)
            except ValueError:
                self.error(
                    survey,
                    row.number,
                    header,
                    f"le paramètre « {key}={text} » doit être un nombre.",
                )
                question.type = "rating"
                return " ".join(leftovers)
        if numbers["step"] <= 0 or numbers["end"] < numbers["start"]:
            self.error(
                survey,
                row.number,
                header,
                "paramètres du range incohérents : il faut start ≤ end et un step positif (par exemple « start=1 end=5 step=1 »).",
            )
        if all(number.is_integer() for number in numbers.values()):
            question.type = "rating"
            question.start, question.end, question.step = (
                int(numbers[key]) for key in ("start", "end", "step")
            )
            return " ".join(leftovers)
        question.type = "decimal"
        question.extra["type"] = "range"
        self.warn(
            survey,
            row.number,
            header,
            "range à bornes ou pas décimaux : il est traité comme une question « decimal » ; ses paramètres sont gardés pour l'export.",
        )
        return parameters

    # --- choices --------------------------------------------------------------------------

    def _read_choices(self, table: SheetTable, columns: list[Column]) -> dict[str, ChoiceList]:
        by_index = {column.index: column for column in columns}
        lists: dict[str, ChoiceList] = {}
        first_row: dict[tuple[str, str], int] = {}
        allow_duplicates = (
            self.settings.get("allow_choice_duplicates", "").lower() in vocab.YES_VALUES
        )
        headers_of = {column.field: column.header for column in columns if column.field}
        for field_name, header in headers_of.items():
            self.choice_headers[(table.title, field_name)] = header
        for row in table.rows:
            fields, translations, kept, _ = self._row_values(row, by_index)
            list_name = fields.get("list_name", "")
            name = fields.get("name", "")
            if not list_name:
                # pyxform drops such a row: kept out here too, but said
                self.warn(
                    table,
                    row.number,
                    headers_of.get("list_name", "list_name"),
                    "le nom de liste est vide : ce choix n'appartient à aucune liste, la ligne est ignorée.",
                )
                continue
            if not name:
                self.error(
                    table,
                    row.number,
                    headers_of.get("name", "name"),
                    "le nom du choix est vide : c'est la valeur enregistrée dans les réponses.",
                )
            if not list_name or not name:
                continue
            key = (list_name, name)
            if key in first_row:
                # pyxform accepts it with the setting allow_choice_duplicates; an answer could
                # then not say which of the two was chosen, so it is refused here all the same.
                allowed = (
                    " : le réglage « allow_choice_duplicates » n'est pas suivi ici, deux choix "
                    "de même nom donneraient la même réponse ; renommez l'un d'eux"
                    if allow_duplicates
                    else ""
                )
                self.error(
                    table,
                    row.number,
                    headers_of.get("name", "name"),
                    f"le choix « {name} » figure déjà dans la liste « {list_name} » ligne {first_row[key]}{allowed}.",
                )
                continue
            first_row.setdefault(key, row.number)
            self.first_choice_row.setdefault((table.title, list_name), row.number)
            if any(character.isspace() for character in name):
                # Judged once the questions using the list are known (see _check_lists).
                self.spaced_choices.append(
                    (table.title, row.number, headers_of.get("name", "name"), list_name, name)
                )
            choice_list = lists.setdefault(list_name, ChoiceList(list_name))
            if (
                not any(translations.get("label", {}).values())
                and table.title.strip().lower() == "choices"
            ):
                # pyxform warns too; an external list is only read by its filter
                self.warn(
                    table,
                    row.number,
                    headers_of.get("label", "label"),
                    f"le choix « {name} » n'a pas de libellé : il s'affiche sous son nom.",
                )
            choice_list.choices.append(Choice(name, translations.get("label", {}), dict(kept)))
        return lists

    def _add_external_lists(self, choice_lists, external_lists, table: SheetTable):
        """Lists of the external_choices sheet join the others, marked so the export writes them
        back there; a list name on both sheets would be ambiguous, as pyxform reads it."""
        for name, choice_list in external_lists.items():
            if name in choice_lists:
                self.error(
                    table,
                    self.first_choice_row.get((table.title, name)),
                    self.choice_headers.get((table.title, "list_name"), "list_name"),
                    f"la liste « {name} » existe aussi dans la feuille « choices » : "
                    "donnez-lui un autre nom dans l'une des deux feuilles.",
                )
                continue
            choice_list.external = True
            choice_lists[name] = choice_list

    def _check_spaced_choices(self, selects: list[Question]):
        """A choice name with a space, as pyxform judges it: a select_multiple answer is the
        names separated by spaces, so its list refuses one; a select_one list accepts it, with
        a warning (its answer is read whole, selected() included)."""
        multiple = {q.choice_list for q in selects if q.type == "select_multiple"}
        for sheet, row, header, list_name, name in self.spaced_choices:
            if list_name in multiple:
                self.error(
                    sheet,
                    row,
                    header,
                    f"le choix « {name} » contient une espace alors que la liste « {list_name} » "
                    "sert à une question à choix multiple, dont les réponses sont séparées par des "
                    "espaces : remplacez-la par « _ ».",
                )
            else:
                self.warn(
                    sheet,
                    row,
                    header,
                    f"le choix « {name} » contient une espace : accepté pour une question à choix "
                    "unique, mais il ne pourra jamais servir dans une question à choix multiple ; "
                    "préférez « _ ».",
                )

    def _attach_files(self, survey: SheetTable, questionnaire: Questionnaire):
        """The choices of each select_one_from_file question, read from its attached file."""
        read: dict[str, str | None] = {}  # list key -> key once read, None when it failed
        for question, row, type_header, file_name, parameters in self.file_questions:
            self.unread_files.add(id(question))
            extension = os.path.splitext(file_name)[1].lower()
            if extension == ".geojson":
                self.error(
                    survey,
                    row,
                    type_header,
                    f"« {file_name} » : les choix tirés d'un fichier GeoJSON (carte) ne sont pas pris en charge ici ; "
                    "donnez un fichier .csv ou .xml avec les colonnes « name » et « label ».",
                )
                continue
            if extension not in FILE_EXTENSIONS or len(Path(file_name).suffixes) != 1:
                self.error(
                    survey,
                    row,
                    type_header,
                    f"le fichier « {file_name} » doit se terminer par « .csv » ou « .xml » (une seule extension).",
                )
                continue
            if file_name not in self.attachments:
                joined = ", ".join(f"« {name} »" for name in sorted(self.attachments))
                self.error(
                    survey,
                    row,
                    type_header,
                    f"le fichier « {file_name} » n'a pas été joint au formulaire : la question "
                    f"« {question.name} » y lit ses choix ; joignez-le avec le fichier XLSForm"
                    + (f" (fichiers joints : {joined})." if joined else "."),
                )
                continue
            value_column, label_column = file_columns(parameters)
            key = list_key(file_name, value_column, label_column)
            if key not in read:
                choice_list, errors, warnings_found = read_choice_file(
                    file_name,
                    self.attachments[file_name],
                    value_column,
                    label_column,
                    self.default_language,
                )
                self.errors.extend(errors)
                self.warnings.extend(warnings_found)
                read[key] = None
                if choice_list is not None:
                    if key in questionnaire.choice_lists:
                        self.error(
                            survey,
                            row,
                            type_header,
                            f"une liste de la feuille « choices » s'appelle déjà « {key} », comme le fichier joint : renommez-la.",
                        )
                        continue
                    questionnaire.choice_lists[key] = choice_list
                    read[key] = key
            if read[key] is not None:
                question.choice_list = key
                self.unread_files.discard(id(question))
                spaced = [
                    choice.name
                    for choice in questionnaire.choice_lists[key].choices
                    if any(character.isspace() for character in choice.name)
                ]
                if question.type == "select_multiple" and spaced:
                    # the rule pyxform applies to the choices sheet (it never reads the file)
                    self.error(
                        file_name,
                        None,
                        value_column,
                        f"la valeur « {spaced[0]} » contient une espace alors que la question "
                        f"« {question.name} » est à choix multiple, dont les réponses sont "
                        "séparées par des espaces : remplacez-la par « _ ».",
                    )

    def _check_lists(self, survey: SheetTable, questionnaire: Questionnaire, has_choices: bool):
        from_file = {id(entry[0]) for entry in self.file_questions}
        selects = [q for q in questionnaire.questions() if q.choice_list and id(q) not in from_file]
        if not selects:
            return
        if not has_choices:
            first = selects[0]
            self.error(
                "choices",
                None,
                None,
                f"la feuille « choices » est absente alors que la question « {first.name} » "
                f"(feuille « {survey.title} », ligne {self.row_of_name.get(first.name)}) utilise la liste « {first.choice_list} ».",
            )
            return
        header = self.header_of_field.get("type", "type")
        self._check_spaced_choices(selects)
        for question in selects:
            choice_list = questionnaire.choice_lists.get(question.choice_list)
            row = self.row_of_name.get(question.name)
            external = id(question) in self.external_questions
            if choice_list is not None and choice_list.external != external:
                where, other = (
                    ("external_choices", "choices") if external else ("choices", "external_choices")
                )
                self.error(
                    survey,
                    row,
                    header,
                    f"la liste « {question.choice_list} » est dans la feuille « {other} » alors "
                    f"que ce type la cherche dans la feuille « {where} ».",
                )
                continue
            if choice_list is None and external:
                self.error(
                    survey,
                    row,
                    header,
                    f"la liste « {question.choice_list} » n'existe pas dans la feuille "
                    "« external_choices ».",
                )
                continue
            if choice_list is None:
                close = difflib.get_close_matches(
                    question.choice_list, list(questionnaire.choice_lists), n=1
                )
                suggestion = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
                self.error(
                    survey,
                    row,
                    header,
                    f"la liste « {question.choice_list} » n'existe pas dans la feuille « choices ».{suggestion}",
                )

    # --- expressions ----------------------------------------------------------------------

    def _check_expressions(self, survey: SheetTable, questionnaire: Questionnaire):
        """Expression problems of the shared checks, placed on the row and column they concern.

        Names, choice lists and empty calculations are checked above with their exact rows; the
        same problems from the shared checks would only repeat them less precisely.
        """
        for problem in check_questionnaire(questionnaire):
            if problem.field in ("name", "choice_list") or (
                problem.field == "calculation" and problem.code == "missing"
            ):
                continue
            node = questionnaire.find(problem.name) if problem.name else None
            if problem.field == "choice_filter" and id(node) in self.unread_files:
                continue  # its columns are unknown: the missing file is reported instead
            message = problem.message
            expression = str(getattr(node, problem.field, "") or "") if node is not None else ""
            if problem.position is not None and expression:
                message += f" (dans « {expression} », caractère {problem.position + 1})"
            column = self.header_of_field.get(problem.field, problem.field) or None
            if problem.is_warning:
                # As in ODK, a call is only an error when it is evaluated: the form imports and
                # works, the cell is named so that a typo in a function name is still seen.
                message += " — importé quand même : l'expression échouera si cet appel est évalué"
                self.warn(survey, self.row_of_name.get(problem.name), column, message)
            else:
                self.error(survey, self.row_of_name.get(problem.name), column, message)
