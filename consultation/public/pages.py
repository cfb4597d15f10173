"""A published questionnaire cut into pages and shown without JavaScript.

Pages are those of the tablet (static/js/form/pages.js): each top-level group is one page, the
questions between groups make one page. Relevance, required, constraints and texts are worked out
with the questionnaire's own evaluator (questionnaires/) on the answers so far; the answers are
checked by the same validate_answers as the API. Nothing here touches the database."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from questionnaires import Group, Question, Questionnaire, label_in
from questionnaires.expressions import (
    ExpressionError,
    evaluate,
    parse_choice_filter,
    to_boolean,
    to_number,
    to_string,
)
from questionnaires.validation import ValidationResult, validate_answers

_TRUE_WORDS = ("yes", "true", "true()", "1", "oui")
_FALSE_WORDS = ("", "no", "false", "false()", "0", "non")
# A repeat a resident fills by hand: enough for a household, not a way to bloat a draft.
MAX_INSTANCES = 30
# Languages written right to left, for `dir`.
RTL_LANGUAGES = {"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "ur", "yi"}


@dataclass
class Page:
    group: Group | None
    items: list


def build_pages(model: Questionnaire) -> list[Page]:
    pages: list[Page] = []
    loose: Page | None = None
    for node in model.children:
        if isinstance(node, Group):
            loose = None
            pages.append(Page(node, [node]))
        elif node.type != "calculate":
            if loose is None:
                loose = Page(None, [])
                pages.append(loose)
            loose.items.append(node)
    return pages


def text_direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def language_name(code: str) -> str:
    """A language code as its name, in French (« fr » → « français »), the code otherwise."""
    names = {
        "fr": "français",
        "en": "anglais",
        "es": "espagnol",
        "de": "allemand",
        "it": "italien",
        "pt": "portugais",
        "ar": "arabe",
        "tr": "turc",
        "ru": "russe",
        "uk": "ukrainien",
        "ro": "roumain",
        "pl": "polonais",
        "zh": "chinois",
        "fa": "persan",
        "he": "hébreu",
    }
    return names.get(code.split("-")[0].lower(), code)


# --- the rules of XLSForm on the answers so far ------------------------------------------------


class Rules:
    """Relevance, required and texts for one answer set (cleaned by validate_answers)."""

    def __init__(self, model: Questionnaire, answers: dict, language: str):
        self.model = model
        self.answers = answers
        self.language = language or model.default_language

    def _holds(self, expression: str, context: str | None, default: bool = True, **extra) -> bool:
        if not expression or not str(expression).strip():
            return default
        try:
            return to_boolean(evaluate(expression, self.answers, context=context, **extra))
        except ExpressionError:
            return default

    def relevant(self, node, context: str | None) -> bool:
        return self._holds(node.relevant, context)

    def required(self, question: Question, context: str | None) -> bool:
        required = question.required
        if isinstance(required, bool):
            return required
        text = str(required).strip().lower()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
        return self._holds(str(required), context)

    def text(self, translations, context: str | None) -> str:
        text = label_in(translations, self.language, self.model.default_language)
        if "${" not in text:
            return text

        def answer(match: re.Match) -> str:
            try:
                value = evaluate(match.group(0), self.answers, context=context)
            except ExpressionError:
                return ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return (
                to_string(value).replace(".", ",", 1)
                if isinstance(value, float)
                else to_string(value)
            )

        return re.sub(r"\$\{([^}\s]+)\}", answer, text)

    def choices(self, question: Question, context: str | None) -> list[tuple[str, str]]:
        choice_list = self.model.choice_lists.get(question.choice_list)
        if question.type == "rating" and choice_list is None:
            step = abs(question.step or 1)
            direction = 1 if question.end >= question.start else -1
            values = range(question.start, question.end + direction, step * direction)
            return [(str(value), str(value)) for value in list(values)[:100]]
        if choice_list is None:
            return []
        offered = []
        node = None
        if question.choice_filter.strip():
            try:
                node = parse_choice_filter(question.choice_filter)
            except ExpressionError:
                node = None
        for choice in choice_list.choices:
            if node is not None:
                columns = {**choice.properties, "name": choice.name}
                try:
                    if not to_boolean(
                        evaluate(node, self.answers, context=context, columns=columns)
                    ):
                        continue
                except ExpressionError:
                    pass
            offered.append((choice.name, label_in(choice.label, self.language) or choice.name))
        return offered

    def repeat_count(self, group: Group, context: str | None) -> int | None:
        if not group.repeat_count.strip():
            return None
        try:
            number = to_number(evaluate(group.repeat_count, self.answers, context=context))
        except ExpressionError:
            return None
        if number != number or number < 0:  # NaN
            return 0
        return min(int(number), MAX_INSTANCES)


# --- what a page shows ---------------------------------------------------------------------------


@dataclass
class Item:
    """One node of a page as the template draws it."""

    kind: str  # question, note, group, repeat
    node: Question | Group
    path: str
    dom_id: str
    label: str
    hint: str = ""
    relevant: bool = True
    required: bool = False
    value: object = None
    errors: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list["Item"] = field(default_factory=list)
    # A repeat: one list of items per instance, and whether the resident adds and removes them.
    instances: list[list["Item"]] = field(default_factory=list)
    fixed: bool = False
    context: str = ""

    @property
    def control(self) -> str:
        """How the question is drawn: radio, checkbox, select, textarea, number, date, text."""
        question = self.node
        if question.type == "select_one":
            return "select" if "minimal" in question.appearance.split() else "radio"
        if question.type == "rating":
            return "radio"
        if question.type == "select_multiple":
            return "checkbox"
        if question.type == "paragraph" or "multiline" in question.appearance:
            return "textarea"
        if question.type in ("integer", "decimal"):
            return "number"
        if question.type == "date":
            return "date"
        return "text"

    @property
    def uses_legend(self) -> bool:
        return self.kind == "question" and self.control in ("radio", "checkbox")

    def questions(self):
        """Every question item under this one (itself for a question)."""
        if self.kind in ("question", "note"):
            yield self
        for child in self.children:
            yield from child.questions()
        for instance in self.instances:
            for child in instance:
                yield from child.questions()


def dom_id(path: str) -> str:
    return "q-" + re.sub(r"[^A-Za-z0-9_-]+", "-", path).strip("-")


def page_items(
    model: Questionnaire,
    page: Page,
    raw: dict,
    cleaned: dict,
    language: str,
    errors: dict[str, list[str]] | None = None,
) -> list[Item]:
    """The items of `page`: values from the draft (`raw`, as typed), relevance and texts from
    the answers as the server reads them (`cleaned`)."""
    rules = Rules(model, cleaned, language)
    nodes = page.group.children if page.group and not page.group.repeat else page.items
    if page.group and page.group.repeat:
        return [_repeat_item(rules, page.group, raw, "", None, errors or {}, True)]
    return [_item(rules, node, raw, "", None, errors or {}, True) for node in nodes]


def _item(rules: Rules, node, level: dict, prefix: str, context, errors, parent_relevant):
    path = prefix + node.name
    if isinstance(node, Group) and node.repeat:
        return _repeat_item(rules, node, level, prefix, context, errors, parent_relevant)
    relevant = parent_relevant and rules.relevant(node, context)
    if isinstance(node, Group):
        return Item(
            "group",
            node,
            path,
            dom_id(path),
            rules.text(node.label, context) or "",
            hint=rules.text(node.hint, context),
            relevant=relevant,
            children=[
                _item(rules, child, level, prefix, context, errors, relevant)
                for child in node.children
                if not (isinstance(child, Question) and child.type == "calculate")
            ],
            context=context or "",
        )
    kind = "note" if node.type == "note" else "question"
    return Item(
        kind,
        node,
        path,
        dom_id(path),
        rules.text(node.label, context) or node.name,
        hint=rules.text(node.hint, context),
        relevant=relevant,
        required=kind == "question" and rules.required(node, context),
        value=level.get(node.name),
        errors=list(errors.get(path, [])),
        choices=rules.choices(node, context)
        if node.type in ("select_one", "select_multiple", "rating")
        else [],
        context=context or "",
    )


def _repeat_item(rules: Rules, group: Group, level, prefix, context, errors, relevant):
    path = prefix + group.name
    instances = level.get(group.name) if isinstance(level.get(group.name), list) else []
    count = rules.repeat_count(group, context)
    relevant = relevant and rules.relevant(group, context)
    item = Item(
        "repeat",
        group,
        path,
        dom_id(path),
        rules.text(group.label, context) or group.name,
        hint=rules.text(group.hint, context),
        relevant=relevant,
        fixed=count is not None,
        errors=list(errors.get(path, [])),
        context=context or "",
    )
    shown = count if count is not None else len(instances)
    for index in range(shown):
        instance = instances[index] if index < len(instances) else {}
        step = f"{group.name}[{index}]"
        child_context = f"{context}/{step}" if context else step
        item.instances.append(
            [
                _item(rules, child, instance, f"{path}[{index}]/", child_context, errors, relevant)
                for child in group.children
                if not (isinstance(child, Question) and child.type == "calculate")
            ]
        )
    return item


# --- reading a page's form -----------------------------------------------------------------------


def page_question_nodes(page: Page) -> list[Question]:
    """The questions that take an answer on a page (repeats' included)."""
    found: list[Question] = []

    def walk(nodes):
        for node in nodes:
            if isinstance(node, Group):
                walk(node.children)
            elif node.type not in ("note", "calculate") and not node.calculation.strip():
                found.append(node)

    walk(page.items)
    return found


def read_page(model: Questionnaire, page: Page, raw: dict, form) -> tuple[dict, set[str]]:
    """A copy of the draft's answers with the page's fields as posted (`form`: a MultiDict),
    and the paths posted for this page. An empty field removes its answer. Only the page's own
    fields are read: anything else posted is ignored."""
    answers = copy.deepcopy(raw)
    posted: set[str] = set()

    def read(question: Question, level: dict, path: str) -> None:
        if question.type == "select_multiple":
            values = [value.strip() for value in form.getlist(path) if value.strip()]
            if path in form:
                posted.add(path)
            if values:
                level[question.name] = values[:200]
            else:
                level.pop(question.name, None)
            return
        value = (form.get(path) or "").strip()
        if path in form:
            posted.add(path)
        if value:
            level[question.name] = value
        else:
            level.pop(question.name, None)

    def walk(nodes, level: dict, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, Group) and node.repeat:
                instances = level.get(node.name)
                if not isinstance(instances, list):
                    continue
                for index, instance in enumerate(instances):
                    if isinstance(instance, dict):
                        walk(node.children, instance, f"{prefix}{node.name}[{index}]/")
            elif isinstance(node, Group):
                walk(node.children, level, prefix)
            elif node.type not in ("note", "calculate") and not node.calculation.strip():
                read(node, level, prefix + node.name)

    walk(page.items, answers, "")
    return answers, posted


def page_paths(model: Questionnaire, page: Page, raw: dict) -> set[str]:
    """Every answer path a page may post, for its instances as they are in the draft."""
    paths: set[str] = set()

    def walk(nodes, level: dict, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, Group) and node.repeat:
                instances = level.get(node.name) if isinstance(level.get(node.name), list) else []
                for index, instance in enumerate(instances):
                    walk(node.children, instance or {}, f"{prefix}{node.name}[{index}]/")
            elif isinstance(node, Group):
                walk(node.children, level, prefix)
            elif node.type not in ("note", "calculate"):
                paths.add(prefix + node.name)

    walk(page.items, raw, "")
    return paths


def resize_repeat(page: Page, answers: dict, action: str) -> dict:
    """« ajouter:menage » adds an instance, « retirer:menage:2 » removes the third one, for a
    repeat of the page whose size the resident decides."""
    answers = copy.deepcopy(answers)
    parts = action.split(":")
    repeats = {
        node.name: node
        for node in _walk(page.items)
        if isinstance(node, Group) and node.repeat and not node.repeat_count.strip()
    }
    if len(parts) < 2 or parts[1] not in repeats:
        return answers
    instances = answers.get(parts[1])
    instances = instances if isinstance(instances, list) else []
    if parts[0] == "ajouter" and len(instances) < MAX_INSTANCES:
        instances.append({})
    elif parts[0] == "retirer" and len(parts) == 3 and parts[2].isdigit():
        index = int(parts[2])
        if index < len(instances):
            instances.pop(index)
    if instances:
        answers[parts[1]] = instances
    else:
        answers.pop(parts[1], None)
    return answers


def size_fixed_repeats(model: Questionnaire, page: Page, answers: dict, cleaned: dict) -> dict:
    """Repeats with a repeat_count get as many instances as it says (the tablet does the same)."""
    rules = Rules(model, cleaned, model.default_language)
    answers = copy.deepcopy(answers)
    for node in _walk(page.items):
        if isinstance(node, Group) and node.repeat and node.repeat_count.strip():
            count = rules.repeat_count(node, None)
            if count is None:
                continue
            instances = answers.get(node.name) if isinstance(answers.get(node.name), list) else []
            instances = (instances + [{} for _ in range(count)])[:count]
            if instances:
                answers[node.name] = instances
            else:
                answers.pop(node.name, None)
    return answers


def _walk(nodes):
    for node in nodes:
        yield node
        if isinstance(node, Group):
            yield from _walk(node.children)


# --- relevance of pages and errors -----------------------------------------------------------


def check(model: Questionnaire, raw: dict) -> ValidationResult:
    return validate_answers(model, raw)


def page_relevant(model: Questionnaire, page: Page, cleaned: dict) -> bool:
    rules = Rules(model, cleaned, model.default_language)
    if page.group is not None:
        return rules.relevant(page.group, None)
    return any(rules.relevant(node, None) for node in page.items)


def relevant_pages(model: Questionnaire, pages: list[Page], cleaned: dict) -> list[int]:
    return [index for index, page in enumerate(pages) if page_relevant(model, page, cleaned)]


def page_of_path(pages: list[Page], path: str) -> int | None:
    top = path.split("/")[0].split("[")[0]
    for index, page in enumerate(pages):
        if any(node.name == top for node in _walk(page.items)):
            return index
    return None


def errors_on_page(pages: list[Page], index: int, result: ValidationResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in result.errors:
        if page_of_path(pages, error.path) == index:
            found.setdefault(error.path, []).append(error.message)
    return found


def dropped_answers(raw: dict, cleaned: dict, result: ValidationResult) -> list[str]:
    """Top-level answers the rules dropped (their question is not relevant any more), not those
    that could not be read (kept, to be shown with their error)."""
    unreadable = {error.path for error in result.errors if error.code in ("type", "repeat")}
    return [name for name in raw if name not in cleaned and name not in unreadable]


def prune_draft(raw: dict, names: list[str]) -> dict:
    return {name: value for name, value in raw.items() if name not in names}


def shown_questions(items: list[Item]) -> set[str]:
    return {
        question.path
        for item in items
        for question in item.questions()
        if question.kind == "question" and question.relevant
    }


def answer_missing(raw: dict, path: str) -> bool:
    """Whether the draft has no answer at `path` ("age", "menage[0]/lien")."""
    level = raw
    parts = path.split("/")
    for part in parts[:-1]:
        name, _, index = part.partition("[")
        instances = level.get(name) if isinstance(level, dict) else None
        try:
            level = instances[int(index.rstrip("]"))]
        except (TypeError, ValueError, IndexError):
            return True
    return not isinstance(level, dict) or level.get(parts[-1]) in (None, "", [])
