"""The questionnaire as plain data: an ordered tree of groups and questions, choice lists, settings.

A model is what the designer edits, what an XLSForm imports into and exports from, and what a
published version freezes as JSON (``to_dict``/``from_dict``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterator, Union

DEFAULT_LANGUAGE = "fr"

# Question types we support; the designer offers them in this order.
QUESTION_TYPES = (
    "text",  # one line
    "paragraph",  # several lines (XLSForm: text with appearance multiline)
    "integer",
    "decimal",
    "date",
    "select_one",
    "select_multiple",
    "rating",  # Likert / rating scale from `start` to `end` (XLSForm: range)
    "note",  # shows text, takes no answer
    "calculate",  # computed from `calculation`, not shown
)
TYPES_WITH_CHOICES = ("select_one", "select_multiple")
TYPES_WITHOUT_ANSWER = ("note",)

# A text in several languages: {"fr": "Votre âge", "en": "Your age"}.
Translations = dict[str, str]


@dataclass
class Choice:
    name: str
    label: Translations = field(default_factory=dict)
    # Other columns of the choices sheet, used by choice_filter (e.g. {"commune": "37261"}).
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class ChoiceList:
    name: str
    choices: list[Choice] = field(default_factory=list)
    # Read from (and written back to) the XLSForm's `external_choices` sheet, for
    # select_one_external: ODK Collect loads such lists from a CSV beside the form.
    external: bool = False
    # The attached file the list was read from, for select_one_from_file / select_multiple_from_file
    # ("communes.csv", "quartiers.xml"): its choices are kept here, with the version, and the
    # export writes the type and the file back (see xlsform/attachments.py).
    file: str = ""

    def names(self) -> list[str]:
        return [choice.name for choice in self.choices]


@dataclass
class Question:
    type: str
    name: str
    label: Translations = field(default_factory=dict)
    hint: Translations = field(default_factory=dict)
    required: bool = False
    required_message: Translations = field(default_factory=dict)
    constraint: str = ""
    constraint_message: Translations = field(default_factory=dict)
    relevant: str = ""
    calculation: str = ""
    choice_list: str = ""  # name of a ChoiceList, for select_one / select_multiple
    choice_filter: str = ""
    appearance: str = ""
    default: str = ""
    read_only: bool = False
    # rating scale bounds (XLSForm range parameters)
    start: int = 1
    end: int = 5
    step: int = 1
    # Columns and parameters we do not interpret, kept so an export gives them back.
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Group:
    name: str
    label: Translations = field(default_factory=dict)
    hint: Translations = field(default_factory=dict)
    relevant: str = ""
    appearance: str = ""
    repeat: bool = False
    repeat_count: str = ""
    children: list[Union["Group", Question]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)


Node = Union[Group, Question]


@dataclass
class Questionnaire:
    title: str
    form_id: str
    version: str = ""
    default_language: str = DEFAULT_LANGUAGE
    # Languages in display order; labels in other languages are kept too.
    languages: list[str] = field(default_factory=lambda: [DEFAULT_LANGUAGE])
    children: list[Node] = field(default_factory=list)
    choice_lists: dict[str, ChoiceList] = field(default_factory=dict)
    # settings sheet columns we do not interpret, kept for export.
    settings: dict[str, str] = field(default_factory=dict)
    # Rows of the XLSForm's `entities` sheet ({header: value}), which declares the ODK Central
    # entities the form creates or updates with its `save_to` column: not interpreted here, kept
    # so that an export still converts (pyxform refuses `save_to` without the sheet).
    entities: list[dict[str, str]] = field(default_factory=list)

    # --- walking the tree -------------------------------------------------------------------

    def walk(self) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Every group and question, depth first, with the names of the groups around it."""
        yield from _walk(self.children, ())

    def questions(self) -> list[Question]:
        return [node for _, node in self.walk() if isinstance(node, Question)]

    def find(self, name: str) -> Node | None:
        for _, node in self.walk():
            if node.name == name:
                return node
        return None

    def repeat_of(self, name: str) -> Group | None:
        """The innermost repeat group holding the question or group `name`, if any."""
        for ancestors, node in self.walk():
            if node.name == name:
                for ancestor_name in reversed(ancestors):
                    ancestor = self.find(ancestor_name)
                    if isinstance(ancestor, Group) and ancestor.repeat:
                        return ancestor
                return None
        return None

    def followed(self, name: str) -> Question | None:
        """The question an open question follows up (« Pour quelle raison ? » after « Avez-vous
        renoncé à des soins ? »): the first question its relevance depends on. A coder reads the
        answer beside what it answers (the first in the form's order when it reads several). None
        for a question shown to everyone."""
        from .expressions import references

        node = self.find(name)
        if not isinstance(node, Question) or not node.relevant:
            return None
        read = references(node.relevant)
        return next(
            (
                question
                for question in self.questions()
                if question.name in read and question.type not in ("calculate", "note")
            ),
            None,
        )

    def answer_text(self, question: Question, value, language: str = DEFAULT_LANGUAGE) -> str:
        """An answer as a person reads it: choices by their label (« Oui », « Le coût, Les
        délais »), other values as they are."""
        if value is None or value == "" or value == []:
            return ""
        choices = self.choice_lists.get(question.choice_list) if question.choice_list else None
        if question.type in TYPES_WITH_CHOICES and choices is not None:
            labels = {choice.name: label_in(choice.label, language) for choice in choices.choices}
            names = value.split() if isinstance(value, str) else list(value)
            if question.type == "select_one":
                names = [value] if isinstance(value, str) else names
            return ", ".join(labels.get(str(name)) or str(name) for name in names)
        return str(value)

    # --- serialisation ----------------------------------------------------------------------

    def to_dict(self) -> dict:
        return asdict(self) | {"children": [_node_to_dict(node) for node in self.children]}

    @classmethod
    def from_dict(cls, payload: dict) -> "Questionnaire":
        return cls(
            title=payload["title"],
            form_id=payload["form_id"],
            version=payload.get("version", ""),
            default_language=payload.get("default_language", DEFAULT_LANGUAGE),
            languages=list(payload.get("languages") or [DEFAULT_LANGUAGE]),
            children=[_node_from_dict(child) for child in payload.get("children", [])],
            choice_lists={
                name: ChoiceList(
                    name=name,
                    choices=[Choice(**choice) for choice in choice_list["choices"]],
                    external=bool(choice_list.get("external", False)),
                    file=choice_list.get("file", ""),
                )
                for name, choice_list in payload.get("choice_lists", {}).items()
            },
            settings=dict(payload.get("settings", {})),
            entities=[dict(row) for row in payload.get("entities", [])],
        )


def label_in(translations: Translations, language: str, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The text in `language`, else in the fallback language, else any text there is."""
    if language in translations:
        return translations[language]
    if fallback in translations:
        return translations[fallback]
    return next(iter(translations.values()), "")


def _walk(nodes: list[Node], ancestors: tuple[str, ...]):
    for node in nodes:
        yield ancestors, node
        if isinstance(node, Group):
            yield from _walk(node.children, ancestors + (node.name,))


def _node_to_dict(node: Node) -> dict:
    if isinstance(node, Group):
        return (
            {"kind": "group"}
            | {key: value for key, value in asdict(node).items() if key != "children"}
            | {"children": [_node_to_dict(child) for child in node.children]}
        )
    return {"kind": "question"} | asdict(node)


def _node_from_dict(payload: dict) -> Node:
    payload = dict(payload)
    kind = payload.pop("kind", "question")
    if kind == "group":
        children = [_node_from_dict(child) for child in payload.pop("children", [])]
        return Group(children=children, **payload)
    return Question(**payload)
