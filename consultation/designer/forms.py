"""Designer forms. Translated texts get one field per language of the questionnaire, built at
request time: `question_form(languages)` returns a form class with `label_fr`, `label_en`…"""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
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

from questionnaires import QUESTION_TYPES

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
    default_language = StringField("Langue par défaut", validators=[DataRequired("Indiquez la langue par défaut.")])


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
    step = IntegerField("Pas", default=1, validators=[Optional(), NumberRange(min=1, message="Le pas doit être positif.")])
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
    properties = TextAreaField("Colonnes pour les filtres de choix", validators=[Optional(), Length(max=2000)])


def _with_translations(base, texts: dict[str, str], languages: list[str], required_label: str | None = None):
    attributes = {}
    for key, label in texts.items():
        for index, language in enumerate(languages):
            field_label = f"{label} ({language_name(language)})" if len(languages) > 1 else label
            validators = [Optional(), Length(max=5000)]
            widget_class = TextAreaField if key in ("label", "hint") and base is not _ChoiceFormBase else StringField
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
        validators=[InputRequired("Indiquez une position."), NumberRange(min=1, message="La position commence à 1.")],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Fichier XLSForm (.xlsx)",
        validators=[
            FileRequired("Choisissez un fichier .xlsx."),
            FileAllowed(["xlsx"], "Seuls les fichiers .xlsx (XLSForm) sont acceptés."),
        ],
    )
    title = StringField("Titre (facultatif)", validators=[Optional(), Length(max=300)])
    publish = BooleanField("Publier aussitôt la version 1")
