import csv
import io
import json
import re
import zipfile

import pytest
from coding_records import ANSWERS, TRAINING_ANSWERS, coding_study
from lxml import html as lxml_html
from openpyxl import load_workbook
from sqlalchemy import func, select

from analyse.refiqda import validate
from consultation.coding.models import Code, Coding, Memo, PseudonymisedAnswer, Suggestion
from consultation.coding.services import codebook_of, create_default_codebook
from consultation.jobs.models import Job
from consultation.submissions.services import edit_answers

pytestmark = pytest.mark.storage


@pytest.fixture()
def study(db):
    return coding_study(db)


@pytest.fixture()
def coder(login):
    return login("charge_etude", name="Claire Codeuse")


def _codebook(db, study):
    codebook = create_default_codebook(study["questionnaire"])
    db.session.commit()
    return codebook


def _code(codebook, key) -> Code:
    return next(code for code in codebook.codes if code.key == key)


def _code_span(client, study, submission, code, start, end, path="besoins"):
    return client.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
        json={
            "submission_id": submission.id,
            "path": path,
            "start": start,
            "end": end,
            "code_id": code.id,
        },
    )


def _analyse(client, study):
    response = client.post(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/analyser")
    assert response.status_code == 302
    return client.application.extensions  # jobs run immediately in tests


def _last_job(db, kind="coding.analyse") -> Job:
    return db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id.desc())).first()


def test_codebook_is_created_from_the_abs_default_with_its_hierarchy(coder, study, db):
    response = coder.post(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/creer")
    assert response.status_code == 302
    codebook = codebook_of(study["questionnaire"].id)
    keys = {code.key: code for code in codebook.codes}
    assert "logement-cout" in keys and keys["logement-cout"].parent.key == "logement"
    assert keys["logement-cout"].keywords, "the rules come along with the codes"
    page = coder.get(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre").get_data(
        as_text=True
    )
    assert "Logement" in page and "Coût" in page
    again = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/creer", follow_redirects=True
    )
    assert "déjà un livre de codes" in again.get_data(as_text=True)


def test_merging_codes_keeps_their_codings_on_the_target(coder, login, study, db):
    codebook = _codebook(db, study)
    source, target = _code(codebook, "logement-insalubrite"), _code(codebook, "logement-cout")
    first = study["submissions"][0]
    assert _code_span(coder, study, first, source, 4, 10).status_code == 201
    assert (
        _code_span(coder, study, first, target, 4, 10).status_code == 201
    )  # same span, both codes
    other = login("charge_etude")
    assert _code_span(other, study, first, source, 0, 20).status_code == 201
    response = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/{source.id}",
        data={"action": "merge", "target": str(target.id)},
        follow_redirects=True,
    )
    assert "fusionné dans" in response.get_data(as_text=True)
    codings = db.session.scalars(select(Coding).where(Coding.submission_id == first.id)).all()
    # The duplicate (same coder, same span) is dropped, the other coder's coding moves.
    assert sorted((c.code_id, c.start, c.end) for c in codings) == [
        (target.id, 0, 20),
        (target.id, 4, 10),
    ]
    db.session.refresh(source)
    assert source.merged_into_id == target.id
    codebook_page = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre"
    ).get_data(as_text=True)
    assert source.name not in codebook_page


def test_a_used_code_cannot_be_deleted_but_an_unused_one_can(coder, study, db):
    codebook = _codebook(db, study)
    used, unused = _code(codebook, "mobilite"), _code(codebook, "petite-enfance")
    _code_span(coder, study, study["submissions"][2], used, 0, 10)
    refused = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/{used.id}",
        data={"action": "delete"},
        follow_redirects=True,
    )
    assert "fusionnez-le" in refused.get_data(as_text=True)
    assert db.session.get(Code, used.id) is not None
    unused_id = unused.id
    coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/{unused_id}",
        data={"action": "delete"},
    )
    assert db.session.get(Code, unused_id) is None


