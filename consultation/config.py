"""Configuration read from the environment, once, when the app is created."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def config_from_env(instance_path: str) -> dict:
    """Settings with embedded defaults; DATABASE_URL, SECRET_KEY, REDIS_URL, MAIL_* and the others
    read below override them."""
    default_db = f"sqlite:///{Path(instance_path) / 'consultation.db'}"
    database_url = normalise_database_url(os.environ.get("DATABASE_URL", default_db))
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Uploads (XLSForm, CSV) are refused above this size: 10 MB.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)),
        # Counted in Redis when there is one (several gunicorn workers share the counts).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "memory://",
        # Residents' pages: requests that write, per address; the smallest fill time of a form.
        "PUBLIC_RATE_LIMIT": os.environ.get("PUBLIC_RATE_LIMIT", "60 per minute"),
        "PUBLIC_MIN_FILL_SECONDS": float(os.environ.get("PUBLIC_MIN_FILL_SECONDS", "5") or 5),
        # WTForms' built-in messages from its French catalogue (extensions.py), not Flask-Babel.
        "WTF_I18N_ENABLED": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Behind HTTPS, SESSION_COOKIE_SECURE=1 keeps the login cookies off plain HTTP; the demo
        # serves http://127.0.0.1, so it stays off by default.
        "SESSION_COOKIE_SECURE": _flag(os.environ.get("SESSION_COOKIE_SECURE", "")),
        "REMEMBER_COOKIE_SECURE": _flag(os.environ.get("SESSION_COOKIE_SECURE", "")),
        "SPACY_MODEL": os.environ.get("SPACY_MODEL", "fr_core_news_sm"),
        # French lemmas (concordance, word clouds) need a spaCy pipeline that takes seconds to
        # load: a served app starts loading it in the background (create_app). PRELOAD_NLP=0
        # never does, PRELOAD_NLP=1 always does; unset, only when served (`consultation serve`,
        # gunicorn), never in tests nor in the other commands.
        "PRELOAD_NLP": _optional_flag(os.environ.get("PRELOAD_NLP", "")),
        # How many reverse proxies in front of the app set each X-Forwarded-* header (werkzeug's
        # ProxyFix). 0, the default, ignores the headers: a client could write them itself.
        # Behind one nginx or Caddy: PROXY_FIX_X_FOR=1 and PROXY_FIX_X_PROTO=1.
        **{
            f"PROXY_FIX_{name}": _count(os.environ.get(f"PROXY_FIX_{name}", ""))
            for name in PROXY_FIX_HEADERS
        },
        **mail_config(),
        # How long an invitation link to a study works.
        "INVITATION_DAYS": _days(os.environ.get("INVITATION_DAYS", "")),
        # Survey figures: counts under this are shown « < N » to the collectif and the lecteurs.
        "SMALL_CELL_MINIMUM": _minimum(os.environ.get("SMALL_CELL_MINIMUM", "")),
    }


def mail_config() -> dict:
    """Mail goes out by SMTP when MAIL_SERVER is set (Flask-Mailman); without it, each message
    is written to the app's log instead (a demo or a test machine sends nothing)."""
    server = os.environ.get("MAIL_SERVER", "").strip()
    port = os.environ.get("MAIL_PORT", "").strip()
    if port and not port.isdigit():
        raise ValueError(f"MAIL_PORT : numéro de port attendu (25, 465, 587…), pas « {port} ».")
    return {
        "MAIL_SERVER": server,
        "MAIL_PORT": int(port or 25),
        "MAIL_USE_TLS": _flag(os.environ.get("MAIL_USE_TLS", "")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER")
        or "Consultation <ne-pas-repondre@localhost>",
    }


# The X-Forwarded-* headers ProxyFix may trust, by their settings' suffix.
PROXY_FIX_HEADERS = ("X_FOR", "X_PROTO", "X_HOST", "X_PORT", "X_PREFIX")


def _count(value: str) -> int:
    value = value.strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"Nombre de proxys attendu (0, 1, 2…), pas « {value} ».")
    return int(value)


def _minimum(value: str) -> int:
    value = value.strip()
    if not value:
        return 5
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"SMALL_CELL_MINIMUM : effectif minimal attendu (1, 5, 10…), pas « {value} »."
        )
    return int(value)


def _days(value: str) -> int:
    value = value.strip()
    if not value:
        return 7
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"INVITATION_DAYS : nombre de jours attendu (1, 7, 30…), pas « {value} ».")
    return int(value)


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "oui", "on")


def _optional_flag(value: str) -> bool | None:
    """None when unset (the default then depends on the context), else `_flag`."""
    return _flag(value) if value.strip() else None


def _instance_secret(instance_path: str) -> str:
    """A random secret kept in instance/ so sessions survive a restart of the demo."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// URLs use psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
