"""Throughput of the sync endpoint, ours against a bare Flask endpoint storing the same JSON row.

Both run on the same set-up: gunicorn with 2 workers on a free loopback port, over the same
scratch database (PostgreSQL when it answers at 127.0.0.1:5432, else SQLite). A load generator
(threads, each with its own keep-alive session) sends the same number of new interviews to each,
in alternating rounds so that a change in the machine's load weighs on both alike. Two bodies,
each sent to both servers: the tests' 6-answer interview and a 100-answer one (a long ABS
interview, where validation weighs most). The last line printed is JSON:
{"name": "submissions", "ours_rps": …, "baseline_rps": …, "ratio": …, "long_ratio": …, …}, where
`ratio` is the lower of the two ratios (the one the target applies to)."""

import argparse
import json
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import baseline_app  # noqa: E402
from benchmarks.support.live_server import (  # noqa: E402
    gunicorn,
    long_submission_body,
    postgres_answers,
    scratch_database,
    seed_study,
    submission_body,
)


def load(base_url: str, token: str, template: dict, requests_count: int, concurrency: int) -> float:
    """Sends `requests_count` new interviews like `template` over `concurrency` threads; returns
    the seconds taken."""
    bodies = [json.dumps(template | {"uuid": str(uuid.uuid4())}) for _ in range(requests_count)]
    errors: list[str] = []
    next_index = iter(range(requests_count))
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        session.headers.update(
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            response = session.post(
                f"{base_url}/api/v1/submissions", data=bodies[index], timeout=60
            )
            if response.status_code != 201:
                with lock:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} requêtes en échec, par exemple : {errors[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1500, help="requêtes par serveur")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6, help="manches alternées")
    parser.add_argument("--database", choices=["auto", "postgresql", "sqlite"], default="auto")
    arguments = parser.parse_args()

    kind = arguments.database
    if kind == "auto":
        kind = "postgresql" if postgres_answers() else "sqlite"
    print(
        f"Base : {kind} ; {arguments.requests} requêtes par serveur, {arguments.concurrency} clients",
        flush=True,
    )

    servers = {
        "baseline": "benchmarks.support.baseline_app:create_app()",
        "ours": "consultation:create_app()",
    }
    per_round = max(arguments.requests // arguments.rounds, 1)
    seconds = {(body, name): 0.0 for body in BODIES for name in servers}
    with scratch_database(kind) as database_url:
        seeded = seed_study(database_url)
        templates = {
            "court": submission_body(seeded["questionnaire_id"]),
            "long": long_submission_body(seeded["long_questionnaire_id"]),
        }
        baseline_app.create_schema(database_url)
        with (
            # Timed once both servers are idle: our workers load the French pipeline in the
            # background when they start, as a server up for a while already has.
            gunicorn(
                servers["baseline"], database_url, workers=2, threads=4, settle=True
            ) as baseline_url,
            gunicorn(servers["ours"], database_url, workers=2, threads=4, settle=True) as ours_url,
        ):
            urls = {"baseline": baseline_url, "ours": ours_url}
            for url in urls.values():
                # First requests pay for imports, connections and caches in each worker.
                for template in templates.values():
                    load(url, seeded["token"], template, 40, 4)
            for round_number in range(arguments.rounds):
                for body in BODIES:
                    order = list(urls) if round_number % 2 == 0 else list(reversed(urls))
                    for name in order:
                        seconds[body, name] += load(
                            urls[name],
                            seeded["token"],
                            templates[body],
                            per_round,
                            arguments.concurrency,
                        )
                print(
                    f"manche {round_number + 1}/{arguments.rounds} : "
                    + " ; ".join(
                        f"{body} ({len(templates[body]['answers'])} réponses) "
                        + ", ".join(
                            f"{name} {per_round * (round_number + 1) / seconds[body, name]:.0f} req/s"
                            for name in urls
                        )
                        for body in BODIES
                    ),
                    flush=True,
                )
    rates = {key: per_round * arguments.rounds / elapsed for key, elapsed in seconds.items()}
    ratios = {body: rates[body, "ours"] / rates[body, "baseline"] for body in BODIES}

    print(
        json.dumps(
            {
                "name": "submissions",
                "database": kind,
                "ours_rps": round(rates["court", "ours"], 1),
                "baseline_rps": round(rates["court", "baseline"], 1),
                "short_ratio": round(ratios["court"], 3),
                "long_ours_rps": round(rates["long", "ours"], 1),
                "long_baseline_rps": round(rates["long", "baseline"], 1),
                "long_ratio": round(ratios["long"], 3),
                "ratio": round(min(ratios.values()), 3),
            }
        )
    )


# The 6-answer interview of the tests, then a 100-answer one.
BODIES = ("court", "long")


if __name__ == "__main__":
    main()
