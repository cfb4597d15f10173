"""The XLSForm expression language: ``${age} >= 60 and selected(${aides}, 'apl')``.

A lexer and a Pratt parser build a small syntax tree; an evaluator walks it with XPath 1.0
semantics as ODK implements them. Nothing is ever handed to Python's ``eval``. The browser
port runs the same case table (tests/data/expression_cases.json), so tablet and server agree.
"""

from __future__ import annotations

import datetime
import difflib
import functools
from collections.abc import Iterable, Iterator, Mapping

import regex

from . import lexer, syntax
from .errors import (
    ARITY,
    SYNTAX,
    TYPE,
    UNKNOWN_FUNCTION,
    UNKNOWN_NAME,
    WARNING_CODES,
    ExpressionError,
)
from .evaluator import Scope, parse_context, repeat_fields_of
from .functions import FUNCTIONS, call_problem
from .syntax import Node
from .values import plain_number, to_boolean, to_number, to_string

__all__ = [
    "ARITY",
    "FUNCTIONS",
    "SYNTAX",
    "TYPE",
    "UNKNOWN_FUNCTION",
    "UNKNOWN_NAME",
    "WARNING_CODES",
    "ExpressionError",
    "Node",
    "check_expression",
    "evaluate",
    "parse",
    "parse_choice_filter",
    "check_choice_filter",
    "choice_filter_columns",
    "parse_context",
    "references",
    "repeat_fields_of",
    "to_boolean",
    "to_number",
    "to_string",
]


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """The syntax tree of ``text``; raises the first ``ExpressionError`` (syntax, type). An unknown
    function or a wrong number of arguments is raised by ``evaluate`` when the call is reached."""
    node = syntax.parse_syntax(text)
    _raise_first_error(node)
    return node


@functools.lru_cache(maxsize=1024)
def parse_choice_filter(text: str) -> Node:
    """Like ``parse``, for a choice_filter, where a bare name is a column of the choices sheet."""
    node = syntax.parse_syntax(text, columns=True)
    _raise_first_error(node)
    return node


def choice_filter_columns(text: str) -> set[str]:
    """The choices-sheet columns a choice_filter reads (empty when it does not parse)."""
    try:
        node = syntax.parse_syntax(text, columns=True)
    except ExpressionError:
        return set()
    return {column.name for column in _walk(node) if isinstance(column, syntax.Column)}


def check_choice_filter(
    text: str, known_names: Iterable[str], columns: Iterable[str]
) -> list[ExpressionError]:
    """``check_expression`` for a choice_filter; ``columns`` are those of the choice list."""
    known_columns = set(columns) | {"name"}
    try:
        node = syntax.parse_syntax(text, columns=True)
    except ExpressionError as error:
        return [error]
    problems = _function_problems(node)
    for item in _walk(node):
        if isinstance(item, syntax.Reference) and item.name not in set(known_names):
            problems.append(_unknown_name(item.name, item.position, set(known_names)))
        elif isinstance(item, syntax.Column) and item.name not in known_columns:
            problems.append(
                ExpressionError(
                    f"Colonne « {item.name} » absente de la liste de choix",
                    item.position,
                    UNKNOWN_NAME,
                )
            )
    return sorted(problems, key=lambda problem: problem.position)


def references(text: str) -> set[str]:
    """The question names used as ``${name}``, even in an expression with errors, and the fields
    a predicate reads (``age`` in ``${membres}[age >= 18]``)."""
    names = lexer.references_in(text)
    if "[" in text:
        try:
            node = syntax.parse_syntax(text)
        except ExpressionError:
            return names
        for item in _walk(node):
            if isinstance(item, syntax.Filter):
                names |= {
                    field.name
                    for field in _walk(item.predicate)
                    if isinstance(field, syntax.Column)
                }
    return names


def check_expression(text: str, known_names: Iterable[str]) -> list[ExpressionError]:
    """Every problem of ``text``, ordered by position: syntax, unknown names and functions, arity.
    Unknown functions and arity are warnings (``error.is_warning``): the form still works, and
    the call fails only if it is evaluated."""
    known = set(known_names)
    try:
        node = syntax.parse_syntax(text)
    except ExpressionError as error:
        problems = [error]
        problems.extend(
            _unknown_name(token.value, token.position, known)
            for token in lexer.tokenize(text)
            if token.kind == lexer.REF and token.value not in known
        )
    else:
        problems = _function_problems(node)
        problems.extend(
            _unknown_name(reference.name, reference.position, known)
            for reference in _walk(node)
            # a bare name in a predicate (${membres}[age >= 18]) is a field of the repeat
            if isinstance(reference, (syntax.Reference, syntax.Column))
            and reference.name not in known
        )
    return sorted(problems, key=lambda problem: problem.position)