def test_span_coding_checks_offsets_against_the_answer_text(coder, study, db):
    codebook = _codebook(db, study)
    code = _code(codebook, "logement-cout")
    first = study["submissions"][0]
    length = len(ANSWERS[0][1])
    too_far = _code_span(coder, study, first, code, 4, length + 5)
    assert too_far.status_code == 422
    assert "hors de la réponse" in too_far.get_json()["error"]
    empty = _code_span(coder, study, first, code, 10, 10)
    assert empty.status_code == 422
    not_numbers = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
        json={
            "submission_id": first.id,
            "path": "besoins",
            "start": "début",
            "end": 4,
            "code_id": code.id,
        },
    )
    assert not_numbers.status_code == 400 and "entiers" in not_numbers.get_json()["error"]
    unknown_path = _code_span(coder, study, first, code, 0, 4, path="inexistante")
    assert (
        unknown_path.status_code == 404
        and "Aucune réponse libre" in unknown_path.get_json()["error"]
    )
    stale = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
        json={
            "submission_id": first.id,
            "path": "besoins",
            "start": 0,
            "end": 4,
            "code_id": code.id,
            "text_hash": "0" * 64,
        },
    )
    assert stale.status_code == 409
    assert db.session.scalar(select(Coding).where(Coding.submission_id == first.id)) is None

    created = _code_span(coder, study, first, code, 4, 10)
    assert created.status_code == 201
    assert "Coût" in created.get_json()["row_html"]
    coding = db.session.get(Coding, created.get_json()["coding"]["id"])
    assert ANSWERS[0][1][coding.start : coding.end] == "loyers" and coding.coder_id == coder.user.id
    # An answer inside a repeat is coded through its path.
    in_repeat = _code_span(
        coder, study, first, _code(codebook, "emploi"), 10, 17, path="menage[1]/precisions"
    )
    assert in_repeat.status_code == 201
    assert (
        db.session.get(Coding, in_repeat.get_json()["coding"]["id"]).path == "menage[1]/precisions"
    )


def test_a_code_made_on_the_fly_and_removing_only_ones_own_codings(coder, login, study, db):
    _codebook(db, study)
    first = study["submissions"][0]
    response = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
        json={
            "submission_id": first.id,
            "path": "besoins",
            "start": 62,
            "end": 71,
            "new_code": "Vie étudiante",
        },
    )
    assert response.status_code == 201
    assert response.get_json()["code"]["name"] == "Vie étudiante"
    coding_id = response.get_json()["coding"]["id"]
    other = login("charge_etude")
    refused = other.delete(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}"
    )
    assert refused.status_code == 403 and "vos propres codages" in refused.get_json()["error"]
    assert (
        coder.delete(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}"
        ).status_code
        == 200
    )
    assert db.session.get(Coding, coding_id) is None


def test_analysis_job_suggests_pseudonymises_and_reruns_only_changed_answers(coder, study, db):
    _codebook(db, study)
    _analyse(coder, study)
    job = _last_job(db)
    assert job.status == "done", job.message
    assert job.result["analysed"] == len(ANSWERS) + 2  # two answers inside the repeat
    rent = db.session.scalars(
        select(Suggestion).where(
            Suggestion.submission_id == study["submissions"][0].id, Suggestion.path == "besoins"
        )
    ).all()
    assert "logement-cout" in {suggestion.code.key for suggestion in rent}
    evidence = next(s for s in rent if s.code.key == "logement-cout").spans
    assert any("loyer" in ANSWERS[0][1][start:end].lower() for start, end in evidence)
    named = db.session.scalar(
        select(PseudonymisedAnswer).where(
            PseudonymisedAnswer.submission_id == study["submissions"][4].id
        )
    )
    assert "Kevin" not in named.text and "06 12" not in named.text and named.validated_at is None

    _analyse(coder, study)
    assert _last_job(db).result["analysed"] == 0
    assert "rien de nouveau" in coder.get("/etudes/etude-test/analyse/").get_data(as_text=True)

    changed = study["submissions"][3]
    edit_answers(
        changed,
        {**changed.answers, "besoins": "Le bus ne passe plus dans mon quartier."},
        by=coder.user,
    )
    db.session.commit()
    _analyse(coder, study)
    rerun = _last_job(db)
    assert rerun.result["analysed"] == 1 and rerun.result["pseudonymised"] == 1
    assert "mobilite" in {
        s.code.key
        for s in db.session.scalars(
            select(Suggestion).where(Suggestion.submission_id == changed.id)
        )
    }


def test_a_changed_answer_is_pseudonymised_again_and_needs_a_new_validation(coder, study, db):
    _codebook(db, study)
    _analyse(coder, study)
    named = study["submissions"][4]
    stored = db.session.scalar(
        select(PseudonymisedAnswer).where(
            PseudonymisedAnswer.submission_id == named.id, PseudonymisedAnswer.path == "besoins"
        )
    )
    assert (
        coder.post(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/pseudonymisation",
            data={"answer": stored.id, "action": "valider"},
        ).status_code
        == 302
    )
    db.session.refresh(stored)
    assert stored.validated_at is not None
    edit_answers(
        named,
        {**named.answers, "besoins": "Écrivez à sophie.durand@exemple.fr pour le logement."},
        by=coder.user,
    )
    db.session.commit()
    _analyse(coder, study)
    db.session.refresh(stored)
    assert _last_job(db).result["pseudonymised"] == 1
    assert stored.text == "Écrivez à [EMAIL] pour le logement." and stored.validated_at is None


