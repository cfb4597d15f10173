"""The indicator registry (the glossary) and the values of indicators by territory and year:
reference data shared by every study, imported from INSEE or CAF files."""

from flask import Blueprint

bp = Blueprint("indicators", __name__, url_prefix="/indicateurs")

from . import contour_views, import_job, import_views, theme_views, views  # noqa: E402,F401
