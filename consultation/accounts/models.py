from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

_hasher = PasswordHasher()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    # Global; every other role is held per study (studies/models.py Membership).
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Named by every session and "remember me" cookie of the account; raising it ends them all
    # (logout, « se déconnecter partout »), even copies of a cookie taken before.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The e-mail digest of unread notifications (collectif/notifications.py); the person may
    # turn it off from a study's notifications page.
    notification_digest: Mapped[bool] = mapped_column(default=True, server_default=true())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # The session names the account's session version and the password it was opened with:
        # a logout, « se déconnecter partout » or a new password ends the account's sessions and
        # "remember me" cookies.
        return f"{self.id}.{self.session_key}"

    @property
    def session_key(self) -> str:
        return f"{self.session_version}-{self.password_hash[-16:]}"

    def end_sessions(self) -> None:
        """Every session and "remember me" cookie opened so far stops working at its next request."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def __repr__(self) -> str:
        return f"<User {self.email}{' admin' if self.is_admin else ''}>"
