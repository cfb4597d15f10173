"""What the designer does to questionnaires: pure functions over the models that flush, never commit.

Every edit goes to the draft version. Editing a questionnaire whose latest version is published first
creates the draft of the next version, a copy of the published definition: published versions never
change, since answers point at them.
"""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Callable, Iterable

from sqlalchemy import func, select

from questionnaires import QUESTION_TYPES, Choice, ChoiceList, Group, Question
from questionnaires import Questionnaire as QuestionnaireModel
from questionnaires.model import TYPES_WITH_CHOICES, Node

from ..accounts.models import utcnow
from ..extensions import db
from ..questionnaire_store.models import DRAFT, PUBLISHED, PublishedVersionChanged, Questionnaire, QuestionnaireVersion

# Names become XML element names in XLSForm/ODK: a letter or underscore, then letters, digits, _ . -
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
# Choice names are joined by spaces in select_multiple answers (XLSForm): no spaces.
CHOICE_NAME_PATTERN = re.compile(r"^\S+$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")

# Fields of a question or group holding an expression, with their French name.
EXPRESSION_FIELDS = {
    "relevant": "Condition d'affichage",
    "constraint": "Contrainte",
    "calculation": "Calcul",
    "repeat_count": "Nombre de répétitions",
    "choice_filter": "Filtre des choix",
    "default": "Valeur par défaut",
}
# Those the expression checker validates against the questionnaire's names (choice_filter names
# columns of the choices sheet, a default is a literal).
CHECKED_EXPRESSION_FIELDS = ("relevant", "constraint", "calculation", "repeat_count")


class DesignerError(Exception):
    """An edit that cannot be made; `errors` maps a form field ('' for the whole form) to French text."""

    def __init__(self, message: str, field_name: str = "", errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else {field_name: message}


class PublishRefused(DesignerError):
    """check_questionnaire found problems: nothing is published."""

    def __init__(self, problems: list):
        super().__init__(
            f"Publication impossible : {len(problems)} problème(s) à corriger.",
            errors={"": "; ".join(problem.message for problem in problems)},
        )
        self.problems = problems


@dataclass
class ImportOutcome:
    """What an XLSForm import did: the questionnaire when it was written, else the errors."""

    questionnaire: Questionnaire | None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.questionnaire is not None


@dataclass
class Reference:
    """An expression or label of `node_name` that mentions another node by ${name}."""

    node_name: str
    field_name: str

    @property
    def field_label(self) -> str:
        return EXPRESSION_FIELDS.get(self.field_name, {"label": "Libellé", "hint": "Aide"}.get(self.field_name, self.field_name))


# --- questionnaires ---------------------------------------------------------------------------


def slugify(text: str) -> str:
    """A form_id from a title: 'Enquête jeunes 2025' -> 'enquete_jeunes_2025'."""
    without_accents = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    slug = re.sub(r"[^A-Za-z0-9]+", "_", without_accents.replace("œ", "oe").replace("æ", "ae")).strip("_").lower()
    if not slug or not slug[0].isalpha():
        slug = "questionnaire_" + slug if slug else "questionnaire"
    return slug[:80]


def form_id_taken(form_id: str, *, except_id: int | None = None) -> bool:
    query = select(func.count()).select_from(Questionnaire).where(Questionnaire.form_id == form_id)
    if except_id is not None:
        query = query.where(Questionnaire.id != except_id)
    return db.session.scalar(query) > 0


def available_form_id(wanted: str) -> str:
    """`wanted`, or `wanted_2`, `wanted_3`… whichever no questionnaire uses yet."""
    candidate, number = wanted, 1
    while form_id_taken(candidate):
        number += 1
        candidate = f"{wanted}_{number}"
    return candidate


def create_questionnaire(
    title: str,
    *,
    form_id: str = "",
    language: str = "fr",
    description: str = "",
    user=None,
    model: QuestionnaireModel | None = None,
) -> Questionnaire:
    """A new questionnaire with its draft version 1 (empty, or `model` when given)."""
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Indiquez un titre."
    form_id = (form_id or "").strip()
    if form_id:
        if not NAME_PATTERN.match(form_id):
            errors["form_id"] = (
                "Identifiant invalide : une lettre d'abord, puis lettres sans accents, chiffres, _ . ou -."
            )
        elif form_id_taken(form_id):
            errors["form_id"] = f"L'identifiant « {form_id} » est déjà celui d'un autre questionnaire."
    language = (language or "fr").strip()
    if not LANGUAGE_PATTERN.match(language):
        errors["language"] = "Code de langue invalide (par exemple fr, en, ar)."
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)
    form_id = form_id or available_form_id(slugify(title))
    if model is None:
        model = QuestionnaireModel(title=title, form_id=form_id, default_language=language, languages=[language])
    else:
        model = copy.deepcopy(model)
        model.title, model.form_id = title, form_id
    questionnaire = Questionnaire(
        title=title,
        form_id=form_id,
        description=(description or "").strip(),
        created_by_id=getattr(user, "id", None),
    )
    questionnaire.versions.append(
        QuestionnaireVersion(number=1, status=DRAFT, definition=model.to_dict())
    )
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def editable_draft(questionnaire: Questionnaire) -> QuestionnaireVersion:
    """The draft to edit; after a publication, the draft of the next version, copied from it."""
    latest = questionnaire.latest
    if latest is not None and latest.status == DRAFT:
        return latest
    if latest is None:
        definition = QuestionnaireModel(title=questionnaire.title, form_id=questionnaire.form_id or slugify(questionnaire.title)).to_dict()
        number = 1
    else:
        definition = copy.deepcopy(latest.definition)
        number = latest.number + 1
    draft = QuestionnaireVersion(number=number, status=DRAFT, definition=definition)
    questionnaire.versions.append(draft)
    db.session.flush()
    return draft


