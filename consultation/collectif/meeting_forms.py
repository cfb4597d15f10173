"""The meeting's form. The smaller actions of the meeting's page (people, agenda, decisions) are
plain forms checked by the services; CSRF is checked for every POST by the app."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class MeetingForm(FlaskForm):
    # Read by meetings.parse_starts_at: the French message names the field, and a browser without
    # a date picker may type « 12/01/2027 18:30 ».
    title = StringField("Titre")
    starts_at = StringField("Date et heure")
    place = StringField("Lieu (facultatif)")
    notes = TextAreaField("Notes (facultatif)")
