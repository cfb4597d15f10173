"""What the condition builder of the question and group pages offers: the questions a condition may
name (by their label, in reading order), their type and their choice list's labels.

The builder (static/js/condition-builder.js) writes and reads back the expression itself; this only
describes the questionnaire to it, as the JSON embedded in the page."""

from __future__ import annotations

from questionnaires import Question, label_in
from questionnaires.model import TYPES_WITHOUT_ANSWER
from questionnaires.names import is_qualified


def condition_subjects(model, node_name: str | None, parent: str | None = None) -> dict:
    """The questions a condition of `node_name` may use (every question, each marked `before` when it
    comes before the node in reading order: those are the ones offered; the others are only shown
    when an expression already names them), and the choice lists of select questions. A new node
    (`node_name` None) goes at the end of `parent`, or of the questionnaire."""
    language = model.default_language
    questions = []
    before = True
    inside_parent = False
    parent = parent if node_name is None else None
    for ancestors, node in model.walk():
        in_parent = parent is not None and (node.name == parent or parent in ancestors)
        if node.name == node_name or (inside_parent and not in_parent):
            # A group's own questions come after it: none of them is offered to its relevance.
            before = False
        inside_parent = inside_parent or in_parent
        if not isinstance(node, Question) or node.type in TYPES_WITHOUT_ANSWER:
            continue
        if node.name == node_name or is_qualified(node.name):
            # a name borne in several groups cannot be named by ${…} (pyxform refuses it)
            continue
        questions.append(
            {
                "name": node.name,
                "label": label_in(node.label, language) or node.name,
                "type": node.type,
                "list": node.choice_list,
                "before": before,
            }
        )
    used_lists = {question["list"] for question in questions if question["list"]}
    lists = {
        name: [
            {"name": choice.name, "label": label_in(choice.label, language) or choice.name}
            for choice in choice_list.choices
        ]
        for name, choice_list in model.choice_lists.items()
        # The current question's list may change in the form: every list written in the form
        # is sent; an external list or a file's (thousands of communes) only when used.
        if name in used_lists or not (choice_list.external or choice_list.file)
    }
    return {"questions": questions, "lists": lists}
