"""A study's settings page (name, kind, year, state, RGPD notice, territory) and « Préparer
l'édition suivante ». For the study's chargés d'étude and the administrators."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from analyse.territories import LEVEL_LABELS

from ..accounts.roles import role_required
from ..territory import services as territory
from ..territory.comparison import COMPARISON_LEVELS, territory_choices
from ..transaction import abandon
from .editions import next_edition, prepare_next_edition
from .forms import EmptyForm
from .models import NOTICE_FIELDS
from .scope import current_study
from .services import StudyError
from .settings import (
    EDITABLE,
    TARGET_PUBLICS,
    check_settings,
    commune_targets,
    commune_targets_text,
    notice_missing,
    update_settings,
)
from .settings_forms import NOTICE_HINTS, TARGET_LABELS, SettingsForm
from .views import MANAGE, bp


def _settings_form(study) -> SettingsForm:
    form = SettingsForm(obj=study)
    communes = territory.communes(whole_platform=True)
    form.communes.choices = [(commune.insee_code, commune.name) for commune in communes]
    form.quartiers.choices = [
        (quartier.id, quartier.name) for commune in communes for quartier in commune.quartiers
    ]
    if not form.is_submitted():
        form.communes.data = [commune.insee_code for commune in study.communes]
        form.quartiers.data = [quartier.id for quartier in study.quartiers]
        wanted = (study.targets or {}).get("publics", {})
        for public in TARGET_PUBLICS:
            getattr(form, f"target_{public}").data = wanted.get(public)
        form.commune_targets.data = commune_targets_text(study)
    form.territory = communes
    form.territory_id.choices = [("", "— Aucun —")] + [
        (str(place.id), f"{place.name or place.code} ({place.level_label}, {place.code})")
        for place in territory_choices(
            [commune.insee_code for commune in study.communes], study.territory_id
        )
    ]
    form.comparison_levels.choices = [(level, LEVEL_LABELS[level]) for level in COMPARISON_LEVELS]
    if not form.is_submitted():
        form.comparison_levels.data = list(study.comparison_levels or [])
    return form


@bp.route("/<study>/reglages", methods=["GET", "POST"])
@role_required(*MANAGE)
def settings():
    study = current_study()
    form = _settings_form(study)
    if form.is_submitted():
        # Every problem at once: the fields' own (format, length), then the study's rules on the
        # fields that could be read.
        form_valid = form.validate()
        values = {field: getattr(form, field).data for field in EDITABLE if field != "targets"}
        by_commune, line_errors = commune_targets(form.commune_targets.data or "")
        if line_errors:
            form.commune_targets.errors = list(form.commune_targets.errors) + line_errors
            form_valid = False
        publics = {
            public: getattr(form, f"target_{public}").data
            for public in TARGET_PUBLICS
            if getattr(form, f"target_{public}").data is not None
        }
        # None when no target is set: a page saved unchanged changes nothing.
        values["targets"] = (
            {"publics": publics, "communes": by_commune} if publics or by_commune else None
        )
        communes, quartiers = form.communes.data or [], form.quartiers.data or []
        problems = check_settings(values, communes, quartiers)
        for field, message in problems.items():
            field = "commune_targets" if field == "targets" else field
            if not getattr(form, field).errors:
                getattr(form, field).errors = list(getattr(form, field).errors) + [message]
        if form_valid and not problems:
            changes = update_settings(study, values, communes, quartiers)
            flash(
                "Réglages de l'étude enregistrés." if changes else "Aucune modification.",
                "success",
            )
            return redirect(url_for("studies.settings"))
    return render_template(
        "studies/settings.html",
        study=study,
        form=form,
        notice_fields=NOTICE_FIELDS,
        notice_hints=NOTICE_HINTS,
        target_fields=[f"target_{public}" for public in TARGET_LABELS],
        notice_missing=notice_missing(study),
        next_edition=next_edition(study),
        edition_form=EmptyForm(),
    )


@bp.route("/<study>/edition-suivante", methods=["POST"])
@role_required(*MANAGE)
def prepare_edition():
    if not EmptyForm().validate_on_submit():
        abort(400)
    study = current_study()
    try:
        new_study = prepare_next_edition(study, by=current_user)
    except StudyError as error:
        abandon()
        flash(str(error), "error")
        return redirect(url_for("studies.settings"))
    flash(
        f"Édition {new_study.year} préparée : « {new_study.name} ». Ses questionnaires sont des "
        "brouillons à relire avant de les publier.",
        "success",
    )
    return redirect(url_for("studies.home", study=new_study.slug))
