"""Walks a syntax tree against an answer set (the shared answer contract).

Answers are values, as JavaRosa reads them: ``${age}`` is the number 42, ``${commune}`` the
string "37261", an unanswered question the empty string. Inside a repeat instance (``context``
"menage[1]") a name of that repeat means the sibling in the same instance; aggregate functions
(count, sum, min, max, join...) see every instance of a repeat field.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping

from ..answers import instances_of, is_repeat
from . import syntax
from .functions import FUNCTIONS, LAZY, NODES, NODESET_FUNCTIONS, call_problem
from .values import NAN, is_number, to_boolean, to_number, to_string

_CONTEXT_STEP = re.compile(r"^([^/\[\]]+)\[(\d+)\]$")
# The question jr:choice-name() names: '${commune}' as XLSForm writes it, or the XForm path
# '/data/commune' pyxform makes of it.
_NAMED_QUESTION = re.compile(r"^\s*(?:\$\{\s*([^}\s]+)\s*\}|.*?([^/\s]+))\s*$")


def parse_context(context: str | None) -> list[tuple[str, int]]:
    """ "menage[1]/enfants[0]" -> [("menage", 1), ("enfants", 0)]."""
    if not context:
        return []
    steps = []
    for part in context.strip("/").split("/"):
        match = _CONTEXT_STEP.match(part.strip())
        if not match:
            raise ValueError(f"Invalid repeat instance path: {context!r}")
        steps.append((match.group(1), int(match.group(2))))
    return steps


def repeat_fields_of(answers: Mapping, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Name -> innermost enclosing repeat, from what the answers show plus what the caller knows."""
    mapping: dict[str, str] = dict(known or {})
    _collect_repeat_fields(answers, None, mapping)
    return mapping


def _collect_repeat_fields(instance: Mapping, repeat: str | None, mapping: dict[str, str]) -> None:
    for name, value in instance.items():
        if repeat is not None:
            mapping.setdefault(name, repeat)
        if is_repeat(value):
            for child in value:
                _collect_repeat_fields(child, name, mapping)


