"""« Chiffres de l'enquête » of 100,000 submissions × 30 closed questions: the time to render the
cross-tab page against raw pandas computing the same tables from an in-memory DataFrame, same run.

Ours: the page as a chargé d'étude asks for it (GET /etudes/<study>/analyse/<id>/chiffres?par=…,
through Flask's test client): one query reading the answers' JSON, decoding, the tabulation of
analyse (counts, percentages, Wilson intervals, means), labels, and the HTML.
Baseline: the same answers already in a DataFrame (built from the rows inserted, checked before
timing to hold the very answers our page reads from the database; it reads nothing itself); for
each question `value_counts` and `pd.crosstab(normalize="columns")` (select_multiple exploded
first), and the means by group.
Each side runs three times; each keeps its best time. ratio = ours / baseline (target ≤ 3), with
the answers read again each time (as after any change of the submissions); unchanged_ratio is the
same page when the answers have not changed since the last view (the decoded answers are kept).
cpu_ratio and unchanged_cpu_ratio are the same with this process's CPU time, steadier on a
shared machine (on PostgreSQL they leave out the server's share of our side).

The database is DATABASE_URL when set (a schema `bench_dashboard` of its own, dropped afterwards),
else a temporary SQLite file. Last line: JSON."""

from __future__ import annotations

import argparse
import json
import random
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

SCHEMA = "bench_dashboard"
# 30 closed questions: 10 single choices, 8 multiple, 6 scales, 6 numbers.
KINDS = ["select_one"] * 10 + ["select_multiple"] * 8 + ["rating"] * 6 + ["integer"] * 6
CHOICES = ("aucun", "bus", "velo", "voiture", "marche", "train")
COMMUNES = {f"37{index:03d}": f"Commune {index}" for index in range(1, 13)}
PUBLICS = ("jeune", "age", "autre")
AGE_BANDS = ("18_25", "26_59", "60_74", "75_84")
SEXES = ("femme", "homme", "")
GROUPINGS = {"public": "public", "age": "age_band", "sexe": "sex", "commune": "commune_code"}
ROUNDS = 3


def _app(url: str, instance: str):
    return bench_app(url, instance, SCHEMA)


def _definition() -> dict:
    from questionnaires import Choice, ChoiceList, Question, Questionnaire

    questions = [
        Question(
            kind,
            f"q{index:02d}",
            {"fr": f"Question {index} ?"},
            choice_list="mode" if kind.startswith("select") else "",
        )
        for index, kind in enumerate(KINDS)
    ]
    choices = ChoiceList("mode", [Choice(name, {"fr": name.capitalize()}) for name in CHOICES])
    return Questionnaire(
        title="Trente questions",
        form_id="trente",
        children=questions,
        choice_lists={"mode": choices},
    ).to_dict()


def _answers(rng: random.Random) -> dict:
    answers = {}
    for index, kind in enumerate(KINDS):
        if rng.random() < 0.05:
            continue  # some questions left unanswered
        if kind == "select_one":
            value = rng.choice(CHOICES)
        elif kind == "select_multiple":
            value = rng.sample(CHOICES, rng.randint(1, 3))
        elif kind == "rating":
            value = rng.randint(1, 5)
        else:
            value = rng.randint(0, 95)
        answers[f"q{index:02d}"] = value
    return answers


def build(url: str, instance: str, count: int):
    """Schema, the questionnaire, `count` submissions by bulk inserts; returns the ids and the
    same submissions as a DataFrame (the baseline's input)."""
    import pandas as pd
    from sqlalchemy import insert

    from consultation.extensions import db
    from consultation.submissions.models import Submission

    app = _app(url, instance)
    records = []
    with app.app_context():
        study, user, questionnaire, version = measurement_study(
            "Trente questions", _definition(), COMMUNES
        )
        rng = random.Random(17)
        for start in range(0, count, 2000):
            batch = [
                {
                    "client_uuid": str(uuid.uuid4()),
                    "content_hash": "0" * 64,
                    "questionnaire_version_id": version.id,
                    "study_id": study.id,
                    "public": rng.choice(PUBLICS),
                    "age_band": rng.choice(AGE_BANDS),
                    "sex": rng.choice(SEXES),
                    "commune_code": rng.choice(list(COMMUNES)),
                    "consent_given": True,
                    "answers": _answers(rng),
                }
                for _ in range(start, min(start + 2000, count))
            ]
            db.session.execute(insert(Submission), batch)
            db.session.commit()
            records += [
                {name: row[name] for name in GROUPINGS.values()} | row["answers"] for row in batch
            ]
        ids = {
            "questionnaire_id": questionnaire.id,
            "user_id": user.get_id(),
            "study": study.slug,
        }
        db.engine.dispose()
    frame = pd.DataFrame.from_records(records, columns=[*GROUPINGS.values(), *_names()])
    return app, ids, frame


def _names() -> list[str]:
    return [f"q{index:02d}" for index in range(len(KINDS))]


