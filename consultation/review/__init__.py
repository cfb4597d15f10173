from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/reponses")

from . import views, waiting  # noqa: E402,F401  (what waits registers itself)
