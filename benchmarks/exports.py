"""Exports of 100,000 submissions of a 100-question questionnaire: our CSV and XLSX export jobs
against a baseline doing the least possible over the same rows, in the same run.

The baseline reads the same columns through a raw DBAPI cursor (a named cursor on PostgreSQL),
turns each answer into a cell (lists joined by spaces) and writes it with `csv.writer`, or with
openpyxl's write-only mode for XLSX. Ours runs the export job as the worker does (labels instead
of codes, time zone, formula neutralisation, progress commits, file published under instance/).

Each export runs in a fresh process, as a worker would, so that its peak memory is its own: the
growth is the process's peak resident memory (VmHWM, what ru_maxrss reports, read from /proc because
ru_maxrss keeps the peak of the parent process a child was forked from) minus its resident memory
just before the export.

The database is DATABASE_URL when set (a schema `bench_exports` of its own, dropped afterwards),
else a temporary SQLite file. Last line: JSON with `export_csv_s`, `export_xlsx_s`,
`export_peak_mb` (the larger growth of our two exports) and the ratios ours / baseline.
Targets: each export ≤ 30 s, growth ≤ 300 MB."""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support.bench_app import (  # noqa: E402
    bench_app,
    database_url,
    measurement_study,
    reset_schema,
)

SCHEMA = "bench_exports"
QUESTIONS = 100
TYPES = ("text", "integer", "select_one", "select_multiple", "paragraph")
CHOICES = ("aucun", "bus", "velo", "voiture", "marche")
WORDS = (
    "transport",
    "logement",
    "soir",
    "médecin",
    "crèche",
    "loyer",
    "bus",
    "quartier",
    "emploi",
    "aide",
)


# --- the database ---------------------------------------------------------------------------------


def _app(url: str, instance: str):
    return bench_app(url, instance, SCHEMA)


def _definition() -> dict:
    from questionnaires import Choice, ChoiceList, Question, Questionnaire

    questions = [
        Question(
            TYPES[index % len(TYPES)],
            f"q{index:03d}",
            {"fr": f"Question {index} ?"},
            choice_list="mode" if TYPES[index % len(TYPES)].startswith("select") else None,
        )
        for index in range(QUESTIONS)
    ]
    choices = ChoiceList("mode", [Choice(name, {"fr": name.capitalize()}) for name in CHOICES])
    return Questionnaire(
        title="Cent questions", form_id="cent", children=questions, choice_lists={"mode": choices}
    ).to_dict()


def _answers(rng: random.Random) -> dict:
    answers = {}
    for index in range(QUESTIONS):
        kind = TYPES[index % len(TYPES)]
        if kind == "integer":
            value = rng.randint(0, 99)
        elif kind == "select_one":
            value = rng.choice(CHOICES)
        elif kind == "select_multiple":
            value = rng.sample(CHOICES, rng.randint(1, 3))
        elif kind == "paragraph":
            value = " ".join(rng.choices(WORDS, k=12))
        else:
            value = rng.choice(WORDS)
        answers[f"q{index:03d}"] = value
    return answers


def build(url: str, instance: str, count: int) -> dict:
    """Schema, a published 100-question questionnaire, `count` submissions by bulk inserts."""
    from sqlalchemy import insert

    from consultation.extensions import db
    from consultation.submissions.models import Submission

    app = _app(url, instance)
    with app.app_context():
        study, user, questionnaire, version = measurement_study(
            "Cent questions", _definition(), {"37261": "Tours"}
        )
        rng = random.Random(14)
        for start in range(0, count, 2000):
            db.session.execute(
                insert(Submission),
                [
                    {
                        "client_uuid": str(uuid.uuid4()),
                        "content_hash": "0" * 64,
                        "questionnaire_version_id": version.id,
                        "study_id": study.id,
                        "public": rng.choice(("jeune", "age")),
                        "commune_code": "37261",
                        "consent_given": True,
                        "enumerator_id": user.id,
                        "answers": _answers(rng),
                    }
                    for _ in range(start, min(start + 2000, count))
                ],
            )
            db.session.commit()
        ids = {"questionnaire_id": questionnaire.id, "user_id": user.id}
        db.engine.dispose()
    return ids


# --- one export, in its own process ----------------------------------------------------------------


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _ours(url: str, instance: str, ids: dict, file_format: str) -> dict:
    from consultation.extensions import db
    from consultation.jobs.models import Job
    from consultation.jobs.queue import enqueue
    from consultation.submissions.export_job import start_export
    from consultation.submissions.exports import ExportOptions
    from consultation.submissions.queries import SubmissionFilters

    app = _app(url, instance)
    with app.app_context():
        job = start_export(
            ids["questionnaire_id"],
            SubmissionFilters(),
            ExportOptions(),
            file_format,
            ids["user_id"],
        )
        db.session.commit()
        before = _rss_mb()
        started = time.perf_counter()
        enqueue(job)  # immediate: runs the job here, as the worker would
        seconds = time.perf_counter() - started
        job = db.session.get(Job, job.id)
        if job.status != "done":
            raise SystemExit(f"export en échec : {job.message}")
        size = (Path(instance) / "exports" / job.result["file"]).stat().st_size
        return {"seconds": seconds, "before_mb": before, "rows": job.result["rows"], "bytes": size}


