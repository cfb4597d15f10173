"""Flask extensions, created unbound here and bound in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so that migrations diff cleanly on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The JSON API and its OpenAPI document (/api/v1/openapi.json).
api = Api(spec_kwargs={"title": "Consultation", "version": "v1", "openapi_version": "3.0.3"})
# E-mail (invitations): SMTP when MAIL_SERVER is set, the app's log otherwise (see mail.py).
mail = Mail()

# Every form's built-in messages (a choice not offered, a number out of range…) in French, from
# WTForms' own catalogue; Flask-WTF reads it when WTF_I18N_ENABLED is off (config.py).
FlaskForm.Meta.locales = ("fr",)
