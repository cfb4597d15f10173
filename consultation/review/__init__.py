from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/reponses")

from . import audit_links, views, waiting  # noqa: E402,F401  (what waits and the journal's links register themselves)
