"""A real server for load tests: gunicorn on a free loopback port, over a scratch database
(a database of its own on PostgreSQL, dropped afterwards; a temporary file on SQLite)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_answers(url: str = PG_ADMIN_URL) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:  # any failure means: no usable PostgreSQL here
        return False


@contextlib.contextmanager
def scratch_database(kind: str):
    """Yields a SQLAlchemy URL of an empty database that exists only for this run."""
    if kind == "postgresql":
        import psycopg

        name = f"consultation_load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'load.db'}"


def long_definition(questions: int = 100) -> dict:
    """A questionnaire of `questions` questions as a long ABS interview is: numbers with a
    constraint, single and multiple choices, short and long texts, a fifth of them shown only
    when an earlier answer allows it."""
    from questionnaires import Choice, ChoiceList, Question
    from questionnaires import Questionnaire as QuestionnaireModel

    frequence = ChoiceList(
        "frequence",
        [
            Choice(name, {"fr": label})
            for name, label in (
                ("jamais", "Jamais"),
                ("parfois", "Parfois"),
                ("souvent", "Souvent"),
                ("toujours", "Toujours"),
            )
        ],
    )
    services = ChoiceList(
        "services",
        [
            Choice(name, {"fr": label})
            for name, label in (
                ("ccas", "CCAS"),
                ("caf", "CAF"),
                ("mission_locale", "Mission locale"),
                ("pmi", "PMI"),
                ("france_services", "France services"),
            )
        ],
    )
    children = []
    for number in range(1, questions + 1):
        name = f"q{number:03d}"
        kind = ("integer", "select_one", "select_multiple", "text", "paragraph")[number % 5]
        question = Question(kind, name, {"fr": f"Question {number}"}, required=number % 7 == 0)
        if kind == "integer":
            question.constraint = ". >= 0 and . <= 120"
            question.constraint_message = {"fr": "Entre 0 et 120."}
        elif kind == "select_one":
            question.choice_list = "frequence"
        elif kind == "select_multiple":
            question.choice_list = "services"
        if number % 5 == 2 and number > 5:
            # Shown when the number asked just before is not zero.
            question.relevant = f"${{q{number - 2:03d}}} > 0"
        children.append(question)
    return QuestionnaireModel(
        title="Entretien long",
        form_id="abs_long",
        children=children,
        choice_lists={"frequence": frequence, "services": services},
    ).to_dict()


def long_submission_body(questionnaire_id: int, questions: int = 100) -> dict:
    """What a tablet sends for `long_definition(questions)`, every question answered."""
    from questionnaires import Questionnaire as QuestionnaireModel

    body = submission_body(questionnaire_id)
    answers = {}
    for question in QuestionnaireModel.from_dict(long_definition(questions)).questions():
        kind = question.type
        number = int(question.name[1:])
        answers[question.name] = {
            "integer": 20 + number % 50,
            "select_one": "souvent",
            "select_multiple": ["ccas", "caf"],
            "text": f"Réponse courte {number}",
            "paragraph": "Le bus ne passe plus après 20 heures et je ne peux pas aller voir ma fille à "
            f"Joué-lès-Tours le soir ({number}).",
        }[kind]
    return body | {"answers": answers}


def seed_study(database_url: str) -> dict:
    """Schema, an enquêteur with a device token, two published questionnaires assigned to them
    (the tests' short one and `long_definition()`) and the territory."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from submission_records import definition

    from consultation import create_app
    from consultation.accounts.models import utcnow
    from consultation.accounts.services import create_user
    from consultation.accounts.tokens import issue_token
    from consultation.extensions import db
    from consultation.questionnaire_store.models import (
        PUBLISHED,
        Questionnaire,
        QuestionnaireVersion,
    )
    from consultation.submissions.models import Assignment
    from consultation.territory.models import Commune, Quartier

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "charge"})
    with app.app_context():
        from consultation.studies.scope import enter_study
        from consultation.studies.services import add_member, create_study

        db.create_all()
        study = create_study("Étude de charge", 2026, slug=f"charge-{uuid.uuid4().hex[:6]}")
        enter_study(study, None)
        user = create_user(
            f"enqueteur-{uuid.uuid4().hex[:6]}@exemple.fr", "motdepasse-solide-42", "Samir"
        )
        add_member(study, user, "enqueteur")
        _, token = issue_token(user, "Tablette de charge")
        questionnaire = Questionnaire(title="Besoins des habitants")
        questionnaire.versions.append(
            QuestionnaireVersion(
                number=1, status=PUBLISHED, definition=definition(), published_at=utcnow()
            )
        )
        long_questionnaire = Questionnaire(title="Entretien long")
        long_questionnaire.versions.append(
            QuestionnaireVersion(
                number=1, status=PUBLISHED, definition=long_definition(), published_at=utcnow()
            )
        )
        tours = Commune(insee_code="37261", name="Tours")
        db.session.add_all(
            [questionnaire, long_questionnaire, tours, Quartier(commune=tours, name="Sanitas")]
        )
        db.session.flush()
        # The enquêteur sends only the questionnaires assigned to them.
        db.session.add_all(
            [
                Assignment(questionnaire_id=questionnaire.id, enumerator_id=user.id),
                Assignment(questionnaire_id=long_questionnaire.id, enumerator_id=user.id),
            ]
        )
        db.session.commit()
        seeded = {
            "token": token,
            "questionnaire_id": questionnaire.id,
            "long_questionnaire_id": long_questionnaire.id,
        }
        db.engine.dispose()
    return seeded


def submission_body(questionnaire_id: int) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from submission_records import payload

    return payload(questionnaire_id)


@contextlib.contextmanager
def gunicorn(
    app_spec: str,
    database_url: str,
    *,
    workers: int = 2,
    threads: int = 4,
    log_path: str | None = None,
    settle: bool = False,
):
    """Serves `app_spec` (module:callable()) on a free loopback port; yields the base URL. With
    `settle`, once the server has stopped using the processor: its workers started and done with
    what they load in the background when served (the French pipeline, PRELOAD_NLP), as on a
    server up for a while."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "charge",
        "PYTHONPATH": str(ROOT),
    }
    log = open(log_path or os.devnull, "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app_spec,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=str(ROOT),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process)
        if settle:
            _wait_until_idle(process.pid)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _cpu_seconds(pid: int) -> float:
    """Processor time used by a process and its children still running (Linux's /proc)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending.extend(int(child) for child in children)
    return total


def _wait_until_idle(pid: int, timeout: float = 120) -> None:
    """Until the server used under 2 % of a processor for a whole second, or `timeout`."""
    deadline = time.monotonic() + timeout
    used = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = _cpu_seconds(pid)
        if now - used < 0.02:
            return
        used = now


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté (code {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn ne répond pas")
