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
