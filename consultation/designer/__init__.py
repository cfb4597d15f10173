from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/questionnaires")

from . import audit_links, views  # noqa: E402,F401
