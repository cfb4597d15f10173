from flask import Blueprint

bp = Blueprint("main", __name__)

from . import headers, request_bodies, views  # noqa: E402,F401
