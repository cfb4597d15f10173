from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
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
