"""Checks an answer set against its questionnaire and returns every problem at once.

The rules are those the tablet applies while the respondent answers (relevance, required,
types, constraints, choices, repeat counts), run again on the server so that a submission
from an old or tampered client cannot store what the form forbids.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .answers import repeat_instances
from .dependencies import DependencyGraph, dependency_graph
from .expressions import (
    ExpressionError,
    evaluate,
    parse_choice_filter,
    to_boolean,
    to_number,
    to_string,
)
from .expressions.evaluator import repeat_fields_of
from .expressions.values import is_number
from .model import (
    TYPES_WITH_CHOICES,
    TYPES_WITHOUT_ANSWER,
    Choice,
    Group,
    Question,
    Questionnaire,
    label_in,
)

# Longest answer accepted, in characters: far above what anyone types, low enough to refuse junk.
TEXT_MAX_LENGTH = 5_000
PARAGRAPH_MAX_LENGTH = 50_000

_INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_DECIMAL = re.compile(r"^\s*[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)\s*$")
# Integers beyond this lose precision in the browser (IEEE doubles): refused as answers.
LARGEST_INTEGER = 2**53 - 1
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRENCH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
# What no database stores in text: NUL (PostgreSQL refuses it) and half of a UTF-16 surrogate
# pair (a JSON escape such as "\ud800" left alone, which no UTF-8 text can hold).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = (
    "la réponse contient un caractère invalide (caractère nul ou caractère Unicode incomplet)."
)
_TRUE_WORDS = ("yes", "true", "true()", "1", "oui")
_FALSE_WORDS = ("", "no", "false", "false()", "0", "non")


@dataclass(frozen=True)
class AnswerError:
    path: str  # "age" or "menage[1]/age_membre"
    code: str  # required, type, constraint, choice, unknown, repeat
    message: str

    def as_dict(self) -> dict:
        return {"path": self.path, "code": self.code, "message": self.message}


@dataclass
class ValidationResult:
    errors: list[AnswerError] = field(default_factory=list)
    answers: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def errors_by_path(self) -> dict[str, list[AnswerError]]:
        grouped: dict[str, list[AnswerError]] = {}
        for error in self.errors:
            grouped.setdefault(error.path, []).append(error)
        return grouped


class InvalidAnswer(ValueError):
    """An answer that cannot be read as its question's type; the message is French."""


# --- the shape of a questionnaire -----------------------------------------------------------------


