"""Designer forms. Translated texts get one field per language of the questionnaire, built at
request time: `question_form(languages)` returns a form class with `label_fr`, `label_en`…"""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from questionnaires import QUESTION_TYPES, Choice, Group, Question, editing, label_in
from questionnaires.model import TYPES_WITH_CHOICES

from . import services

TYPE_LABELS = {
    "text": "Texte court",
    "paragraph": "Texte long",
    "integer": "Nombre entier",
    "decimal": "Nombre décimal",
    "date": "Date",
    "select_one": "Choix unique",
    "select_multiple": "Choix multiples",
    "rating": "Échelle de notation",
    "note": "Note (texte affiché)",
    "calculate": "Calcul (caché)",
}
assert set(TYPE_LABELS) == set(QUESTION_TYPES)

LANGUAGE_NAMES = {
    "fr": "français",
    "en": "anglais",
    "ar": "arabe",
    "es": "espagnol",
    "pt": "portugais",
    "tr": "turc",
    "de": "allemand",
    "it": "italien",
    "ro": "roumain",
    "zh": "chinois",
}

# Translated fields of a question and of a group, with their French label.
QUESTION_TEXTS = {
    "label": "Libellé",
    "hint": "Aide",
    "required_message": "Message si la réponse manque",
    "constraint_message": "Message si la contrainte n'est pas respectée",
}
GROUP_TEXTS = {"label": "Titre du groupe", "hint": "Aide"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def type_choices() -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in TYPE_LABELS.items()]


