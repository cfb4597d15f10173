"""Fifty tablets syncing at once against a real gunicorn server on PostgreSQL, a fifth of them
resending an interview whose response was lost: every interview is stored exactly once. The same,
smaller, on SQLite, where concurrent writers must wait for the lock rather than fail."""

import json
import socket
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from submission_records import payload  # noqa: E402

from benchmarks.support.live_server import gunicorn, postgres_answers, scratch_database, seed_study  # noqa: E402

pytestmark = pytest.mark.slow

CLIENTS = 50
SUBMISSIONS_PER_CLIENT = 40
RESENT_EVERY = 5  # one interview in five loses its response and is sent again


LOADS = {
    # database: (clients, interviews per client)
    "postgresql": (CLIENTS, SUBMISSIONS_PER_CLIENT),
    "sqlite": (10, 20),
}


@pytest.fixture(scope="module", params=list(LOADS))
def server(request):
    kind = request.param
    if kind == "postgresql" and not postgres_answers():
        pytest.skip("PostgreSQL ne répond pas sur 127.0.0.1:5432")
    with scratch_database(kind) as database_url:
        seeded = seed_study(database_url)
        with gunicorn("consultation:create_app()", database_url, workers=2, threads=8) as base_url:
            clients, per_client = LOADS[kind]
            yield {
                "url": base_url,
                "database_url": database_url,
                "kind": kind,
                "clients": clients,
                "per_client": per_client,
            } | seeded


def _send_and_drop(base_url: str, token: str, body: dict) -> None:
    """Sends the request and closes the connection without reading the response, as a tablet
    does when the network drops at the wrong moment."""
    raw = json.dumps(body).encode()
    address = urlsplit(base_url)
    request = (
        f"POST /api/v1/submissions HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(raw)}\r\nConnection: close\r\n\r\n"
    ).encode() + raw
    with socket.create_connection((address.hostname, address.port), 10) as connection:
        connection.sendall(request)


def test_concurrent_tablets_with_lost_responses_store_each_interview_once(server):
    results: list[tuple[str, int, int]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def tablet(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {server['token']}"
        for number in range(server["per_client"]):
            body = payload(
                server["questionnaire_id"], uuid=str(uuid.uuid4()), device_id=f"tablette-{index}"
            )
            try:
                if number % RESENT_EVERY == 0:
                    _send_and_drop(server["url"], server["token"], body)
                response = session.post(
                    f"{server['url']}/api/v1/submissions", json=body, timeout=60
                )
                with lock:
                    if response.status_code not in (200, 201):
                        failures.append(f"{response.status_code} {response.text[:200]}")
                    else:
                        results.append((body["uuid"], response.status_code, response.json()["id"]))
            except requests.RequestException as error:
                with lock:
                    failures.append(repr(error))

    threads = [threading.Thread(target=tablet, args=(index,)) for index in range(server["clients"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expected = server["clients"] * server["per_client"]
    assert failures == []
    assert len(results) == expected
    assert len({submission_id for _, _, submission_id in results}) == expected
    # Some resent interviews found their first copy already stored.
    assert any(status == 200 for _, status, _ in results)
    assert _stored_rows(server) == (expected, expected)


def _stored_rows(server) -> tuple[int, int]:
    query = "SELECT count(*), count(DISTINCT client_uuid) FROM submission"
    if server["kind"] == "postgresql":
        import psycopg

        with psycopg.connect(server["database_url"].replace("+psycopg", "")) as connection:
            return tuple(connection.execute(query).fetchone())
    import sqlite3

    connection = sqlite3.connect(server["database_url"].removeprefix("sqlite:///"))
    try:
        return tuple(connection.execute(query).fetchone())
    finally:
        connection.close()
