from flask import Blueprint

bp = Blueprint("main", __name__)

from . import headers, views  # noqa: E402,F401
