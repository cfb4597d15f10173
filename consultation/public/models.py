"""Answering online: the opening of a published version to residents, its invitation codes, and
the drafts of the people answering.

Submissions are referred to by id without a foreign key: erasing a submission (a resident's
right) must never be held back by the draft or the code that led to it."""

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned

# Crockford's base32 without I, L, O, U (as receipt codes): typed from a letter without doubt.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_link_token() -> str:
    """The open link's part of the address: public (posters), but not guessable from another."""
    return secrets.token_urlsafe(12)


def new_invitation_code() -> str:
    """« K7M2-QX9D »: 40 random bits, hopeless to guess behind the rate limit."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normal_code(typed: str) -> str:
    """What a resident types (lower case, spaces, O for 0, I/L for 1) as it is stored."""
    cleaned = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


class PublicLink(StudyOwned, db.Model):
    """One questionnaire opened to residents: which published version, from when to when, by an
    open link and/or invitation codes, with optional quotas per public and an introduction."""

    __tablename__ = "public_link"
    __table_args__ = (UniqueConstraint("questionnaire_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_link_token)
    # Anyone with the link may answer; otherwise an invitation code is asked for.
    open_link: Mapped[bool] = mapped_column(default=True)
    uses_codes: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    introduction: Mapped[str] = mapped_column(default="")
    # {public: most answers online}; a public left out has no limit.
    quotas: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    questionnaire = relationship("Questionnaire")
    version = relationship("QuestionnaireVersion")

    def parent_study_id(self, connection) -> int | None:
        return connection.scalar(
            text("SELECT study_id FROM questionnaire WHERE id = :id"),
            {"id": self.questionnaire_id},
        )


class PublicCode(db.Model):
    """An invitation code: one answer per code. Kept readable, the chargé d'étude prints them."""

    __tablename__ = "public_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_link_id: Mapped[int] = mapped_column(ForeignKey("public_link.id"), index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, default=new_invitation_code)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The draft started with it: the code's holder comes back to that one, never to a second.
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("public_draft.id"))
    used_at: Mapped[datetime | None]
    submission_id: Mapped[int | None]

    public_link: Mapped[PublicLink] = relationship()


class PublicDraft(db.Model):
    """What a resident has answered so far, kept on the server under the secret of their
    private link (its sha256 only). The client UUID is fixed at the start: a double submit
    stores one submission."""

    __tablename__ = "public_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_link_id: Mapped[int] = mapped_column(ForeignKey("public_link.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    language: Mapped[str] = mapped_column(String(20), default="")
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Index of the furthest page reached (0: the profile): later pages are not open yet.
    furthest: Mapped[int] = mapped_column(default=0)
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    submission_id: Mapped[int | None]

    public_link: Mapped[PublicLink] = relationship()
