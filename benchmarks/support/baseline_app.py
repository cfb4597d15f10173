"""The baseline of benchmarks/submissions.py: a bare Flask endpoint that stores the same JSON
body in one row, with no authentication, validation or idempotency. What is left of our
endpoint's cost once this is subtracted is what those checks cost.

Served by gunicorn as `benchmarks.support.baseline_app:create_app()`; DATABASE_URL names the database."""

import os

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine, insert

metadata = MetaData()
baseline_submission = Table(
    "baseline_submission",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_uuid", String(36), unique=True),
    Column("body", JSON),
)


def _engine(database_url: str):
    from consultation.config import normalise_database_url

    url = normalise_database_url(database_url)
    connect_args = {"timeout": 10} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=connect_args)


def create_schema(database_url: str) -> None:
    """Run once before the workers start, so that they do not race to create the table."""
    engine = _engine(database_url)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    engine = _engine(os.environ["DATABASE_URL"])

    @app.post("/api/v1/submissions")
    def store():
        body = request.get_json()
        with engine.begin() as connection:
            row_id = connection.execute(
                insert(baseline_submission).values(client_uuid=str(body["uuid"]), body=body)
            ).inserted_primary_key[0]
        return jsonify({"id": row_id, "uuid": body["uuid"], "state": "recue"}), 201

    return app


if __name__ == "__main__":
    print("Serveur de référence de benchmarks/submissions.py : rien à mesurer seul.")
