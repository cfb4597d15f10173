from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from analyse.territories import LEVEL_LABELS

from .models import FREQUENCIES, SOURCES


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(value, label) for value, label in labels.items()]


class IndicatorForm(FlaskForm):
    label = StringField(
        "Libellé",
        validators=[DataRequired("Indiquez un libellé."), Length(max=300)],
    )
    definition = TextAreaField("Définition")
    numerator_label = StringField("Numérateur (pour un ratio)", validators=[Length(max=300)])
    denominator_label = StringField("Dénominateur (pour un ratio)", validators=[Length(max=300)])
    unit = StringField("Unité", validators=[Length(max=50)])
    source = SelectField("Source", choices=_choices(SOURCES))
    millesime = IntegerField(
        "Millésime",
        validators=[Optional(), NumberRange(1900, 2100, "Une année entre 1900 et 2100.")],
    )
    level = SelectField("Niveau géographique", choices=_choices(LEVEL_LABELS))
    update_frequency = SelectField("Fréquence de mise à jour", choices=_choices(FREQUENCIES))
    notes = TextAreaField("Disponibilité et fiabilité")


class UploadForm(FlaskForm):
    file = FileField(
        "Fichier CSV ou XLSX",
        validators=[
            FileRequired("Choisissez un fichier."),
            FileAllowed(
                ["csv", "txt", "xlsx", "xlsm"], "Seuls les fichiers .csv et .xlsx sont acceptés."
            ),
        ],
    )
    template = SelectField(
        "Appliquer un modèle de correspondance", choices=[], validate_choice=False
    )


class MappingForm(FlaskForm):
    """Its choices are the file's columns, set by the view."""

    sheet = SelectField("Feuille du classeur", choices=[], validate_choice=False)
    code_column = SelectField(
        "Colonne des codes de territoire",
        choices=[],
        validators=[DataRequired("Choisissez la colonne des codes de territoire.")],
    )
    level = SelectField(
        "Niveau géographique des codes",
        choices=[SelectChoice("", "Deviner (nom de la colonne, forme des codes)")]
        + [SelectChoice(value, label) for value, label in LEVEL_LABELS.items()],
    )
    label_column = SelectField("Colonne du nom des territoires", choices=[])
    year = IntegerField(
        "Année des valeurs",
        validators=[Optional(), NumberRange(1900, 2100, "Une année entre 1900 et 2100.")],
    )
    indicator_columns = SelectMultipleField(
        "Colonnes d'indicateurs",
        choices=[],
        validators=[DataRequired("Cochez au moins une colonne d'indicateur.")],
    )
    template_name = StringField(
        "Enregistrer comme modèle (facultatif)", validators=[Length(max=120)]
    )


class StartImportForm(FlaskForm):
    replace = BooleanField("Remplacer les valeurs déjà importées et les lignes en double")


class ContoursForm(FlaskForm):
    file = FileField(
        "Fichier GeoJSON",
        validators=[
            FileRequired("Choisissez un fichier."),
            FileAllowed(["geojson", "json"], "Seuls les fichiers .geojson et .json sont acceptés."),
        ],
    )
    level = SelectField(
        "Niveau des territoires",
        choices=[SelectChoice("commune", "Communes"), SelectChoice("iris", "IRIS")],
        default="commune",
    )
    code_property = StringField(
        "Propriété du code (facultatif)",
        validators=[Optional(), Length(max=60, message="60 caractères au plus.")],
    )
