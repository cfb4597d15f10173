from flask import Blueprint

bp = Blueprint("interviews", __name__, url_prefix="/entretiens")

from . import views, waiting  # noqa: E402,F401  (what waits registers itself)