def save_definition(version: QuestionnaireVersion, model: QuestionnaireModel) -> None:
    """Stores `model` as the definition of a draft; a published version refuses."""
    if version.status == PUBLISHED:
        raise PublishedVersionChanged(version)
    version.definition = model.to_dict()
    version.updated_at = utcnow()
    if version.questionnaire is not None:
        version.questionnaire.updated_at = utcnow()
    db.session.flush()


def edit(questionnaire: Questionnaire, change: Callable[[QuestionnaireModel], None]) -> QuestionnaireVersion:
    """Applies `change` to the draft's model and stores it; raises before writing if it raises."""
    # The change runs on a copy first, so that a refused edit writes nothing, not even a new draft.
    latest = questionnaire.latest
    model = latest.model() if latest is not None else QuestionnaireModel(
        title=questionnaire.title, form_id=questionnaire.form_id or slugify(questionnaire.title)
    )
    change(model)
    draft = editable_draft(questionnaire)
    save_definition(draft, model)
    return draft


def working_version(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """What the editor shows: the draft, else the latest published version."""
    return questionnaire.latest


def version_by_number(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion | None:
    return next((version for version in questionnaire.versions if version.number == number), None)


def update_settings(
    questionnaire: Questionnaire,
    *,
    title: str,
    description: str = "",
    languages: Iterable[str] = ("fr",),
    default_language: str = "fr",
) -> QuestionnaireVersion:
    title = (title or "").strip()
    languages = [language.strip() for language in languages if language and language.strip()]
    languages = list(dict.fromkeys(languages))
    errors = {}
    if not title:
        errors["title"] = "Indiquez un titre."
    bad = [language for language in languages if not LANGUAGE_PATTERN.match(language)]
    if bad:
        errors["languages"] = "Code(s) de langue invalide(s) : " + ", ".join(bad) + " (par exemple fr, en, ar)."
    if not languages:
        errors["languages"] = "Indiquez au moins une langue."
    elif default_language not in languages:
        errors["default_language"] = "La langue par défaut doit faire partie des langues du questionnaire."
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)

    def change(model: QuestionnaireModel) -> None:
        model.title = title
        model.languages = [default_language] + [language for language in languages if language != default_language]
        model.default_language = default_language

    draft = edit(questionnaire, change)
    questionnaire.title = title
    questionnaire.description = (description or "").strip()
    db.session.flush()
    return draft


# --- questions and groups ---------------------------------------------------------------------


def _siblings(model: QuestionnaireModel, parent: str | None) -> list[Node]:
    if not parent:
        return model.children
    group = model.find(parent)
    if not isinstance(group, Group):
        raise DesignerError(f"Le groupe « {parent} » n'existe pas.", "parent")
    return group.children


def locate(model: QuestionnaireModel, name: str) -> tuple[list[Node], int, str | None]:
    """(the list holding `name`, its index there, the name of its group or None)."""
    for ancestors, node in model.walk():
        if node.name == name:
            parent = ancestors[-1] if ancestors else None
            siblings = _siblings(model, parent)
            return siblings, siblings.index(node), parent
    raise DesignerError(f"L'élément « {name} » n'existe pas dans ce questionnaire.", "name")


def groups_of(model: QuestionnaireModel) -> list[tuple[int, Group]]:
    """Every group with its depth, in order: the destinations a question can move to."""
    return [(len(ancestors), node) for ancestors, node in model.walk() if isinstance(node, Group)]


def known_names(model: QuestionnaireModel, extra: Iterable[str] = ()) -> set[str]:
    return {node.name for _, node in model.walk()} | set(extra)


def expression_problems(model: QuestionnaireModel, node: Node, names: set[str] | None = None) -> dict[str, str]:
    """French error per expression field of `node`, checked against the questionnaire's names."""
    names = names if names is not None else known_names(model, [node.name])
    problems = {}
    for field_name in CHECKED_EXPRESSION_FIELDS:
        text = getattr(node, field_name, "") or ""
        if not text.strip():
            continue
        from questionnaires.expressions import check_expression

        errors = check_expression(text, names)
        if errors:
            problems[field_name] = describe_expression_errors(errors)
    return problems


def describe_problem(problem) -> str:
    """One French line for a check_questionnaire Problem: 'ecole (condition d'affichage) : …'."""
    field_name = getattr(problem, "field", "") or ""
    field_label = EXPRESSION_FIELDS.get(field_name, {"name": "nom", "choice_list": "liste de choix"}.get(field_name, field_name))
    where = problem.name or ""
    if field_label:
        where = f"{where} ({field_label.lower()})" if where else field_label
    return f"{where} : {problem.message}" if where else problem.message


def describe_expression_errors(errors) -> str:
    return " ; ".join(
        f"{error.message} (position {error.position + 1})" if error.position is not None else error.message
        for error in errors
    )


def _check_node(model: QuestionnaireModel, node: Node, *, previous_name: str | None = None) -> None:
    errors = {}
    name = (node.name or "").strip()
    node.name = name
    if not name:
        errors["name"] = "Indiquez un nom (identifiant de la variable)."
    elif not NAME_PATTERN.match(name):
        errors["name"] = (
            "Nom invalide : il commence par une lettre ou _, puis lettres sans accents, chiffres, _ . ou - "
            "(pas d'espace)."
        )
    elif name != previous_name and model.find(name) is not None:
        errors["name"] = f"Le nom « {name} » est déjà utilisé dans ce questionnaire."
    if isinstance(node, Question):
        if node.type not in QUESTION_TYPES:
            errors["type"] = f"Type de question inconnu : {node.type}."
        if node.type in TYPES_WITH_CHOICES:
            if not node.choice_list:
                errors["choice_list"] = "Choisissez la liste de choix de cette question."
            elif node.choice_list not in model.choice_lists:
                errors["choice_list"] = f"La liste de choix « {node.choice_list} » n'existe pas."
        if node.type == "calculate" and not node.calculation.strip():
            errors["calculation"] = "Une question calculée a besoin d'un calcul."
        if node.type == "rating":
            if node.step <= 0:
                errors["step"] = "Le pas doit être positif."
            elif node.end <= node.start:
                errors["end"] = "La fin de l'échelle doit être plus grande que son début."
            elif (node.end - node.start) // node.step > 20:
                errors["end"] = "Une échelle a au plus 21 points."
        if node.type != "calculate" and not any(text.strip() for text in node.label.values()):
            errors["label"] = "Indiquez le libellé de la question."
    names = known_names(model, [name])
    if previous_name:
        names.discard(previous_name)
    for field_name, message in expression_problems(model, node, names).items():
        errors.setdefault(field_name, message)
    if isinstance(node, Question) and node.choice_filter.strip() and node.choice_list in model.choice_lists:
        from questionnaires.expressions import check_choice_filter

        columns = {key for choice in model.choice_lists[node.choice_list].choices for key in choice.properties}
        filter_errors = check_choice_filter(node.choice_filter, names, columns)
        if filter_errors:
            errors.setdefault("choice_filter", describe_expression_errors(filter_errors))
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)


