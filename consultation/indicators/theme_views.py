"""The glossary's side of themes: which codebook themes an indicator documents (edited on its
page), and the freshness of its figures, shown on the glossary and on the indicator's page."""

from flask import abort, flash, redirect, url_for
from flask_login import login_required

from ..extensions import db
from ..studies.audit import record
from ..transaction import abandon
from . import bp
from .forms_themes import ThemeKeysForm
from .models import Indicator
from .theme_links import (
    ThemeKeysInvalid,
    freshness,
    latest_years,
    parse_theme_keys,
    set_theme_keys,
    theme_keys_of,
)
from .views import may_edit_glossary


@bp.app_template_global("indicator_freshness")
def indicator_freshness(indicators) -> dict:
    """indicator id → Freshness, for a page listing indicators (one query for them all)."""
    indicators = list(indicators)
    years = latest_years(indicator.id for indicator in indicators)
    return {indicator.id: freshness(indicator, years.get(indicator.id)) for indicator in indicators}


@bp.app_template_global("indicator_theme_keys")
def indicator_theme_keys(indicator) -> list[str]:
    return theme_keys_of(indicator)


@bp.app_template_global("theme_keys_form")
def theme_keys_form(indicator):
    form = ThemeKeysForm()
    if not form.is_submitted():
        form.keys.data = ", ".join(theme_keys_of(indicator))
    return form


@bp.route("/<int:indicator_id>/themes", methods=["POST"])
@login_required
def theme_keys(indicator_id: int):
    if not may_edit_glossary():
        abort(403)
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    form = ThemeKeysForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        keys = parse_theme_keys(form.keys.data or "")
    except ThemeKeysInvalid as error:
        abandon()
        flash(str(error), "error")
    else:
        before, after = set_theme_keys(indicator, keys)
        if before != after:
            record(
                "indicator",
                indicator.id,
                "themes",
                study_id=None,
                before={"themes": before},
                after={"themes": after},
            )
        flash("Thèmes de l'indicateur enregistrés.", "success")
    return redirect(url_for("indicators.indicator", indicator_id=indicator.id) + "#themes")
