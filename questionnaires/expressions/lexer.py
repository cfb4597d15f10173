"""Cuts an expression into tokens.

The lexer never raises: a character it cannot read becomes an ``error`` token, so the parser
reports the first problem in reading order and ``references`` still works on broken text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds of token.
NUMBER = "number"
STRING = "string"
REF = "ref"  # ${name}
NAME = "name"  # function names and the operator words and/or/div/mod
OPERATOR = "operator"  # + - * = != < <= > >=
LPAREN = "("
RPAREN = ")"
COMMA = ","
LBRACKET = "["  # a predicate on a repeat or a repeated field: ${membres}[age >= 18]
RBRACKET = "]"
DOT = "."
DOTDOT = ".."
ERROR = "error"
END = "end"

# A question name, as XLSForm and XML allow it (letters of any script, digits, _ . -).
QUESTION_NAME = re.compile(r"[^\W\d][\w.\-]*", re.UNICODE)
# Function names are ASCII words with hyphens, optionally prefixed (jr:choice-name). Names
# starting with "_" are refused here, which keeps Python dunder names out of the language.
_FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*(?::[A-Za-z][A-Za-z0-9_\-]*)?")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_SPACE = " \t\r\n"
# After an operand, XPath reads a name as an operator name: "1div1" is 1 div 1, "2mod3" 2 mod 3.
_OPERATOR_WORD = re.compile(r"and|or|div|mod")
_OPERAND_END = {"number", "string", "ref", ")", "]", ".", ".."}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    position: int
    value: object = None  # number value, string contents, question name, or error message


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in _SPACE:
            index += 1
            continue
        start = index
        if char == "$":
            token, index = _reference(text, index)
            tokens.append(token)
            continue
        if char in "'\"":
            end = text.find(char, index + 1)
            if end < 0:
                tokens.append(
                    Token(
                        ERROR,
                        text[start:],
                        start,
                        "Chaîne de caractères non terminée : il manque le guillemet fermant",
                    )
                )
                index = length
            else:
                tokens.append(Token(STRING, text[start : end + 1], start, text[start + 1 : end]))
                index = end + 1
            continue
        number = _NUMBER.match(text, index)
        if number:
            tokens.append(Token(NUMBER, number.group(), start, float(number.group())))
            index = number.end()
            continue
        if text.startswith("..", index):
            tokens.append(Token(DOTDOT, "..", start))
            index += 2
            continue
        if char == ".":
            tokens.append(Token(DOT, ".", start))
            index += 1
            continue
        word = _OPERATOR_WORD.match(text, index)
        if word and tokens and tokens[-1].kind in _OPERAND_END:
            tokens.append(Token(NAME, word.group(), start, word.group()))
            index = word.end()
            continue
        name = _FUNCTION_NAME.match(text, index)
        if name:
            tokens.append(Token(NAME, name.group(), start, name.group()))
            index = name.end()
            continue
        two = text[index : index + 2]
        if two in ("!=", "<=", ">="):
            tokens.append(Token(OPERATOR, two, start))
            index += 2
            continue
        if two == "==":
            tokens.append(Token(OPERATOR, "=", start))
            tokens.append(Token(ERROR, "=", start + 1, "Pour comparer, écrivez un seul « = »"))
            index += 2
            continue
        if char in "+-*=<>":
            tokens.append(Token(OPERATOR, char, start))
        elif char == "(":
            tokens.append(Token(LPAREN, char, start))
        elif char == ")":
            tokens.append(Token(RPAREN, char, start))
        elif char == ",":
            tokens.append(Token(COMMA, char, start))
        elif char == "[":
            tokens.append(Token(LBRACKET, char, start))
        elif char == "]":
            tokens.append(Token(RBRACKET, char, start))
        elif char == "!":
            tokens.append(
                Token(ERROR, char, start, "« ! » seul n'existe pas : écrivez « != » ou not(…)")
            )
        elif char in "&|":
            tokens.append(
                Token(ERROR, char, start, f"« {char} » n'existe pas : écrivez « and » ou « or »")
            )
        else:
            tokens.append(Token(ERROR, char, start, f"Caractère inattendu « {char} »"))
        index += 1
    tokens.append(Token(END, "", length))
    return tokens


def _reference(text: str, start: int) -> tuple[Token, int]:
    """Reads ``${name}`` at ``start`` (which holds "$")."""
    if not text.startswith("${", start):
        word = QUESTION_NAME.match(text, start + 1)
        hint = f" : écrivez ${{{word.group()}}}" if word else ""
        return Token(
            ERROR, "$", start, f"« $ » doit être suivi d'un nom entre accolades{hint}"
        ), start + 1
    index = start + 2
    while index < len(text) and text[index] in _SPACE:
        index += 1
    name = QUESTION_NAME.match(text, index)
    name_end = name.end() if name else index
    index = name_end
    while index < len(text) and text[index] in _SPACE:
        index += 1
    if index < len(text) and text[index] == "}":
        if not name:
            return Token(
                ERROR, text[start : index + 1], start, "Nom de question vide dans ${}"
            ), index + 1
        return Token(REF, text[start : index + 1], start, name.group()), index + 1
    closing = text.find("}", start)
    if (
        closing >= 0
        and "$" not in text[start + 1 : closing]
        and "{" not in text[start + 2 : closing]
    ):
        inner = text[start + 2 : closing].strip()
        return Token(
            ERROR, text[start : closing + 1], start, f"Nom de question invalide « {inner} »"
        ), closing + 1
    return Token(ERROR, "${", start, "Accolade fermante « } » manquante après ${"), start + 2


def references_in(text: str) -> set[str]:
    return {token.value for token in tokenize(text) if token.kind == REF}
