"""Fieldwork: where the answers come from against the study's targets, and the questionnaire
printed for paper answers typed in later (review/ has the paper entry)."""

from flask import Blueprint

bp = Blueprint("fieldwork", __name__, url_prefix="/terrain")

from . import views  # noqa: E402,F401
