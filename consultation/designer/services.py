"""What the designer does to questionnaires: pure functions over the models that flush, never commit.

Every edit goes to the draft version. Editing a questionnaire whose latest version is published first
creates the draft of the next version, a copy of the published definition: published versions never
change, since answers point at them. The tree editing itself (locate, move, rename, cycles, compare)
is `questionnaires.editing`, pure; its refusals become a `DesignerError` in `edit`.
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
from questionnaires.checks import is_valid_qualified_name
from questionnaires.editing import (
    EXPRESSION_FIELDS,
    EditRefused,
    known_names,
    locate,
    move,
    refuse_cycles,
    rename_references,
    siblings_of,
)
from questionnaires.model import TYPES_WITH_CHOICES, Node

from ..accounts.models import utcnow
from ..extensions import db
from ..questionnaire_store.models import (
    DRAFT,
    PUBLISHED,
    PublishedVersionChanged,
    Questionnaire,
    QuestionnaireVersion,
)
from ..studies.audit import changed, record

# Names become XML element names in XLSForm/ODK: a letter or underscore, then letters, digits, _ . -
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
# Choice names are joined by spaces in select_multiple answers (XLSForm): no spaces.
CHOICE_NAME_PATTERN = re.compile(r"^\S+$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")

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


# --- questionnaires ---------------------------------------------------------------------------


def slugify(text: str) -> str:
    """A form_id from a title: 'Enquête jeunes 2025' -> 'enquete_jeunes_2025'."""
    without_accents = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    slug = (
        re.sub(r"[^A-Za-z0-9]+", "_", without_accents.replace("œ", "oe").replace("æ", "ae"))
        .strip("_")
        .lower()
    )
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
    questionnaire = _new_questionnaire(
        title, form_id=form_id, language=language, description=description, user=user, model=model
    )
    _record_new(questionnaire, "create", user)
    return questionnaire


def _record_new(questionnaire: Questionnaire, action: str, user, **details) -> None:
    record(
        "questionnaire",
        questionnaire.id,
        action,
        by=user,
        after={"title": questionnaire.title, "form_id": questionnaire.form_id, **details},
    )


def _new_questionnaire(
    title: str,
    *,
    form_id: str = "",
    language: str = "fr",
    description: str = "",
    user=None,
    model: QuestionnaireModel | None = None,
) -> Questionnaire:
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
            errors["form_id"] = (
                f"L'identifiant « {form_id} » est déjà celui d'un autre questionnaire."
            )
    language = (language or "fr").strip()
    if not LANGUAGE_PATTERN.match(language):
        errors["language"] = "Code de langue invalide (par exemple fr, en, ar)."
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)
    form_id = form_id or available_form_id(slugify(title))
    if model is None:
        model = QuestionnaireModel(
            title=title, form_id=form_id, default_language=language, languages=[language]
        )
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
        definition = QuestionnaireModel(
            title=questionnaire.title, form_id=questionnaire.form_id or slugify(questionnaire.title)
        ).to_dict()
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


def edit(
    questionnaire: Questionnaire, change: Callable[[QuestionnaireModel], None]
) -> QuestionnaireVersion:
    """Applies `change` to the draft's model and stores it; raises before writing if it raises."""
    # The change runs on a copy first, so that a refused edit writes nothing, not even a new draft.
    latest = questionnaire.latest
    model = (
        latest.model()
        if latest is not None
        else QuestionnaireModel(
            title=questionnaire.title, form_id=questionnaire.form_id or slugify(questionnaire.title)
        )
    )
    before = model.to_dict()
    try:
        change(model)
    except EditRefused as refused:
        raise DesignerError(refused.message, refused.field_name) from refused
    draft = editable_draft(questionnaire)
    save_definition(draft, model)
    summary = definition_changes(before, draft.definition)
    if summary:
        # What changed, by element name: the journal says which questions and lists were touched
        # (the versions keep the definitions themselves).
        record("questionnaire", questionnaire.id, "edit", after={"version": draft.number} | summary)
    return draft


def _elements(definition: dict) -> dict[str, dict]:
    """Every question and group of a definition by name, without its children."""
    found: dict[str, dict] = {}

    def walk(nodes) -> None:
        for node in nodes:
            found[node["name"]] = {key: value for key, value in node.items() if key != "children"}
            walk(node.get("children") or [])

    walk(definition.get("children") or [])
    return found


