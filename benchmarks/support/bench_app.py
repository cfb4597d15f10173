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