def _clean_translations(node: Node) -> None:
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, dict) and item.name != "extra":
            setattr(node, item.name, {lang: text.strip() for lang, text in value.items() if text and text.strip()})
        elif isinstance(value, str):
            setattr(node, item.name, value.strip())


def add_node(
    questionnaire: Questionnaire, node: Node, *, parent: str | None = None, position: int | None = None
) -> QuestionnaireVersion:
    """Adds a question or group inside `parent` (None: top level) at `position` (None: at the end)."""
    _clean_translations(node)

    def change(model: QuestionnaireModel) -> None:
        siblings = _siblings(model, parent)
        _check_node(model, node)
        index = len(siblings) if position is None else max(0, min(position, len(siblings)))
        siblings.insert(index, node)
        _refuse_cycles(model, node)

    return edit(questionnaire, change)


def _refuse_cycles(model: QuestionnaireModel, node: Node) -> None:
    """A question shown only if it is answered, or computed from itself, can never be decided:
    refused when saved rather than at publication."""
    from questionnaires.checks import dependency_cycles

    for cycle in dependency_cycles(model):
        loop = cycle[:-1]
        if node.name not in loop:
            continue
        start = loop.index(node.name)
        loop = loop[start:] + loop[:start]
        following = loop[1] if len(loop) > 1 else loop[0]
        calculation = getattr(node, "calculation", "")
        field_name = "calculation" if calculation and REFERENCE.search(calculation) and following in REFERENCE.findall(calculation) else "relevant"
        raise DesignerError(
            "Cycle de dépendances : " + " → ".join(loop + [node.name])
            + " : une question ne peut pas dépendre d'elle-même, même par un détour.",
            field_name,
        )