@dataclass
class _Layout:
    """Lookups computed once per call: enclosing groups, repeats, labels."""

    questionnaire: Questionnaire
    groups_around: dict[str, list[Group]]
    repeat_fields: dict[str, str]  # name -> innermost enclosing repeat
    nodes: dict[str, Question | Group]  # by name (the first of a name, as find gives)
    graph: DependencyGraph
    # Choices by name, of each choice list read so far (kept by the copies that `fresh` makes).
    offered: dict[str, dict[str, Choice]]
    # The answer nodes of each level read so far, by id of its children list (kept likewise).
    levels: dict[int, _Level]
    today: datetime.date | None = None  # what today() gives; None: the real today
    # True once the answers hold only the form's own names (validate_answers reads them so):
    # `repeat_fields` then covers them all.
    answers_of_the_form: bool = False
    _calculations: list[Question] | None = None
    _choice_labels: dict[str, dict[str, str]] | None = None
    # What the last `_prune` found of each condition it evaluated, by (node id, repeat
    # instance), and the answers it read them in: the checks read it (emptied by `_validate`
    # when their answers differ from those).
    relevance: dict[tuple[int, str | None], bool] = field(default_factory=dict)
    relevance_read: Mapping | None = None

    @classmethod
    def of(cls, questionnaire: Questionnaire, today: datetime.date | None = None) -> "_Layout":
        groups_around, repeat_fields = _shape(questionnaire)
        nodes: dict[str, Question | Group] = {}
        for _, node in questionnaire.walk():
            nodes.setdefault(node.name, node)
        graph = dependency_graph(questionnaire)
        return cls(questionnaire, groups_around, repeat_fields, nodes, graph, {}, {}, today)

    def fresh(self, today: datetime.date | None) -> "_Layout":
        """The same lookups for another call. They are shared: those filled as they are first
        needed (choices, levels) get the same entry whichever call fills it."""
        layout = _Layout(
            self.questionnaire,
            self.groups_around,
            self.repeat_fields,
            self.nodes,
            self.graph,
            self.offered,
            self.levels,
            today,
        )
        layout._calculations = self.calculations()
        layout._choice_labels = self._choice_labels
        return layout

    def offered_choices(self, list_name: str) -> dict[str, Choice] | None:
        """The choices of a list by name; None for a list the form does not have."""
        found = self.offered.get(list_name)
        if found is None:
            choice_list = self.questionnaire.choice_lists.get(list_name)
            if choice_list is None:
                return None
            found = self.offered[list_name] = {
                choice.name: choice for choice in choice_list.choices
            }
        return found

    def answer_level(self, children: list) -> _Level:
        """The questions and repeats of one level, worked out once: reading answers visits them
        all for every answer set."""
        level = self.levels.get(id(children))
        if level is None:
            nodes = list(_answer_nodes(children))
            level = self.levels[id(children)] = _Level(
                [(node, isinstance(node, Group), _read_from_client(node)) for node in nodes],
                frozenset(node.name for node in nodes),
            )
        return level

    def calculations(self) -> list[Question]:
        """calculation_order(), once per call: _settle asks at each round."""
        if self._calculations is None:
            self._calculations = _calculation_order(self.questionnaire, self.graph)
        return self._calculations

    def choice_labels(self) -> dict[str, dict[str, str]]:
        """{question: {choice: label}} in the form's default language, for jr:choice-name."""
        if self._choice_labels is None:
            language = self.questionnaire.default_language
            lists = self.questionnaire.choice_lists
            self._choice_labels = {
                question.name: {
                    choice.name: label_in(choice.label, language) or choice.name
                    for choice in lists[question.choice_list].choices
                }
                for question in self.questionnaire.questions()
                if question.choice_list in lists
            }
        return self._choice_labels

    def label(self, node: Question | Group) -> str:
        language = self.questionnaire.default_language
        return label_in(node.label, language) or node.name

    def text(self, translations: Mapping[str, str]) -> str:
        return (
            label_in(dict(translations), self.questionnaire.default_language)
            if translations
            else ""
        )

    def repeats_around(self, name: str) -> list[Group]:
        return [group for group in self.groups_around.get(name, []) if group.repeat]


@dataclass(frozen=True)
class _Level:
    """The answer nodes of one level of a form (plain groups do not nest answers)."""

    # (node, whether it is a repeat, whether the client's answer is read: not for a note nor a
    # computed question, whose value is computed here, never trusted)
    nodes: list[tuple[Question | Group, bool, bool]]
    names: frozenset[str]


def _read_from_client(node: Question | Group) -> bool:
    return isinstance(node, Group) or not (
        node.type in TYPES_WITHOUT_ANSWER or _is_computed(node) or node.type == "calculate"
    )


def _shape(questionnaire: Questionnaire) -> tuple[dict[str, list[Group]], dict[str, str]]:
    """(enclosing groups by name, innermost enclosing repeat by name)."""
    groups: dict[str, Group] = {}
    groups_around: dict[str, list[Group]] = {}
    repeat_fields: dict[str, str] = {}
    for ancestors, node in questionnaire.walk():
        if isinstance(node, Group):
            groups[node.name] = node
        enclosing = [groups[name] for name in ancestors if name in groups]
        groups_around[node.name] = enclosing
        repeats = [group for group in enclosing if group.repeat]
        if repeats:
            repeat_fields[node.name] = repeats[-1].name
    return groups_around, repeat_fields


