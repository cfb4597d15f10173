from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/compte")

from . import views  # noqa: E402,F401
