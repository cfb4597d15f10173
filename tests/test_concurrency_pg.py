"""Fifty tablets syncing at once against a real gunicorn server on PostgreSQL, a fifth of them
resending an interview whose response was lost: every interview is stored exactly once."""
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
from benchmarks.support.live_server import gunicorn, postgres_answers, scratch_database, seed_study  # noqa: E402
from submission_records import payload  # noqa: E402

pytestmark = pytest.mark.slow

CLIENTS = 50
SUBMISSIONS_PER_CLIENT = 40
RESENT_EVERY = 5  # one interview in five loses its response and is sent again


@pytest.fixture(scope="module")
def server():
    if not postgres_answers():
        pytest.skip("PostgreSQL ne répond pas sur 127.0.0.1:5432")
    with scratch_database("postgresql") as database_url:
        seeded = seed_study(database_url)
        with gunicorn("consultation:create_app()", database_url, workers=2, threads=8) as base_url:
            yield {"url": base_url, "database_url": database_url} | seeded


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
        for number in range(SUBMISSIONS_PER_CLIENT):
            body = payload(server["questionnaire_id"], uuid=str(uuid.uuid4()), device_id=f"tablette-{index}")
            try:
                if number % RESENT_EVERY == 0:
                    _send_and_drop(server["url"], server["token"], body)
                response = session.post(f"{server['url']}/api/v1/submissions", json=body, timeout=60)
                with lock:
                    if response.status_code not in (200, 201):
                        failures.append(f"{response.status_code} {response.text[:200]}")
                    else:
                        results.append((body["uuid"], response.status_code, response.json()["id"]))
            except requests.RequestException as error:
                with lock:
                    failures.append(repr(error))

    threads = [threading.Thread(target=tablet, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(results) == CLIENTS * SUBMISSIONS_PER_CLIENT
    assert len({submission_id for _, _, submission_id in results}) == CLIENTS * SUBMISSIONS_PER_CLIENT
    # Some resent interviews found their first copy already stored.
    assert any(status == 200 for _, status, _ in results)

    import psycopg

    with psycopg.connect(server["database_url"].replace("+psycopg", "")) as connection:
        rows, distinct = connection.execute(
            "SELECT count(*), count(DISTINCT client_uuid) FROM submission"
        ).fetchone()
    assert rows == distinct == CLIENTS * SUBMISSIONS_PER_CLIENT