def test_a_forced_analysis_keeps_the_coders_decisions(coder, study, db):
    _codebook(db, study)
    _analyse(coder, study)
    first = study["submissions"][0]
    rejected = db.session.scalars(
        select(Suggestion).where(Suggestion.submission_id == first.id, Suggestion.path == "besoins")
    ).first()
    coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/suggestions/{rejected.id}/rejeter"
    )
    code_id = rejected.code_id
    coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/analyser", data={"tout": "1"}
    )
    assert _last_job(db).result["analysed"] == len(ANSWERS) + 2
    same_code = db.session.scalars(
        select(Suggestion).where(
            Suggestion.submission_id == first.id,
            Suggestion.path == "besoins",
            Suggestion.code_id == code_id,
        )
    ).all()
    assert [suggestion.status for suggestion in same_code] == ["rejected"]


def test_a_failing_analysis_keeps_the_batches_already_done(coder, study, db, monkeypatch, caplog):
    from consultation.coding import jobs

    _codebook(db, study)
    monkeypatch.setattr(jobs, "BATCH_SIZE", 3)
    real_write = jobs._write_suggestions
    calls = []

    def fail_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disque plein")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(jobs, "_write_suggestions", fail_on_second_batch)
    _analyse(coder, study)
    failed = _last_job(db)
    # The user reads a French message with the job's number; the cause stays in the server's log.
    assert failed.status == "failed" and f"n° {failed.id}" in failed.message
    assert "disque plein" not in failed.message and "disque plein" in caplog.text
    assert db.session.scalar(select(func.count(PseudonymisedAnswer.id))) == 3
    monkeypatch.setattr(jobs, "_write_suggestions", real_write)
    _analyse(coder, study)
    # The re-run takes up where the failure stopped: only the answers not yet analysed.
    assert _last_job(db).result["analysed"] == len(ANSWERS) + 2 - 3


def test_odd_answers_are_analysed_shown_and_coded(coder, db):
    long_answer = ("Le loyer est trop cher et le bus ne passe plus le soir. " * 190)[:10_000]
    odd = coding_study(
        db,
        answers=[
            ("jeune", "😡😡🙏"),
            ("age", long_answer),
            ("jeune", "The rent is too high and there is no bus at night"),
            ("age", "   "),
            ("jeune", "Appelez Kevin au 06 12 34 56 78 😊 merci"),
        ],
    )
    codebook = create_default_codebook(odd["questionnaire"])
    db.session.commit()
    _analyse(coder, odd)
    job = _last_job(db)
    assert job.status == "done", job.message
    assert job.result["analysed"] == 4 + 2  # the blank answer is no answer; two inside the repeat
    long_suggestions = db.session.scalars(
        select(Suggestion).where(
            Suggestion.submission_id == odd["submissions"][1].id, Suggestion.path == "besoins"
        )
    ).all()
    assert {"logement-cout", "mobilite"} <= {suggestion.code.key for suggestion in long_suggestions}
    assert all(0 <= start < end <= 10_000 for s in long_suggestions for start, end in s.spans)
    emoji = db.session.scalar(
        select(PseudonymisedAnswer).where(
            PseudonymisedAnswer.submission_id == odd["submissions"][4].id,
            PseudonymisedAnswer.path == "besoins",
        )
    )
    assert emoji.text == "Appelez [PERSONNE_1] au [TÉLÉPHONE] 😊 merci"
    page = coder.get(f"/etudes/etude-test/analyse/{odd['questionnaire'].id}/coder/besoins")
    assert page.status_code == 200 and "😡😡🙏" in page.get_data(as_text=True)
    # A span after the emoji is coded on the right characters (offsets count code points).
    text = "Appelez Kevin au 06 12 34 56 78 😊 merci"
    start = text.index("merci")
    response = _code_span(
        coder, odd, odd["submissions"][4], _code(codebook, "isolement"), start, start + 5
    )
    assert response.status_code == 201
    assert (
        coder.get(
            f"/etudes/etude-test/analyse/{odd['questionnaire'].id}/pseudonymisation"
        ).status_code
        == 200
    )


