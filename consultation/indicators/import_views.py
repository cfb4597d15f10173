"""The web import of an indicator file: upload, mapping of its columns (saved as a reusable
template if asked), preview, then the import as a background job with a progress bar."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from analyse.indicator_files import STATUS_LABELS, VALUE, sniff_layout

from ..extensions import db
from ..jobs.models import Job
from ..jobs.queue import enqueue
from ..transaction import abandon
from . import bp
from .forms import MappingForm, StartImportForm, UploadForm
from .import_job import start_import
from .models import ImportTemplate, IndicatorUpload
from .services import already_imported
from .uploads import (
    PREVIEW_ROWS,
    Mapping,
    apply_template,
    content_of,
    read_upload,
    save_template,
    save_upload,
    templates,
)
from .views import may_edit_glossary


def _editor_only() -> None:
    if not may_edit_glossary():
        abort(403)


def _upload_or_404(upload_id: int) -> IndicatorUpload:
    """Only the person who uploaded the file sees it (an administrator too)."""
    upload = db.session.get(IndicatorUpload, upload_id)
    if upload is None or (upload.created_by_id != current_user.id and not current_user.is_admin):
        abort(404)
    return upload


@bp.route("/importer", methods=["GET", "POST"])
@login_required
def upload():
    _editor_only()
    form = UploadForm()
    form.template.choices = [SelectChoice("", "Aucun")] + [
        SelectChoice(str(template.id), template.name) for template in templates()
    ]
    if form.validate_on_submit():
        storage = form.file.data
        stored = save_upload(storage.read(), storage.filename or "", current_user.id)
        chosen = form.template.data or ""
        template = db.session.get(ImportTemplate, int(chosen)) if chosen.isdigit() else None
        if template is not None:
            layout = sniff_layout(content_of(stored), stored.filename)
            mapping, missing = apply_template(template, layout.columns)
            stored.mapping = mapping.as_dict() | {"template": template.name}
            if missing:
                flash(
                    "Colonnes du modèle absentes de ce fichier : " + ", ".join(missing) + ".",
                    "error",
                )
        return redirect(url_for("indicators.mapping", upload_id=stored.id))
    return render_template("indicators/import_upload.html", form=form)


def _mapping_choices(form: MappingForm, layout) -> None:
    columns = [SelectChoice(name, name) for name in layout.columns]
    form.sheet.choices = [SelectChoice(name, name) for name in layout.sheets]
    form.code_column.choices = [SelectChoice("", "—")] + columns
    form.label_column.choices = [SelectChoice("", "Aucune")] + columns
    form.indicator_columns.choices = columns


@bp.route("/importer/<int:upload_id>/colonnes", methods=["GET", "POST"])
@login_required
def mapping(upload_id: int):
    _editor_only()
    stored = _upload_or_404(upload_id)
    content = content_of(stored)
    if content is None:
        flash(
            "Ce fichier a déjà été importé ou n'est plus disponible : envoyez-le à nouveau.",
            "error",
        )
        return redirect(url_for("indicators.upload"))
    saved = Mapping.of(stored.mapping)
    sheet = request.form.get("sheet") or saved.sheet or None
    layout = sniff_layout(content, stored.filename, sheet=sheet)
    form = MappingForm()
    _mapping_choices(form, layout)
    sheet_changed = (
        request.method == "POST"
        and (request.form.get("sheet") or None) != (saved.sheet or layout.sheet)
        and len(layout.sheets) > 1
    )
    if request.method == "GET" or sheet_changed:
        guessed = saved if saved.code_column else _guessed_mapping(layout, stored.filename)
        form.sheet.data = layout.sheet or ""
        form.code_column.data = guessed.code_column
        form.level.data = guessed.level
        form.label_column.data = guessed.label_column
        form.year.data = guessed.year
        form.indicator_columns.data = guessed.indicator_columns
        if sheet_changed:
            stored.mapping = Mapping(sheet=layout.sheet or "").as_dict()
    elif form.validate_on_submit() and not layout.errors:
        chosen = Mapping(
            code_column=form.code_column.data,
            level=form.level.data,
            label_column=form.label_column.data
            if form.label_column.data != form.code_column.data
            else "",
            year=form.year.data,
            indicator_columns=[
                name
                for name in form.indicator_columns.data
                if name not in (form.code_column.data, form.label_column.data)
            ],
            sheet=layout.sheet or "",
            sep=layout.sep or "",
        )
        if not chosen.indicator_columns:
            form.indicator_columns.errors = [
                "Cochez au moins une colonne d'indicateur autre que le code et le nom."
            ]
        else:
            stored.mapping = chosen.as_dict()
            name = form.template_name.data.strip()
            if name:
                save_template(name, chosen, current_user.id)
                flash(f"Modèle « {name} » enregistré.", "success")
            return redirect(url_for("indicators.preview", upload_id=stored.id))
    return render_template(
        "indicators/import_mapping.html",
        upload=stored,
        layout=layout,
        form=form,
        template_name=(stored.mapping or {}).get("template"),
    )


def _guessed_mapping(layout, filename: str) -> Mapping:
    """What the reader would guess alone: the code column, the label column, and as indicators
    every other column that holds a number."""
    if not layout.code_column:
        return Mapping(sheet=layout.sheet or "")
    return Mapping(
        code_column=layout.code_column,
        label_column=layout.label_column or "",
        indicator_columns=_numeric_columns(layout),
        sheet=layout.sheet or "",
    )


def _numeric_columns(layout) -> list[str]:
    from analyse.indicator_files import parse_value

    numeric = []
    for index, name in enumerate(layout.columns):
        if name in (layout.code_column, layout.label_column):
            continue
        cells = [row[index] for row in layout.samples if index < len(row)]
        parsed = []
        for cell in cells:
            try:
                parsed.append(parse_value(cell).status)
            except ValueError:
                parsed.append(None)
        if VALUE in parsed and None not in parsed:
            numeric.append(name)
    return numeric


@bp.route("/importer/<int:upload_id>/apercu")
@login_required
def preview(upload_id: int):
    _editor_only()
    stored = _upload_or_404(upload_id)
    if not Mapping.of(stored.mapping).code_column:
        return redirect(url_for("indicators.mapping", upload_id=stored.id))
    if content_of(stored) is None:
        flash(
            "Ce fichier a déjà été importé ou n'est plus disponible : envoyez-le à nouveau.",
            "error",
        )
        return redirect(url_for("indicators.upload"))
    table = read_upload(stored, keep_last_duplicate=True)
    in_database = already_imported(table)
    return render_template(
        "indicators/import_preview.html",
        upload=stored,
        table=table,
        rows=table.rows[:PREVIEW_ROWS],
        in_database=in_database,
        status_labels=STATUS_LABELS,
        form=StartImportForm(),
    )


@bp.route("/importer/<int:upload_id>/importer", methods=["POST"])
@login_required
def start(upload_id: int):
    _editor_only()
    stored = _upload_or_404(upload_id)
    form = StartImportForm()
    if not form.validate_on_submit():
        abandon()
        flash("Le formulaire a expiré : recommencez.", "error")
        return redirect(url_for("indicators.preview", upload_id=stored.id))
    if stored.job_id is not None:
        return redirect(url_for("indicators.import_status", upload_id=stored.id))
    if content_of(stored) is None or not Mapping.of(stored.mapping).code_column:
        abandon()
        flash("Ce fichier n'est plus disponible : envoyez-le à nouveau.", "error")
        return redirect(url_for("indicators.upload"))
    job = start_import(stored, bool(form.replace.data), current_user.id)
    enqueue(job)
    return redirect(url_for("indicators.import_status", upload_id=stored.id))


@bp.route("/importer/<int:upload_id>/suivi")
@login_required
def import_status(upload_id: int):
    _editor_only()
    stored = _upload_or_404(upload_id)
    job = db.session.get(Job, stored.job_id) if stored.job_id else None
    if job is None:
        return redirect(url_for("indicators.preview", upload_id=stored.id))
    return render_template("indicators/import_status.html", upload=stored, job=job)