def _raw_rows(url: str):
    """The same columns as our export, through the driver alone; answers as one cell per question."""
    names = [f"q{index:03d}" for index in range(QUESTIONS)]
    sql = (
        "SELECT s.id, s.client_uuid, v.number, s.channel, s.state, s.started_at, s.completed_at, s.received_at, "
        "u.name, s.public, s.age_band, s.sex, s.commune_code, c.name, q.name, s.place, s.consent_given, "
        "s.parental_consent, s.answers FROM submission s JOIN questionnaire_version v "
        'ON v.id = s.questionnaire_version_id LEFT JOIN "user" u ON u.id = s.enumerator_id '
        "LEFT JOIN commune c ON c.insee_code = s.commune_code LEFT JOIN quartier q ON q.id = s.quartier_id "
        "ORDER BY s.id"
    )
    if url.startswith("postgresql"):
        import psycopg

        connection = psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), options=f"-csearch_path={SCHEMA}"
        )
        cursor = connection.cursor(name="bench_export")
        cursor.itersize = 1000
        decode = lambda value: value  # noqa: E731  (psycopg already parses json)
    else:
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        cursor = connection.cursor()
        decode = json.loads
    cursor.execute(sql)
    for row in cursor:
        answers = decode(row[-1]) or {}
        cells = []
        for name in names:
            value = answers.get(name)
            cells.append(" ".join(value) if isinstance(value, list) else value)
        yield list(row[:-1]) + cells
    connection.close()


def _baseline(url: str, instance: str, file_format: str) -> dict:
    path = Path(instance) / f"baseline.{file_format}"
    before = _rss_mb()
    started = time.perf_counter()
    rows = 0
    if file_format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
            for row in _raw_rows(url):
                writer.writerow(row)
                rows += 1
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("reponses")
        for row in _raw_rows(url):
            sheet.append(row)
            rows += 1
        workbook.save(path)
    return {
        "seconds": time.perf_counter() - started,
        "before_mb": before,
        "rows": rows,
        "bytes": path.stat().st_size,
    }


def child(arguments) -> None:
    ids = json.loads(arguments.ids)
    if arguments.child == "ours":
        measured = _ours(arguments.url, arguments.instance, ids, arguments.format)
    else:
        measured = _baseline(arguments.url, arguments.instance, arguments.format)
    peak = _status_mb("VmHWM")
    measured["growth_mb"] = max(peak - measured.pop("before_mb"), 0.0)
    print(json.dumps(measured))


def _run_child(which: str, file_format: str, url: str, instance: str, ids: dict) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            which,
            "--format",
            file_format,
            "--url",
            url,
            "--instance",
            instance,
            "--ids",
            json.dumps(ids),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=str(ROOT),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- the run -------------------------------------------------------------------------------------


def _database_url() -> tuple[str, str]:
    return database_url()


def _with_schema(url: str, action: str) -> None:
    reset_schema(url, SCHEMA, action)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--child", choices=["ours", "baseline"])
    parser.add_argument("--format", choices=["csv", "xlsx"])
    parser.add_argument("--url")
    parser.add_argument("--instance")
    parser.add_argument("--ids")
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
        return

    url, kind = _database_url()
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as instance:
        if kind == "postgresql":
            _with_schema(url, "create")
        else:
            url = url or f"sqlite:///{Path(instance) / 'bench.db'}"
        try:
            started = time.perf_counter()
            ids = build(url, instance, arguments.submissions)
            print(
                f"Base : {kind} ; {arguments.submissions} réponses × {QUESTIONS} questions insérées en "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            results = {}
            for file_format in ("csv", "xlsx"):
                for which in ("baseline", "ours"):
                    measured = results[(which, file_format)] = _run_child(
                        which, file_format, url, instance, ids
                    )
                    print(
                        f"{file_format} {which} : {measured['seconds']:.1f} s, +{measured['growth_mb']:.0f} Mo, "
                        f"{measured['rows']} lignes, {measured['bytes'] / 1e6:.0f} Mo",
                        flush=True,
                    )
        finally:
            if kind == "postgresql":
                _with_schema(url, "drop")

    ours_csv, ours_xlsx = results[("ours", "csv")], results[("ours", "xlsx")]
    base_csv, base_xlsx = results[("baseline", "csv")], results[("baseline", "xlsx")]
    print(
        json.dumps(
            {
                "name": "exports",
                "database": kind,
                "submissions": arguments.submissions,
                "questions": QUESTIONS,
                "export_csv_s": round(ours_csv["seconds"], 1),
                "export_xlsx_s": round(ours_xlsx["seconds"], 1),
                "export_peak_mb": round(max(ours_csv["growth_mb"], ours_xlsx["growth_mb"]), 1),
                "baseline_csv_s": round(base_csv["seconds"], 1),
                "baseline_xlsx_s": round(base_xlsx["seconds"], 1),
                "baseline_peak_mb": round(max(base_csv["growth_mb"], base_xlsx["growth_mb"]), 1),
                "csv_ratio": round(ours_csv["seconds"] / base_csv["seconds"], 2),
                "xlsx_ratio": round(ours_xlsx["seconds"] / base_xlsx["seconds"], 2),
                "peak_ratio": round(
                    max(ours_csv["growth_mb"], ours_xlsx["growth_mb"])
                    / max(base_csv["growth_mb"], base_xlsx["growth_mb"], 1.0),
                    2,
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