def test_accepting_and_rejecting_suggestions(coder, study, db):
    _codebook(db, study)
    _analyse(coder, study)
    suggestions = db.session.scalars(select(Suggestion).where(Suggestion.status == "pending")).all()
    assert len(suggestions) >= 2
    accepted, rejected = suggestions[0], suggestions[1]
    base = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/suggestions"
    response = coder.post(f"{base}/{accepted.id}/accepter")
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"
    coding = db.session.scalar(
        select(Coding).where(
            Coding.code_id == accepted.code_id, Coding.submission_id == accepted.submission_id
        )
    )
    assert coding is not None and coding.source in ("rules", "model", "rules+model")
    assert coder.post(f"{base}/{rejected.id}/rejeter").get_json()["status"] == "rejected"
    again = coder.post(f"{base}/{rejected.id}/accepter")
    assert again.status_code == 409 and "déjà été traitée" in again.get_json()["error"]
    # A re-analysis of an unchanged answer does not bring a rejected suggestion back.
    _analyse(coder, study)
    db.session.refresh(rejected)
    assert rejected.status == "rejected"


def test_non_coders_see_only_validated_pseudonymised_verbatims(coder, login, study, db):
    codebook = _codebook(db, study)
    named = study["submissions"][4]
    code = _code(codebook, "logement")
    text = ANSWERS[4][1]
    _code_span(coder, study, named, code, 0, len(text))
    _analyse(coder, study)
    collectif = login("collectif")
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats/code/{code.id}"
    page = collectif.get(url).get_data(as_text=True)
    assert "Kevin" not in page and "06 12 34 56 78" not in page
    assert "1 verbatim(s) en attente de validation" in page
    assert (
        collectif.get(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"
        ).status_code
        == 403
    )
    assert (
        collectif.get(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/pseudonymisation"
        ).status_code
        == 403
    )

    stored = db.session.scalar(
        select(PseudonymisedAnswer).where(
            PseudonymisedAnswer.submission_id == named.id, PseudonymisedAnswer.path == "besoins"
        )
    )
    coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/pseudonymisation",
        data={"answer": stored.id, "action": "valider"},
    )
    page = collectif.get(url).get_data(as_text=True)
    assert "[PERSONNE_1]" in page and "[TÉLÉPHONE]" in page
    assert "Kevin" not in page and "06 12 34 56 78" not in page and "en attente" not in page
    results = collectif.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats?lemme=quartier"
    ).get_data(as_text=True)
    assert "Kevin" not in results and "Logement" in results
    # The coder reads the original.
    assert "Kevin Martin" in coder.get(url).get_data(as_text=True)
    # Word clouds end up in reports: even a coder's are made of pseudonymised words.
    from consultation.coding.results import cloud_frequencies, rows_with_codings

    words = {
        word.lower()
        for word in cloud_frequencies(
            codebook, rows_with_codings(codebook), "public", "jeune", True
        )
    }
    assert "loyer" in words and "kevin" not in words and "martin" not in words


def test_the_path_from_analysis_to_the_collectif_is_shown_and_walked(coder, login, study, db):
    codebook = _codebook(db, study)
    qid = study["questionnaire"].id
    named, other = study["submissions"][4], study["submissions"][1]
    code = _code(codebook, "logement")
    _code_span(coder, study, named, code, 0, len(ANSWERS[4][1]))
    _analyse(coder, study)
    collectif = login("collectif")

    home = coder.get("/etudes/etude-test/analyse/").get_data(as_text=True)
    assert (
        "Valider la pseudonymisation" in home and "0 réponse(s) codée(s) sur 1 validée(s)" in home
    )
    verbatims = coder.get(f"/etudes/etude-test/analyse/{qid}/resultats/code/{code.id}").get_data(
        as_text=True
    )
    assert "le collectif en voit 0" in verbatims and f"pseudonymisation?code={code.id}" in verbatims
    # Before validation the collectif is told why nothing is cited, and no cloud points at nothing.
    results = collectif.get(f"/etudes/etude-test/analyse/{qid}/resultats").get_data(as_text=True)
    assert "1 réponse(s) codée(s) sur 1 attendent encore cette relecture" in results
    assert "nuage de mots apparaîtra" in results and "nuage/public/jeune.png" not in results

    # The review filtered by the code lists the coded answer only, and validates the page at once.
    review = coder.get(
        f"/etudes/etude-test/analyse/{qid}/pseudonymisation?code={code.id}"
    ).get_data(as_text=True)
    assert (
        "Kevin" in review and ANSWERS[1][1] not in review and "Valider ces 1 réponse(s)" in review
    )
    records = {
        record.submission_id: record
        for record in db.session.scalars(
            select(PseudonymisedAnswer).where(PseudonymisedAnswer.path == "besoins")
        )
    }
    response = coder.post(
        f"/etudes/etude-test/analyse/{qid}/pseudonymisation",
        data={"action": "valider_page", "answers": [records[named.id].id], "code": str(code.id)},
    )
    assert response.status_code == 302 and f"code={code.id}" in response.headers["Location"]
    db.session.refresh(records[named.id])
    db.session.refresh(records[other.id])
    assert records[named.id].validated_at is not None and records[other.id].validated_at is None

    # The word clouds are drawn by a job that the first visit starts (here it runs at once, after
    # that visit's commit): the next visit shows them.
    collectif.get(f"/etudes/etude-test/analyse/{qid}/resultats")
    results = collectif.get(f"/etudes/etude-test/analyse/{qid}/resultats").get_data(as_text=True)
    assert "attendent encore" not in results and "nuage/public/jeune.png" in results
    page = collectif.get(f"/etudes/etude-test/analyse/{qid}/resultats/code/{code.id}").get_data(
        as_text=True
    )
    assert "[PERSONNE_1]" in page and "Kevin" not in page
    assert (
        "« Qu&#39;est-ce qui vous manque le plus ? »" in page
    )  # the question as asked, not its name
    assert "1 réponse(s) codée(s) sur 1 validée(s)" in coder.get(
        "/etudes/etude-test/analyse/"
    ).get_data(as_text=True)


