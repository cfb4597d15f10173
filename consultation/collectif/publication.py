"""The public restitution of a study: what the chargé d'étude publishes for partners and
residents at /restitution/<slug>, without an account.

What it shows is cut from the synthesis report's data (report.py) at the moment of publication
and kept as a snapshot: the coders and the collectif keep working, the public page does not move
until it is published again. It holds only:
- the validated themes (a theme validated later appears at the next publication);
- aggregated figures, every count under the minimum hidden (« < N ») with the secondary masking
  of analyse.disclosure (a total never gives a hidden count back); the method's counts by
  public, channel and commune are masked the same way against their total;
- the verbatims the coders chose, as their validated pseudonymised text only, with the public
  of who said it (no age band, no commune);
- the préconisations answering a validated theme, except those abandoned; their evidence as
  labels (never a resident's words), without the members' notes.
Unpublished, or never published: 404, as for a study that does not exist."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from analyse.disclosure import protect_counts

from ..accounts.models import utcnow
from ..extensions import db
from ..studies.audit import record
from ..studies.models import Study
from .report import fingerprint_of, gather
from .report_models import Publication

ABANDONED = "abandonnee"


def _masked_counts(rows: list[dict], minimum: int) -> list[dict]:
    hidden = protect_counts([row["count"] for row in rows], minimum)
    return [
        {
            "label": row["label"],
            "count": None if hide else row["count"],
            "small": 0 < row["count"] < minimum,
        }
        for row, hide in zip(rows, hidden)
        if row["count"]
    ]


def _weights(weights: dict) -> dict:
    """A hidden row keeps no number: the snapshot itself holds nothing the page must not show."""
    return {
        "rows": [
            row
            if not row["hidden"]
            else dict(row, answers=None, respondents=None, base=None, percent=None)
            for row in weights["rows"]
        ]
    }


def _figures(questions: list[dict]) -> list[dict]:
    return [
        dict(
            question,
            columns=[
                dict(column, base=None) if column["hidden"] else column
                for column in question["columns"]
            ],
            rows=[
                dict(
                    row,
                    cells=[
                        dict(cell, count=None, percent=None) if cell["hidden"] else cell
                        for cell in row["cells"]
                    ],
                )
                for row in question["rows"]
            ],
            means=[dict(mean, mean=None) if mean["hidden"] else mean for mean in question["means"]],
        )
        for question in questions
    ]


def public_snapshot(data: dict) -> dict:
    """What the public page shows, cut from the report's data."""
    minimum = data["minimum"]
    method = data["method"]
    themes = []
    for section in data["themes"]:
        recommendations = [
            {
                "title": item["title"],
                "body": item["body"],
                "committee": item["committee"],
                "priority": item["priority"],
                "status_label": item["status_label"],
                "evidence": [
                    {"kind": evidence["kind"], "label": evidence["label"], "gone": evidence["gone"]}
                    for evidence in item["evidence"]
                ],
            }
            for item in section["recommendations"]
            if item["status"] != ABANDONED
        ]
        themes.append(
            {
                "anchor": section["anchor"],
                "name": section["name"],
                "description": section["description"],
                "weights": _weights(section["weights"]),
                # Who said it, by public only: an age band and a commune beside the words
                # could point at one person in a small place.
                "verbatims": [
                    {
                        "submission_id": verbatim["submission_id"],
                        "text": verbatim["text"],
                        "public": verbatim["public"],
                    }
                    for verbatim in section["verbatims"]
                ],
                "figures": _figures(section["figures"]),
                "indicators": section["indicators"],
                "recommendations": recommendations,
            }
        )
    snapshot = {
        "study": data["study"],
        "minimum": minimum,
        "data_date": data["sources"]["data_date"],
        "method": {
            "total": method["total"],
            "interviews": method["interviews"],
            "online": method["online"],
            "first": method["first"],
            "last": method["last"],
            "by_public": _masked_counts(method["by_public"], minimum),
            "by_channel": _masked_counts(method["by_channel"], minimum),
            "by_commune": _masked_counts(method["by_commune"], minimum),
        },
        "themes": themes,
    }
    snapshot["fingerprint"] = fingerprint_of(snapshot)
    return snapshot


def publication_of(study_id: int) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.study_id == study_id))


def publish(study: Study, user) -> Publication:
    """Takes the snapshot and opens the public page (again). Flushes."""
    minimum = current_app.config["SMALL_CELL_MINIMUM"]
    snapshot = public_snapshot(gather(study, minimum=minimum))
    publication = publication_of(study.id)
    if publication is None:
        publication = Publication(study_id=study.id)
        db.session.add(publication)
    before = {"published": bool(publication.published), "fingerprint": publication.fingerprint}
    publication.snapshot = snapshot
    publication.fingerprint = snapshot["fingerprint"]
    publication.minimum = minimum
    publication.published = True
    publication.published_at = utcnow()
    publication.published_by_id = getattr(user, "id", None)
    publication.unpublished_at = None
    db.session.flush()
    record(
        "publication",
        publication.id,
        "publish",
        study_id=study.id,
        before=before,
        after={
            "published": True,
            "fingerprint": publication.short_fingerprint,
            "themes": len(snapshot["themes"]),
        },
    )
    return publication


def unpublish(study: Study) -> Publication | None:
    """Closes the public page (404 from now on); the snapshot is kept. Flushes. None when
    nothing was published."""
    publication = publication_of(study.id)
    if publication is None or not publication.published:
        return None
    publication.published = False
    publication.unpublished_at = utcnow()
    db.session.flush()
    record(
        "publication",
        publication.id,
        "unpublish",
        study_id=study.id,
        before={"published": True},
        after={"published": False},
    )
    return publication


def published(slug: str) -> tuple[Study, Publication] | None:
    """The study and its publication, if it is published; None otherwise."""
    found = db.session.execute(
        select(Study, Publication)
        .join(Publication, Publication.study_id == Study.id)
        .where(Study.slug == slug, Publication.published.is_(True))
        .execution_options(all_studies=True)
    ).first()
    return (found[0], found[1]) if found else None