def update_node(questionnaire: Questionnaire, name: str, node: Node) -> QuestionnaireVersion:
    """Replaces question or group `name` by `node` (a group keeps its children); a new name is
    carried into every ${name} that mentioned the old one."""
    _clean_translations(node)

    def change(model: QuestionnaireModel) -> None:
        siblings, index, _parent = locate(model, name)
        current = siblings[index]
        if type(current) is not type(node):
            raise DesignerError("On ne peut pas changer un groupe en question ni l'inverse.", "type")
        if isinstance(node, Group):
            node.children = current.children
        _check_node(model, node, previous_name=name)
        siblings[index] = node
        if node.name != name:
            rename_references(model, name, node.name)
        _refuse_cycles(model, node)

    return edit(questionnaire, change)


def delete_node(questionnaire: Questionnaire, name: str) -> QuestionnaireVersion:
    """Removes a question, or a group with everything inside it."""

    def change(model: QuestionnaireModel) -> None:
        siblings, index, _parent = locate(model, name)
        del siblings[index]

    return edit(questionnaire, change)


def move_node(
    questionnaire: Questionnaire,
    name: str,
    *,
    direction: str | None = None,
    parent: str | None = None,
    position: int | None = None,
) -> QuestionnaireVersion:
    """Moves `name` one step ('up'/'down': at the edge of a group it steps out of it), or to
    `position` (0-based) inside `parent` (None: top level)."""

    def change(model: QuestionnaireModel) -> None:
        siblings, index, current_parent = locate(model, name)
        node = siblings[index]
        if direction in ("up", "down"):
            step = -1 if direction == "up" else 1
            target = index + step
            if 0 <= target < len(siblings):
                siblings[index], siblings[target] = siblings[target], siblings[index]
                return
            if current_parent is None:
                return  # already first or last: nothing to do
            del siblings[index]
            outer, group_index, _ = locate(model, current_parent)
            outer.insert(group_index if direction == "up" else group_index + 1, node)
            return
        if direction is not None:
            raise DesignerError("Direction inconnue.", "direction")
        if parent:
            if parent == name or (isinstance(node, Group) and _contains(node, parent)):
                raise DesignerError("Un groupe ne peut pas être déplacé dans lui-même.", "parent")
        destination = _siblings(model, parent)
        del siblings[index]
        at = len(destination) if position is None else max(0, min(position, len(destination)))
        destination.insert(at, node)

    return edit(questionnaire, change)


