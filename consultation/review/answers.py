"""Answers as the back office shows them: question labels, choice labels, repeats by instance."""

from questionnaires import Group, Question, Questionnaire, label_in
from questionnaires.answers import instances_of

HIDDEN_TYPES = ("note",)


def answer_rows(model: Questionnaire, answers: dict, language: str = "fr") -> list[dict]:
    return _rows(model, model.children, answers or {}, language)


def _rows(model: Questionnaire, nodes, answers: dict, language: str) -> list[dict]:
    rows = []
    for node in nodes:
        if isinstance(node, Group):
            label = label_in(node.label, language) or node.name
            if node.repeat:
                rows.append(
                    {
                        "kind": "repeat",
                        "label": label,
                        "name": node.name,
                        "instances": [
                            _rows(model, node.children, instance, language)
                            for instance in instances_of(answers, node.name)
                        ],
                    }
                )
            else:
                rows.append(
                    {
                        "kind": "group",
                        "label": label,
                        "name": node.name,
                        "rows": _rows(model, node.children, answers, language),
                    }
                )
        elif isinstance(node, Question) and node.type not in HIDDEN_TYPES:
            rows.append(
                {
                    "kind": "question",
                    "label": label_in(node.label, language) or node.name,
                    "name": node.name,
                    "value": format_answer(model, node, answers.get(node.name), language),
                }
            )
    return rows


def format_answer(model: Questionnaire, question: Question, value, language: str = "fr") -> str:
    if value is None or value == "" or value == []:
        return ""
    if question.type in ("select_one", "select_multiple"):
        names = (
            value.split()
            if isinstance(value, str) and question.type == "select_multiple"
            else value
        )
        names = names if isinstance(names, list) else [names]
        choice_list = model.choice_lists.get(question.choice_list)
        labels = (
            {choice.name: label_in(choice.label, language) for choice in choice_list.choices}
            if choice_list
            else {}
        )
        return " ; ".join(labels.get(str(name)) or str(name) for name in names)
    return str(value)


def path_label(model: Questionnaire, path: str, language: str = "fr") -> str:
    """« Personnes du foyer n° 2 › Âge » for "menage[1]/age_membre"; the path itself if unknown."""
    parts = []
    for segment in path.split("/"):
        name, _, index = segment.partition("[")
        node = model.find(name)
        label = (label_in(node.label, language) if node is not None else "") or name
        if index:
            label = f"{label} n° {int(index.rstrip(']')) + 1}"
        parts.append(label)
    return " › ".join(parts)
