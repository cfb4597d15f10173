"""A respondent's own answers, reached with their receipt code and no account: see them, download
them (JSON, CSV), erase them. Outside /etudes: the study is the one of the submission the code
designates."""

from flask import Blueprint

bp = Blueprint("residents", __name__, url_prefix="/mes-reponses")

from . import views  # noqa: E402,F401
