"""Qualitative coding: codebooks, codings on character spans, suggestions, memos, pseudonymisation.

A coding points at a span of one answer: submission × answer path ("manque_quartier",
"menage[1]/precisions") × [start, end) offsets in the ORIGINAL text, and records its coder so that
agreement between coders can be measured. `text_hash` is the sha256 of the answer text the offsets
refer to: when an answer is edited, its codings move with the text (coding/anchors.py) and take the
new hash; a coding whose words were edited is kept and marked `needs_review` (« à revoir »)."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned


def _study_of_questionnaire(connection, questionnaire_id: int | None) -> int | None:
    if questionnaire_id is None:
        return None
    return connection.scalar(
        text("SELECT study_id FROM questionnaire WHERE id = :id"), {"id": questionnaire_id}
    )


class Codebook(StudyOwned, db.Model):
    __tablename__ = "codebook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The questionnaire whose answers it codes (a study-level codebook comes later).
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    codes: Mapped[list["Code"]] = relationship(
        back_populates="codebook", order_by="Code.position", cascade="all, delete-orphan"
    )

    def parent_study_id(self, connection) -> int | None:
        return _study_of_questionnaire(connection, self.questionnaire_id)


class Code(db.Model):
    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("codebook_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebook.id"), index=True)
    # Stable identifier shared with analyse.codebook.Code.id (e.g. "logement-cout").
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(default="")
    colour: Mapped[str] = mapped_column(String(7), default="#6b7280")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    phrases: Mapped[list] = mapped_column(JSON, default=list)
    regexes: Mapped[list] = mapped_column(JSON, default=list)
    # A merged code stays (codings moved to the target), so a link to it still resolves.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    codebook: Mapped[Codebook] = relationship(back_populates="codes")
    parent: Mapped["Code | None"] = relationship(
        remote_side="Code.id", foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list["Code"]] = relationship(
        back_populates="parent", foreign_keys=[parent_id], order_by="Code.position"
    )


class Coding(db.Model):
    __tablename__ = "coding"
    __table_args__ = (
        UniqueConstraint("submission_id", "path", "start", "end", "code_id", "coder_id"),
        CheckConstraint('"start" >= 0 AND "end" >= "start"', name="valid_span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    start: Mapped[int]
    end: Mapped[int]
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    # manual, or accepted from a suggestion (rules / model)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # « À revoir »: the coded words were edited since they were coded. Kept, shown apart, left out
    # of agreement and results until a coder confirms (clears it) or removes the coding.
    needs_review: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The coded words as they were before that edit, so the coder sees what was coded.
    words_before: Mapped[str] = mapped_column(default="", server_default="")

    code: Mapped[Code] = relationship()
    coder = relationship("User")
    submission = relationship("Submission")

    def to_review(self, current_hash: str) -> bool:
        """À revoir: flagged by an edit, or coded on a text that is no longer the answer's (a
        coding from before codings followed edits)."""
        return self.needs_review or self.text_hash != current_hash


class Suggestion(db.Model):
    """A code proposed for an answer, with its evidence spans, waiting for a coder's decision."""

    __tablename__ = "suggestion"
    __table_args__ = (
        UniqueConstraint("submission_id", "path", "code_id"),
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id"), index=True)
    score: Mapped[float]
    spans: Mapped[list] = mapped_column(JSON, default=list)  # [[start, end], ...]
    source: Mapped[str] = mapped_column(String(20))  # rules, model
    text_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]

    code: Mapped[Code] = relationship()


class Memo(db.Model):
    """A note of the coders, on a code or on one answer."""

    __tablename__ = "memo"
    __table_args__ = (
        CheckConstraint(
            "(code_id IS NOT NULL AND submission_id IS NULL) OR (code_id IS NULL AND submission_id IS NOT NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author = relationship("User")


class PseudonymisedAnswer(db.Model):
    """The pseudonymised text of one answer: found automatically, then validated by a coder.

    Only a validated version is shown beyond the coders (collectif, lecteurs)."""

    __tablename__ = "pseudonymised_answer"
    __table_args__ = (UniqueConstraint("submission_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str]  # pseudonymised
    spans: Mapped[list] = mapped_column(JSON, default=list)  # replaced spans with their kind
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    validated_at: Mapped[datetime | None]

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None


THEME_STATUSES = {
    "propose": "Proposé",
    "discussion": "En discussion",
    "valide": "Validé",
    "ecarte": "Écarté",
}


class Theme(db.Model):
    """A code of the codebook marked as a theme: what the theme page sets beside the territory's
    indicators and the survey's closed questions. `status` and `version` are for the collectif's
    board (proposed, discussed, validated or set aside; `version` rejects a stale edit)."""

    __tablename__ = "theme"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{status}'" for status in THEME_STATUSES) + ")",
            name="known_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="propose", server_default="propose")
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # Names of the questionnaire's closed questions that speak of the theme, in the page's order.
    questions: Mapped[list] = mapped_column(JSON, default=list)
    # The indicator the overview shows for the theme (one of those the glossary links to it).
    key_indicator_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    code: Mapped[Code] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return THEME_STATUSES[self.status]
