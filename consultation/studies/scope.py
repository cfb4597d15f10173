"""The study of a request, reached one way only.

Every page of a study lives under /etudes/<slug>/… (the blueprints of studies' work are
registered there, see blueprints.py). Before the view runs, the slug is turned into the study and
the person's role in it: a study that does not exist and a study the person is not a member of
both answer 404, so that a study's existence does not leak. `url_for` fills the slug in from the
current request, so templates and redirects stay in the study without naming it.

Then every ORM query on a table that belongs to a study (owned.StudyOwned) is limited to the study
of the request (SQLAlchemy's `with_loader_criteria`, in a `do_orm_execute` hook): an id of another
study's questionnaire, submission, codebook, token, job or assignment is simply not found, and the
view answers 404 as for an id that never existed. The API enters the study of its device token."""

from flask import Flask, abort, current_app, g, has_app_context
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session, with_loader_criteria

from ..accounts.roles import ADMIN
from ..extensions import db
from .models import Membership, Study
from .owned import StudyOwned

URL_PREFIX = "/etudes/<study>"
# A query that must see every study says so: .execution_options(all_studies=True).
ALL_STUDIES = "all_studies"


def init_scope(app: Flask) -> None:
    app.url_value_preprocessor(_enter_study_of_url)
    app.url_defaults(_add_study_to_url)
    if not event.contains(Session, "do_orm_execute", _limit_to_study):
        event.listen(Session, "do_orm_execute", _limit_to_study)


def current_study() -> Study | None:
    return g.get("study") if has_app_context() else None


def current_study_id() -> int | None:
    return g.get("study_id") if has_app_context() else None


def enter_study(study: Study, role: str | None) -> None:
    """From here on, this request (or job, or command) works in `study` with `role`."""
    g.study = study
    g.study_id = study.id
    g.study_role = role


def enter_study_id(study_id: int, role: str | None) -> None:
    """As enter_study, when only the id is at hand (the API: loading the study would cost a
    query per sync)."""
    g.study_id = study_id
    g.study_role = role


def role_in(study_id: int, user) -> str | None:
    if user.is_admin:
        return ADMIN
    return db.session.scalar(
        select(Membership.role).where(
            Membership.study_id == study_id, Membership.user_id == user.id
        )
    )


def _enter_study_of_url(endpoint, values) -> None:
    if not values or "study" not in values:
        return
    slug = values.pop("study")
    if not current_user.is_authenticated:
        from ..extensions import login_manager

        abort(login_manager.unauthorized())
    study = db.session.scalar(select(Study).where(Study.slug == slug))
    role = role_in(study.id, current_user) if study is not None else None
    if role is None:
        abort(404)
    enter_study(study, role)


def _add_study_to_url(endpoint, values) -> None:
    if "study" in values:
        return
    study = current_study()
    if study is not None and current_app.url_map.is_endpoint_expecting(endpoint, "study"):
        values["study"] = study.slug


def _limit_to_study(state) -> None:
    if (
        not state.is_select
        or state.is_column_load
        or state.is_relationship_load
        or state.execution_options.get(ALL_STUDIES)
    ):
        return
    study_id = current_study_id()
    if study_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(StudyOwned, lambda cls: cls.study_id == study_id, include_aliases=True)
    )