def evaluate(
    expression: str | Node,
    answers: Mapping,
    *,
    current=None,
    context: str | None = None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    repeat_fields: Mapping[str, str] | None = None,
    columns: Mapping[str, str] | None = None,
    repeat_fields_complete: bool = False,
    choice_labels: Mapping[str, Mapping[str, str]] | None = None,
):
    """The value of ``expression``: bool, int or float, str, or ``datetime.date``.

    ``today`` and ``now`` pin the clock of today() and now();
    ``current`` is the value of ``.``; ``context`` the repeat instance ("menage[1]");
    ``repeat_fields`` maps names inside repeats to their repeat when no answer shows it;
    ``repeat_fields_complete``: ``repeat_fields`` already maps every name inside a repeat that
    the answers hold, so they need not be searched for more;
    ``columns`` are the choice's columns when ``expression`` is a parsed choice_filter;
    ``choice_labels`` maps a question to its choices' labels ({name: label}) for jr:choice-name.
    """
    node = parse(expression) if isinstance(expression, str) else expression
    scope = Scope(
        answers,
        current=current,
        context=context,
        today=today,
        now=now,
        repeat_fields=repeat_fields,
        columns=columns,
        repeat_fields_complete=repeat_fields_complete,
        choice_labels=choice_labels,
    )
    result = scope.value(node)
    if isinstance(result, float):
        return plain_number(result)
    return result


# --- static checks ---------------------------------------------------------------------------


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, syntax.Binary):
        yield from _walk(node.left)
        yield from _walk(node.right)
    elif isinstance(node, syntax.Negation):
        yield from _walk(node.operand)
    elif isinstance(node, syntax.Call):
        for argument in node.arguments:
            yield from _walk(argument)
    elif isinstance(node, syntax.Filter):
        yield from _walk(node.target)
        yield from _walk(node.predicate)


def _raise_first_error(node: Node) -> None:
    """Raises the first problem that stops evaluation; an unknown function or a wrong arity is
    only an error when the call is reached (lazily, as in XPath: ``false() and f()`` is false)."""
    errors = [problem for problem in _function_problems(node) if not problem.is_warning]
    if errors:
        raise min(errors, key=lambda problem: problem.position)


def _function_problems(root: Node) -> list[ExpressionError]:
    problems: list[ExpressionError] = []
    allowed_parents: set[int] = set()
    for node in _walk(root):
        if isinstance(node, syntax.Parent) and id(node) not in allowed_parents:
            problems.append(
                ExpressionError("« .. » ne s'emploie que dans position(..)", node.position, TYPE)
            )
        if not isinstance(node, syntax.Call):
            continue
        problem = call_problem(node.name, len(node.arguments), node.position)
        if problem is not None:
            problems.append(problem)
            continue
        function = FUNCTIONS[node.name]
        if function.needs_reference:
            for argument in node.arguments:
                if not isinstance(argument, (syntax.Reference, syntax.Filter)):
                    problems.append(
                        ExpressionError(
                            f"{node.name}() attend une question, par exemple {node.name}(${{membres}})",
                            _start(argument),
                            TYPE,
                        )
                    )
        if node.name == "indexed-repeat":
            # The field, then each repeat: names, never values (the ranks may be anything).
            for index, argument in enumerate(node.arguments):
                if (index == 0 or index % 2) and not isinstance(argument, syntax.Reference):
                    problems.append(
                        ExpressionError(
                            "indexed-repeat() attend une question puis une répétition, par "
                            "exemple indexed-repeat(${prenom}, ${membres}, 1)",
                            _start(argument),
                            TYPE,
                        )
                    )
        if node.name == "position":
            for argument in node.arguments:
                if isinstance(argument, syntax.Parent):
                    allowed_parents.add(id(argument))
                else:
                    problems.append(
                        ExpressionError("position() s'écrit position(..)", _start(argument), TYPE)
                    )
        if node.name == "regex" and isinstance(node.arguments[1], syntax.String):
            try:
                regex.compile(node.arguments[1].value)
            except regex.error:
                problems.append(
                    ExpressionError(
                        "Expression régulière invalide",
                        node.arguments[1].position,
                        TYPE,
                    )
                )
    return problems


def _start(node: Node) -> int:
    """The offset where the text of ``node`` begins (a binary node stores its operator's)."""
    while isinstance(node, syntax.Binary):
        node = node.left
    return node.position


def _unknown_name(name: str, position: int, known: set[str]) -> ExpressionError:
    message = f"Question inconnue « {name} »"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        message += f" : vouliez-vous dire ${{{close[0]}}} ?"
    return ExpressionError(message, position, UNKNOWN_NAME)
