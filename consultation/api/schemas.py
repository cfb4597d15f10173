"""Marshmallow schemas of what the sync API answers (the requests' schemas are the submission
domain's, in submissions/schemas.py); they also describe the API in OpenAPI."""

from datetime import timezone

from marshmallow import Schema, fields

from ..submissions.schemas import FrenchSchema, text


class UtcDateTime(fields.DateTime):
    """Dates read back from SQLite lose their offset; they were stored in UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class SubmissionOut(Schema):
    id = fields.Integer(required=True)
    uuid = fields.String(required=True)
    state = fields.String(required=True)
    receipt_code = fields.String(
        required=True,
        metadata={"description": "Code de récépissé à remettre à la personne (ses droits RGPD)"},
    )
    content_hash = fields.String(
        required=True,
        metadata={
            "description": "Empreinte du contenu enregistré : à garder sur la tablette et à "
            "renvoyer dans `corrects` pour corriger cet entretien"
        },
    )
    corrected = fields.Boolean(
        required=True,
        metadata={"description": "Vrai quand cet envoi est une correction enregistrée"},
    )


class ErrorOut(Schema):
    code = fields.Raw(required=True, metadata={"description": "Code HTTP ou code d'erreur"})
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class VersionSummaryOut(Schema):
    number = fields.Integer(required=True)
    published_at = UtcDateTime(allow_none=True)


class QuestionnaireOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    current_version = fields.Integer(allow_none=True)
    versions = fields.List(fields.Nested(VersionSummaryOut))


class VersionOut(Schema):
    id = fields.Integer(required=True)
    questionnaire_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    published_at = UtcDateTime(allow_none=True)
    definition = fields.Dict(required=True)


class TokenIn(FrenchSchema):
    device_label = text(100, load_default="", metadata={"description": "Nom de la tablette"})
    study = text(
        80,
        load_default="",
        metadata={"description": "Identifiant de l'étude (facultatif si vous n'en avez qu'une)"},
    )


class TokenOut(Schema):
    id = fields.Integer(required=True)
    token = fields.String(required=True, metadata={"description": "Affiché une seule fois"})
