"""Residents answer online: the chargé d'étude opens a published questionnaire
(/etudes/<slug>/en-ligne/…), residents answer on public pages outside any study (/q/<token>,
/reponse/<secret>/…), server-rendered and working without JavaScript."""

from flask import Blueprint

# The chargé d'étude's pages, registered under /etudes/<slug>/ (studies/scope.py).
bp = Blueprint("public", __name__, url_prefix="/en-ligne")
# The residents' pages: anonymous, each finds its study from the link or the draft it shows.
respond_bp = Blueprint("respond", __name__)

from . import respond, views  # noqa: E402,F401
