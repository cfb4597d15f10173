from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class ThemeKeysForm(FlaskForm):
    keys = StringField(
        "Clés des thèmes",
        validators=[Length(max=1000, message="1 000 caractères au plus.")],
        description="Les clés des codes, séparées par des virgules (ex. mobilite, isolement) : "
        "toute étude dont le livre de codes a cette clé verra l'indicateur sur la page du thème.",
    )