def test_a_segment_coded_by_two_coders_is_one_verbatim(coder, login, study, db):
    codebook = _codebook(db, study)
    code = _code(codebook, "logement-cout")
    second = login("charge_etude", name="Bruno Codeur")
    for client in (coder, second):
        assert _code_span(client, study, study["submissions"][0], code, 0, 11).status_code == 201
    page = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats/code/{code.id}"
    ).get_data(as_text=True)
    assert page.count("<blockquote>") == 1 and "Claire Codeuse, Bruno Codeur" in page
    # The results count it as one segment of one respondent too.
    results = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats"
    ).get_data(as_text=True)
    table = results[results.index('<table class="frequencies"') : results.index("</table>")]
    row = next(row for row in table.split("<tr>") if f'/resultats/code/{code.id}"' in row)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1"]


def test_a_segment_coded_with_a_code_and_its_sub_code_is_quoted_once_on_the_code_page(
    coder, study, db
):
    from consultation.coding.services import create_code

    codebook = _codebook(db, study)
    code = _code(codebook, "logement-cout")
    child = create_code(codebook, "Loyer trop cher", parent=code)
    db.session.commit()
    for applied in (code, child):
        assert _code_span(coder, study, study["submissions"][0], applied, 0, 11).status_code == 201
    page = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats/code/{code.id}"
    ).get_data(as_text=True)
    listed = page[page.index('<ul class="verbatims">') :]
    assert listed.count("<blockquote>") == 1
    assert "1 verbatim(s)" in page


def test_validating_a_page_ignores_answers_of_another_questionnaire(coder, study, db):
    _codebook(db, study)
    _analyse(coder, study)
    other = coding_study(db)
    create_default_codebook(other["questionnaire"])
    db.session.commit()
    _analyse(coder, other)
    foreign = db.session.scalar(
        select(PseudonymisedAnswer).where(
            PseudonymisedAnswer.submission_id == other["submissions"][0].id
        )
    )
    coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/pseudonymisation",
        data={"action": "valider_page", "answers": [foreign.id]},
    )
    db.session.refresh(foreign)
    assert foreign.validated_at is None
    assert (
        coder.post(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/pseudonymisation",
            data={"action": "valider", "answer": foreign.id},
        ).status_code
        == 404
    )


def test_pseudonymisation_review_adds_and_removes_identifiers(coder, study, db):
    _codebook(db, study)
    _analyse(coder, study)
    lonely = study["submissions"][1]
    stored = db.session.scalar(
        select(PseudonymisedAnswer).where(
            PseudonymisedAnswer.submission_id == lonely.id, PseudonymisedAnswer.path == "besoins"
        )
    )
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/pseudonymisation"
    coder.post(
        url,
        data={"answer": stored.id, "action": "ajouter", "texte": "mon mari", "type": "PERSONNE"},
    )
    db.session.refresh(stored)
    assert "mon mari" not in stored.text and "[PERSONNE_1]" in stored.text
    span = stored.spans[0]
    coder.post(
        url,
        data={"answer": stored.id, "action": "retirer", "start": span["start"], "end": span["end"]},
    )
    db.session.refresh(stored)
    assert stored.text == ANSWERS[1][1]
    missing = coder.post(
        url,
        data={"answer": stored.id, "action": "ajouter", "texte": "Dupont", "type": "PERSONNE"},
        follow_redirects=True,
    )
    assert "ne figure pas dans la réponse" in missing.get_data(as_text=True)


