from flask import Blueprint

bp = Blueprint("interviews", __name__, url_prefix="/entretiens")

from . import views  # noqa: E402,F401
