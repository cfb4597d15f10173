"""The public restitution page of a study (/restitution/<slug>), outside any account: the
snapshot taken at publication (publication.py), or 404."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..studies.scope import enter_study
from .publication import published
from .report import number

restitution_bp = Blueprint("restitution", __name__, url_prefix="/restitution")


@restitution_bp.route("/<slug>")
def restitution(slug: str):
    found = published(slug[:80])
    if found is None:
        abort(404)
    study, publication = found
    enter_study(study, None)  # the page reads nothing more, but the journal and errors know where
    return render_template(
        "collectif/restitution.html",
        study=study,
        snapshot=publication.snapshot,
        publication=publication,
        number=number,
    )
