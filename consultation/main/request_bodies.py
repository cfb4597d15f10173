"""Request bodies every view can trust to parse: a malformed or absurd body is a French 400, never
an exception deep inside a form or a view. So is a text no database can store (a NUL, which
PostgreSQL refuses, or half a UTF-16 surrogate pair, which a JSON escape can send and no UTF-8
text holds), in a form, a JSON body or a query string: refused here, naming its field, before any
view reads or writes it. An address whose path holds a NUL is a 404."""

from itertools import chain

from flask import abort, request
from werkzeug.exceptions import BadRequest

from questionnaires.validation import UNSTORABLE

from . import bp

CHANGING = ("POST", "PUT", "PATCH", "DELETE")


class UnstorableText(BadRequest):
    """A field holding a character no database stores; the description is French."""

    def __init__(self, field: str):
        super().__init__(
            f"Le champ « {field} » contient un caractère invalide (caractère nul ou caractère "
            "Unicode incomplet) : rien n'a été enregistré."
        )


@bp.app_url_value_preprocessor
def refuse_nul_in_address(endpoint, values) -> None:
    # A NUL in an address (a slug, a token, a secret link) names no page. Checked before every
    # other hook reads the address's values: the study's own looks its slug up.
    if values and any(isinstance(value, str) and "\x00" in value for value in values.values()):
        abort(404)


@bp.before_app_request
def refuse_unreadable_json():
    # The API reads its own bodies, under its own size limit, against its schemas.
    if request.method not in CHANGING or not request.is_json or request.path.startswith("/api/"):
        return
    if not request.get_data(cache=True):
        return  # fetch() sends actions without a body but with the JSON content type
    try:
        # Parsed once here and cached; a ValueError becomes werkzeug's 400.
        body = request.get_json()
        field = unstorable_field(body)
    except RecursionError:  # "[[[[…" nested beyond what the parser handles
        abort(400)
    # JSON is read as an object: by the fetch() endpoints, and by Flask-WTF, which turns a JSON
    # body into form data.
    if body is not None and not isinstance(body, dict):
        abort(400)
    if field is not None:
        raise UnstorableText(field)


@bp.before_app_request
def refuse_unstorable_text():
    # The query string everywhere; forms outside the API, whose schemas and answer validation
    # refuse such text field by field.
    fields = request.args.items(multi=True)
    if request.method in CHANGING and not request.path.startswith("/api/") and not request.is_json:
        fields = chain(fields, request.form.items(multi=True))
    for name, value in fields:
        if UNSTORABLE.search(name) or UNSTORABLE.search(value):
            raise UnstorableText(UNSTORABLE.sub("", name))


def unstorable_field(value, path: str = "") -> str | None:
    """The path ("membres[1].nom") of the first text of a JSON document that no database can
    store, or None."""
    if isinstance(value, str):
        return (path or "corps") if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if UNSTORABLE.search(key):
                return UNSTORABLE.sub("", where)
            found = unstorable_field(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_field(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
