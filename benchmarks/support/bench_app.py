"""The app as the in-process benchmarks build it: over a database URL, in a schema of its own on
PostgreSQL (so that the suite's tables are left alone), with jobs run at once."""

from __future__ import annotations

import os
from pathlib import Path


def engine_options(url: str, schema: str) -> dict:
    if url.startswith("postgresql"):
        return {"connect_args": {"options": f"-csearch_path={schema}"}}
    return {}


def bench_app(url: str, instance: str, schema: str):
    from consultation import create_app

    os.environ["INSTANCE_PATH"] = instance
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url, schema),
            "SECRET_KEY": "bench",
            "JOBS_IMMEDIATE": True,
            "JOBS_DATABASE": str(Path(instance) / "jobs.sqlite3"),
        }
    )


def database_url() -> tuple[str, str]:
    """The database of DATABASE_URL and its kind; ("", "sqlite") when none is set."""
    from consultation.config import normalise_database_url

    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url), "postgresql" if url.startswith("postgres") else "sqlite"
    return "", "sqlite"


def reset_schema(url: str, schema: str, action: str) -> None:
    """Drops the benchmark's PostgreSQL schema, and creates it anew when `action` is "create"."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if action == "create":
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


def measurement_study(title: str, definition: dict, communes: dict[str, str]):
    """Inside the app's context, on an empty schema: the tables, a study entered as the current
    one, a chargé d'étude member of it, the `communes` ({INSEE code: name}) and a published
    questionnaire `title` of `definition`, committed. Returns (study, user, questionnaire,
    version)."""
    import uuid

    from consultation.accounts.models import utcnow
    from consultation.accounts.services import create_user
    from consultation.extensions import db
    from consultation.questionnaire_store.models import (
        PUBLISHED,
        Questionnaire,
        QuestionnaireVersion,
    )
    from consultation.studies.scope import enter_study
    from consultation.studies.services import add_member, create_study
    from consultation.territory.models import Commune

    db.create_all()
    study = create_study("Étude de mesure", 2026, slug=f"mesure-{uuid.uuid4().hex[:6]}")
    enter_study(study, None)
    user = create_user(f"charge-{uuid.uuid4().hex[:6]}@exemple.fr", "motdepasse-solide-42", "Lou")
    add_member(study, user, "charge_etude")
    questionnaire = Questionnaire(title=title)
    version = QuestionnaireVersion(
        number=1, status=PUBLISHED, definition=definition, published_at=utcnow()
    )
    questionnaire.versions.append(version)
    db.session.add(questionnaire)
    db.session.add_all(Commune(insee_code=code, name=name) for code, name in communes.items())
    db.session.commit()
    return study, user, questionnaire, version
