"""`${name}` written outside expressions: in labels, hints, messages, columns kept as they are,
the settings (`instance_name`) and the choices' labels.

pyxform refuses, wherever it is written, a reference to a name no element bears, to a name
several elements bear (the same name in two groups, see questionnaires/names.py), and a
reference badly written (`${prenom`). Expression columns are left to the expression checks,
which also give the character position.
"""

from __future__ import annotations

import re
from collections import Counter

from ..messages import as_sentence
from ..model import Questionnaire
from ..names import ambiguous_names, readable_path, xlsform_name
from . import vocabulary as vocab
from .issues import SheetIssue
from .sheets import SheetTable

_REFERENCE = re.compile(r"\$\{(?:last-saved#)?([^{}]*)\}")
# Survey fields whose references the expression checks report (with a character position).
_EXPRESSION_FIELDS = frozenset(
    {
        "type",
        "name",
        "relevant",
        "required",
        "constraint",
        "calculation",
        "choice_filter",
        "repeat_count",
        "default",
        "trigger",
    }
)


def text_reference_errors(
    tables: dict[str, SheetTable], questionnaire: Questionnaire
) -> list[SheetIssue]:
    """Every reference pyxform would refuse in the cells that are not expressions."""
    counts = Counter(xlsform_name(node.name) for _, node in questionnaire.walk())
    ambiguous = ambiguous_names(questionnaire)
    errors: list[SheetIssue] = []
    for table, skipped in _places(tables):
        for row in table.rows:
            for index, text in row.cells.items():
                if index in skipped or "${" not in text:
                    continue
                header = (table.headers[index] if index < len(table.headers) else "") or None
                errors.extend(
                    SheetIssue(table.title, row.number, header, as_sentence(message))
                    for message in _cell_problems(text, counts, ambiguous)
                )
    return errors


def _cell_problems(text: str, counts: Counter, ambiguous: dict[str, list[str]]) -> list[str]:
    problems = []
    if "${" in _REFERENCE.sub("", text):
        problems.append(
            "référence mal écrite : une référence s'écrit ${nom}, avec le nom d'une question "
            "entre accolades."
        )
    for match in _REFERENCE.finditer(text):
        name = match.group(1).strip()
        if name in ambiguous:
            paths = " et ".join(
                f"« {readable_path(path)} »" for path in dict.fromkeys(ambiguous[name])
            )
            problems.append(
                f"« ${{{name}}} » est ambigu : {counts[name]} éléments s'appellent « {name} » "
                f"({paths}) ; une référence ${{…}} désigne un nom unique dans tout le "
                "formulaire : renommez l'un d'eux."
            )
        elif counts[name] == 0:
            problems.append(
                f"« ${{{name}}} » ne désigne aucune question ni aucun groupe du formulaire."
            )
    return problems


def _places(tables: dict[str, SheetTable]):
    """(sheet, indexes of the columns not to read) of the sheets pyxform reads references in."""
    survey = tables.get("survey")
    if survey is not None:
        yield (
            survey,
            {
                column.index
                for column in _columns(survey, vocab.survey_column)
                if column.field in _EXPRESSION_FIELDS
            },
        )
    settings = tables.get("settings")
    if settings is not None:
        yield settings, set()
    choices = tables.get("choices")
    if choices is not None:
        yield (
            choices,
            {
                column.index
                for column in _columns(choices, vocab.choices_column)
                if column.field != "label"
            },
        )


def _columns(table: SheetTable, make) -> list[vocab.Column]:
    return [make(index, header) for index, header in enumerate(table.headers) if header]