def test_roles_on_the_analysis_pages(login, study, db):
    _codebook(db, study)
    assert login("enqueteur").get("/etudes/etude-test/analyse/").status_code == 403
    lecteur = login("lecteur")
    assert lecteur.get("/etudes/etude-test/analyse/").status_code == 200
    assert (
        lecteur.get(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats").status_code
        == 200
    )
    assert (
        lecteur.get(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/export/segments.csv"
        ).status_code
        == 403
    )
    assert (
        lecteur.post(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages", json={}
        ).status_code
        == 403
    )


def test_workspace_filters_and_double_coding_hides_other_coders(coder, login, study, db):
    codebook = _codebook(db, study)
    other = login("charge_etude", name="Omar Autre")
    _code_span(other, study, study["submissions"][2], _code(codebook, "mobilite"), 17, 20)
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"
    page = coder.get(url).get_data(as_text=True)
    assert "bus le soir" in page and "OA" in _coder_chips(
        page
    )  # the other coder's initials on the chip
    mine = coder.get(url + "?mine=y&q=médecin").get_data(as_text=True)
    assert "médecin traitant" in mine and "bus le soir" not in mine
    coder.get(url + "?double=1")
    blind = coder.get(url).get_data(as_text=True)
    assert "Mode double codage" in blind and "OA" not in _coder_chips(blind)


def test_workspace_orders_answers_by_their_surest_suggestion(coder, study, db):
    from analyse.nlp import text_hash

    codebook = _codebook(db, study)
    mobility = _code(codebook, "mobilite")
    submissions = study["submissions"]
    for submission, score in (
        (submissions[0], 0.35),
        (submissions[2], 0.92),
        (submissions[3], 0.6),
    ):
        text = submission.answers["besoins"]
        db.session.add(
            Suggestion(
                submission_id=submission.id,
                path="besoins",
                code_id=mobility.id,
                score=score,
                spans=[[0, 3]],
                source="model",
                text_hash=text_hash(text),
            )
        )
    db.session.commit()
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"

    def order(query):
        page = lxml_html.fromstring(coder.get(url + query).get_data(as_text=True))
        return [
            int(a.get("data-submission")) for a in page.xpath("//article[@data-path='besoins']")
        ]

    ids = [submission.id for submission in submissions]
    assert order("")[:4] == ids[:4]
    surest = order("?tri=score")
    assert surest[:3] == [ids[2], ids[3], ids[0]] and set(surest[3:]) == set(ids) - {
        ids[0],
        ids[2],
        ids[3],
    }
    assert order("?tri=doute")[:3] == [ids[0], ids[3], ids[2]]
    # Combined with a filter on the score: only the answers suggested at 50 % or more, surest first.
    assert order("?tri=score&score=50") == [ids[2], ids[3]]
    # An unknown order is the arrival order, not an error.
    assert order("?tri=%27%3B--")[:4] == ids[:4]


def test_a_follow_up_answer_shows_the_answer_it_follows(coder, db):
    """« Pour quelle raison ? » is read beside the answer to « Avez-vous renoncé à des soins ? »,
    on the page and in the answer re-rendered after a coding."""
    from questionnaires import Choice, ChoiceList, Question
    from questionnaires import Questionnaire as QuestionnaireModel

    form = QuestionnaireModel(
        title="Santé",
        form_id="sante",
        children=[
            Question("integer", "age", {"fr": "Quel âge avez-vous ?"}),
            Question(
                "select_one",
                "renonce",
                {"fr": "Avez-vous renoncé à des soins ?"},
                choice_list="oui_non",
            ),
            Question(
                "paragraph",
                "besoins",
                {"fr": "Pour quelle raison ?"},
                relevant="${renonce} = 'oui' or ${renonce} = 'nsp'",
            ),
            Question("paragraph", "autre", {"fr": "Autre chose ?"}),
        ],
        choice_lists={
            "oui_non": ChoiceList(
                "oui_non",
                [
                    Choice("oui", {"fr": "Oui, j'y ai renoncé"}),
                    Choice("nsp", {"fr": "Je ne sais pas"}),
                ],
            )
        },
    ).to_dict()
    study = coding_study(
        db,
        [
            ("age", "Le dentiste est trop cher, même avec la mutuelle.", {"renonce": "oui"}),
            ("jeune", "Je ne sais plus, c'était loin.", {"renonce": "nsp"}),
        ],
        form=form,
    )
    codebook = _codebook(db, study)
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"
    page = lxml_html.fromstring(coder.get(url).get_data(as_text=True))
    follows = [
        " ".join(p.text_content().split())
        for p in page.xpath("//article//p[@class='follows small']")
    ]
    assert follows == [
        "En réponse à « Avez-vous renoncé à des soins ? » : Oui, j'y ai renoncé",
        "En réponse à « Avez-vous renoncé à des soins ? » : Je ne sais pas",
    ]
    coded = _code_span(coder, study, study["submissions"][0], _code(codebook, "sante-soins"), 3, 11)
    again = lxml_html.fromstring(coded.get_json()["row_html"])
    assert "Oui, j'y ai renoncé" in again.xpath("//p[@class='follows small']")[0].text_content()


def _coder_chips(page: str) -> list[str]:
    """The initials shown on coding chips (not the whole page: a CSRF token may hold « OA »)."""
    return [
        chip.text_content().strip()
        for chip in lxml_html.fromstring(page).xpath("//span[@class='who']")
    ]


def test_memos_on_an_answer_and_on_a_code(coder, study, db):
    codebook = _codebook(db, study)
    first = study["submissions"][0]
    response = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/memos",
        json={"submission_id": first.id, "path": "besoins", "text": "À relire avec l'équipe"},
    )
    assert response.get_json()["saved"]
    assert "À relire avec l&#39;équipe" in coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"
    ).get_data(as_text=True)
    code = _code(codebook, "isolement")
    coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/livre/{code.id}",
        data={"action": "memo", "text": "Inclure le deuil"},
    )
    assert db.session.scalar(select(Memo).where(Memo.code_id == code.id)).text == "Inclure le deuil"
    # The journal says which memo changed, never what it says (it may quote an answer).
    from consultation.studies.models import AuditEntry

    lines = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "memo").order_by(AuditEntry.id)
    ).all()
    assert [line.after for line in lines] == [
        {"réponse": first.id, "question": "besoins"},
        {"code": "isolement"},
    ]
    assert not any("relire" in str(line.after) or "deuil" in str(line.after) for line in lines)


