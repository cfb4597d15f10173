from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/reponses")

from . import views  # noqa: E402,F401