class Scope:
    """What an expression is evaluated against."""

    def __init__(
        self,
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
        self.answers = answers or {}
        self.choice_labels = choice_labels
        self.columns = columns or {}
        self.current = current
        self.context = parse_context(context)
        self._today = today
        self._now = now
        if repeat_fields_complete and repeat_fields is not None:
            # The caller knows every name the answers hold (a validator reading its own form's
            # answers): walking them for each expression would cost answers × expressions.
            self.repeat_fields = repeat_fields
        else:
            self.repeat_fields = repeat_fields_of(self.answers, repeat_fields)
        self.repeat_names = set(self.repeat_fields.values())

    @property
    def today(self) -> datetime.date:
        # Asked of the clock only by today(): most expressions never call it.
        if self._today is None:
            self._today = datetime.date.today()
        return self._today

    @property
    def now(self) -> datetime.datetime:
        # The moment of now(), in this machine's zone, to the millisecond as in ODK.
        if self._now is None:
            moment = datetime.datetime.now().astimezone()
            self._now = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        return self._now

    # --- answers ----------------------------------------------------------------------------

    def current_value(self):
        return _scalar(self.current)

    def position(self) -> int:
        return self.context[-1][1] + 1 if self.context else 1

    def repeats_around(self, name: str) -> list[str]:
        chain: list[str] = []
        repeat = self.repeat_fields.get(name)
        while repeat is not None and repeat not in chain:
            chain.insert(0, repeat)
            repeat = self.repeat_fields.get(repeat)
        return chain

    def nodes(self, name: str) -> list:
        """The values ``${name}`` designates: one, or one per repeat instance in scope."""
        chain = self.repeats_around(name)
        instance: Mapping = self.answers
        depth = 0
        while (
            depth < len(chain)
            and depth < len(self.context)
            and chain[depth] == self.context[depth][0]
        ):
            instance = _instance(instance, *self.context[depth])
            depth += 1
        instances = [instance]
        for repeat in chain[depth:]:
            instances = [child for parent in instances for child in instances_of(parent, repeat)]
        if name in self.repeat_names:  # a repeat group: one node per instance
            return [child for instance in instances for child in instances_of(instance, name)]
        values = []
        for instance in instances:
            value = instance.get(name)
            # A list of instances, or an empty list: a repeat nobody filled counts no node.
            if isinstance(value, list) and all(isinstance(item, dict) for item in value):
                values.extend(value)  # a repeat: one node per instance
            else:
                values.append(value)
        return values

    def indexed_nodes(self, name: str, indexes: Mapping[str, int]) -> list:
        """The values of ``name`` in the instances that ``indexes`` picks ({repeat: rank from
        1}); a repeat around ``name`` that it leaves out is the instance being evaluated, else
        every instance. Empty when a named repeat does not hold ``name``."""
        chain = self.repeats_around(name)
        if any(repeat not in chain for repeat in indexes):
            return []
        instances = [self.answers]
        for depth, repeat in enumerate(chain):
            if repeat in indexes:
                rank = indexes[repeat] - 1
                instances = [
                    children[rank]
                    for children in (instances_of(parent, repeat) for parent in instances)
                    if 0 <= rank < len(children)
                ]
            elif depth < len(self.context) and self.context[depth][0] == repeat:
                instances = [_instance(parent, *self.context[depth]) for parent in instances]
            else:
                instances = [
                    child for parent in instances for child in instances_of(parent, repeat)
                ]
        return [_scalar(instance.get(name)) for instance in instances]

    def filtered(self, node: syntax.Filter) -> list:
        """The nodes of ``node.target`` for which the predicate holds: evaluated once per node,
        its bare names being the node's fields and ``.`` the node's value; a computed number
        keeps the node at that position (from 1), as in XPath, where a field's value (a node) is
        read as a condition instead."""
        kept = []
        positional = not isinstance(node.predicate, _NODE_SETS)
        columns, current = self.columns, self.current
        try:
            for position, value in enumerate(self.nodes(node.target.name), start=1):
                self.columns = value if isinstance(value, Mapping) else {}
                self.current = value
                result = self.value(node.predicate)
                if positional and is_number(result):
                    keep = to_number(result) == position
                else:
                    keep = to_boolean(result)
                if keep:
                    kept.append(value)
        finally:
            self.columns, self.current = columns, current
        return kept

    def choice_label(self, question: str, value: str) -> str:
        """The label of choice ``value`` of ``question`` (for jr:choice-name): "" when the
        question has no such choice, as in JavaRosa. Without the form's choices at hand, the
        value itself, so that a label built from it still shows something meaningful."""
        match = _NAMED_QUESTION.match(question)
        name = (match.group(1) or match.group(2)) if match else question
        if self.choice_labels is None:
            return value
        return self.choice_labels.get(name, {}).get(value.strip(), "")

    def reference(self, name: str):
        values = self.nodes(name)
        return _scalar(values[0]) if values else ""

    # --- evaluation -------------------------------------------------------------------------

    def value(self, node: syntax.Node):
        kind = type(node)
        if kind is syntax.Number or kind is syntax.String:
            return node.value
        if kind is syntax.Reference:
            return self.reference(node.name)
        if kind is syntax.Binary:
            return self.binary(node)
        if kind is syntax.Call:
            return self.call(node)
        if kind is syntax.Negation:
            return -to_number(self.value(node.operand))
        if kind is syntax.Current:
            return self.current_value()
        if kind is syntax.Parent:
            return float(self.position())
        if kind is syntax.Column:
            return _scalar(self.columns.get(node.name))
        if kind is syntax.Filter:
            kept = self.filtered(node)
            return _scalar(kept[0]) if kept else ""
        raise TypeError(f"Unknown node {node!r}")

    def node_values(self, node: syntax.Node) -> list:
        if type(node) is syntax.Reference:
            return [_scalar(value) for value in self.nodes(node.name)]
        if type(node) is syntax.Filter:
            return [_scalar(value) for value in self.filtered(node)]
        if type(node) is syntax.Call and node.name in NODESET_FUNCTIONS:
            return list(self.value(node))
        return [self.value(node)]

    def call(self, node: syntax.Call):
        function = FUNCTIONS.get(node.name)
        count = len(node.arguments)
        if (
            function is None
            or count < function.minimum
            or (function.maximum is not None and count > function.maximum)
            or (node.name == "weighted-checklist" and count % 2)
            or (node.name == "indexed-repeat" and count % 2 == 0)
        ):
            # Reached at run time: XPath reports an unknown function only when it is called.
            problem = call_problem(node.name, count, node.position)
            if problem is not None:
                raise problem
        if function.takes == LAZY:
            return function.implementation(self, *node.arguments)
        if function.takes == NODES:
            return function.implementation(
                self, *(self.node_values(argument) for argument in node.arguments)
            )
        return function.implementation(self, *(self.value(argument) for argument in node.arguments))

    def binary(self, node: syntax.Binary):
        operator = node.operator
        if operator == "and":
            return to_boolean(self.value(node.left)) and to_boolean(self.value(node.right))
        if operator == "or":
            return to_boolean(self.value(node.left)) or to_boolean(self.value(node.right))
        left, right = self.value(node.left), self.value(node.right)
        if operator == "=":
            return equal(left, right)
        if operator == "!=":
            return not_equal(left, right)
        left, right = to_number(left), to_number(right)
        if operator == "<":
            return left < right
        if operator == "<=":
            return left <= right
        if operator == ">":
            return left > right
        if operator == ">=":
            return left >= right
        if operator == "+":
            return left + right
        if operator == "-":
            return left - right
        if operator == "*":
            return left * right
        if operator == "div":
            return divide(left, right)
        if operator == "mod":
            return modulo(left, right)
        raise TypeError(f"Unknown operator {operator!r}")


# What XPath reads as nodes, never as a position, inside a predicate.
_NODE_SETS = (syntax.Column, syntax.Reference, syntax.Current, syntax.Filter)


def _comparison_kind(left, right) -> str:
    if isinstance(left, bool) or isinstance(right, bool):
        return "boolean"
    if (
        is_number(left)
        or is_number(right)
        or isinstance(left, datetime.date)
        or isinstance(right, datetime.date)
    ):
        return "number"
    return "string"


def equal(left, right) -> bool:
    kind = _comparison_kind(left, right)
    if kind == "boolean":
        return to_boolean(left) == to_boolean(right)
    if kind == "number":
        return to_number(left) == to_number(right)
    return to_string(left) == to_string(right)


def not_equal(left, right) -> bool:
    kind = _comparison_kind(left, right)
    if kind == "boolean":
        return to_boolean(left) != to_boolean(right)
    if kind == "number":
        return to_number(left) != to_number(right)
    return to_string(left) != to_string(right)


def divide(left: float, right: float) -> float:
    if right == 0:
        if left == 0 or math.isnan(left):
            return NAN
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    try:
        return left / right
    except OverflowError:
        return math.copysign(math.inf, left) * math.copysign(1.0, right)


def modulo(left: float, right: float) -> float:
    """XPath mod: the sign of the dividend, like JavaScript's %."""
    if right == 0 or math.isnan(left) or math.isnan(right) or math.isinf(left):
        return NAN
    if math.isinf(right):
        return left
    return math.fmod(left, right)


def _instance(parent: Mapping, repeat: str, index: int) -> Mapping:
    instances = parent.get(repeat) if isinstance(parent, Mapping) else None
    if (
        isinstance(instances, list)
        and 0 <= index < len(instances)
        and isinstance(instances[index], Mapping)
    ):
        return instances[index]
    return {}


def _scalar(value):
    """An answer as the language sees it: numbers as floats, lists as space-separated text."""
    if value is None:
        return ""
    # Plain values first: the Mapping check (an ABC) costs more than the rest of the function.
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(to_string(item) for item in value)
    return value