def test_agreement_between_two_coders(coder, login, study, db):
    codebook = _codebook(db, study)
    other = login("charge_etude", name="Omar Autre")
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    for client in (coder, other):
        _code_span(client, study, study["submissions"][0], housing, 4, 10)
    _code_span(coder, study, study["submissions"][1], loneliness, 9, 14)
    _code_span(other, study, study["submissions"][1], housing, 9, 14)
    page = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/accord?a={coder.user.id}&b={other.user.id}"
    )
    text = page.get_data(as_text=True)
    assert "Kappa de Cohen" in text and "Alpha de Krippendorff" in text
    assert "Logement › Coût" in text


def test_results_frequencies_by_public(coder, study, db):
    codebook = _codebook(db, study)
    _code_span(coder, study, study["submissions"][1], _code(codebook, "isolement"), 9, 14)
    page = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats?par=public"
    ).get_data(as_text=True)
    assert "Isolement" in page and "<svg" in page
    assert "Personne âgée (60 ans et plus)" in page
    cloud = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/nuage/public/age.png"
    )
    assert (
        cloud.status_code == 200 and cloud.mimetype == "image/png" and cloud.data[:4] == b"\x89PNG"
    )
    # A code's cloud is drawn once asked for: meanwhile the image says so (202, Retry-After).
    asked = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/nuage/code/isolement.svg"
    )
    assert asked.status_code == 202 and "Retry-After" in asked.headers
    svg = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/nuage/code/isolement.svg"
    )
    assert svg.status_code == 200 and b"<svg" in svg.data


