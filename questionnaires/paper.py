"""A questionnaire laid out for paper: what each question looks like on a printed page (boxes to
tick, a box for a number, lines to write on) and when to answer it, in words (« Si … »), for
answers written by hand and typed in later.

Pure: the web layer renders the items as HTML, then PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Group, Question, Questionnaire, label_in

# How each type is answered on paper.
ANSWER_KINDS = {
    "select_one": "one",
    "select_multiple": "many",
    "integer": "number",
    "decimal": "number",
    "date": "date",
    "rating": "scale",
    "text": "line",
    "paragraph": "lines",
    "note": "none",
}
REPEAT_COPIES = 3  # blank blocks printed for a repeated group (« Personnes du foyer »)


@dataclass
class PaperItem:
    kind: str  # "question", "note", "group", "repeat"
    name: str
    label: str
    hint: str = ""
    condition: str = ""  # « Si … », empty when always asked
    answer: str = "none"  # one, many, number, date, scale, line, lines, none
    choices: list[str] = field(default_factory=list)
    required: bool = False
    children: list[PaperItem] = field(default_factory=list)
    copies: int = 1


def paper_items(model: Questionnaire, language: str = "fr") -> list[PaperItem]:
    return _items(model, model.children, language)


def _items(model: Questionnaire, nodes, language: str) -> list[PaperItem]:
    items = []
    for node in nodes:
        label = label_in(node.label, language) or node.name
        hint = label_in(node.hint, language)
        condition = condition_text(model, node.relevant, language)
        if isinstance(node, Group):
            items.append(
                PaperItem(
                    "repeat" if node.repeat else "group",
                    node.name,
                    label,
                    hint,
                    condition,
                    children=_items(model, node.children, language),
                    copies=REPEAT_COPIES if node.repeat else 1,
                )
            )
            continue
        if not isinstance(node, Question) or node.type == "calculate":
            continue  # computed: nothing to write
        answer = ANSWER_KINDS.get(node.type, "line")
        choices = []
        if answer in ("one", "many"):
            choice_list = model.choice_lists.get(node.choice_list)
            choices = [
                label_in(choice.label, language) or choice.name
                for choice in (choice_list.choices if choice_list else [])
            ]
        elif answer == "scale":
            choices = [str(value) for value in range(node.start, node.end + 1, node.step or 1)]
        items.append(
            PaperItem(
                "note" if answer == "none" else "question",
                node.name,
                label,
                hint,
                condition,
                answer,
                choices,
                node.required,
            )
        )
    return items


_SELECTED = re.compile(r"selected\(\s*\$\{(\w+)\}\s*,\s*'([^']*)'\s*\)")
_COMPARED = re.compile(r"\$\{(\w+)\}\s*(!=|=)\s*'([^']*)'")
_REFERENCE = re.compile(r"\$\{(\w+)\}")
_WORDS = [
    (re.compile(r"\bnot\s*\("), "non ("),
    (re.compile(r"\band\b"), "et"),
    (re.compile(r"\bor\b"), "ou"),
    (re.compile(r"!="), "≠"),
    (re.compile(r">="), "≥"),
    (re.compile(r"<="), "≤"),
]


def condition_text(model: Questionnaire, expression: str, language: str = "fr") -> str:
    """« Si « Quel âge avez-vous ? » ≥ 60 et « Quelles aides ? » comprend « APL » » for
    `${age} >= 60 and selected(${aides}, 'apl')`: the names become the questions' labels and the
    choice names their labels; what is not understood is left as written."""
    expression = (expression or "").strip()
    if not expression:
        return ""

    def question_label(name: str) -> str:
        node = model.find(name)
        return f"« {label_in(node.label, language) or name} »" if node is not None else name

    def choice_label(question_name: str, choice_name: str) -> str:
        node = model.find(question_name)
        choice_list = model.choice_lists.get(getattr(node, "choice_list", "") or "")
        for choice in choice_list.choices if choice_list else []:
            if choice.name == choice_name:
                return f"« {label_in(choice.label, language) or choice_name} »"
        return f"« {choice_name} »"

    text = _SELECTED.sub(
        lambda match: f"{question_label(match[1])} comprend {choice_label(match[1], match[2])}",
        expression,
    )
    text = _COMPARED.sub(
        lambda match: (
            f"{question_label(match[1])} {'≠' if match[2] == '!=' else '='} "
            f"{choice_label(match[1], match[3])}"
        ),
        text,
    )
    text = _REFERENCE.sub(lambda match: question_label(match[1]), text)
    for pattern, replacement in _WORDS:
        text = pattern.sub(replacement, text)
    return "Si " + " ".join(text.split())
