"""The journal links a questionnaire's lines to its editor while it exists."""

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..questionnaire_store.models import Questionnaire
from ..studies.audit import audit_link, int_ids


@audit_link("questionnaire")
def questionnaire_links(ids: list[str]) -> dict[str, str]:
    found = db.session.scalars(select(Questionnaire.id).where(Questionnaire.id.in_(int_ids(ids))))
    return {str(id_): url_for("designer.editor", questionnaire_id=id_) for id_ in found}
