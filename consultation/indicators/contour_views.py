"""Territory contours for the maps: the page that says which levels have contours and takes a
GeoJSON file (IGN ADMIN EXPRESS communes, INSEE IRIS contours), for those who edit the glossary."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required

from analyse.maps import read_contours

from ..territory.contours import contour_counts, import_contours
from ..transaction import abandon
from . import bp
from .forms import ContoursForm
from .views import may_edit_glossary

REJECTED_SHOWN = 20


@bp.route("/contours", methods=["GET", "POST"])
@login_required
def contours():
    if not may_edit_glossary():
        abort(403)
    form = ContoursForm()
    problems: list[str] = []
    if form.validate_on_submit():
        storage = form.file.data
        read = read_contours(
            storage.read(), form.level.data, code_property=form.code_property.data or None
        )
        if read.errors:
            abandon()
            problems = read.errors + read.rejected[:REJECTED_SHOWN]
            form.file.errors = ["Import refusé, rien n'a été enregistré : voir ci-dessous."]
        else:
            report = import_contours(read, form.level.data, storage.filename or "")
            flash(
                f"{len(read.contours)} contours importés : {report.added} ajoutés, "
                f"{report.replaced} remplacés, {report.created} territoires créés"
                + (f", {report.repaired} polygones réparés" if report.repaired else "")
                + (f" ; {len(read.rejected)} objets écartés." if read.rejected else "."),
                "success",
            )
            for line in read.rejected[:REJECTED_SHOWN]:
                flash(line, "warning")
            return redirect(url_for("indicators.contours"))
    return render_template(
        "indicators/contours.html",
        form=form,
        counts=contour_counts(),
        problems=problems,
    ), (422 if form.errors else 200)
