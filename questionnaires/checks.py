"""Checks a questionnaire before it is published: every problem, with question, field and position.

The XLSForm importer maps ``Problem.name`` to a sheet row and ``Problem.field`` to a column;
the designer shows each problem beside the field being edited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterator

from .dependencies import dependency_graph
from .expressions import WARNING_CODES, ExpressionError, check_choice_filter, check_expression
from .expressions.lexer import QUESTION_NAME, REF, tokenize
from .model import TYPES_WITH_CHOICES, Group, Question, Questionnaire
from .names import SEPARATOR, ambiguous_names, readable_path
from .validation import InvalidAnswer, read_answer

# Expression columns of a question or group, in the order a sheet row shows them.
_QUESTION_EXPRESSIONS = ("relevant", "required", "constraint", "calculation", "choice_filter")


@dataclass(frozen=True)
class Problem:
    name: str  # question or group name; "" for the form as a whole
    field: str  # relevant, constraint, calculation, choice_filter, required, repeat_count, name, choice_list, default
    message: str  # French
    position: int | None = None  # 0-based offset in the field's expression
    code: str = ""  # syntax, unknown_name, unknown_function, arity, type, duplicate, invalid_name, cycle, missing

    @property
    def is_warning(self) -> bool:
        """An unknown function or a wrong number of arguments: shown in the designer and at
        import, but the form is published and filled (the ODK engines evaluate lazily, the call
        fails only if it is reached)."""
        return self.code in WARNING_CODES

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "field": self.field,
            "message": self.message,
            "position": self.position,
            "code": self.code,
            "warning": self.is_warning,
        }


def check_questionnaire(questionnaire: Questionnaire) -> list[Problem]:
    """Every problem of the questionnaire, in form order (names, choice lists, expressions, cycles).
    Problems whose ``is_warning`` is true do not stop publication."""
    nodes = [node for _, node in questionnaire.walk()]
    known = {node.name for node in nodes if node.name}
    ambiguous = ambiguous_names(questionnaire)
    problems: list[Problem] = []
    problems.extend(_name_problems(nodes))
    for node in nodes:
        problems.extend(_expression_problems(questionnaire, node, known, ambiguous))
        if isinstance(node, Question):
            problems.extend(_choice_problems(questionnaire, node))
            problems.extend(_default_problems(questionnaire, node))
    problems.extend(_choice_list_problems(questionnaire))
    problems.extend(_cycle_problems(questionnaire))
    order = {node.name: index for index, node in enumerate(nodes)}
    return sorted(
        problems, key=lambda problem: (problem.name != "", order.get(problem.name, len(order)))
    )


def blocking(problems: list[Problem]) -> list[Problem]:
    """The problems that stop publication (every one but the warnings)."""
    return [problem for problem in problems if not problem.is_warning]


# --- names ------------------------------------------------------------------------------------


def is_valid_name(name: str) -> bool:
    """A name XLSForm accepts: an XML name (a letter or "_" first, then letters, digits, _ . -)."""
    return bool(name) and QUESTION_NAME.fullmatch(name) is not None


def is_valid_qualified_name(name: str) -> bool:
    """A name, or the qualified name of an element whose XLSForm name is used in several groups
    (`menage:age`, see names.py)."""
    return all(is_valid_name(part) for part in name.split(SEPARATOR))


def _name_problems(nodes: list[Question | Group]) -> Iterator[Problem]:
    counts = Counter(node.name for node in nodes)
    reported: set[str] = set()
    for node in nodes:
        name = node.name
        if not name:
            yield Problem(
                "", "name", "Une question ou un groupe n'a pas de nom.", None, "invalid_name"
            )
        elif not is_valid_qualified_name(name):
            yield Problem(
                name,
                "name",
                f"Nom invalide « {name} » : il doit commencer par une lettre ou « _ » et ne contenir que "
                "des lettres, des chiffres, « _ », « - » ou « . » (sans espace ni accent typographique).",
                None,
                "invalid_name",
            )
        if name and counts[name] > 1 and name not in reported:
            reported.add(name)
            yield Problem(
                name,
                "name",
                f"Le nom « {name} » est utilisé {counts[name]} fois : chaque nom doit être unique.",
                None,
                "duplicate",
            )


# --- expressions ------------------------------------------------------------------------------


def _expression_problems(
    questionnaire: Questionnaire,
    node: Question | Group,
    known: set[str],
    ambiguous: dict[str, list[str]] | None = None,
) -> Iterator[Problem]:
    fields = ("relevant", "repeat_count") if isinstance(node, Group) else _QUESTION_EXPRESSIONS
    for field_name in fields:
        text = getattr(node, field_name, "")
        if field_name == "required":
            if isinstance(text, bool) or str(text).strip().lower() in (
                "",
                "yes",
                "no",
                "true",
                "false",
                "true()",
                "false()",
                "1",
                "0",
                "oui",
                "non",
            ):
                continue
            text = str(text)
        if not text or not text.strip():
            continue
        if field_name == "choice_filter":
            choice_list = questionnaire.choice_lists.get(getattr(node, "choice_list", ""))
            columns = (
                {key for choice in choice_list.choices for key in choice.properties}
                if choice_list
                else set()
            )
            errors = check_choice_filter(text, known, columns)
        else:
            errors = check_expression(text, known)
        for error in _with_ambiguities(errors, text, ambiguous or {}):
            yield _problem_from(node.name, field_name, error)
    # XLSForm metadata rows (start, end, deviceid…) are kept as calculations without a formula.
    if (
        isinstance(node, Question)
        and node.type == "calculate"
        and not node.calculation.strip()
        and "type" not in node.extra
    ):
        yield Problem(
            node.name,
            "calculation",
            "Calcul vide : indiquez la formule à calculer.",
            None,
            "missing",
        )


def _with_ambiguities(
    errors: list[ExpressionError], text: str, ambiguous: dict[str, list[str]]
) -> list[ExpressionError]:
    """A reference to a name that several elements bear, in several groups, is refused as
    ambiguous, as pyxform refuses it, naming the elements it could mean (it replaces the
    « unknown name » of a qualified name)."""
    if not ambiguous or "${" not in text:
        return errors
    try:
        tokens = [token for token in tokenize(text) if token.kind == REF]
    except ExpressionError:
        return errors
    found = {
        token.position: _ambiguous_reference(token.value, token.position, ambiguous[token.value])
        for token in tokens
        if token.value in ambiguous
    }
    if not found:
        return errors
    kept = [
        error for error in errors if not (error.code == "unknown_name" and error.position in found)
    ]
    return sorted(kept + list(found.values()), key=lambda error: error.position or 0)


def _ambiguous_reference(name: str, position: int, paths: list[str]) -> ExpressionError:
    listed = " et ".join(f"« {readable_path(path)} »" for path in dict.fromkeys(paths))
    return ExpressionError(
        f"« ${{{name}}} » est ambigu : {len(paths)} éléments s'appellent « {name} » ({listed}) ; "
        "une référence ${…} désigne un nom unique dans tout le formulaire : renommez l'un d'eux",
        position,
        "ambiguous",
    )


def _problem_from(name: str, field_name: str, error: ExpressionError) -> Problem:
    return Problem(name, field_name, error.message, error.position, error.code)


# --- choices ----------------------------------------------------------------------------------


def _choice_problems(questionnaire: Questionnaire, question: Question) -> Iterator[Problem]:
    if question.type not in TYPES_WITH_CHOICES:
        return
    if not question.choice_list:
        yield Problem(
            question.name,
            "choice_list",
            "Indiquez la liste de choix de cette question.",
            None,
            "missing",
        )
    elif question.choice_list not in questionnaire.choice_lists:
        yield Problem(
            question.name,
            "choice_list",
            f"La liste de choix « {question.choice_list} » n'existe pas.",
            None,
            "missing",
        )
    elif not questionnaire.choice_lists[question.choice_list].choices:
        yield Problem(
            question.name,
            "choice_list",
            f"La liste de choix « {question.choice_list} » est vide.",
            None,
            "missing",
        )


def _choice_list_problems(questionnaire: Questionnaire) -> Iterator[Problem]:
    # A select_multiple answer is its choice names separated by spaces: only its lists refuse a
    # name with a space; a select_one answer is read whole (pyxform and Kobo accept it).
    multiple = {
        question.choice_list
        for question in questionnaire.questions()
        if question.type == "select_multiple"
    }
    for list_name, choice_list in questionnaire.choice_lists.items():
        counts = Counter(choice.name for choice in choice_list.choices)
        for choice_name, count in counts.items():
            if not choice_name.strip():
                yield Problem(
                    "",
                    "choice_list",
                    f"Liste « {list_name} » : un choix n'a pas de nom.",
                    None,
                    "invalid_name",
                )
            elif list_name in multiple and any(char.isspace() for char in choice_name):
                yield Problem(
                    "",
                    "choice_list",
                    f"Liste « {list_name} » : le nom de choix « {choice_name} » contient un espace"
                    " alors que la liste sert à une question à choix multiple.",
                    None,
                    "invalid_name",
                )
            if count > 1 and choice_name.strip():
                yield Problem(
                    "",
                    "choice_list",
                    f"Liste « {list_name} » : le choix « {choice_name} » apparaît {count} fois.",
                    None,
                    "duplicate",
                )


def _default_problems(questionnaire: Questionnaire, question: Question) -> Iterator[Problem]:
    default = question.default.strip() if isinstance(question.default, str) else question.default
    if not default or question.type in ("note", "calculate"):
        return
    if isinstance(default, str) and "${" in default:
        errors = check_expression(default, {node.name for _, node in questionnaire.walk()})
        for error in _with_ambiguities(errors, default, ambiguous_names(questionnaire)):
            yield _problem_from(question.name, "default", error)
        return
    try:
        value = read_answer(question, default)
    except InvalidAnswer as problem:
        yield Problem(
            question.name, "default", f"Valeur par défaut invalide : {problem}", None, "type"
        )
        return
    if question.type in TYPES_WITH_CHOICES and question.choice_list in questionnaire.choice_lists:
        offered = set(questionnaire.choice_lists[question.choice_list].names())
        missing = [
            name for name in (value if isinstance(value, list) else [value]) if name not in offered
        ]
        if missing:
            yield Problem(
                question.name,
                "default",
                f"Valeur par défaut « {' '.join(missing)} » absente de la liste « {question.choice_list} ».",
                None,
                "type",
            )


# --- dependency cycles ------------------------------------------------------------------------


def _cycle_problems(questionnaire: Questionnaire) -> Iterator[Problem]:
    graph = dependency_graph(questionnaire)
    seen_cycles: set[frozenset] = set()
    for cycle in graph.cycles():
        key = frozenset(cycle)
        if key in seen_cycles:
            continue
        seen_cycles.add(key)
        field_name, position = graph.reads[cycle[0]][cycle[1]]
        yield Problem(
            cycle[0],
            field_name,
            "Cycle de dépendances : " + " → ".join(cycle),
            position,
            "cycle",
        )


def dependency_cycles(questionnaire: Questionnaire) -> list[list[str]]:
    """Names that depend on themselves through relevance, calculations, repeat counts and groups,
    each cycle written from its first name in form order and ending on it again (a → b → a)."""
    return dependency_graph(questionnaire).cycles()


__all__ = [
    "Problem",
    "blocking",
    "check_questionnaire",
    "dependency_cycles",
    "is_valid_name",
    "is_valid_qualified_name",
]
