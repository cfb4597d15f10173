"""A respondent's erasure reaches the reports and the restitution that quote them.

A report version is a document kept as it was built: it cannot be edited, so a version quoting
an erased answer (even pseudonymised: they are still that person's words) is withdrawn — its
HTML, PDF and XLSX are dropped, its row and counts stay, and the list says to build it again.
The public restitution drops the erased verbatims from its snapshot at once. In the erasure's
transaction (submissions/rights.py sends the signal before it returns)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..submissions.rights import submissions_erased
from .report_models import Publication, Report

WITHDRAWN = "withdrawn"


@submissions_erased.connect
def withdraw_erased_quotes(_sender, *, submission_ids, **_):
    erased = set(submission_ids)
    reports = db.session.scalars(
        select(Report).where(Report.html != "").execution_options(all_studies=True)
    )
    for report in reports:
        if erased & set(report.counts.get("cited", [])):
            report.html, report.pdf, report.xlsx = "", None, None
            report.counts = dict(report.counts, **{WITHDRAWN: True})
    for publication in db.session.scalars(select(Publication).execution_options(all_studies=True)):
        snapshot = publication.snapshot or {}
        themes = snapshot.get("themes", [])
        if not any(
            verbatim.get("submission_id") in erased
            for theme in themes
            for verbatim in theme.get("verbatims", [])
        ):
            continue
        # A new dict: the JSON column sees an assignment, not a change inside.
        publication.snapshot = dict(
            snapshot,
            themes=[
                dict(
                    theme,
                    verbatims=[
                        verbatim
                        for verbatim in theme.get("verbatims", [])
                        if verbatim.get("submission_id") not in erased
                    ],
                )
                for theme in themes
            ],
        )
    db.session.flush()
