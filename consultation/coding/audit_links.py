"""The journal links the lines of a codebook and of its codes to their pages while they exist."""

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..studies.audit import audit_link, int_ids
from .models import Code, Codebook, Theme


@audit_link("codebook")
def codebook_links(ids: list[str]) -> dict[str, str]:
    rows = db.session.execute(
        select(Codebook.id, Codebook.questionnaire_id).where(Codebook.id.in_(int_ids(ids)))
    )
    return {
        str(codebook_id): url_for("coding.codebook", questionnaire_id=questionnaire_id)
        for codebook_id, questionnaire_id in rows
        if questionnaire_id is not None
    }


@audit_link("code")
def code_links(ids: list[str]) -> dict[str, str]:
    # Through the codebook, which belongs to the study: a code id of another study is not found.
    rows = db.session.execute(
        select(Code.id, Codebook.questionnaire_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Code.id.in_(int_ids(ids)))
    )
    return {
        str(code_id): url_for("coding.code", questionnaire_id=questionnaire_id, code_id=code_id)
        for code_id, questionnaire_id in rows
        if questionnaire_id is not None
    }


@audit_link("theme")
def theme_links(ids: list[str]) -> dict[str, str]:
    rows = db.session.execute(
        select(Theme.id, Code.key, Codebook.questionnaire_id)
        .join(Code, Code.id == Theme.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Theme.id.in_(int_ids(ids)))
    )
    return {
        str(theme_id): url_for("coding.theme_page", questionnaire_id=questionnaire_id, key=key)
        for theme_id, key, questionnaire_id in rows
        if questionnaire_id is not None
    }