class NewQuestionnaireForm(FlaskForm):
    title = StringField(
        "Titre",
        validators=[DataRequired("Indiquez un titre."), Length(max=300)],
    )
    form_id = StringField(
        "Identifiant (form_id)",
        validators=[Optional(), Length(max=100)],
    )
    language = StringField("Langue par défaut", default="fr", validators=[Length(max=10)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class SettingsForm(FlaskForm):
    title = StringField("Titre", validators=[DataRequired("Indiquez un titre."), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    languages = StringField(
        "Langues",
        validators=[DataRequired("Indiquez au moins une langue.")],
    )
    default_language = StringField(
        "Langue par défaut", validators=[DataRequired("Indiquez la langue par défaut.")]
    )


class _QuestionFormBase(FlaskForm):
    type = SelectField("Type", choices=type_choices())
    name = StringField(
        "Nom de la variable",
        validators=[DataRequired("Indiquez un nom (identifiant de la variable)."), Length(max=100)],
    )
    required = BooleanField("Réponse obligatoire")
    constraint = StringField("Contrainte", validators=[Optional(), Length(max=2000)])
    relevant = StringField("Condition d'affichage", validators=[Optional(), Length(max=2000)])
    calculation = StringField("Calcul", validators=[Optional(), Length(max=2000)])
    choice_list = SelectField("Liste de choix", choices=[], validate_choice=False)
    choice_filter = StringField("Filtre des choix", validators=[Optional(), Length(max=2000)])
    appearance = StringField("Apparence", validators=[Optional(), Length(max=200)])
    default = StringField("Valeur par défaut", validators=[Optional(), Length(max=500)])
    read_only = BooleanField("Lecture seule")
    start = IntegerField("Début de l'échelle", default=1, validators=[Optional()])
    end = IntegerField("Fin de l'échelle", default=5, validators=[Optional()])
    step = IntegerField(
        "Pas",
        default=1,
        validators=[Optional(), NumberRange(min=1, message="Le pas doit être positif.")],
    )
    parent = HiddenField()


class _GroupFormBase(FlaskForm):
    name = StringField(
        "Nom du groupe",
        validators=[DataRequired("Indiquez un nom (identifiant du groupe)."), Length(max=100)],
    )
    relevant = StringField("Condition d'affichage", validators=[Optional(), Length(max=2000)])
    appearance = StringField("Apparence", validators=[Optional(), Length(max=200)])
    repeat = BooleanField("Groupe répété (par exemple une fois par membre du foyer)")
    repeat_count = StringField("Nombre de répétitions", validators=[Optional(), Length(max=2000)])
    parent = HiddenField()


class _ChoiceFormBase(FlaskForm):
    name = StringField(
        "Valeur",
        validators=[DataRequired("Indiquez la valeur du choix."), Length(max=100)],
    )
    properties = TextAreaField(
        "Colonnes pour les filtres de choix", validators=[Optional(), Length(max=2000)]
    )


def _with_translations(
    base, texts: dict[str, str], languages: list[str], required_label: str | None = None
):
    attributes = {}
    for key, label in texts.items():
        for language in languages:
            field_label = f"{label} ({language_name(language)})" if len(languages) > 1 else label
            validators = [Optional(), Length(max=5000)]
            widget_class = (
                TextAreaField
                if key in ("label", "hint") and base is not _ChoiceFormBase
                else StringField
            )
            attributes[f"{key}_{language}"] = widget_class(field_label, validators=validators)
    return type(base.__name__.lstrip("_"), (base,), attributes)


def question_form(languages: list[str]):
    return _with_translations(_QuestionFormBase, QUESTION_TEXTS, languages)


def group_form(languages: list[str]):
    return _with_translations(_GroupFormBase, GROUP_TEXTS, languages)


def choice_form(languages: list[str]):
    return _with_translations(_ChoiceFormBase, {"label": "Libellé"}, languages)


class NewChoiceListForm(FlaskForm):
    list_name = StringField(
        "Nom de la liste",
        validators=[DataRequired("Indiquez un nom de liste."), Length(max=100)],
    )
    choices = TextAreaField(
        "Choix, un par ligne",
        validators=[Optional(), Length(max=20000)],
    )


class MoveForm(FlaskForm):
    parent = SelectField("Dans", choices=[], validate_choice=False)
    position = IntegerField(
        "À la position",
        validators=[
            InputRequired("Indiquez une position."),
            NumberRange(min=1, message="La position commence à 1."),
        ],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Fichier XLSForm (.xlsx, ou .zip avec ses fichiers joints)",
        validators=[
            FileRequired("Choisissez un fichier .xlsx."),
            FileAllowed(
                ["xlsx", "zip"],
                "Seuls les fichiers .xlsx (XLSForm) sont acceptés, ou un .zip du formulaire et de ses fichiers joints.",
            ),
        ],
    )
    attachments = MultipleFileField(
        "Fichiers joints (facultatif, .csv ou .xml)",
        validators=[
            FileAllowed(
                ["csv", "xml"], "Seuls les fichiers .csv et .xml peuvent être joints au formulaire."
            )
        ],
    )
    title = StringField("Titre (facultatif)", validators=[Optional(), Length(max=300)])
    publish = BooleanField("Publier aussitôt la version 1")


# --- form <-> model ---------------------------------------------------------------------------
# Each page's form maps onto the questionnaire model here, so that a view only parses, calls a
# service and renders.


def translations_from_form(form, key: str, languages: list[str]) -> dict[str, str]:
    """{language: text} of the translated field `key` (label_fr, label_en…)."""
    return {language: getattr(form, f"{key}_{language}").data or "" for language in languages}


def _fill_translations(form, node, texts: dict, languages: list[str]) -> None:
    for key in texts:
        values = getattr(node, key)
        for language in languages:
            getattr(form, f"{key}_{language}").data = values.get(language, "")


def put_errors(form, errors: dict[str, str], language: str = "fr") -> None:
    """Puts each message under its field ('' or an unknown field: the form's own errors)."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for field_name, message in errors.items():
        target = None
        if field_name:
            target = getattr(form, field_name, None) or getattr(
                form, f"{field_name}_{language}", None
            )
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            form.form_errors.append(message)


def fill_settings_form(form, questionnaire, model) -> None:
    """The settings form showing the stored questionnaire and its draft's languages."""
    form.title.data = questionnaire.title
    form.description.data = questionnaire.description
    form.languages.data = ", ".join(model.languages)
    form.default_language.data = model.default_language


def settings_from_form(form) -> dict:
    """The arguments of `services.update_settings` ("fr, en" or "fr; en" for the languages)."""
    return {
        "title": form.title.data,
        "description": form.description.data or "",
        "languages": form.languages.data.replace(";", ",").split(","),
        "default_language": form.default_language.data.strip(),
    }


def choice_list_choices(model) -> list[SelectChoice]:
    """The options of a question's "choice list" select."""
    return [SelectChoice("", "— Choisir une liste —")] + [
        SelectChoice(name, f"{name} ({len(choice_list.choices)} choix)")
        for name, choice_list in model.choice_lists.items()
    ]


def suggested_name(model, question_type: str) -> str:
    """The name a new question of `question_type` is offered: nombre_1, choix_2…"""
    base = {
        "select_one": "choix",
        "select_multiple": "choix_multiples",
        "integer": "nombre",
        "decimal": "nombre",
        "paragraph": "commentaire",
        "rating": "note",
        "note": "info",
        "calculate": "calcul",
    }.get(question_type, "question")
    return editing.free_name(model, base)


def question_from_form(form, languages: list[str], previous: Question | None = None) -> Question:
    """The question the form describes; editing `previous`, its texts in languages the
    questionnaire no longer lists and its uninterpreted XLSForm columns stay."""
    question = Question(
        type=form.type.data,
        name=form.name.data or "",
        label=translations_from_form(form, "label", languages),
        hint=translations_from_form(form, "hint", languages),
        required=bool(form.required.data),
        required_message=translations_from_form(form, "required_message", languages),
        constraint=form.constraint.data or "",
        constraint_message=translations_from_form(form, "constraint_message", languages),
        relevant=form.relevant.data or "",
        calculation=form.calculation.data or "",
        choice_list=(form.choice_list.data or "") if form.type.data in TYPES_WITH_CHOICES else "",
        choice_filter=(form.choice_filter.data or "")
        if form.type.data in TYPES_WITH_CHOICES
        else "",
        appearance=form.appearance.data or "",
        default=form.default.data or "",
        read_only=bool(form.read_only.data),
        start=form.start.data if form.start.data is not None else 1,
        end=form.end.data if form.end.data is not None else 5,
        step=form.step.data if form.step.data is not None else 1,
    )
    if previous is not None:
        # Texts in languages the questionnaire no longer lists, and uninterpreted XLSForm columns, stay.
        for key in QUESTION_TEXTS:
            kept = {
                lang: text for lang, text in getattr(previous, key).items() if lang not in languages
            }
            getattr(question, key).update(kept)
        question.extra = dict(previous.extra)
    return question


def fill_form_from_question(form, question: Question, languages: list[str]) -> None:
    """The question form showing `question`: its fields, and its texts in each language."""
    form.process(obj=question)
    _fill_translations(form, question, QUESTION_TEXTS, languages)


def group_from_form(form, languages: list[str], previous: Group | None = None) -> Group:
    """The group the form describes (without children: the service keeps those of `previous`)."""
    group = Group(
        name=form.name.data or "",
        label=translations_from_form(form, "label", languages),
        hint=translations_from_form(form, "hint", languages),
        relevant=form.relevant.data or "",
        appearance=form.appearance.data or "",
        repeat=bool(form.repeat.data),
        repeat_count=(form.repeat_count.data or "") if form.repeat.data else "",
    )
    if previous is not None:
        for key in GROUP_TEXTS:
            getattr(group, key).update(
                {
                    lang: text
                    for lang, text in getattr(previous, key).items()
                    if lang not in languages
                }
            )
        group.extra = dict(previous.extra)
    return group


def fill_form_from_group(form, group: Group, languages: list[str]) -> None:
    form.process(obj=group)
    _fill_translations(form, group, GROUP_TEXTS, languages)


def choice_from_form(form, languages: list[str], previous: Choice | None = None) -> Choice:
    """The choice the form describes; raises DesignerError on a badly written properties field.
    Editing `previous`, its labels in languages the questionnaire no longer lists stay."""
    label = (
        {lang: text for lang, text in previous.label.items() if lang not in languages}
        if previous
        else {}
    )
    label.update(translations_from_form(form, "label", languages))
    return Choice(
        name=form.name.data or "",
        label=label,
        properties=services.parse_choice_properties(form.properties.data or ""),
    )


def fill_form_from_choice(form, choice: Choice, languages: list[str]) -> None:
    form.name.data = choice.name
    form.properties.data = "\n".join(
        f"{column}={value}" for column, value in choice.properties.items()
    )
    _fill_translations(form, choice, {"label": ""}, languages)


def choices_from_lines(text: str, language: str) -> list[Choice]:
    """'value;Label', 'value;Label;column=value…' or just 'Label' per line; a bare label gets a
    value made from it. The column=value parts feed choice filters (cascading lists)."""
    choices = []
    used = set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        properties = {}
        if ";" in line:
            value, label, *columns = (part.strip() for part in line.split(";"))
            try:
                properties = services.parse_choice_properties("\n".join(columns))
            except services.DesignerError as error:
                raise services.DesignerError(
                    f"Ligne {number} : {error.message}", "choices"
                ) from None
        else:
            label, value = line, services.slugify(line)
            base, number = value, 1
            while value in used:
                number += 1
                value = f"{base}_{number}"
        used.add(value)
        choices.append(Choice(name=value, label={language: label}, properties=properties))
    return choices


def move_destinations(model, node) -> list[SelectChoice]:
    """Where `node` may go: the top level, or any group that is neither it nor inside it."""
    return [SelectChoice("", "Premier niveau du questionnaire")] + [
        SelectChoice(
            group.name,
            "\u2003" * depth
            + f"Groupe {label_in(group.label, model.default_language) or group.name} ({group.name})",
        )
        for depth, group in editing.groups_of(model)
        if group.name != node.name
        and not (isinstance(node, Group) and editing.contains(node, group.name))
    ]