def definition_changes(before: dict, after: dict) -> dict[str, list[str]]:
    """Which elements a draft edit added, removed, changed or moved, and which choice lists it
    changed; empty when nothing did."""
    old, new = _elements(before), _elements(after)
    common = [name for name in new if name in old]
    old_lists, new_lists = before.get("choice_lists") or {}, after.get("choice_lists") or {}
    summary = {
        "ajoutés": [name for name in new if name not in old],
        "supprimés": [name for name in old if name not in new],
        "modifiés": [name for name in common if old[name] != new[name]],
        "déplacés": []
        if [name for name in old if name in new] == common
        else ["ordre des éléments"],
        "listes de choix": sorted(
            name
            for name in set(old_lists) | set(new_lists)
            if old_lists.get(name) != new_lists.get(name)
        ),
    }
    return {key: names for key, names in summary.items() if names}


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
        errors["languages"] = (
            "Code(s) de langue invalide(s) : " + ", ".join(bad) + " (par exemple fr, en, ar)."
        )
    if not languages:
        errors["languages"] = "Indiquez au moins une langue."
    elif default_language not in languages:
        errors["default_language"] = (
            "La langue par défaut doit faire partie des langues du questionnaire."
        )
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)

    def change(model: QuestionnaireModel) -> None:
        model.title = title
        model.languages = [default_language] + [
            language for language in languages if language != default_language
        ]
        model.default_language = default_language

    latest = questionnaire.latest
    was = _settings_of(questionnaire, latest.model() if latest is not None else None)
    draft = edit(questionnaire, change)
    questionnaire.title = title
    questionnaire.description = (description or "").strip()
    db.session.flush()
    before, after = changed(was, _settings_of(questionnaire, draft.model()))
    if before or after:
        record("questionnaire", questionnaire.id, "settings", before=before, after=after)
    return draft


def _settings_of(questionnaire: Questionnaire, model: QuestionnaireModel | None) -> dict:
    return {
        "title": questionnaire.title,
        "description": questionnaire.description,
        "languages": list(model.languages) if model else [],
        "default_language": model.default_language if model else "",
    }


# --- questions and groups ---------------------------------------------------------------------


def expression_problems(
    model: QuestionnaireModel, node: Node, names: set[str] | None = None
) -> dict[str, str]:
    """French error per expression field of `node`, checked against the questionnaire's names."""
    names = names if names is not None else known_names(model, [node.name])
    problems = {}
    for field_name in CHECKED_EXPRESSION_FIELDS:
        text = getattr(node, field_name, "") or ""
        if not text.strip():
            continue
        from questionnaires.expressions import check_expression

        errors = [error for error in check_expression(text, names) if not error.is_warning]
        if errors:
            problems[field_name] = describe_expression_errors(errors)
    return problems


def expression_warnings(model: QuestionnaireModel) -> list[str]:
    """The warnings of the questionnaire's checks, one French line each: calls to unknown
    functions or with a wrong number of arguments, which do not stop publication (the call fails
    only when it is evaluated, as in ODK) but are most often a typo."""
    from questionnaires.checks import check_questionnaire

    return [
        describe_problem(problem)
        + (f" (position {problem.position + 1})" if problem.position is not None else "")
        for problem in check_questionnaire(model)
        if problem.is_warning
    ]


def describe_problem(problem) -> str:
    """One French line for a check_questionnaire Problem: 'ecole (condition d'affichage) : …'."""
    field_name = getattr(problem, "field", "") or ""
    field_label = EXPRESSION_FIELDS.get(
        field_name, {"name": "nom", "choice_list": "liste de choix"}.get(field_name, field_name)
    )
    where = problem.name or ""
    if field_label:
        where = f"{where} ({field_label.lower()})" if where else field_label
    return f"{where} : {problem.message}" if where else problem.message


def describe_expression_errors(errors) -> str:
    return " ; ".join(
        f"{error.message} (position {error.position + 1})"
        if error.position is not None
        else error.message
        for error in errors
    )


def _check_node(model: QuestionnaireModel, node: Node, *, previous_name: str | None = None) -> None:
    errors = {}
    name = (node.name or "").strip()
    node.name = name
    if not name:
        errors["name"] = "Indiquez un nom (identifiant de la variable)."
    elif not NAME_PATTERN.match(name) and not (
        # an imported name used in several groups keeps its qualified form (menage:age)
        name == previous_name and is_valid_qualified_name(name)
    ):
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
    if (
        isinstance(node, Question)
        and node.choice_filter.strip()
        and node.choice_list in model.choice_lists
    ):
        from questionnaires.expressions import check_choice_filter

        columns = {
            key
            for choice in model.choice_lists[node.choice_list].choices
            for key in choice.properties
        }
        filter_errors = [
            error
            for error in check_choice_filter(node.choice_filter, names, columns)
            if not error.is_warning
        ]
        if filter_errors:
            errors.setdefault("choice_filter", describe_expression_errors(filter_errors))
    if errors:
        raise DesignerError(next(iter(errors.values())), errors=errors)


