"""The glossary: every indicator, one indicator's definition and values, and its editing."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from analyse.indicator_files import STATUS_LABELS
from analyse.territories import COMMUNE, IRIS, LEVEL_LABELS

from ..accounts.roles import CHARGE_ETUDE
from ..extensions import db
from . import bp
from .forms import IndicatorForm
from .maps import indicator_map, mapped_territories_of
from .models import Indicator
from .services import level_label, values_of


def may_edit_glossary() -> bool:
    """Administrators, and the chargés d'étude of any study: the glossary is shared, and those
    who design a study are the ones who document the figures it relies on (their source, their
    limits); the other roles read it."""
    from ..studies.models import Membership

    if not current_user.is_authenticated:
        return False
    if current_user.is_admin:
        return True
    membership = select(Membership.id).where(
        Membership.user_id == current_user.id, Membership.role == CHARGE_ETUDE
    )
    return db.session.scalar(membership.limit(1)) is not None


def _indicator_or_404(indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    return indicator


@bp.route("/")
@login_required
def glossary():
    indicators = db.session.scalars(select(Indicator).order_by(Indicator.label, Indicator.code))
    return render_template(
        "indicators/glossary.html",
        indicators=list(indicators),
        level_label=level_label,
        may_edit=may_edit_glossary(),
    )


@bp.route("/<int:indicator_id>")
@login_required
def indicator(indicator_id: int):
    indicator = _indicator_or_404(indicator_id)
    maps = [
        (level, found)
        for level in (COMMUNE, IRIS)
        if (
            found := indicator_map(
                indicator, mapped_territories_of(indicator, level), f"carte-{level}"
            )
        )
    ]
    return render_template(
        "indicators/indicator.html",
        indicator=indicator,
        maps=maps,
        values=values_of(indicator),
        level_label=level_label,
        level_labels=LEVEL_LABELS,
        status_labels=STATUS_LABELS,
        may_edit=may_edit_glossary(),
    )


@bp.route("/<int:indicator_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(indicator_id: int):
    if not may_edit_glossary():
        abort(403)
    indicator = _indicator_or_404(indicator_id)
    form = IndicatorForm(obj=indicator)
    if form.validate_on_submit():
        form.populate_obj(indicator)
        db.session.flush()
        flash("Indicateur enregistré.", "success")
        return redirect(url_for("indicators.indicator", indicator_id=indicator.id))
    return render_template("indicators/edit.html", indicator=indicator, form=form)


def _attachment(content: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/glossaire.<fmt>")
@login_required
def glossary_file(fmt: str):
    from .exports import GLOSSARY_HEADERS, glossary_lines, table_file

    if fmt not in ("csv", "xlsx"):
        abort(404)
    indicators = db.session.scalars(select(Indicator).order_by(Indicator.label, Indicator.code))
    content, mimetype = table_file(
        fmt, "glossaire", GLOSSARY_HEADERS, glossary_lines(list(indicators))
    )
    return _attachment(content, mimetype, f"glossaire-indicateurs.{fmt}")


@bp.route("/<int:indicator_id>/valeurs.<fmt>")
@login_required
def values_file(indicator_id: int, fmt: str):
    from .exports import VALUES_HEADERS, table_file, values_lines

    if fmt not in ("csv", "xlsx"):
        abort(404)
    indicator = _indicator_or_404(indicator_id)
    content, mimetype = table_file(fmt, "valeurs", VALUES_HEADERS, values_lines(indicator))
    safe_code = "".join(char if char.isalnum() or char in "_-" else "_" for char in indicator.code)
    return _attachment(content, mimetype, f"indicateur-{safe_code}.{fmt}")