def descendants(group: Group) -> list[Node]:
    found = []
    for child in group.children:
        found.append(child)
        if isinstance(child, Group):
            found.extend(descendants(child))
    return found


def _contains(group: Group, name: str) -> bool:
    return any(
        child.name == name or (isinstance(child, Group) and _contains(child, name))
        for child in group.children
    )


def references_to(model: QuestionnaireModel, name: str) -> list[Reference]:
    """Where ${name} appears in the expressions and texts of other nodes."""
    found = []
    for _, node in model.walk():
        if node.name == name:
            continue
        for field_name, value in _text_fields(node):
            if any(match.group(1) == name for match in REFERENCE.finditer(value)):
                found.append(Reference(node.name, field_name))
    return found


def _text_fields(node: Node):
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, str):
            yield item.name, value
        elif isinstance(value, dict) and item.name != "extra":
            for text in value.values():
                if isinstance(text, str):
                    yield item.name, text


def rename_references(model: QuestionnaireModel, old: str, new: str) -> None:
    def replace(text: str) -> str:
        return REFERENCE.sub(lambda match: "${" + new + "}" if match.group(1) == old else match.group(0), text)

    for _, node in model.walk():
        for item in fields(node):
            value = getattr(node, item.name)
            if isinstance(value, str) and item.name != "name":
                setattr(node, item.name, replace(value))
            elif isinstance(value, dict) and item.name != "extra":
                setattr(node, item.name, {key: replace(text) if isinstance(text, str) else text for key, text in value.items()})


# --- choice lists -----------------------------------------------------------------------------


def _choice_list(model: QuestionnaireModel, list_name: str) -> ChoiceList:
    choice_list = model.choice_lists.get(list_name)
    if choice_list is None:
        raise DesignerError(f"La liste de choix « {list_name} » n'existe pas.", "list_name")
    return choice_list


def create_choice_list(
    questionnaire: Questionnaire, list_name: str, choices: Iterable[Choice] = ()
) -> QuestionnaireVersion:
    """A new choice list, which any select question of the questionnaire may then use."""
    list_name = (list_name or "").strip()
    choices = list(choices)

    def change(model: QuestionnaireModel) -> None:
        if not NAME_PATTERN.match(list_name):
            raise DesignerError(
                "Nom de liste invalide : une lettre d'abord, puis lettres sans accents, chiffres, _ . ou -.",
                "list_name",
            )
        if list_name in model.choice_lists:
            raise DesignerError(f"La liste « {list_name} » existe déjà.", "list_name")
        choice_list = ChoiceList(name=list_name)
        model.choice_lists[list_name] = choice_list
        for choice in choices:
            _check_choice(choice_list, choice)
            choice_list.choices.append(choice)

    return edit(questionnaire, change)


def questions_using(model: QuestionnaireModel, list_name: str) -> list[Question]:
    return [question for question in model.questions() if question.choice_list == list_name]


def delete_choice_list(questionnaire: Questionnaire, list_name: str) -> QuestionnaireVersion:
    def change(model: QuestionnaireModel) -> None:
        _choice_list(model, list_name)
        users = questions_using(model, list_name)
        if users:
            raise DesignerError(
                "Cette liste sert encore aux questions : " + ", ".join(question.name for question in users) + ".",
                "list_name",
            )
        del model.choice_lists[list_name]

    return edit(questionnaire, change)


# Columns of the choices sheet that are not free properties of a choice.
RESERVED_CHOICE_COLUMNS = {"list_name", "list name", "name", "label", "image", "audio", "video"}


def parse_choice_properties(text: str) -> dict[str, str]:
    """'commune=tours' lines (or ';'-separated pairs) -> {'commune': 'tours'}: the extra columns of
    the choices sheet that a question's choice filter reads (commune = ${commune})."""
    properties: dict[str, str] = {}
    for part in re.split(r"[\n;]", text or ""):
        part = part.strip()
        if not part:
            continue
        column, equals, value = part.partition("=")
        column, value = column.strip(), value.strip()
        if not equals or not column:
            raise DesignerError(
                f"« {part} » : écrivez chaque colonne sous la forme colonne=valeur, par exemple commune=tours.",
                "properties",
            )
        if not NAME_PATTERN.match(column):
            raise DesignerError(
                f"Nom de colonne invalide « {column} » : une lettre d'abord, puis lettres sans accents, chiffres, _ . ou -.",
                "properties",
            )
        if column.lower() in RESERVED_CHOICE_COLUMNS or column.lower().startswith(("label:", "media:")):
            raise DesignerError(f"La colonne « {column} » est réservée : choisissez un autre nom.", "properties")
        properties[column] = value
    return properties