def _clean_translations(node: Node) -> None:
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, dict) and item.name != "extra":
            setattr(
                node,
                item.name,
                {lang: text.strip() for lang, text in value.items() if text and text.strip()},
            )
        elif isinstance(value, str):
            setattr(node, item.name, value.strip())


def add_node(
    questionnaire: Questionnaire,
    node: Node,
    *,
    parent: str | None = None,
    position: int | None = None,
) -> QuestionnaireVersion:
    """Adds a question or group inside `parent` (None: top level) at `position` (None: at the end)."""
    _clean_translations(node)

    def change(model: QuestionnaireModel) -> None:
        siblings = siblings_of(model, parent)
        _check_node(model, node)
        index = len(siblings) if position is None else max(0, min(position, len(siblings)))
        siblings.insert(index, node)
        refuse_cycles(model, node)

    return edit(questionnaire, change)


def update_node(questionnaire: Questionnaire, name: str, node: Node) -> QuestionnaireVersion:
    """Replaces question or group `name` by `node` (a group keeps its children); a new name is
    carried into every ${name} that mentioned the old one."""
    _clean_translations(node)

    def change(model: QuestionnaireModel) -> None:
        siblings, index, _parent = locate(model, name)
        current = siblings[index]
        if type(current) is not type(node):
            raise DesignerError(
                "On ne peut pas changer un groupe en question ni l'inverse.", "type"
            )
        if isinstance(node, Group):
            node.children = current.children
        _check_node(model, node, previous_name=name)
        siblings[index] = node
        if node.name != name:
            rename_references(model, name, node.name)
        refuse_cycles(model, node)

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
        move(model, name, direction=direction, parent=parent, position=position)

    return edit(questionnaire, change)


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
                "Cette liste sert encore aux questions : "
                + ", ".join(question.name for question in users)
                + ".",
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
        if column.lower() in RESERVED_CHOICE_COLUMNS or column.lower().startswith(
            ("label:", "media:")
        ):
            raise DesignerError(
                f"La colonne « {column} » est réservée : choisissez un autre nom.", "properties"
            )
        properties[column] = value
    return properties


def _check_choice(
    choice_list: ChoiceList, choice: Choice, previous_name: str | None = None
) -> None:
    choice.name = (choice.name or "").strip()
    choice.label = {
        lang: text.strip() for lang, text in choice.label.items() if text and text.strip()
    }
    errors = {}
    if not choice.name:
        errors["name"] = "Indiquez la valeur du choix."
    elif not CHOICE_NAME_PATTERN.match(choice.name):
        errors["name"] = (
            "La valeur d'un choix ne contient pas d'espace (par exemple « tres_satisfait »)."
        )
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
        index = (
            len(choice_list.choices)
            if position is None
            else max(0, min(position, len(choice_list.choices)))
        )
        choice_list.choices.insert(index, choice)

    return edit(questionnaire, change)


def _choice_index(choice_list: ChoiceList, choice_name: str) -> int:
    try:
        return choice_list.names().index(choice_name)
    except ValueError:
        raise DesignerError(
            f"Le choix « {choice_name} » n'existe pas dans cette liste.", "name"
        ) from None


def update_choice(
    questionnaire: Questionnaire, list_name: str, choice_name: str, choice: Choice
) -> QuestionnaireVersion:
    def change(model: QuestionnaireModel) -> None:
        choice_list = _choice_list(model, list_name)
        index = _choice_index(choice_list, choice_name)
        _check_choice(choice_list, choice, previous_name=choice_name)
        choice_list.choices[index] = choice

    return edit(questionnaire, change)


