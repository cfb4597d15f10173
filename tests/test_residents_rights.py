"""A respondent's rights with their receipt code (/mes-reponses), and the same from the back office:
see, download (JSON, CSV), erase everything hanging from the answer."""

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from consultation.coding.models import Code, Codebook, Coding, Memo, PseudonymisedAnswer, Suggestion
from consultation.studies.models import AuditEntry
from consultation.submissions.answer_table import AnswerText
from consultation.submissions.models import Submission, SubmissionRevision
from tests.coding_records import coding_study

pytestmark = pytest.mark.storage


def _with_derived(db, make_user):
    """A coded, suggested, memoed, pseudonymised and edited submission, and another untouched."""
    records = coding_study(db)
    target, other = records["submissions"][4], records["submissions"][0]
    coder = make_user("charge_etude")
    codebook = Codebook(questionnaire_id=records["questionnaire"].id, name="Thèmes")
    db.session.add(codebook)
    db.session.flush()
    code = Code(codebook_id=codebook.id, key="logement", name="Logement")
    db.session.add(code)
    db.session.flush()
    for submission in (target, other):
        db.session.add_all(
            [
                Coding(
                    submission_id=submission.id,
                    path="besoins",
                    start=0,
                    end=6,
                    code_id=code.id,
                    coder_id=coder.id,
                    text_hash="a" * 64,
                ),
                Suggestion(
                    submission_id=submission.id,
                    path="besoins",
                    code_id=code.id,
                    score=0.9,
                    spans=[[0, 6]],
                    source="rules",
                    text_hash="a" * 64,
                ),
                PseudonymisedAnswer(
                    submission_id=submission.id,
                    path="besoins",
                    text_hash="a" * 64,
                    text="Appelez [PERSONNE] au [TÉLÉPHONE], il connaît bien le quartier.",
                ),
                Memo(
                    submission_id=submission.id,
                    path="besoins",
                    author_id=coder.id,
                    text="Donne un numéro de téléphone",
                ),
                SubmissionRevision(
                    submission_id=submission.id,
                    action="edit",
                    before={"besoins": "ancien texte"},
                    after={"besoins": "nouveau"},
                ),
                AuditEntry(
                    object_type="submission",
                    object_id=str(submission.id),
                    action="edit",
                    before={"besoins": "Kevin Martin"},
                    after={"besoins": "x"},
                    study_id=submission.study_id,
                ),
            ]
        )
    db.session.commit()
    return target, other


def _rows_of(db, submission_id: int) -> dict:
    counts = {}
    for model in (Coding, Suggestion, Memo, PseudonymisedAnswer, SubmissionRevision, AnswerText):
        counts[model.__tablename__] = db.session.scalar(
            select(func.count()).select_from(model).where(model.submission_id == submission_id)
        )
    counts["submission"] = db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.id == submission_id)
    )
    return counts


