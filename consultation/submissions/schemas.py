"""Marshmallow schemas of the sync API: they check requests and describe them in OpenAPI.

Every message a client can receive is French, with the field path it belongs to."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from questionnaires.validation import UNSTORABLE

from .models import AGE_BANDS, CHANNELS, PUBLICS, SEXES

MAX_INT = 2**31 - 1

# Messages of the fields we use; marshmallow's own are English.
MESSAGES = {
    "required": "Ce champ est obligatoire.",
    "null": "Ce champ ne peut pas être nul.",
    "validator_failed": "Valeur invalide.",
    "invalid": "Valeur invalide.",
}
TYPE_MESSAGES = {
    fields.String: {"invalid": "Texte attendu.", "invalid_utf8": "Texte UTF-8 invalide."},
    fields.Integer: {"invalid": "Nombre entier attendu.", "too_large": "Nombre trop grand."},
    fields.Boolean: {"invalid": "Valeur vrai/faux attendue."},
    fields.DateTime: {
        "invalid": "Date et heure attendues au format ISO 8601 (2025-03-14T10:30:00+01:00).",
        "format": "Date et heure attendues au format ISO 8601.",
    },
    fields.UUID: {"invalid_uuid": "Identifiant UUID invalide."},
    fields.Dict: {"invalid": "Objet JSON attendu."},
    fields.Nested: {"type": "Objet JSON attendu."},
    fields.List: {"invalid": "Liste attendue."},
}


def storable_text(value: str) -> None:
    """Refuses a text no database stores: a NUL, or half a UTF-16 surrogate pair."""
    if UNSTORABLE.search(value):
        raise ValidationError("Caractère invalide (caractère nul ou caractère Unicode incomplet).")


def _field(cls, *args, **kwargs):
    return cls(*args, error_messages=MESSAGES | TYPE_MESSAGES.get(cls, {}), **kwargs)


def text(max_length: int, **kwargs):
    return _field(
        fields.String,
        validate=[
            validate.Length(max=max_length, error="{max} caractères au plus."),
            storable_text,
        ],
        **kwargs,
    )


def one_of(choices, **kwargs):
    return _field(
        fields.String,
        validate=validate.OneOf(list(choices), error="Valeur inconnue : {choices}."),
        **kwargs,
    )


def identifier(**kwargs):
    return _field(
        fields.Integer,
        strict=True,
        validate=validate.Range(min=1, max=MAX_INT, error="Identifiant hors limites."),
        **kwargs,
    )


class FrenchSchema(Schema):
    error_messages = {"type": "Objet JSON attendu.", "unknown": "Champ inconnu."}

    class Meta:
        # Newer tablets may send fields this server does not know yet: ignore them.
        unknown = EXCLUDE


class QuartierField(fields.Field):
    """A quartier by its id (integer) or by its name within the commune."""

    default_error_messages = {"invalid": "Identifiant (entier) ou nom du quartier attendu."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.make_error("invalid")
        if isinstance(value, int) and not 0 < value <= MAX_INT:
            raise self.make_error("invalid")
        if isinstance(value, str) and (len(value) > 200 or UNSTORABLE.search(value)):
            raise self.make_error("invalid")
        return value


class ProfileIn(FrenchSchema):
    public = one_of(PUBLICS, required=True, metadata={"description": "jeune, age ou autre"})
    age_band = one_of(AGE_BANDS.keys() | {""}, load_default="")
    sex = one_of(SEXES, load_default="")
    commune = text(5, load_default=None, allow_none=True, metadata={"description": "Code INSEE"})
    quartier = QuartierField(
        load_default=None,
        allow_none=True,
        error_messages=MESSAGES,
        metadata={
            "description": "Identifiant du quartier, ou son nom dans la commune",
            "oneOf": [{"type": "integer"}, {"type": "string"}],
            "nullable": True,
        },
    )
    place = text(200, load_default="", metadata={"description": "Lieu de l'entretien"})


class ConsentIn(FrenchSchema):
    given = _field(fields.Boolean, required=True)
    recorded_by = text(200, load_default="")
    at = _field(fields.DateTime, load_default=None, allow_none=True)
    parental_consent = _field(fields.Boolean, load_default=None, allow_none=True)


class SubmissionIn(FrenchSchema):
    uuid = _field(
        fields.UUID, required=True, metadata={"description": "Identifiant créé par la tablette"}
    )
    questionnaire_id = identifier(required=True)
    version = identifier(required=True, metadata={"description": "Numéro de la version publiée"})
    # Keys are not run through a String field: JSON keys are always strings, and their names
    # are checked against the questionnaire by validate_answers (that cost a field per answer).
    answers = _field(fields.Dict, required=True)
    profile = _field(fields.Nested, ProfileIn, required=True)
    consent = _field(fields.Nested, ConsentIn, required=True)
    started_at = _field(fields.DateTime, load_default=None, allow_none=True)
    completed_at = _field(fields.DateTime, load_default=None, allow_none=True)
    device_id = text(100, load_default="")
    channel = one_of(CHANNELS, load_default="tablette")
    receipt_code = text(
        20,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Code de récépissé tiré par la tablette et remis à la personne en fin "
            "d'entretien (hors ligne) ; le serveur en tire un s'il manque"
        },
    )
    corrects = _field(
        fields.String,
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^[0-9a-f]{64}$", error="Empreinte attendue : 64 caractères hexadécimaux."
        ),
        metadata={
            "description": "Pour corriger un entretien déjà reçu : l'empreinte `content_hash` "
            "que le serveur a répondue au dernier envoi accepté de cet entretien (même `uuid`). "
            "Absent pour un nouvel entretien."
        },
    )


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested {"profile": {"commune": [..]}} as {"profile.commune": [..]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix.rstrip(".") or "_schema"
            elif isinstance(key, int):
                path = f"{prefix.rstrip('.')}[{key}]"
            else:
                path = f"{prefix}{key}"
            for sub_path, sub_messages in flatten_messages(value, path + ".").items():
                flat.setdefault(sub_path, []).extend(sub_messages)
    elif isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        flat[prefix.rstrip(".")] = list(messages)
    elif isinstance(messages, str):
        flat[prefix.rstrip(".")] = [messages]
    else:
        for index, item in enumerate(messages or []):
            flat.update(flatten_messages(item, f"{prefix.rstrip('.')}[{index}]."))
    return flat