def _answer_nodes(children: list) -> Iterator[Question | Group]:
    """Questions and repeat groups of one level: plain groups do not nest answers."""
    for child in children:
        if isinstance(child, Group) and not child.repeat:
            yield from _answer_nodes(child.children)
        else:
            yield child


def _evaluate(layout: _Layout, expression: str, answers: Mapping, **options):
    return evaluate(
        expression,
        answers,
        repeat_fields=layout.repeat_fields,
        today=layout.today,
        repeat_fields_complete=layout.answers_of_the_form,
        choice_labels=layout.choice_labels() if "jr:choice-name" in expression else None,
        **options,
    )


def _condition_holds(
    layout: _Layout, expression: str, answers: Mapping, context: str | None, *, default=True
) -> bool:
    """An expression read as a condition; a broken one (reported by check_questionnaire) counts as ``default``."""
    if not expression or not expression.strip():
        return default
    try:
        return to_boolean(_evaluate(layout, expression, answers, context=context))
    except ExpressionError:
        return default


# --- relevance and calculations -------------------------------------------------------------------


def is_relevant(
    questionnaire: Questionnaire,
    name: str,
    answers: Mapping,
    context: str | None = None,
    *,
    today: datetime.date | None = None,
) -> bool:
    """Whether ``name`` is shown: its own ``relevant`` and every enclosing group's hold."""
    return _is_relevant(_Layout.of(questionnaire, today), name, answers, context)


def _is_relevant(layout: _Layout, name: str, answers: Mapping, context: str | None) -> bool:
    node = layout.nodes.get(name)
    if node is None:
        return False
    for group in [*layout.groups_around.get(name, []), node]:
        if not _condition_holds(layout, group.relevant, answers, context):
            return False
    return True


def compute_calculations(
    questionnaire: Questionnaire, answers: Mapping, *, today: datetime.date | None = None
) -> dict:
    """A copy of ``answers`` with every ``calculate`` question filled, dependencies first."""
    return _compute_calculations(_Layout.of(questionnaire, today), answers)


def _is_computed(question: Question) -> bool:
    """A calculate question, or a shown one with a calculation (a read-only total): its value is
    computed, never taken from the client, as XLSForm's calculate bind does for any field."""
    return question.type not in TYPES_WITHOUT_ANSWER and bool(question.calculation.strip())


def calculation_order(questionnaire: Questionnaire) -> list[Question]:
    """Computed questions so that each comes after those it reads, in its calculation or in the
    relevance of itself and its groups, directly or through other questions (ODK's dependency
    order, not document order: a summary written above its inputs is right at once)."""
    return _calculation_order(questionnaire, dependency_graph(questionnaire))


def _calculation_order(questionnaire: Questionnaire, graph: DependencyGraph) -> list[Question]:
    calculations = {
        node.name: node
        for _, node in questionnaire.walk()
        if isinstance(node, Question) and _is_computed(node)
    }
    return [calculations[name] for name in graph.order(calculations)]


def _compute_calculations(layout: _Layout, answers: Mapping, only: set[str] | None = None) -> dict:
    """A copy of ``answers`` with the calculations computed again, in dependency order: all of
    them, or ``only`` those named (the others keep the value they have)."""
    order = layout.calculations()
    if only is not None:
        order = [question for question in order if question.name in only]
    if not order:
        # Nothing to write into the answers: no copy of them (the costly part on a long form).
        return dict(answers)
    computed = copy.deepcopy(dict(answers))
    if not layout.answers_of_the_form:
        # Answers from elsewhere may hold names the form has not: their repeats are read once
        # here rather than for each expression (a calculation never adds a repeat).
        layout = dataclasses.replace(
            layout,
            repeat_fields=repeat_fields_of(computed, layout.repeat_fields),
            answers_of_the_form=True,
        )
    for question in order:
        for instance, context, _index in repeat_instances(
            computed, [group.name for group in layout.repeats_around(question.name)]
        ):
            instance.pop(question.name, None)
            if not _is_relevant(layout, question.name, computed, context):
                continue
            try:
                value = _evaluate(layout, question.calculation, computed, context=context)
            except ExpressionError:
                continue
            value = _stored_value(value)
            if value is not None and question.type != "calculate":
                value = _computed_answer(question, value)
            if value is not None:
                instance[question.name] = value
    return computed


