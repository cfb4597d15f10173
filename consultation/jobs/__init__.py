from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/travaux")

from . import views  # noqa: E402,F401
