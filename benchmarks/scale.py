"""The analysis pages at scale: every page and a coding click, ours against a raw SQL query
returning the same rows, in the same run.

For each size (10,000 and 25,000 submissions of the demo questionnaire by default, about four
free-text answers each), a scratch database is filled with bulk inserts: submissions, their
answer-table rows (made by the same function as the app's writer), codings of two coders,
pending suggestions, pseudonymised texts (half validated), lemmas as the analysis job leaves them,
and the word clouds drawn by their job. The app is then served by gunicorn (2 workers) on a free
loopback port and each page is requested a few times (median), beside the raw query.

PostgreSQL when DATABASE_URL names one that answers (in a schema of its own, dropped afterwards),
SQLite otherwise. Then, for the pages that keep their figures between visits (analysis home,
results, agreement, workspace), one answer is edited and the page requested once: its first visit
after a change (`first_visit_s`, against the next visits' `ours_s`). The last line is JSON with
`pages_max_s`, `pages_ratio` (ours over raw SQL, summed over the pages) and `first_visit_max_s`
for the largest size, and every size's figures."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support.live_server import gunicorn  # noqa: E402

SCHEMA = "scale_bench"
CHUNK = 1000


# ---- database -----------------------------------------------------------------------------------------
def _postgres_url() -> str | None:
    from consultation.config import normalise_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    try:
        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3):
            return normalise_database_url(url)
    except Exception:  # any failure means: no usable PostgreSQL here
        return None


@contextlib.contextmanager
def scratch_database(kind: str):
    """A SQLAlchemy URL of an empty database (a schema of its own on PostgreSQL)."""
    if kind == "postgresql":
        from sqlalchemy import create_engine, text

        base = _postgres_url()
        engine = create_engine(base)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        separator = "&" if "?" in base else "?"
        try:
            yield f"{base}{separator}options=-csearch_path%3D{SCHEMA}"
        finally:
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            engine.dispose()
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'scale.db'}"


def build(database_url: str, size: int) -> dict:
    """Fills the database; returns what the measures need (ids, a code family, a lemma)."""
    from sqlalchemy import insert, select, text

    from analyse.nlp import analyse_texts, fold
    from consultation import create_app
    from consultation.accounts.services import find_user
    from consultation.coding.clouds import CLOUDS
    from consultation.coding.jobs import analysis_cache
    from consultation.coding.models import Coding, PseudonymisedAnswer, Suggestion
    from consultation.coding.services import active_codes, codebook_of
    from consultation.demo.seed import _answers, seed_demo
    from consultation.demo.territory import COMMUNES, PLACES
    from consultation.extensions import db
    from consultation.jobs.queue import _run, start_job
    from consultation.questionnaire_store.definitions import version_model
    from consultation.questionnaire_store.models import QuestionnaireVersion
    from consultation.submissions.answer_table import (
        SEARCH_TABLE,
        AnswerText,
        answer_records,
        free_text_plan,
    )
    from consultation.submissions.models import Submission
    from consultation.territory.models import Quartier

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "charge"})
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        seed_demo(submission_count=0)
        db.session.commit()
        version = db.session.scalars(select(QuestionnaireVersion)).first()
        questionnaire_id = version.questionnaire_id
        plan = free_text_plan(version_model(version))
        quartiers = {(q.commune_code, q.name): q.id for q in db.session.scalars(select(Quartier))}
        coders = [find_user("charge@demo.fr"), find_user("admin@demo.fr")]
        enumerators = [find_user("enqueteur@demo.fr"), find_user("enqueteuse@demo.fr")]
        codebook = codebook_of(questionnaire_id)
        codes = [code for code in active_codes(codebook) if code.keywords]
        patterns = [
            (
                code,
                re.compile(
                    r"\b(?:" + "|".join(re.escape(w) for w in code.keywords) + r")\w*", re.I
                ),
            )
            for code in codes
        ]
        cache = analysis_cache()
        rng = random.Random(size)
        counts = {"submissions": 0, "answers": 0, "codings": 0}
        for first in range(0, size, CHUNK):
            submissions = [
                _submission(index, version.id, enumerators, quartiers, _answers, COMMUNES, PLACES)
                | {"study_id": version.questionnaire.study_id}
                for index in range(first, min(first + CHUNK, size))
            ]
            ids = db.session.scalars(
                insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
                submissions,
            ).all()
            records = []
            for submission_id, values in zip(ids, submissions):
                records.extend(
                    answer_records(
                        SimpleNamespace(id=submission_id, **values), questionnaire_id, plan
                    )
                )
            # Lemmas as the analysis job leaves them (the same analyse_texts and token cache).
            for record, analysis in zip(
                records, analyse_texts([r["text"] for r in records], cache=cache)
            ):
                record["lemmas"] = " ".join(
                    dict.fromkeys(fold(token.lemma) for token in analysis.tokens)
                )
            db.session.execute(insert(AnswerText), records)
            if db.session.get_bind().dialect.name == "sqlite":
                # Analysed rows are in the full-text index, as the job's writing of their lemmas
                # leaves them (PostgreSQL's index follows the table by itself).
                db.session.execute(
                    text(
                        f"INSERT INTO {SEARCH_TABLE}(rowid, folded, lemmas) "
                        "SELECT id, folded, lemmas FROM answer_text "
                        "WHERE submission_id BETWEEN :first AND :last AND lemmas IS NOT NULL"
                    ),
                    {"first": ids[0], "last": ids[-1]},
                )
            codings, suggestions, pseudonymised = [], [], []
            for record in records:
                key = {"submission_id": record["submission_id"], "path": record["path"]}
                pseudonymised.append(
                    key
                    | {
                        "text_hash": record["text_hash"],
                        "text": record["text"],
                        "spans": [],
                        "validated_at": datetime.now(timezone.utc) if rng.random() < 0.5 else None,
                        "validated_by_id": None,
                    }
                )
                found = [
                    (code, match)
                    for code, pattern in patterns
                    for match in [pattern.search(record["text"])]
                    if match
                ]
                if found and rng.random() < 0.4:
                    for index, coder in enumerate(coders):
                        for code, match in found[:2]:
                            if index == 1 and rng.random() < 0.2:
                                continue
                            codings.append(
                                key
                                | {
                                    "start": match.start(),
                                    "end": match.end(),
                                    "code_id": code.id,
                                    "coder_id": coder.id,
                                    "text_hash": record["text_hash"],
                                    "source": "manual",
                                }
                            )
                elif found:
                    code, match = found[0]
                    suggestions.append(
                        key
                        | {
                            "code_id": code.id,
                            "score": round(rng.random(), 3),
                            "spans": [[match.start(), match.end()]],
                            "source": "rules",
                            "text_hash": record["text_hash"],
                            "status": "pending",
                        }
                    )
            for table, rows in (
                (Coding, codings),
                (Suggestion, suggestions),
                (PseudonymisedAnswer, pseudonymised),
            ):
                if rows:
                    db.session.execute(insert(table), rows)
            db.session.commit()
            counts["submissions"] += len(ids)
            counts["answers"] += len(records)
            counts["codings"] += len(codings)
            print(
                f"  {counts['submissions']} réponses, {counts['answers']} réponses libres, "
                f"{counts['codings']} codages ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        job = start_job(CLOUDS, {"questionnaire_id": questionnaire_id, "codes": ["logement"]})
        db.session.commit()
        clouds_started = time.perf_counter()
        _run(job.id)
        print(
            f"  nuages dessinés par leur travail en {time.perf_counter() - clouds_started:.0f} s",
            flush=True,
        )
        family = [code.id for code in codes if code.key == "logement"] or [codes[0].id]
        family += [code.id for code in codes if code.parent_id in family]
        sample = db.session.execute(
            select(AnswerText.submission_id, AnswerText.path, AnswerText.text, AnswerText.text_hash)
            .where(AnswerText.question == "manque_quartier")
            .order_by(AnswerText.id)
            .limit(1)
        ).one()
        built = {
            "questionnaire_id": questionnaire_id,
            "question": "manque_quartier",
            "family": family,
            "code_id": family[0],
            "click_code_id": codes[-1].id,
            "sample": tuple(sample),
            "coder_ids": [coder.id for coder in coders],
            **counts,
            "build_s": round(time.perf_counter() - started, 1),
        }
        db.engine.dispose()
    return built


def _submission(index, version_id, enumerators, quartiers, make_answers, communes, places) -> dict:
    rng = random.Random(index)
    public = "jeune" if rng.random() < 0.52 else "age"
    code = rng.choice(list(communes))
    commune_name, quartier_names = communes[code]
    quartier_name = rng.choice(quartier_names)
    age = rng.randint(16, 25) if public == "jeune" else rng.randint(60, 96)
    age_band = (
        ("15_17" if age < 18 else "18_25")
        if public == "jeune"
        else ("60_74" if age < 75 else "75_84" if age < 85 else "85_plus")
    )
    answers = make_answers(rng, public, age, commune_name, quartier_name)
    completed = datetime(2026, 9, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 86400))
    enumerator = rng.choice(enumerators)
    client_uuid = str(uuid.UUID(int=rng.getrandbits(128)))
    return {
        "client_uuid": client_uuid,
        "content_hash": hashlib.sha256(client_uuid.encode()).hexdigest(),
        "questionnaire_version_id": version_id,
        "channel": "tablette",
        "state": "recue",
        "review_comment": "",
        "answers": answers,
        "public": public,
        "age_band": age_band,
        "sex": "",
        "commune_code": code,
        "quartier_id": quartiers.get((code, quartier_name)),
        "place": rng.choice(places),
        "consent_given": True,
        "consent_recorded_by": enumerator.name,
        "consent_at": completed,
        "parental_consent": None,
        "enumerator_id": enumerator.id,
        "device_id": "",
        "started_at": completed,
        "completed_at": completed,
        "received_at": completed,
        "updated_at": completed,
    }


# ---- raw SQL: the same rows, without the app ------------------------------------------------------------
def raw_queries(kind: str, built: dict) -> dict[str, tuple[str, dict]]:
    q, question = built["questionnaire_id"], built["question"]
    on = "c.submission_id = a.submission_id AND c.path = a.path"
    family = ", ".join(str(code_id) for code_id in built["family"])
    if kind == "postgresql":
        search = (
            "a.id IN (SELECT id FROM answer_text WHERE lemmas IS NOT NULL AND "
            "to_tsvector('simple'::regconfig, folded || ' ' || lemmas) @@ to_tsquery('simple', 'bus:*'))"
        )
    else:
        search = "a.id IN (SELECT rowid FROM answer_search WHERE answer_search MATCH '\"bus\"*')"
    page = (
        f'SELECT a.submission_id, a.path, a.text, c.code_id, c.start, c."end" FROM (SELECT * FROM answer_text '
        f"WHERE questionnaire_id = :q AND question = :question {{extra}} ORDER BY submission_id, position "
        f"LIMIT 40 OFFSET {{offset}}) a LEFT JOIN coding c ON {on}"
    )
    return {
        "home": (
            f"SELECT a.question, count(DISTINCT a.id) FROM answer_text a LEFT JOIN coding c ON {on} "
            "WHERE a.questionnaire_id = :q GROUP BY a.question",
            {"q": q},
        ),
        "workspace": (page.format(extra="", offset=0), {"q": q, "question": question}),
        "workspace_filtered": (
            page.format(extra="AND public = 'age' AND folded LIKE '%bus%'", offset=0),
            {"q": q, "question": question},
        ),
        "workspace_page_50": (
            page.format(extra="", offset=40 * 49),
            {"q": q, "question": question},
        ),
        "results": (
            f"SELECT c.code_id, a.public, count(DISTINCT a.submission_id) FROM coding c JOIN answer_text a "
            f"ON {on} WHERE a.questionnaire_id = :q GROUP BY c.code_id, a.public",
            {"q": q},
        ),
        "results_by_quartier": (
            f"SELECT c.code_id, a.quartier_id, count(DISTINCT a.submission_id) FROM coding c "
            f"JOIN answer_text a ON {on} WHERE a.questionnaire_id = :q "
            "GROUP BY c.code_id, a.quartier_id",
            {"q": q},
        ),
        "concordance": (
            f"SELECT a.submission_id, a.path, a.text FROM answer_text a WHERE a.questionnaire_id = :q "
            f"AND {search} ORDER BY a.submission_id, a.position LIMIT 400",
            {"q": q},
        ),
        "verbatims": (
            f'SELECT a.text, c.start, c."end", c.coder_id FROM coding c JOIN answer_text a ON {on} '
            f"WHERE a.questionnaire_id = :q AND c.code_id IN ({family}) "
            "ORDER BY a.submission_id, a.position",
            {"q": q},
        ),
        "agreement": (
            f"SELECT c.submission_id, c.path, c.code_id, c.coder_id FROM coding c JOIN answer_text a "
            f"ON {on} WHERE a.questionnaire_id = :q",
            {"q": q},
        ),
        "pseudonymisation": (
            "SELECT p.id, p.text, p.spans FROM pseudonymised_answer p JOIN answer_text a ON "
            "p.submission_id = a.submission_id AND p.path = a.path WHERE a.questionnaire_id = :q "
            "AND p.validated_at IS NULL ORDER BY a.submission_id LIMIT 30",
            {"q": q},
        ),
        "cloud": (
            "SELECT result FROM job WHERE kind = 'coding.clouds' AND status = 'done' ORDER BY id DESC LIMIT 1",
            {},
        ),
        "cloud_of_a_code": (
            "SELECT result FROM job WHERE kind = 'coding.clouds' AND status = 'done' "
            "ORDER BY id DESC LIMIT 1",
            {},
        ),
    }


def time_raw(engine, sql: str, parameters: dict, repeats: int) -> float:
    from sqlalchemy import text

    durations = []
    with engine.connect() as connection:
        connection.execute(text(sql), parameters).all()  # warm
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute(text(sql), parameters).all()
            durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def time_raw_click(engine, built: dict, repeats: int) -> float:
    """Insert a coding, read its answer row with its codings, delete it: a click done by hand."""
    from sqlalchemy import text

    submission_id, path, _, digest = built["sample"]
    durations = []
    for index in range(repeats + 1):
        started = time.perf_counter()
        with engine.begin() as connection:
            coding_id = connection.execute(
                text(
                    'INSERT INTO coding (submission_id, path, start, "end", code_id, coder_id, text_hash, source, '
                    "created_at) VALUES (:s, :p, 0, 3, :code, :coder, :h, 'manual', :now) RETURNING id"
                ),
                {
                    "s": submission_id,
                    "p": path,
                    "code": built["click_code_id"],
                    "coder": built["coder_ids"][0],
                    "h": digest,
                    "now": datetime.now(timezone.utc),
                },
            ).scalar()
            connection.execute(
                text(
                    'SELECT a.text, c.code_id, c.start, c."end" FROM answer_text a LEFT JOIN coding c ON '
                    "c.submission_id = a.submission_id AND c.path = a.path WHERE a.submission_id = :s AND a.path = :p"
                ),
                {"s": submission_id, "p": path},
            ).all()
        elapsed = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM coding WHERE id = :id"), {"id": coding_id})
        if index:
            durations.append(elapsed)
    return statistics.median(durations)


# ---- the app ------------------------------------------------------------------------------------------
def login(base_url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/compte/connexion", timeout=60).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
    response = session.post(
        f"{base_url}/compte/connexion",
        timeout=60,
        allow_redirects=False,
        data={"email": "charge@demo.fr", "password": "demo-consultation", "csrf_token": token},
    )
    if response.status_code != 302:
        raise SystemExit(f"connexion refusée : {response.status_code}")
    return session


def time_get(session: requests.Session, url: str, repeats: int) -> float:
    response = session.get(url, timeout=600)  # warm: imports, caches, connections of the worker
    if response.status_code != 200:
        raise SystemExit(f"{url} : {response.status_code} {response.text[:200]}")
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = session.get(url, timeout=600)
        durations.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} : {response.status_code}")
    return statistics.median(durations)


def time_click(session: requests.Session, base_url: str, built: dict, repeats: int) -> float:
    """A coder adds a code on a span (the answer's one row comes back), then removes it."""
    q = built["questionnaire_id"]
    page = session.get(
        f"{base_url}/etudes/abs-2026-tours-metropole/analyse/{q}/coder/{built['question']}",
        timeout=600,
    ).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
    submission_id, path, _, digest = built["sample"]
    headers = {"X-CSRFToken": token}
    durations = []
    for index in range(repeats + 1):
        started = time.perf_counter()
        response = session.post(
            f"{base_url}/etudes/abs-2026-tours-metropole/analyse/{q}/api/codages",
            headers=headers,
            timeout=600,
            json={
                "submission_id": submission_id,
                "path": path,
                "start": 0,
                "end": 3,
                "code_id": built["click_code_id"],
                "text_hash": digest,
            },
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 201 or "row_html" not in response.json():
            raise SystemExit(f"clic de codage : {response.status_code} {response.text[:200]}")
        removed = session.delete(
            f"{base_url}/etudes/abs-2026-tours-metropole/analyse/{q}/api/codages/{response.json()['coding']['id']}",
            headers=headers,
            timeout=600,
        )
        if removed.status_code != 200:
            raise SystemExit(f"retrait du codage : {removed.status_code}")
        if index:
            durations.append(elapsed)
    return statistics.median(durations)


# The pages whose figures are kept between visits (coding/figures.py): their first visit after a
# change is the one that counts again.
FIRST_VISITS = ("home", "results", "results_by_quartier", "agreement", "workspace")


def time_first_visits(
    session: requests.Session, base_url: str, engine, built: dict, pages: dict
) -> dict[str, float]:
    """For each page: one answer edited by the back office (a few words added), then the page
    requested once: the first visit after a change, which finds its kept figures out of date."""
    from sqlalchemy import text

    submission_id, path = built["sample"][0], built["sample"][1]
    with engine.connect() as connection:
        answers = connection.execute(
            text("SELECT answers FROM submission WHERE id = :id"), {"id": submission_id}
        ).scalar()
    answers = json.loads(answers) if isinstance(answers, str) else dict(answers)
    original = answers.get(path) or ""
    page = session.get(f"{base_url}{pages['workspace']}", timeout=600).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)[1]
    durations = {}
    for number, name in enumerate(FIRST_VISITS, start=1):
        answers[path] = f"{original} Et le bus ({number})."
        response = session.post(
            f"{base_url}/etudes/abs-2026-tours-metropole/reponses/{submission_id}/modifier",
            headers={"X-CSRFToken": token},
            json={"answers": answers},
            timeout=600,
        )
        if response.status_code != 200 or not response.json().get("changed"):
            raise SystemExit(
                f"modification d'une réponse : {response.status_code} {response.text[:200]}"
            )
        started = time.perf_counter()
        response = session.get(base_url + pages[name], timeout=600)
        durations[name] = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{pages[name]} : {response.status_code}")
    return durations


def measure(kind: str, database_url: str, built: dict, repeats: int) -> dict:
    from sqlalchemy import create_engine

    from consultation.config import normalise_database_url

    q, question = built["questionnaire_id"], built["question"]
    pages = {
        "home": "/etudes/abs-2026-tours-metropole/analyse/",
        "workspace": f"/etudes/abs-2026-tours-metropole/analyse/{q}/coder/{question}",
        "workspace_filtered": f"/etudes/abs-2026-tours-metropole/analyse/{q}/coder/{question}?public=age&q=bus",
        "workspace_page_50": f"/etudes/abs-2026-tours-metropole/analyse/{q}/coder/{question}?page=50",
        "results": f"/etudes/abs-2026-tours-metropole/analyse/{q}/resultats",
        "results_by_quartier": f"/etudes/abs-2026-tours-metropole/analyse/{q}/resultats?par=quartier",
        "concordance": f"/etudes/abs-2026-tours-metropole/analyse/{q}/resultats?lemme=bus",
        "verbatims": f"/etudes/abs-2026-tours-metropole/analyse/{q}/resultats/code/{built['code_id']}",
        "agreement": f"/etudes/abs-2026-tours-metropole/analyse/{q}/accord",
        "pseudonymisation": f"/etudes/abs-2026-tours-metropole/analyse/{q}/pseudonymisation",
        "cloud": f"/etudes/abs-2026-tours-metropole/analyse/{q}/nuage/public/jeune.png",
        "cloud_of_a_code": f"/etudes/abs-2026-tours-metropole/analyse/{q}/nuage/code/logement.png",
    }
    raw = raw_queries(kind, built)
    engine = create_engine(normalise_database_url(database_url))
    figures = {}
    # Settled: its workers load the French pipeline when they start, a few seconds of processor
    # that would otherwise weigh on the first pages timed.
    with gunicorn(
        "consultation:create_app()", database_url, workers=2, threads=2, settle=True
    ) as base_url:
        session = login(base_url)
        for name, path in pages.items():
            ours = time_get(session, base_url + path, repeats)
            baseline = time_raw(engine, *raw[name], repeats)
            figures[name] = {"ours_s": round(ours, 4), "raw_s": round(baseline, 4)}
            print(f"  {name:22} ours {ours:7.3f} s   SQL brut {baseline:7.4f} s", flush=True)
        ours = time_click(session, base_url, built, repeats)
        baseline = time_raw_click(engine, built, repeats)
        figures["coding_click"] = {"ours_s": round(ours, 4), "raw_s": round(baseline, 4)}
        print(f"  {'coding_click':22} ours {ours:7.3f} s   SQL brut {baseline:7.4f} s", flush=True)
        for name, elapsed in time_first_visits(session, base_url, engine, built, pages).items():
            figures[name]["first_visit_s"] = round(elapsed, 4)
            print(
                f"  {name:22} première visite après une réponse modifiée {elapsed:7.3f} s "
                f"(visites suivantes {figures[name]['ours_s']:.3f} s)",
                flush=True,
            )
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,25000", help="nombres de réponses, séparés par des virgules"
    )
    parser.add_argument("--repeats", type=int, default=3, help="mesures par page (médiane)")
    parser.add_argument("--database", choices=["auto", "postgresql", "sqlite"], default="auto")
    arguments = parser.parse_args()
    kind = arguments.database
    if kind == "auto":
        kind = "postgresql" if _postgres_url() else "sqlite"
    sizes = [int(size) for size in arguments.sizes.split(",") if size.strip()]
    results = {}
    for size in sizes:
        print(f"Base : {kind} ; {size} réponses", flush=True)
        with scratch_database(kind) as database_url:
            built = build(database_url, size)
            figures = measure(kind, database_url, built, arguments.repeats)
        pages = {name: value for name, value in figures.items() if name != "coding_click"}
        results[size] = {
            "answers": built["answers"],
            "codings": built["codings"],
            "build_s": built["build_s"],
            "pages_max_s": max(value["ours_s"] for value in pages.values()),
            "pages_ratio": round(
                sum(v["ours_s"] for v in pages.values()) / sum(v["raw_s"] for v in pages.values()),
                1,
            ),
            "click_s": figures["coding_click"]["ours_s"],
            "first_visit_max_s": max(
                value["first_visit_s"] for value in pages.values() if "first_visit_s" in value
            ),
            "pages": figures,
        }
        print(
            f"  => page la plus lente {results[size]['pages_max_s']} s, clic {results[size]['click_s']} s, "
            f"rapport {results[size]['pages_ratio']}",
            flush=True,
        )
    largest = results[max(sizes)]
    print(
        json.dumps(
            {
                "name": "scale",
                "database": kind,
                "submissions": max(sizes),
                "answers": largest["answers"],
                "pages_max_s": largest["pages_max_s"],
                "pages_ratio": largest["pages_ratio"],
                "click_s": largest["click_s"],
                "first_visit_max_s": largest["first_visit_max_s"],
                "sizes": results,
            }
        )
    )


if __name__ == "__main__":
    main()