def delete_choice(
    questionnaire: Questionnaire, list_name: str, choice_name: str
) -> QuestionnaireVersion:
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
    from questionnaires.checks import Problem, blocking, check_questionnaire

    draft = questionnaire.draft
    if draft is None:
        latest = questionnaire.latest
        number = latest.number if latest else 0
        raise DesignerError(f"Rien à publier : aucune modification depuis la version {number}.")
    model = draft.model()
    model.version = str(draft.number)
    model.title = questionnaire.title
    problems = blocking(check_questionnaire(model))
    if not any(question.type not in ("note", "calculate") for question in model.questions()):
        problems.insert(
            0, Problem("", "", "Le questionnaire ne pose encore aucune question.", None, "empty")
        )
    if problems:
        raise PublishRefused(problems)
    draft.definition = model.to_dict()
    draft.status = PUBLISHED
    draft.published_at = utcnow()
    draft.published_by_id = getattr(user, "id", None)
    questionnaire.updated_at = utcnow()
    db.session.flush()
    record("questionnaire", questionnaire.id, "publish", by=user, after={"version": draft.number})
    return draft


def duplicate(questionnaire: Questionnaire, user=None) -> Questionnaire:
    """A new questionnaire « … (copie) » whose draft v1 is the latest definition."""
    source = questionnaire.latest
    model = source.model() if source else None
    title = f"{questionnaire.title} (copie)"
    form_id = available_form_id(f"{questionnaire.form_id or slugify(questionnaire.title)}_copie")
    if model is not None:
        model.version = ""
    copied = _new_questionnaire(
        title,
        form_id=form_id,
        language=model.default_language if model else "fr",
        description=questionnaire.description,
        user=user,
        model=model,
    )
    _record_new(
        copied,
        "duplicate",
        user,
        source_id=questionnaire.id,
        source_version=source.number if source else None,
    )
    return copied


def import_xlsform(
    source,
    *,
    attachments: dict[str, bytes] | None = None,
    title: str | None = None,
    user=None,
    publish_it: bool = False,
    filename: str = "",
) -> ImportOutcome:
    """Reads an XLSForm (path, bytes or file object) and the files attached to it
    ({"communes.csv": bytes}, for select_one_from_file). Errors: nothing written. Otherwise a
    new questionnaire whose draft v1 holds the form (the attached files' choices included),
    published at once when `publish_it`. `filename` (of an upload) names the form when its
    settings sheet gives no form_id."""
    from questionnaires.xlsform import load_xlsform

    result = load_xlsform(source, attachments)
    if result.errors:
        return ImportOutcome(None, list(result.errors), list(result.warnings))
    model = result.questionnaire
    warnings = list(result.warnings)
    if filename and model.form_id in ("", "questionnaire"):
        model.form_id = slugify(filename.rsplit(".", 1)[0])
    wanted = (
        model.form_id
        if model.form_id and NAME_PATTERN.match(model.form_id)
        else slugify(title or model.title or "questionnaire")
    )
    form_id = available_form_id(wanted)
    if model.form_id and form_id != model.form_id:
        warnings.append(
            f"L'identifiant « {model.form_id} » est déjà pris : le questionnaire importé devient « {form_id} »."
        )
    model.version = ""
    questionnaire = _new_questionnaire(
        (title or model.title or form_id).strip(),
        form_id=form_id,
        language=model.default_language or "fr",
        user=user,
        model=model,
    )
    _record_new(questionnaire, "import", user, **({"filename": filename[:200]} if filename else {}))
    if publish_it:
        publish(questionnaire, user)
    return ImportOutcome(questionnaire, [], warnings)


def export_xlsform(version: QuestionnaireVersion, destination) -> None:
    """Writes `version` (draft or published) as an XLSForm .xlsx to a path or binary file."""
    from questionnaires.xlsform import to_xlsform

    to_xlsform(version.model(), destination)


def has_choice_files(version: QuestionnaireVersion) -> bool:
    """Whether questions of `version` read their choices from an attached file."""
    return any(choice_list.file for choice_list in version.model().choice_lists.values())


def export_archive(version: QuestionnaireVersion, form_name: str) -> bytes:
    """A zip of the XLSForm and of the files its select_one_from_file questions read."""
    from questionnaires.xlsform import xlsform_archive

    return xlsform_archive(version.model(), form_name)


def export_choice_files(version: QuestionnaireVersion) -> dict[str, bytes]:
    """{"communes.csv": bytes}: the files the form's select_one_from_file questions read."""
    from questionnaires.xlsform import choice_files

    return choice_files(version.model())


def export_filename(questionnaire: Questionnaire, version: QuestionnaireVersion) -> str:
    base = questionnaire.form_id or slugify(questionnaire.title)
    suffix = f"v{version.number}" + ("" if version.is_published else "-brouillon")
    return f"{base}-{suffix}.xlsx"
