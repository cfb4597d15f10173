"""The abstract syntax tree and the Pratt parser that builds it.

Precedence follows XPath 1.0, loosest first: or, and, (= !=), (< <= > >=), (+ -),
(* div mod), unary minus. Every operator is left-associative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from . import lexer
from .errors import SYNTAX, ExpressionError
from .lexer import Token


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    position: int


@dataclass(frozen=True, slots=True)
class String:
    value: str
    position: int


@dataclass(frozen=True, slots=True)
class Reference:
    """``${name}``."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Current:
    """``.``: the answer being checked by a constraint."""

    position: int


@dataclass(frozen=True, slots=True)
class Parent:
    """``..``: the repeat instance, only meaningful as ``position(..)``."""

    position: int


@dataclass(frozen=True, slots=True)
class Column:
    """A bare name in a choice_filter: a column of the choices sheet (``name`` is the choice's name)."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Filter:
    """``${membres}[age >= 18]``: the instances of a repeat (or the values of a repeated field,
    ``.`` being each value) for which the predicate holds; bare names in the predicate are the
    fields of each instance, as XPath reads them."""

    target: Reference
    predicate: "Node"
    position: int  # of "["


@dataclass(frozen=True, slots=True)
class Negation:
    operand: "Node"
    position: int


@dataclass(frozen=True, slots=True)
class Binary:
    operator: str  # or and = != < <= > >= + - * div mod
    left: "Node"
    right: "Node"
    position: int  # of the operator


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    arguments: tuple["Node", ...]
    position: int  # of the function name
    paren_position: int


Node = Union[Number, String, Reference, Current, Parent, Column, Filter, Negation, Binary, Call]

_BINDING_POWER = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
_UNARY_POWER = 7
_WORD_OPERATORS = ("and", "or", "div", "mod")
# Deeper trees are refused rather than risking Python's recursion limit while parsing,
# checking or evaluating; no hand-written condition comes near it.
MAX_DEPTH = 100


def parse_syntax(text: str, *, columns: bool = False) -> Node:
    """The tree of ``text``; raises the first syntax error in reading order.

    With ``columns`` (choice filters), a bare name is a column of the choices sheet.
    """
    node = _Parser(text, columns).parse()
    if _depth(node) > MAX_DEPTH:
        raise ExpressionError("Expression trop complexe : découpez-la en plusieurs calculs", 0)
    return node


def _depth(root: Node) -> int:
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, Binary):
            stack.extend(((node.left, depth + 1), (node.right, depth + 1)))
        elif isinstance(node, Negation):
            stack.append((node.operand, depth + 1))
        elif isinstance(node, Call):
            stack.extend((argument, depth + 1) for argument in node.arguments)
        elif isinstance(node, Filter):
            stack.extend(((node.target, depth + 1), (node.predicate, depth + 1)))
    return deepest


class _Parser:
    def __init__(self, text: str, columns: bool = False):
        self.tokens = lexer.tokenize(text)
        self.index = 0
        self.columns = columns
        self.depth = 0

    # --- token access -----------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.index]

    def next(self) -> Token:
        token = self.tokens[self.index]
        if token.kind == lexer.ERROR:
            raise ExpressionError(token.value, token.position, SYNTAX)
        if token.kind != lexer.END:
            self.index += 1
        return token

    # --- grammar ----------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.peek().kind == lexer.END:
            raise ExpressionError("Expression vide", self.peek().position)
        node = self.expression(0)
        token = self.peek()
        if token.kind != lexer.END:
            self.fail_after_operand(token)
        return node

    def expression(self, right_power: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                "Expression trop imbriquée : découpez-la en plusieurs calculs", self.peek().position
            )
        try:
            return self._expression(right_power)
        finally:
            self.depth -= 1

    def _expression(self, right_power: int) -> Node:
        left = self.operand()
        while True:
            token = self.peek()
            operator = _infix_operator(token)
            if operator is None or _BINDING_POWER[operator] <= right_power:
                return left
            self.next()
            right = self.expression(_BINDING_POWER[operator])
            left = Binary(operator, left, right, token.position)

    def operand(self) -> Node:
        token = self.next()
        kind = token.kind
        if kind == lexer.NUMBER:
            return Number(token.value, token.position)
        if kind == lexer.STRING:
            return String(token.value, token.position)
        if kind == lexer.REF:
            reference = Reference(token.value, token.position)
            if self.peek().kind == lexer.LBRACKET:
                return self.predicate(reference)
            return reference
        if kind == lexer.DOT:
            return Current(token.position)
        if kind == lexer.DOTDOT:
            return Parent(token.position)
        if kind == lexer.OPERATOR and token.text == "-":
            return Negation(self.expression(_UNARY_POWER), token.position)
        if kind == lexer.LPAREN:
            inner = self.expression(0)
            closing = self.peek()
            if closing.kind == lexer.RPAREN:
                self.next()
                return inner
            if closing.kind == lexer.END:
                raise ExpressionError("Parenthèse fermante « ) » manquante", token.position)
            self.fail_after_operand(closing, expected="un opérateur ou « ) »")
        if kind == lexer.NAME:
            return self.name(token)
        if kind == lexer.END:
            raise ExpressionError(
                "Expression incomplète : une valeur est attendue à la fin", token.position
            )
        raise ExpressionError(f"Valeur attendue à la place de « {token.text} »", token.position)

    def predicate(self, reference: Reference) -> Filter:
        bracket = self.next()
        if self.peek().kind == lexer.RBRACKET:
            raise ExpressionError("Condition vide entre crochets", bracket.position)
        columns, self.columns = self.columns, True  # bare names: the fields of each instance
        try:
            condition = self.expression(0)
        finally:
            self.columns = columns
        if isinstance(condition, Number):
            # ${aides}[0] reads as an index, which XPath counts from 1 and XLSForm writes
            # indexed-repeat(): refused rather than silently empty.
            raise ExpressionError(
                "Une position entre crochets ne se lit pas ici : pour la n-ième instance d'une "
                "répétition, écrivez indexed-repeat(${question}, ${répétition}, n)",
                bracket.position,
            )
        closing = self.peek()
        if closing.kind == lexer.RBRACKET:
            self.next()
            if self.peek().kind == lexer.LBRACKET:
                raise ExpressionError(
                    "Une seule condition entre crochets : joignez-les par « and »",
                    self.peek().position,
                )
            return Filter(reference, condition, bracket.position)
        if closing.kind == lexer.END:
            raise ExpressionError("Crochet fermant « ] » manquant", bracket.position)
        self.fail_after_operand(closing, expected="un opérateur ou « ] »")

    def name(self, token: Token) -> Node:
        if self.peek().kind == lexer.LPAREN:
            paren = self.next()
            return Call(token.value, self.arguments(paren), token.position, paren.position)
        word = token.value
        if self.columns and word not in _WORD_OPERATORS and word not in ("true", "false", "not"):
            return Column(word, token.position)
        if word in ("true", "false"):
            message = f"Écrivez {word}() avec des parenthèses"
        elif word == "not":
            message = "Écrivez not(…) avec des parenthèses"
        elif word in _WORD_OPERATORS:
            message = f"Valeur attendue avant « {word} »"
        else:
            message = f"Nom inattendu « {word} » : pour désigner une question, écrivez ${{{word}}}"
        raise ExpressionError(message, token.position)

    def arguments(self, paren: Token) -> tuple[Node, ...]:
        if self.peek().kind == lexer.RPAREN:
            self.next()
            return ()
        arguments = []
        while True:
            arguments.append(self.expression(0))
            token = self.peek()
            if token.kind == lexer.COMMA:
                self.next()
                if self.peek().kind == lexer.RPAREN:
                    raise ExpressionError(
                        "Argument manquant après la virgule", self.peek().position
                    )
                continue
            if token.kind == lexer.RPAREN:
                self.next()
                return tuple(arguments)
            if token.kind == lexer.END:
                raise ExpressionError("Parenthèse fermante « ) » manquante", paren.position)
            self.fail_after_operand(token, expected="une virgule ou « ) »")

    def fail_after_operand(self, token: Token, expected: str = "un opérateur") -> None:
        if token.kind == lexer.ERROR:
            raise ExpressionError(token.value, token.position)
        if token.kind == lexer.RPAREN:
            raise ExpressionError("Parenthèse fermante « ) » en trop", token.position)
        raise ExpressionError(f"On attend {expected} avant « {token.text} »", token.position)


def _infix_operator(token: Token) -> str | None:
    if token.kind == lexer.OPERATOR:
        return token.text
    if token.kind == lexer.NAME and token.value in _WORD_OPERATORS:
        return token.value
    return None
