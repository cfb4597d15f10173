"""The retention period of a study's answers, and the purge that applies it.

Each study sets how many months a submission is kept after it was received
(`Study.retention_months`; its RGPD notice says so). Past that, `consultation purge` erases the
submission with everything hanging from it, exactly as a respondent's own erasure does
(rights.erase_submissions): codings, suggestions, memos, pseudonymised texts, revisions,
answer-table rows.

Erased rather than anonymised: with the free text and the precise profile gone, the closed
answers left would still single people out in a small commune (age band × sex × quartier × a few
closed answers), and keeping half a submission would make the study's counts disagree with its
coded themes. After the purge every figure counts the submissions still kept, and the analysis
figures are computed again (their fingerprint counts the rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.audit import record
from ..studies.models import Study
from .models import Submission
from .rights import erase_submissions

_CHUNK = 500


@dataclass
class PurgeReport:
    study: Study
    cutoff: datetime
    submission_ids: list[int]
    erased: bool


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` earlier (the last day of a shorter month: 31 May - 3 → 28
    or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def purge(studies: list[Study], *, dry_run: bool, now: datetime | None = None) -> list[PurgeReport]:
    """For each study with a retention period, the submissions received before now minus that
    period; erased unless `dry_run`, with one journal line per study naming them. Flushes."""
    now = _utc(now or utcnow())
    reports = []
    for study in studies:
        if not study.retention_months:
            continue
        cutoff = months_before(now, study.retention_months)
        ids = list(
            db.session.scalars(
                select(Submission.id)
                .where(Submission.study_id == study.id, Submission.received_at < cutoff)
                .order_by(Submission.id)
                .execution_options(all_studies=True)
            )
        )
        if ids and not dry_run:
            for start in range(0, len(ids), _CHUNK):
                erase_submissions(
                    ids[start : start + _CHUNK], reason="durée de conservation", journal=False
                )
            record(
                "study",
                study.id,
                "purge",
                study=study,
                user_label="consultation purge",
                after={
                    "reponses_effacees": len(ids),
                    "recues_avant": cutoff.date().isoformat(),
                    "duree_mois": study.retention_months,
                    "ids": ids,
                },
            )
        reports.append(PurgeReport(study, cutoff, ids, erased=bool(ids) and not dry_run))
    db.session.flush()
    return reports
