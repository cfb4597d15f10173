"""Links from the journal to a theme's comments and chosen verbatims, on its discussion page."""

from flask import url_for
from sqlalchemy import select

from ..coding.models import Code, Codebook, Theme
from ..extensions import db
from ..studies.audit import audit_link, int_ids
from .models import ThemeComment, ThemeVerbatim


def _links(model, ids: list[str], anchor) -> dict[str, str]:
    # Through the codebook, which belongs to the study: another study's row is not found.
    rows = db.session.execute(
        select(model.id, model.theme_id)
        .join(Theme, Theme.id == model.theme_id)
        .join(Code, Code.id == Theme.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(model.id.in_(int_ids(ids)))
    )
    return {
        str(row_id): url_for("collectif.theme", theme_id=theme_id) + anchor(row_id)
        for row_id, theme_id in rows
    }


@audit_link("theme_comment")
def comment_links(ids: list[str]) -> dict[str, str]:
    return _links(ThemeComment, ids, lambda comment_id: f"#commentaire-{comment_id}")


@audit_link("theme_verbatim")
def verbatim_links(ids: list[str]) -> dict[str, str]:
    return _links(ThemeVerbatim, ids, lambda _: "#verbatims")
