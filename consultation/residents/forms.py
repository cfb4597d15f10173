"""The receipt code form and the actions on the answers it opens."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

CODE_HINT = "12 lettres et chiffres, sur votre récépissé, par exemple 7K2M-QX9D-4TBE."


class ReceiptForm(FlaskForm):
    code = StringField(
        "Code de récépissé",
        validators=[
            DataRequired(message="Indiquez le code de récépissé qui vous a été remis."),
            Length(max=40, message="Un code de récépissé a 12 lettres et chiffres."),
        ],
    )


class DownloadForm(FlaskForm):
    code = HiddenField()
    fmt = HiddenField()


class EraseForm(FlaskForm):
    code = HiddenField()
    confirm = BooleanField("Je confirme vouloir effacer définitivement mes réponses")