def _check_choice(choice_list: ChoiceList, choice: Choice, previous_name: str | None = None) -> None:
    choice.name = (choice.name or "").strip()
    choice.label = {lang: text.strip() for lang, text in choice.label.items() if text and text.strip()}
    errors = {}
    if not choice.name:
        errors["name"] = "Indiquez la valeur du choix."
    elif not CHOICE_NAME_PATTERN.match(choice.name):
        errors["name"] = "La valeur d'un choix ne contient pas d'espace (par exemple « tres_satisfait »)."
    elif choice.name != previous_name and choice.name in choice_list.names():
        errors["name"] = f"La valeur « {choice.name} » existe déjà dans cette liste."
    if not choice.label:
        errors["label"] = "Indiquez le libellé du choix."
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)


def add_choice(
    questionnaire: Questionnaire, list_name: str, choice: Choice, *, position: int | None = None
) -> QuestionnaireVersion:
    def change(model: QuestionnaireModel) -> None:
        choice_list = _choice_list(model, list_name)
        _check_choice(choice_list, choice)
        index = len(choice_list.choices) if position is None else max(0, min(position, len(choice_list.choices)))
        choice_list.choices.insert(index, choice)

    return edit(questionnaire, change)


def _choice_index(choice_list: ChoiceList, choice_name: str) -> int:
    try:
        return choice_list.names().index(choice_name)
    except ValueError:
        raise DesignerError(f"Le choix « {choice_name} » n'existe pas dans cette liste.", "name") from None


def update_choice(questionnaire: Questionnaire, list_name: str, choice_name: str, choice: Choice) -> QuestionnaireVersion:
    def change(model: QuestionnaireModel) -> None:
        choice_list = _choice_list(model, list_name)
        index = _choice_index(choice_list, choice_name)
        _check_choice(choice_list, choice, previous_name=choice_name)
        choice_list.choices[index] = choice

    return edit(questionnaire, change)


def delete_choice(questionnaire: Questionnaire, list_name: str, choice_name: str) -> QuestionnaireVersion:
    def change(model: QuestionnaireModel) -> None:
        choice_list = _choice_list(model, list_name)
        del choice_list.choices[_choice_index(choice_list, choice_name)]

    return edit(questionnaire, change)


def move_choice(
    questionnaire: Questionnaire,
    list_name: str,
    choice_name: str,
    *,
    direction: str | None = None,
    position: int | None = None,
) -> QuestionnaireVersion:
    def change(model: QuestionnaireModel) -> None:
        choices = _choice_list(model, list_name).choices
        index = _choice_index(_choice_list(model, list_name), choice_name)
        if direction in ("up", "down"):
            target = index + (-1 if direction == "up" else 1)
        elif position is not None:
            target = position
        else:
            raise DesignerError("Indiquez où déplacer le choix.", "position")
        target = max(0, min(target, len(choices) - 1))
        choices.insert(target, choices.pop(index))

    return edit(questionnaire, change)


# --- publication, copies, XLSForm ------------------------------------------------------------


def publish(questionnaire: Questionnaire, user=None) -> QuestionnaireVersion:
    """Freezes the draft as a published version after check_questionnaire finds nothing wrong."""
    from questionnaires.checks import Problem, check_questionnaire

    draft = questionnaire.draft
    if draft is None:
        latest = questionnaire.latest
        number = latest.number if latest else 0
        raise DesignerError(f"Rien à publier : aucune modification depuis la version {number}.")
    model = draft.model()
    model.version = str(draft.number)
    model.title = questionnaire.title
    problems = check_questionnaire(model)
    if not any(question.type not in ("note", "calculate") for question in model.questions()):
        problems.insert(0, Problem("", "", "Le questionnaire ne pose encore aucune question.", None, "empty"))
    if problems:
        raise PublishRefused(problems)
    draft.definition = model.to_dict()
    draft.status = PUBLISHED
    draft.published_at = utcnow()
    draft.published_by_id = getattr(user, "id", None)
    questionnaire.updated_at = utcnow()
    db.session.flush()
    return draft