def baseline(frame, by: str) -> int:
    """The same tables with plain pandas from the DataFrame; returns how many were made."""
    import pandas as pd

    tables = 0
    groups = frame[by].fillna("")
    for name, kind in zip(_names(), KINDS):
        column = frame[name]
        if kind == "select_multiple":
            exploded = column.dropna().explode()
            overall = exploded.value_counts()
            crossed = pd.crosstab(
                exploded.to_numpy(), groups.loc[exploded.index].to_numpy(), dropna=False
            )
            bases = groups[column.notna()].value_counts()
            _ = crossed / bases
        else:
            overall = column.value_counts(normalize=True)
            crossed = pd.crosstab(column, groups, normalize="columns")
        if kind in ("rating", "integer"):
            _ = column.groupby(groups).agg(["mean", "std", "count"])
        tables += len(overall) > 0
    return tables


def ours(app, ids: dict, grouping: str) -> int:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(ids["user_id"])
        session["_fresh"] = True
    response = client.get(
        f"/etudes/{ids['study']}/analyse/{ids['questionnaire_id']}/chiffres?par={grouping}"
    )
    assert response.status_code == 200, response.status_code
    return len(response.data)


def same_answers(app, ids: dict, frame) -> bool:
    """Whether the answers our page reads from the database are the baseline's DataFrame: the
    same respondents, profile columns and answers (a missing answer as missing, null or absent),
    in whatever order the database gives them."""
    import orjson

    from consultation.coding import survey_figures

    with app.app_context():
        read = survey_figures.answers_frame(ids["questionnaire_id"], _names())
        forget_frames()
    columns = [*GROUPINGS.values(), *_names()]

    def respondents(table) -> list[bytes]:
        plain = table[columns].astype(object).where(table[columns].notna(), None)
        return sorted(orjson.dumps(row) for row in plain.itertuples(index=False, name=None))

    return respondents(read) == respondents(frame)


def forget_frames() -> None:
    from consultation.coding import survey_figures

    survey_figures._FRAMES.clear()


def _best(action) -> tuple[float, float]:
    """The best elapsed time and the best CPU time of this process over ROUNDS runs. On a shared
    machine the CPU time moves less with the others' load; on PostgreSQL it leaves out the
    server's share of our side (the baseline has none)."""
    times, cpu_times = [], []
    for _ in range(ROUNDS):
        started, cpu_started = time.perf_counter(), time.process_time()
        action()
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    return min(times), min(cpu_times)


def _database_url() -> tuple[str, str]:
    return database_url()


def _with_schema(url: str, action: str) -> None:
    reset_schema(url, SCHEMA, action)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="submissions")
    parser.add_argument("--par", choices=sorted(GROUPINGS), default="commune")
    arguments = parser.parse_args()

    url, kind = _database_url()
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as instance:
        if kind == "postgresql":
            _with_schema(url, "create")
        else:
            url = url or f"sqlite:///{Path(instance) / 'bench.db'}"
        try:
            started = time.perf_counter()
            app, ids, frame = build(url, instance, arguments.size)
            print(
                f"Base : {kind} ; {arguments.size} réponses × {len(KINDS)} questions fermées "
                f"insérées en {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            # The baseline starts from the answers in memory: the same ones as ours reads.
            assert same_answers(app, ids, frame), "the baseline's answers are not ours"
            by = GROUPINGS[arguments.par]
            pandas_s, pandas_cpu = _best(lambda: baseline(frame, by))
            size = ours(app, ids, arguments.par)
            # Cold: the answers read and decoded again, as after any change of the submissions.
            ours_s, ours_cpu = _best(lambda: (forget_frames(), ours(app, ids, arguments.par)))
            # Warm: another view of the same answers (another grouping, the next visit).
            warm_s, warm_cpu = _best(lambda: ours(app, ids, arguments.par))
            print(
                f"Page par {arguments.par} : {ours_s:.2f} s ({size / 1e3:.0f} Ko), "
                f"{warm_s:.2f} s quand les réponses n'ont pas changé ; "
                f"pandas seul : {pandas_s:.2f} s",
                flush=True,
            )
            with app.app_context():
                from consultation.extensions import db

                db.engine.dispose()
        finally:
            if kind == "postgresql":
                _with_schema(url, "drop")
    print(
        json.dumps(
            {
                "name": "dashboard",
                "database": kind,
                "submissions": arguments.size,
                "questions": len(KINDS),
                "by": arguments.par,
                "ours_s": round(ours_s, 3),
                "ours_unchanged_s": round(warm_s, 3),
                "pandas_s": round(pandas_s, 3),
                "ratio": round(ours_s / pandas_s, 2),
                "unchanged_ratio": round(warm_s / pandas_s, 2),
                "cpu_ratio": round(ours_cpu / pandas_cpu, 2),
                "unchanged_cpu_ratio": round(warm_cpu / pandas_cpu, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
