"""Request bodies every view can trust to parse: a malformed or absurd body is a French 400, never
an exception deep inside a form or a view."""

from flask import abort, request

from . import bp

CHANGING = ("POST", "PUT", "PATCH", "DELETE")


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
    except RecursionError:  # "[[[[…" nested beyond what the parser handles
        abort(400)
    # JSON is read as an object: by the fetch() endpoints, and by Flask-WTF, which turns a JSON
    # body into form data.
    if body is not None and not isinstance(body, dict):
        abort(400)