def duplicate(questionnaire: Questionnaire, user=None) -> Questionnaire:
    """A new questionnaire « … (copie) » whose draft v1 is the latest definition."""
    source = questionnaire.latest
    model = source.model() if source else None
    title = f"{questionnaire.title} (copie)"
    form_id = available_form_id(f"{questionnaire.form_id or slugify(questionnaire.title)}_copie")
    if model is not None:
        model.version = ""
    return create_questionnaire(
        title,
        form_id=form_id,
        language=model.default_language if model else "fr",
        description=questionnaire.description,
        user=user,
        model=model,
    )


def import_xlsform(
    source, *, title: str | None = None, user=None, publish_it: bool = False, filename: str = ""
) -> ImportOutcome:
    """Reads an XLSForm (path, bytes or file object). Errors: nothing written. Otherwise a new
    questionnaire whose draft v1 holds the form, published at once when `publish_it`.
    `filename` (of an upload) names the form when its settings sheet gives no form_id."""
    from questionnaires.xlsform import load_xlsform

    result = load_xlsform(source)
    if result.errors:
        return ImportOutcome(None, list(result.errors), list(result.warnings))
    model = result.questionnaire
    warnings = list(result.warnings)
    if filename and model.form_id in ("", "questionnaire"):
        model.form_id = slugify(filename.rsplit(".", 1)[0])
    wanted = model.form_id if model.form_id and NAME_PATTERN.match(model.form_id) else slugify(title or model.title or "questionnaire")
    form_id = available_form_id(wanted)
    if model.form_id and form_id != model.form_id:
        warnings.append(
            f"L'identifiant « {model.form_id} » est déjà pris : le questionnaire importé devient « {form_id} »."
        )
    model.version = ""
    questionnaire = create_questionnaire(
        (title or model.title or form_id).strip(),
        form_id=form_id,
        language=model.default_language or "fr",
        user=user,
        model=model,
    )
    if publish_it:
        publish(questionnaire, user)
    return ImportOutcome(questionnaire, [], warnings)


def export_xlsform(version: QuestionnaireVersion, destination) -> None:
    """Writes `version` (draft or published) as an XLSForm .xlsx to a path or binary file."""
    from questionnaires.xlsform import to_xlsform

    to_xlsform(version.model(), destination)


def export_filename(questionnaire: Questionnaire, version: QuestionnaireVersion) -> str:
    base = questionnaire.form_id or slugify(questionnaire.title)
    suffix = f"v{version.number}" + ("" if version.is_published else "-brouillon")
    return f"{base}-{suffix}.xlsx"


@dataclass
class VersionChanges:
    """What changed between two definitions, by question/group name and choice list name."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    choice_lists: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved or self.choice_lists)


def compare_definitions(before: dict, after: dict) -> VersionChanges:
    """The changes from `before` to `after` (two QuestionnaireVersion.definition)."""
    old_nodes = _nodes_by_name(QuestionnaireModel.from_dict(before))
    new_nodes = _nodes_by_name(QuestionnaireModel.from_dict(after))
    old_order = [name for name in old_nodes if name in new_nodes]
    new_order = [name for name in new_nodes if name in old_nodes]
    changes = VersionChanges(
        added=[name for name in new_nodes if name not in old_nodes],
        removed=[name for name in old_nodes if name not in new_nodes],
        changed=[name for name in new_order if old_nodes[name][1] != new_nodes[name][1]],
        moved=[
            name
            for name in new_order
            if old_nodes[name][0] != new_nodes[name][0] or old_order.index(name) != new_order.index(name)
        ],
    )
    old_lists, new_lists = before.get("choice_lists", {}), after.get("choice_lists", {})
    changes.choice_lists = sorted(
        name for name in set(old_lists) | set(new_lists) if old_lists.get(name) != new_lists.get(name)
    )
    return changes


def _nodes_by_name(model: QuestionnaireModel) -> dict[str, tuple[tuple[str, ...], dict]]:
    """name -> (its groups, its own fields without children)."""
    nodes = {}
    for ancestors, node in model.walk():
        own = {item.name: getattr(node, item.name) for item in fields(node) if item.name != "children"}
        nodes[node.name] = (ancestors, own)
    return nodes
