"""The retention period of a study (months after receipt) and `consultation purge`."""

import html
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from consultation.coding.models import Code, Codebook, Coding
from consultation.studies.models import AuditEntry
from consultation.submissions.answer_table import AnswerText
from consultation.submissions.models import Submission
from consultation.submissions.retention import months_before
from tests.coding_records import coding_study

pytestmark = pytest.mark.storage


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    moment = datetime(2026, 5, 31, 10, tzinfo=timezone.utc)
    assert months_before(moment, 3) == datetime(2026, 2, 28, 10, tzinfo=timezone.utc)
    assert months_before(moment, 12) == datetime(2025, 5, 31, 10, tzinfo=timezone.utc)
    assert months_before(datetime(2026, 1, 15), 1) == datetime(2025, 12, 15)


def _aged_study(db, the_study, make_user):
    """Five submissions: two received 2 years ago (one coded), three this week."""
    records = coding_study(db)
    old = records["submissions"][:2]
    now = datetime.now(timezone.utc)
    for submission in old:
        submission.received_at = now - timedelta(days=730)
    for submission in records["submissions"][2:]:
        submission.received_at = now - timedelta(days=3)
    coder = make_user("charge_etude")
    codebook = Codebook(questionnaire_id=records["questionnaire"].id, name="Thèmes")
    db.session.add(codebook)
    db.session.flush()
    code = Code(codebook_id=codebook.id, key="logement", name="Logement")
    db.session.add(code)
    db.session.flush()
    db.session.add(
        Coding(
            submission_id=old[0].id,
            path="besoins",
            start=0,
            end=3,
            code_id=code.id,
            coder_id=coder.id,
            text_hash="a" * 64,
        )
    )
    the_study.retention_months = 18
    db.session.commit()
    return [submission.id for submission in old], [s.id for s in records["submissions"][2:]]


def _count(db, model, ids):
    column = model.id if model is Submission else model.submission_id
    return db.session.scalar(select(func.count()).select_from(model).where(column.in_(ids)))


def test_purge_dry_run_says_what_would_go_and_erases_nothing(runner, db, the_study, make_user):
    old, recent = _aged_study(db, the_study, make_user)
    result = runner.invoke(args=["purge", "--study", "etude-test", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "2 réponse(s) reçue(s) avant le" in result.output and "seraient effacées" in result.output
    )
    db.session.expire_all()
    assert _count(db, Submission, old + recent) == 5
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purge")) is None


def test_purge_erases_what_is_past_the_period_with_what_hangs_from_it(
    runner, db, the_study, make_user
):
    old, recent = _aged_study(db, the_study, make_user)
    result = runner.invoke(args=["purge", "--study", "etude-test"])
    assert result.exit_code == 0, result.output
    assert (
        "2 réponse(s) reçue(s) avant le" in result.output and "effacées (18 mois)" in result.output
    )
    db.session.expire_all()
    assert _count(db, Submission, old) == 0
    assert _count(db, AnswerText, old) == 0 and _count(db, Coding, old) == 0
    assert _count(db, Submission, recent) == 3 and _count(db, AnswerText, recent) == 3
    line = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purge"))
    assert line.after["reponses_effacees"] == 2 and sorted(line.after["ids"]) == sorted(old)
    again = runner.invoke(args=["purge", "--study", "etude-test"])
    assert "aucune réponse reçue avant le" in again.output


def test_a_study_without_a_period_is_left_alone(runner, db, the_study, make_user):
    old, _ = _aged_study(db, the_study, make_user)
    the_study.retention_months = None
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "aucune durée de conservation réglée" in result.output
    db.session.expire_all()
    assert _count(db, Submission, old) == 2


def test_the_settings_page_sets_the_period_and_refuses_nonsense(login, db, the_study):
    from tests.conftest import STUDY

    charge = login("charge_etude")
    base = {
        "name": the_study.name,
        "kind": the_study.kind,
        "year": "2026",
        "state": the_study.state,
    }
    refused = charge.post(f"{STUDY}/reglages", data=base | {"retention_months": "douze"})
    assert "« douze » n'est pas un nombre entier" in html.unescape(refused.get_data(as_text=True))
    refused = charge.post(f"{STUDY}/reglages", data=base | {"retention_months": "0"})
    assert "entre 1 et 240 mois" in refused.get_data(as_text=True)
    saved = charge.post(f"{STUDY}/reglages", data=base | {"retention_months": "24"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert the_study.retention_months == 24