def _computed_answer(question: Question, value):
    """A computed value read as the shown question's type (a total of 2.5 is no integer: none)."""
    try:
        return read_answer(
            question, to_string(value) if question.type in ("text", "paragraph") else value
        )
    except InvalidAnswer:
        return None


def _stored_value(value):
    """A computed value as the answer contract stores it (dates as text, no NaN in JSON)."""
    if isinstance(value, datetime.date):
        # A date-time as ODK and the browser write it (2026-03-15T10:30:00.000+01:00).
        return to_string(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value == "":
        return None
    return value


def _prune(layout: _Layout, answers: dict) -> dict:
    """A copy of ``answers`` without the answers to questions that are not relevant."""
    layout.relevance = {}
    layout.relevance_read = answers
    return _prune_level(layout, layout.questionnaire.children, answers, answers, None)


def _prune_level(
    layout: _Layout, children: list, level: Mapping, answers: Mapping, context: str | None
) -> dict:
    kept: dict = {}
    relevance = layout.relevance
    for child in children:
        if child.relevant:
            shown = relevance[id(child), context] = _condition_holds(
                layout, child.relevant, answers, context
            )
            if not shown:
                continue
        if isinstance(child, Group) and not child.repeat:
            kept.update(_prune_level(layout, child.children, level, answers, context))
        elif isinstance(child, Group):
            instances = level.get(child.name)
            if isinstance(instances, list):
                kept[child.name] = [
                    _prune_level(
                        layout,
                        child.children,
                        instance,
                        answers,
                        f"{context}/{child.name}[{index}]" if context else f"{child.name}[{index}]",
                    )
                    for index, instance in enumerate(instances)
                ]
        elif child.name in level:
            kept[child.name] = level[child.name]
    return kept


def _settle(layout: _Layout, answers: dict) -> dict:
    """Calculations and relevance until neither changes anything (each may depend on the other).

    The first round computes everything; a later one computes again only the calculations that
    read, directly or through others, an answer the last round's relevance dropped."""
    computed = _compute_calculations(layout, answers)
    current = _prune(layout, computed)
    calculations = bool(layout.calculations())
    for _ in range(len(layout.groups_around) + 2):
        if calculations:
            dropped = {path.rpartition("/")[2] for path in _paths(computed) - _paths(current)}
            if not dropped:
                break
            computed = _compute_calculations(layout, current, layout.graph.dependents(dropped))
        elif current == computed:
            break  # relevance dropped nothing
        else:
            # Nothing to compute again: only the relevance of what is left, until it holds.
            computed = current
        settled = _prune(layout, computed)
        if settled == current:
            break
        current = settled
    return current


def _paths(answers: Mapping, prefix: str = "") -> set[str]:
    """Every answer's path ("age", "menage[1]/age_membre"; a repeat's own name too)."""
    found = set()
    for name, value in answers.items():
        found.add(prefix + name)
        if isinstance(value, list):
            for index, instance in enumerate(value):
                if isinstance(instance, Mapping):
                    found |= _paths(instance, f"{prefix}{name}[{index}]/")
    return found


# --- validation -----------------------------------------------------------------------------------


def validate_answers(
    questionnaire: Questionnaire,
    answers: Mapping,
    *,
    today: datetime.date | None = None,
) -> ValidationResult:
    """All the problems of ``answers`` and the cleaned answers (coerced, calculated, relevant only).

    ``today`` is what ``today()`` gives: the interview's date when checking an interview
    collected offline days ago, the real today by default.
    """
    return _validate(_Layout.of(questionnaire, today), answers)


class AnswerValidator:
    """``validate_answers`` for a questionnaire that no longer changes (a published version):
    the lookups it needs from the form's tree are worked out once, not at every call. The
    checks are the same."""

    def __init__(self, questionnaire: Questionnaire):
        self.questionnaire = questionnaire
        self._layout = _Layout.of(questionnaire)

    def __call__(self, answers: Mapping, *, today: datetime.date | None = None) -> ValidationResult:
        return _validate(self._layout.fresh(today), answers)


def _validate(layout: _Layout, answers: Mapping) -> ValidationResult:
    questionnaire = layout.questionnaire
    reading_errors: dict[str, AnswerError] = {}
    unknown: list[AnswerError] = []
    raw = answers if isinstance(answers, Mapping) else {}
    coerced = _read_level(layout, questionnaire.children, raw, "", reading_errors, unknown)
    # From here on, only the form's names are left (unknown ones were set aside above).
    layout.answers_of_the_form = True
    cleaned = _settle(layout, coerced)
    errors = list(unknown)
    # The checks read relevance from what the last pruning found when it read these very answers
    # (the usual case: it dropped nothing, or nothing more): not evaluated a second time.
    if layout.relevance_read != cleaned:
        layout.relevance = {}
    _check_level(layout, questionnaire.children, cleaned, cleaned, None, "", reading_errors, errors)
    return ValidationResult(errors=errors, answers=cleaned)


def _read_level(
    layout, children, raw: Mapping, prefix: str, reading_errors: dict, unknown: list
) -> dict:
    """The answers of one level read as their types; unreadable ones are kept aside as errors."""
    cleaned: dict = {}
    level = layout.answer_level(children)
    for node, repeat, read in level.nodes:
        if node.name not in raw or not read:
            continue
        value = raw[node.name]
        path = prefix + node.name
        if repeat:
            if value is None or value == "":
                continue
            if not isinstance(value, list) or not all(
                isinstance(instance, Mapping) for instance in value
            ):
                reading_errors[path] = AnswerError(
                    path,
                    "repeat",
                    f"« {layout.label(node)} » : la réponse doit être une liste de fiches.",
                )
                continue
            cleaned[node.name] = [
                _read_level(
                    layout, node.children, instance, f"{path}[{index}]/", reading_errors, unknown
                )
                for index, instance in enumerate(value)
            ]
            continue
        try:
            value = read_answer(node, value)
        except InvalidAnswer as problem:
            reading_errors[path] = AnswerError(
                path, "type", f"« {layout.label(node)} » : {problem}"
            )
            continue
        if value is not None:
            cleaned[node.name] = value
    for name in raw:
        if name not in level.names:
            unknown.append(
                AnswerError(
                    prefix + name,
                    "unknown",
                    f"« {name} » : cette question n'existe pas dans le questionnaire.",
                )
            )
    return cleaned


def read_answer(question: Question, value):
    """``value`` as the answer contract stores it for ``question``; None when unanswered."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    # Whatever the type, a text no database could store (a list of choices: below).
    if isinstance(value, str) and UNSTORABLE.search(value):
        raise InvalidAnswer(UNSTORABLE_MESSAGE)
    kind = question.type
    if kind in ("text", "paragraph"):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidAnswer("la réponse doit être un texte.")
        text = value if isinstance(value, str) else to_string(value)
        limit = PARAGRAPH_MAX_LENGTH if kind == "paragraph" else TEXT_MAX_LENGTH
        if len(text) > limit:
            raise InvalidAnswer(f"la réponse dépasse {limit} caractères.")
        return text
    if kind in ("integer", "rating"):
        number = _read_integer(value)
        if kind == "rating":
            if not question.start <= number <= question.end or (number - question.start) % (
                question.step or 1
            ):
                raise InvalidAnswer(
                    f"la note doit être comprise entre {question.start} et {question.end}."
                )
        return number
    if kind == "decimal":
        return _read_decimal(value)
    if kind == "date":
        return _read_date(value)
    if kind == "select_one":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidAnswer("la réponse doit être un choix de la liste.")
        return str(value).strip()
    if kind == "select_multiple":
        if isinstance(value, str):
            items = value.split()
        elif isinstance(value, (list, tuple)) and all(
            isinstance(item, (str, int)) and not isinstance(item, bool) for item in value
        ):
            items = [str(item).strip() for item in value]
        else:
            raise InvalidAnswer("la réponse doit être une liste de choix.")
        if UNSTORABLE.search("".join(items)):
            raise InvalidAnswer(UNSTORABLE_MESSAGE)
        unique = list(dict.fromkeys(item for item in items if item))
        return unique or None
    return value


def _read_integer(value) -> int:
    if isinstance(value, bool):
        raise InvalidAnswer("la réponse doit être un nombre entier.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.match(value):
        number = int(value)
    else:
        raise InvalidAnswer("la réponse doit être un nombre entier.")
    if abs(number) > LARGEST_INTEGER:
        raise InvalidAnswer("le nombre est trop grand.")
    return number


def _read_decimal(value) -> int | float:
    if isinstance(value, bool):
        raise InvalidAnswer("la réponse doit être un nombre.")
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str) and _DECIMAL.match(value):
        number = float(value.strip().replace(",", "."))  # French decimal comma
    else:
        raise InvalidAnswer("la réponse doit être un nombre.")
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidAnswer("la réponse doit être un nombre.")
    return number


def _read_date(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.match(text):
                return datetime.date.fromisoformat(text).isoformat()
            match = _FRENCH_DATE.match(text)
            if match:
                day, month, year = (int(part) for part in match.groups())
                return datetime.date(year, month, day).isoformat()
        except ValueError:
            pass  # 2026-02-30 and the like
    raise InvalidAnswer("la date doit s'écrire AAAA-MM-JJ ou JJ/MM/AAAA.")


def _required(layout: _Layout, question: Question, answers: Mapping, context: str | None) -> bool:
    """Whether ``question`` must be answered: XLSForm allows yes/true()/an expression."""
    required = question.required
    if isinstance(required, bool):
        return required
    text = str(required).strip()
    if text.lower() in _TRUE_WORDS:
        return True
    if text.lower() in _FALSE_WORDS:
        return False
    return _condition_holds(layout, text, answers, context, default=True)


def _check_level(
    layout, children, level: Mapping, answers: Mapping, context, prefix: str, reading_errors, errors
) -> None:
    for child in children:
        if child.relevant:
            shown = layout.relevance.get((id(child), context))
            if shown is None:
                shown = _condition_holds(layout, child.relevant, answers, context)
            if not shown:
                continue
        path = prefix + child.name
        if isinstance(child, Group) and not child.repeat:
            _check_level(
                layout, child.children, level, answers, context, prefix, reading_errors, errors
            )
        elif isinstance(child, Group):
            _check_repeat(layout, child, level, answers, context, path, reading_errors, errors)
        else:
            _check_question(layout, child, level, answers, context, path, reading_errors, errors)


def _check_repeat(
    layout, group: Group, level, answers, context, path, reading_errors, errors
) -> None:
    if path in reading_errors:
        errors.append(reading_errors[path])
        return
    instances = level.get(group.name) or []
    if group.repeat_count.strip():
        try:
            expected = to_number(_evaluate(layout, group.repeat_count, answers, context=context))
        except ExpressionError:
            expected = math.nan
        if math.isfinite(expected) and len(instances) != int(expected):
            expected = int(expected)
            errors.append(
                AnswerError(
                    path,
                    "repeat",
                    f"« {layout.label(group)} » : {expected} fiche{'s' if expected > 1 else ''} attendue"
                    f"{'s' if expected > 1 else ''}, {len(instances)} reçue{'s' if len(instances) > 1 else ''}.",
                )
            )
    for index, instance in enumerate(instances):
        step = f"{group.name}[{index}]"
        _check_level(
            layout,
            group.children,
            instance,
            answers,
            f"{context}/{step}" if context else step,
            f"{path}[{index}]/",
            reading_errors,
            errors,
        )


def _check_question(
    layout, question: Question, level, answers, context, path, reading_errors, errors
) -> None:
    if question.type in TYPES_WITHOUT_ANSWER or question.type == "calculate":
        return
    if path in reading_errors:
        errors.append(reading_errors[path])
        return
    value = level.get(question.name)
    if value is None:
        if _required(layout, question, answers, context):
            custom = _interpolate(layout, layout.text(question.required_message), answers, context)
            label = _shown_label(layout, question, answers, context)
            errors.append(
                AnswerError(
                    path, "required", f"« {label} » : {custom or 'ce champ est obligatoire.'}"
                )
            )
        return
    if question.type in TYPES_WITH_CHOICES:
        refused = _refused_choices(layout, question, value, answers, context)
        if refused:
            listed = ", ".join(f"« {name} »" for name in refused)
            label = _shown_label(layout, question, answers, context)
            errors.append(
                AnswerError(
                    path,
                    "choice",
                    f"« {label} » : {listed} {'ne fait' if len(refused) == 1 else 'ne font'} pas partie des choix proposés.",
                )
            )
            return
    if question.constraint.strip():
        try:
            holds = to_boolean(
                _evaluate(layout, question.constraint, answers, current=value, context=context)
            )
        except ExpressionError:
            holds = (
                True  # a broken constraint is the form's problem, reported by check_questionnaire
            )
        if not holds:
            custom = _interpolate(
                layout, layout.text(question.constraint_message), answers, context
            )
            label = _shown_label(layout, question, answers, context)
            errors.append(
                AnswerError(
                    path,
                    "constraint",
                    f"« {label} » : {custom or 'la réponse n’est pas valide.'}",
                )
            )


def _shown_label(layout: _Layout, question: Question, answers: Mapping, context) -> str:
    """The question's label as the page shows it: "Âge de ${prenom}" names the member whose age
    is wrong, "Âge de Karim". Worked out only for an error: most answers have none."""
    return _interpolate(layout, layout.label(question), answers, context)


_REFERENCE = re.compile(r"\$\{([^}\s]+)\}")


def _interpolate(layout: _Layout, text: str, answers: Mapping, context: str | None) -> str:
    """A form's message with its ${name} replaced by the answer, as the page shows it (and as ODK
    does for the outputs of constraint and required messages); a number takes a French comma."""
    if "${" not in text:
        return text

    def answer(match: re.Match) -> str:
        try:
            value = _evaluate(layout, match.group(0), answers, context=context)
        except ExpressionError:
            return ""
        if is_number(value):
            return to_string(value).replace(".", ",", 1)
        return to_string(value)

    return _REFERENCE.sub(answer, text)


def _refused_choices(layout, question: Question, value, answers, context) -> list[str]:
    offered = layout.offered_choices(question.choice_list)
    if offered is None:
        return []  # the form's problem, reported by check_questionnaire
    chosen = value if isinstance(value, list) else [value]
    refused = []
    for name in chosen:
        choice = offered.get(name)
        if choice is None or not _choice_offered(layout, question, choice, answers, context):
            refused.append(name)
    return refused


def _choice_offered(layout, question: Question, choice: Choice, answers, context) -> bool:
    if not question.choice_filter.strip():
        return True
    try:
        node = parse_choice_filter(question.choice_filter)
        columns = {**choice.properties, "name": choice.name}
        return to_boolean(
            evaluate(
                node,
                answers,
                context=context,
                repeat_fields=layout.repeat_fields,
                today=layout.today,
                columns=columns,
                repeat_fields_complete=layout.answers_of_the_form,
            )
        )
    except ExpressionError:
        return True


__all__ = [
    "AnswerError",
    "AnswerValidator",
    "InvalidAnswer",
    "UNSTORABLE",
    "ValidationResult",
    "calculation_order",
    "compute_calculations",
    "is_relevant",
    "read_answer",
    "validate_answers",
]
