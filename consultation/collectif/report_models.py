"""The synthesis reports of a study (every version kept, each with the data it was built from) and
its publication: the public restitution page, frozen at the moment it was published."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.owned import StudyOwned


class Report(StudyOwned, db.Model):
    """One version of the synthesis report. `fingerprint` is the sha256 of what the report shows
    (no build time inside): two versions built from the same data have the same fingerprint and
    the same HTML, PDF and XLSX. `counts` says what it was built from (data date, submissions,
    codings, themes, préconisations, verbatims). The files are kept with the row: a few hundred
    kilobytes of pseudonymised, aggregated figures, to be handed round as they were."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Loaded only when shown or downloaded: the list of versions reads none of them.
    html: Mapped[str] = deferred(mapped_column(Text, default="", nullable=False))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    xlsx: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    built_by = relationship("User")

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]


class Publication(StudyOwned, db.Model):
    """The study's public restitution (/restitution/<slug>): one per study. `snapshot` is what
    the public sees, taken when the chargé d'étude published — validated themes, masked figures,
    validated pseudonymised verbatims, préconisations — so that the coders' ongoing work does not
    change it until it is published again. Unpublished, the page answers 404 and the snapshot
    is kept for the next publication's comparison."""

    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), unique=True)
    published: Mapped[bool] = mapped_column(default=False, server_default=false())
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    unpublished_at: Mapped[datetime | None]
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    minimum: Mapped[int] = mapped_column(Integer, default=5)
    snapshot: Mapped[dict] = deferred(mapped_column(JSON, default=dict, nullable=False))

    published_by = relationship("User")

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]
