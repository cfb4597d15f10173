"""The coding workspace: codebooks, coding of free-text answers on spans, suggestions, agreement
between coders, results for the collectif, pseudonymisation review and exports."""

from flask import Blueprint

bp = Blueprint("coding", __name__, url_prefix="/analyse")

# Views, job handlers, the receivers (edits, next edition), what waits and the journal's links
# register themselves.
from . import (  # noqa: E402,F401
    anchors,
    audit_links,
    classes,
    editions,
    jobs,
    rights,
    views,
    waiting,
    weighting_models,
)
