"""The fieldwork page and the printable questionnaire (PDF of a published version)."""

from flask import Response, abort, render_template, request, url_for
from sqlalchemy import select

from questionnaires.paper import paper_items

from ..accounts.roles import REVIEW, role_required
from ..extensions import db
from ..questionnaire_store.definitions import version_model
from ..questionnaire_store.models import Questionnaire
from ..studies.notice import consent_script
from ..studies.scope import current_study
from ..submissions.assignments import AGE_BANDS_BY_PUBLIC
from ..submissions.fieldwork import fieldwork
from ..submissions.local_time import local_text
from ..submissions.models import AGE_BANDS, PUBLICS, SEXES
from . import bp


@bp.route("/")
@role_required(*REVIEW)
def index():
    study = current_study()
    listed = select(Questionnaire).where(Questionnaire.archived.is_(False))
    questionnaires = [
        questionnaire
        for questionnaire in db.session.scalars(listed.order_by(Questionnaire.title))
        if questionnaire.published_versions
    ]
    targets = study.targets or {}
    return render_template(
        "fieldwork/index.html",
        study=study,
        figures=fieldwork(study),
        questionnaires=questionnaires,
        has_targets=bool(targets.get("publics") or targets.get("communes")),
    )


@bp.route("/questionnaire/<int:questionnaire_id>/version/<int:number>.pdf")
@role_required(*REVIEW)
def paper_pdf(questionnaire_id: int, number: int):
    """The published version as a paper questionnaire: its version on every page, a blank for
    the receipt code, the profile, then the questions with boxes and their conditions."""
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    version = next(
        (
            v
            for v in (questionnaire.published_versions if questionnaire else [])
            if v.number == number
        ),
        None,
    )
    if version is None:
        abort(404)
    study = current_study()
    html = render_template(
        "fieldwork/paper.html",
        study=study,
        questionnaire=questionnaire,
        version=version,
        published=local_text(version.published_at, "%d/%m/%Y"),
        items=paper_items(version_model(version)),
        publics=PUBLICS,
        age_bands=AGE_BANDS,
        bands_by_public=AGE_BANDS_BY_PUBLIC,
        sexes={key: label for key, label in SEXES.items() if key},
        communes=study.communes,
        consent_text=consent_script(study, url_for("residents.lookup", _external=True)),
    )
    from weasyprint import HTML  # loaded on demand: pango and cairo are heavy for the rest

    pdf = HTML(string=html, base_url=request.url_root).write_pdf()
    name = f"questionnaire-{questionnaire.id}-v{version.number}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