def test_a_resident_sees_their_answers_with_their_code_typed_loosely(client, db, make_user):
    target, _ = _with_derived(db, make_user)
    typed = target.receipt_code.lower().replace("-", " ").replace("0", "o")
    response = client.post("/mes-reponses/", data={"code": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Appelez Kevin Martin" in page
    assert "Logement" in page  # the code given by the coders
    assert "[PERSONNE]" in page  # the pseudonymised copy


def test_a_wrong_code_says_nothing_and_shows_no_answer(client, db, make_user):
    _with_derived(db, make_user)
    for typed in ("AAAA-BBBB-CCCC", "12", "' OR 1=1 --"):
        response = client.post("/mes-reponses/", data={"code": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Aucune réponse ne correspond à ce code" in page
        assert 'aria-describedby="code-aide code-erreur"' in page
        assert "Kevin" not in page


def test_a_resident_downloads_json_and_csv_and_it_is_journalled(client, db, make_user):
    target, _ = _with_derived(db, make_user)
    response = client.post(
        "/mes-reponses/telecharger", data={"code": target.receipt_code, "fmt": "json"}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    copy = json.loads(response.get_data(as_text=True))
    assert copy["code_de_recepisse"] == target.receipt_code
    assert copy["profil"]["public"] == "Jeune (16–25 ans)"
    assert {
        "chemin": "besoins",
        "question": "Qu'est-ce qui vous manque le plus ?",
        "reponse": target.answers["besoins"],
    } in copy["reponses"]
    assert copy["donnees_derivees"]["codes"] == [{"champ": "besoins", "valeur": "Logement"}]

    response = client.post(
        "/mes-reponses/telecharger", data={"code": target.receipt_code, "fmt": "csv"}
    )
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert ["réponses", "Qu'est-ce qui vous manque le plus ?", target.answers["besoins"]] in rows
    lines = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "download", AuditEntry.object_id == str(target.id)
        )
    ).all()
    assert sorted(line.after["format"] for line in lines) == ["csv", "json"]


def test_a_csv_copy_neutralises_formulas(client, db, make_user):
    records = coding_study(db, answers=[("jeune", '=HYPERLINK("http://x")')])
    code = records["submissions"][0].receipt_code
    response = client.post("/mes-reponses/telecharger", data={"code": code, "fmt": "csv"})
    assert "'=HYPERLINK" in response.get_data(as_text=True)


def test_erasing_asks_for_confirmation_first(client, db, make_user):
    target, _ = _with_derived(db, make_user)
    response = client.post("/mes-reponses/effacer", data={"code": target.receipt_code})
    assert "Effacer définitivement" in response.get_data(as_text=True)
    response = client.post(
        "/mes-reponses/effacer", data={"code": target.receipt_code, "confirm_step": "1"}
    )
    assert "Cochez la case pour confirmer" in response.get_data(as_text=True)
    assert _rows_of(db, target.id)["submission"] == 1


def test_a_resident_erases_everything_hanging_from_their_answer(client, db, make_user):
    target, other = _with_derived(db, make_user)
    target_id, other_id, code = target.id, other.id, target.receipt_code
    other_before = _rows_of(db, other_id)
    response = client.post(
        "/mes-reponses/effacer", data={"code": code, "confirm": "y", "confirm_step": "1"}
    )
    assert response.status_code == 200
    assert "Vos réponses sont effacées" in response.get_data(as_text=True)
    db.session.expire_all()
    assert set(_rows_of(db, target_id).values()) == {0}
    assert _rows_of(db, other_id) == other_before
    # The journal keeps that it happened, never what was erased.
    lines = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "submission", AuditEntry.object_id == str(target_id)
        )
    ).all()
    assert "Kevin" not in json.dumps([[line.before, line.after] for line in lines])
    erase = next(line for line in lines if line.action == "erase")
    assert erase.after["motif"] == "la personne" and erase.after["lignes"]["coding"] == 1
    # The code opens nothing any more.
    again = client.post("/mes-reponses/", data={"code": code})
    assert again.status_code == 422


def test_the_analysis_fingerprint_changes_when_an_answer_is_erased(app, client, db, make_user):
    from consultation.coding import figures

    target, _ = _with_derived(db, make_user)
    codebook = db.session.scalar(select(Codebook))
    before = figures.fingerprint(codebook)
    client.post(
        "/mes-reponses/effacer",
        data={"code": target.receipt_code, "confirm": "y", "confirm_step": "1"},
    )
    db.session.expire_all()
    assert figures.fingerprint(db.session.scalar(select(Codebook))) != before


def test_wrong_codes_are_rate_limited_per_address(tmp_path):
    from consultation import create_app
    from consultation.extensions import limiter

    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}",
            "RATELIMIT_ENABLED": True,
        }
    )
    try:
        with app.app_context():
            from consultation.extensions import db as _db

            _db.create_all()
        client = app.test_client()
        codes = [
            client.post("/mes-reponses/", data={"code": "AAAA-BBBB-CCCC"}).status_code
            for _ in range(11)
        ]
        assert codes[:10] == [422] * 10 and codes[10] == 429
        refused = client.post("/mes-reponses/", data={"code": "AAAA-BBBB-CCCC"})
        assert "Trop de demandes" in refused.get_data(as_text=True)
        # Another address is not held back.
        other = client.post(
            "/mes-reponses/",
            data={"code": "AAAA-BBBB-CCCC"},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert other.status_code == 422
    finally:
        limiter.reset()
        limiter.enabled = False


def test_staff_download_a_copy_and_erase_from_the_submission_page(login, db, make_user):
    from tests.conftest import STUDY

    target, other = _with_derived(db, make_user)
    target_id, other_id = target.id, other.id
    charge = login("charge_etude")
    page = charge.get(f"{STUDY}/reponses/{target_id}").get_data(as_text=True)
    assert target.receipt_code in page and "Effacer cette réponse" in page
    copy = charge.get(f"{STUDY}/reponses/{target_id}/copie.json").get_json()
    assert copy["reponses"][0]["question"] == "Quel âge avez-vous ?"

    refused = charge.post(f"{STUDY}/reponses/{target_id}/effacer", data={})
    assert refused.status_code == 422
    assert "Cochez la case" in refused.get_data(as_text=True)
    assert _rows_of(db, target_id)["submission"] == 1

    done = charge.post(f"{STUDY}/reponses/{target_id}/effacer", data={"confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert set(_rows_of(db, target_id).values()) == {0}
    assert _rows_of(db, other_id)["coding"] == 1
    line = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "erase", AuditEntry.object_id == str(target_id)
        )
    )
    assert line.user_id == charge.user.id and line.after["motif"] == "l'équipe"
    assert charge.get(f"{STUDY}/reponses/{target_id}").status_code == 404


def test_the_kept_analysis_figures_count_without_an_erased_answer(app, db, make_user):
    from consultation.coding.results import results_figures
    from consultation.submissions.rights import erase_submission

    target, _ = _with_derived(db, make_user)
    codebook = db.session.scalar(select(Codebook))
    from flask import g

    with app.test_request_context():
        before = results_figures(codebook, "public")
    erase_submission(target, reason="l'équipe")
    db.session.commit()
    # A page reads the fingerprint once per request, in `g`; these contexts share the test's.
    g.pop("analysis_fingerprints", None)
    with app.test_request_context():
        after = results_figures(db.session.scalar(select(Codebook)), "public")
    assert before["respondents"] == 5 and after["respondents"] == 4


def test_an_erased_answers_words_leave_the_analysis_token_cache(app, client, db, make_user):
    from analyse.nlp import text_hash
    from consultation.coding.jobs import analysis_cache

    target, other = _with_derived(db, make_user)
    erased, kept = (text_hash(s.answers["besoins"]) for s in (target, other))
    with app.test_request_context():
        cache = analysis_cache()
        cache.put_many({(erased, "fr_core_news_sm-3.8"): "[]", (kept, "fr_core_news_sm-3.8"): "[]"})
    client.post(
        "/mes-reponses/effacer",
        data={"code": target.receipt_code, "confirm": "y", "confirm_step": "1"},
    )
    cache.clear_memory()  # what is on disk, as another process reads it
    found = cache.get_many([(erased, "fr_core_news_sm-3.8"), (kept, "fr_core_news_sm-3.8")])
    assert list(found) == [(kept, "fr_core_news_sm-3.8")]