def test_exports_are_pseudonymised_by_default(coder, study, db):
    codebook = _codebook(db, study)
    named = study["submissions"][4]
    _code_span(coder, study, named, _code(codebook, "logement"), 0, len(ANSWERS[4][1]))
    base = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/export"
    rows = list(
        csv.reader(
            io.StringIO(coder.get(f"{base}/segments.csv").data.decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][0] == "Réponse" and len(rows) == 2
    assert "Kevin" not in rows[1][7] and "[PERSONNE_1]" in rows[1][7]
    original = list(
        csv.reader(
            io.StringIO(coder.get(f"{base}/segments.csv?originaux=1").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert "Kevin Martin" in original[1][7]
    workbook = load_workbook(io.BytesIO(coder.get(f"{base}/segments.xlsx").data))
    assert workbook.active.max_row == 2
    assert validate(coder.get(f"{base}/livre.qdc").data, "Codebook") == []
    archive = zipfile.ZipFile(io.BytesIO(coder.get(f"{base}/projet.qdpx").data))
    assert validate(archive.read("project.qde"), "Project") == []
    sources = [
        archive.read(name).decode() for name in archive.namelist() if name.startswith("sources/")
    ]
    assert sources and not any("Kevin" in source for source in sources)


def test_demo_seeds_a_codebook_coded_by_two_coders_once(runner, login, db):
    from consultation.coding.services import coders_of
    from consultation.demo.seed import ABS_STUDY
    from consultation.questionnaire_store.models import Questionnaire
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    assert runner.invoke(args=["demo", "--submissions", "40"]).exit_code == 0
    enter_study(find_study(ABS_STUDY["slug"]), None)
    questionnaire = db.session.scalars(select(Questionnaire)).first()
    codebook = codebook_of(questionnaire.id)
    assert len(coders_of(codebook)) == 2
    count = db.session.scalar(select(func.count(Coding.id)))
    assert count > 20
    runner.invoke(args=["demo", "--submissions", "40"])
    assert db.session.scalar(select(func.count(Coding.id))) == count
    page = login("admin").get(f"/etudes/{ABS_STUDY['slug']}/analyse/{questionnaire.id}/accord")
    assert "Kappa de Cohen" in page.get_data(as_text=True)


def test_retraining_learns_nothing_from_a_coding_a_revoir(coder, study, db):
    codebook = _codebook(db, study)
    housing = _code(codebook, "logement-cout")
    for submission in study["submissions"][:2]:
        assert _code_span(coder, study, submission, housing, 0, 10).status_code == 201
    qid = study["questionnaire"].id

    def examples_learnt() -> int:
        assert coder.post(f"/etudes/etude-test/analyse/{qid}/reentrainer").status_code == 302
        return _last_job(db, "coding.retrain").result["examples"]

    assert examples_learnt() == 2
    # Both answers coded alike: nothing tells them apart, the rules keep suggesting alone.
    note = _training_note(coder.get("/etudes/etude-test/analyse/"), f"entrainement-{qid}")
    assert "sur 2 réponse(s) codée(s) : rien à apprendre encore" in note
    flagged = db.session.scalars(
        select(Coding).where(Coding.submission_id == study["submissions"][0].id)
    ).one()
    flagged.needs_review = True
    db.session.commit()
    assert examples_learnt() == 1


def _training_note(page, element_id: str) -> str:
    """The text of the element telling where the suggestions come from, whitespace folded."""
    element = lxml_html.fromstring(page.get_data(as_text=True)).get_element_by_id(element_id)
    return " ".join(element.text_content().split())


def test_the_coding_pages_say_the_suggestions_come_from_the_rules_alone_before_any_training(
    coder, study, db, app, tmp_path, monkeypatch
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # no model of another test
    _codebook(db, study)
    qid = study["questionnaire"].id
    note = _training_note(coder.get("/etudes/etude-test/analyse/"), f"entrainement-{qid}")
    assert "Pas encore de modèle appris" in note
    assert "seules règles du livre de codes" in note
    assert "Régularisation" not in note
    workspace = coder.get(f"/etudes/etude-test/analyse/{qid}/coder/besoins")
    assert _training_note(workspace, "entrainement").startswith(
        "Suggestions : règles du livre de codes seules"
    )


def test_after_retraining_the_coding_pages_say_what_the_model_learnt_and_the_c_it_chose(
    coder, db, app, tmp_path, monkeypatch
):
    from analyse.suggestions import Suggester
    from consultation.coding.jobs import model_path, training_meta

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    study = coding_study(db, TRAINING_ANSWERS)
    codebook = _codebook(db, study)
    housing, transport = _code(codebook, "logement-cout"), _code(codebook, "mobilite")
    for index, submission in enumerate(study["submissions"]):
        code = housing if index < 6 else transport
        assert _code_span(coder, study, submission, code, 0, 10).status_code == 201
    qid = study["questionnaire"].id
    assert coder.post(f"/etudes/etude-test/analyse/{qid}/reentrainer").status_code == 302
    chosen = Suggester.load(model_path(qid)).model.C

    note = _training_note(coder.get("/etudes/etude-test/analyse/"), f"entrainement-{qid}")
    assert "sur 12 réponse(s) codée(s) et 2 code(s)" in note
    assert f"Régularisation C = {chosen:g}, choisie par validation croisée." in note
    assert "Seuil de suggestion ajusté pour 2 code(s) (" in note
    assert "règles du livre de codes" not in note
    workspace = coder.get(f"/etudes/etude-test/analyse/{qid}/coder/besoins")
    assert _training_note(workspace, "entrainement").startswith("Suggestions : modèle appris le ")
    assert f"C = {chosen:g}, choisie par validation croisée" in _training_note(
        workspace, "entrainement"
    )

    # A model another scikit-learn saved is not loaded: the page says the rules work alone.
    meta = training_meta(qid) | {"sklearn": "0.0"}
    model_path(qid).with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    note = _training_note(coder.get("/etudes/etude-test/analyse/"), f"entrainement-{qid}")
    assert "ne peut plus être lu" in note and "seules règles du livre de codes" in note
