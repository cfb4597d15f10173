"""Codings follow an edit of their answer: moved with their words, or kept « à revoir »."""

import copy
import csv
import io

import pytest
from coding_records import coding_study
from sqlalchemy import select

from consultation.coding.models import Coding, PseudonymisedAnswer, Suggestion
from consultation.coding.services import create_default_codebook
from consultation.submissions.models import Submission

pytestmark = pytest.mark.storage

TEXT = "Il faudrait des logements séparés, ce serait plus heureux avec un jardin."


@pytest.fixture()
def study(db):
    return coding_study(
        db, answers=[("jeune", TEXT), ("age", "Je me sens seule depuis la mort de mon mari.")]
    )


@pytest.fixture()
def coder(login):
    return login("charge_etude", name="Claire Codeuse")


@pytest.fixture()
def codebook(db, study):
    codebook = create_default_codebook(study["questionnaire"])
    db.session.commit()
    return codebook


def _code(codebook, key):
    return next(code for code in codebook.codes if code.key == key)


def _code_words(client, study, submission, code, words, text=TEXT):
    start = text.index(words)
    response = client.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages",
        json={
            "submission_id": submission.id,
            "path": "besoins",
            "start": start,
            "end": start + len(words),
            "code_id": code.id,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["coding"]["id"]


def _edit(client, submission, new_text):
    answers = copy.deepcopy(submission.answers) | {"besoins": new_text}
    response = client.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier", json={"answers": answers}
    )
    assert response.status_code == 200 and response.get_json()["changed"], response.get_json()


def _coded(db, coding_id):
    db.session.expire_all()
    coding = db.session.get(Coding, coding_id)
    text = db.session.get(Submission, coding.submission_id).answers["besoins"]
    return text[coding.start : coding.end], coding.needs_review


def _workspace_answer(client, study, submission):
    """The HTML of one answer's article in the workspace."""
    page = client.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins"
    ).get_data(as_text=True)
    start = page.index(f'data-submission="{submission.id}"')
    return " ".join(page[start : page.index("</article>", start)].split())


def test_edits_before_inside_and_after_coded_spans_move_or_flag_them(coder, study, codebook, db):
    submission = study["submissions"][0]
    housing, wellbeing = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    before = _code_words(coder, study, submission, housing, "des logements séparés")
    inside = _code_words(coder, study, submission, wellbeing, "plus heureux")
    after = _code_words(coder, study, submission, housing, "un jardin")

    _edit(coder, submission, "Alors voilà : " + TEXT.replace("plus heureux", "plus très heureux"))

    assert _coded(db, before) == ("des logements séparés", False)
    assert _coded(db, inside) == ("plus très heureux", True)
    assert _coded(db, after) == ("un jardin", False)
    coding = db.session.get(Coding, inside)
    assert coding.words_before == "plus heureux"
    answer = _workspace_answer(coder, study, submission)
    assert answer.count('<span class="review-badge">à revoir</span>') == 1
    assert "codé sur « plus heureux », maintenant « plus très heureux »." in answer


def test_a_coder_confirms_a_coding_to_review_which_then_counts_again(coder, study, codebook, db):
    submission = study["submissions"][0]
    coding_id = _code_words(coder, study, submission, _code(codebook, "isolement"), "plus heureux")
    _edit(coder, submission, TEXT.replace("plus heureux", "plus très heureux"))
    assert f'data-confirm="{coding_id}"' in _workspace_answer(coder, study, submission)
    home = " ".join(coder.get("/etudes/etude-test/analyse/").get_data(as_text=True).split())
    row = home[home.index('<table class="questions">') : home.index("</table>")]
    assert '?revoir=y">1 à revoir</a>' in row
    listed = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/coder/besoins?revoir=y"
    ).get_data(as_text=True)
    assert f'data-submission="{submission.id}"' in listed
    assert f'data-submission="{study["submissions"][1].id}"' not in listed

    response = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer"
    )
    assert response.status_code == 200
    assert "à revoir" not in " ".join(response.get_json()["row_html"].split())
    assert _coded(db, coding_id) == ("plus très heureux", False)


def test_a_coding_whose_words_were_all_removed_can_only_be_removed(
    coder, login, study, codebook, db
):
    submission = study["submissions"][0]
    coding_id = _code_words(
        coder, study, submission, _code(codebook, "isolement"), " ce serait plus heureux"
    )
    _edit(
        coder,
        submission,
        TEXT.replace(", ce serait plus heureux avec un jardin", " avec un jardin"),
    )
    assert _coded(db, coding_id) == ("", True)
    answer = _workspace_answer(coder, study, submission)
    assert (
        "codé sur « ce serait plus heureux », ces mots ont été supprimés de la réponse." in answer
    )
    assert f'data-confirm="{coding_id}"' not in answer

    other = login("charge_etude", name="Omar Autre")
    refused = other.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer"
    )
    assert refused.status_code == 403 and "vos propres codages" in refused.get_json()["error"]
    refused = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer"
    )
    assert refused.status_code == 409 and "supprimés" in refused.get_json()["error"]
    removed = coder.delete(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}"
    )
    assert removed.status_code == 200
    assert db.session.get(Coding, coding_id) is None


def test_an_edit_after_every_span_leaves_them_in_place_and_unflagged(coder, study, codebook, db):
    submission = study["submissions"][0]
    coding_id = _code_words(
        coder, study, submission, _code(codebook, "logement-cout"), "logements séparés"
    )
    _edit(coder, submission, TEXT + " Et un parc.")
    coding = db.session.get(Coding, coding_id)
    assert (coding.start, coding.end) == (
        TEXT.index("logements"),
        TEXT.index("logements") + len("logements séparés"),
    )
    assert not coding.needs_review
    assert "à revoir" not in _workspace_answer(coder, study, submission)


def _segments(client, study):
    raw = client.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/export/segments.csv?originaux=1"
    ).data
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_segments_export_holds_the_coded_words_after_an_edit(coder, study, codebook, db):
    submission = study["submissions"][0]
    _code_words(coder, study, submission, _code(codebook, "logement-cout"), "logements séparés")
    _code_words(coder, study, submission, _code(codebook, "isolement"), "plus heureux")
    edited = "Alors voilà : " + TEXT.replace("plus heureux", "plus très heureux")
    _edit(coder, submission, edited)
    segments = {row["Segment"]: row for row in _segments(coder, study)}
    assert set(segments) == {"logements séparés", "plus très heureux"}
    assert segments["logements séparés"]["Début"] == str(edited.index("logements séparés"))
    assert (
        segments["logements séparés"]["À revoir"],
        segments["plus très heureux"]["À revoir"],
    ) == ("", "oui")


def test_agreement_leaves_out_answers_with_a_coding_to_review(coder, login, study, codebook, db):
    other = login("charge_etude", name="Omar Autre")
    first, second = study["submissions"]
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    # They agree on the first answer and disagree on the second.
    for client in (coder, other):
        _code_words(client, study, first, housing, "logements séparés")
    second_text = second.answers["besoins"]
    _code_words(coder, study, second, loneliness, "seule", text=second_text)
    _code_words(other, study, second, housing, "seule", text=second_text)
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/accord?a={coder.user.id}&b={other.user.id}"

    def housing_kappa_row():
        page = " ".join(coder.get(url).get_data(as_text=True).split())
        start = page.index("Kappa de Cohen")
        table = page[start : page.index("</table>", start)]
        row = table[table.index("Logement › Coût") :]
        return page, row[: row.index("</tr>")]

    page, row = housing_kappa_row()
    assert "à revoir" not in page
    assert row.endswith('<td class="num">2</td>')  # two answers compared

    _edit(coder, second, second_text.replace("seule", "seul·e"))  # inside both coders' « seule »

    page, row = housing_kappa_row()
    assert "<strong>2</strong> codage(s) à revoir : les 1 réponse(s)" in page
    assert row.endswith('<td class="num">1</td>')  # the edited answer is left out
    assert (
        '<td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">0</td>'
        in row
    )


def test_results_count_codings_to_review_apart(coder, study, codebook, db):
    submission = study["submissions"][0]
    _code_words(coder, study, submission, _code(codebook, "isolement"), "plus heureux")
    results_url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats"
    frequencies = coder.get(results_url).get_data(as_text=True)
    assert "Isolement" in frequencies[frequencies.index('id="freq-titre"') :]
    _edit(coder, submission, TEXT.replace("plus heureux", "plus très heureux"))
    page = " ".join(coder.get(results_url).get_data(as_text=True).split())
    assert "<strong>1</strong> codage(s) à revoir" in page
    section = page[page.index('id="freq-titre"') : page.index('id="cross-titre"')]
    assert "Isolement" not in section
    verbatims = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats/code/{_code(codebook, 'isolement').id}"
    )
    assert "plus très heureux" not in verbatims.get_data(as_text=True)


def test_a_moved_suggestion_stays_one_whose_evidence_changed_is_dropped(coder, study, codebook, db):
    from analyse.nlp import text_hash

    submission = study["submissions"][0]
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    start = TEXT.index("logements")
    inside = TEXT.index("plus heureux")
    db.session.add_all(
        [
            Suggestion(
                submission_id=submission.id,
                path="besoins",
                code_id=housing.id,
                score=0.9,
                source="rules",
                spans=[[start, start + len("logements")]],
                text_hash=text_hash(TEXT),
            ),
            Suggestion(
                submission_id=submission.id,
                path="besoins",
                code_id=loneliness.id,
                score=0.8,
                source="rules",
                spans=[[inside, inside + len("plus heureux")]],
                text_hash=text_hash(TEXT),
            ),
        ]
    )
    db.session.commit()
    edited = "Alors voilà : " + TEXT.replace("plus heureux", "plus très heureux")
    _edit(coder, submission, edited)

    db.session.expire_all()
    (kept,) = db.session.scalars(
        select(Suggestion).where(Suggestion.submission_id == submission.id)
    ).all()
    assert kept.code_id == housing.id and kept.text_hash == text_hash(edited)
    assert edited[kept.spans[0][0] : kept.spans[0][1]] == "logements"
    answer = _workspace_answer(coder, study, submission)
    assert f'data-accept="{kept.id}"' in answer
    assert '<mark class="evidence" title="Justifie une suggestion">logements</mark>' in answer


def test_an_edited_answer_loses_its_validated_pseudonymisation_until_analysed_again(
    coder, login, study, codebook, db
):
    from analyse.nlp import text_hash

    submission = study["submissions"][0]
    _code_words(coder, study, submission, _code(codebook, "logement-cout"), "logements séparés")
    stored = PseudonymisedAnswer(
        submission_id=submission.id,
        path="besoins",
        text_hash=text_hash(TEXT),
        text=TEXT,
        spans=[],
        validated_by_id=coder.user.id,
        validated_at=submission.received_at,
    )
    db.session.add(stored)
    db.session.commit()
    reader = login("lecteur")
    verbatims = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats/code/{_code(codebook, 'logement-cout').id}"
    assert "logements séparés" in reader.get(verbatims).get_data(as_text=True)

    edited = TEXT.replace("un jardin", "un jardin, appelez Kevin Martin")
    _edit(coder, submission, edited)
    db.session.expire_all()
    stored = db.session.get(PseudonymisedAnswer, stored.id)
    assert stored.validated_at is None and stored.text_hash == text_hash(TEXT)
    assert "logements séparés" not in reader.get(verbatims).get_data(as_text=True)

    assert (
        coder.post(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/analyser").status_code
        == 302
    )  # run at once in tests
    db.session.expire_all()
    stored = db.session.get(PseudonymisedAnswer, stored.id)
    assert stored.text_hash == text_hash(edited) and stored.validated_at is None
    assert "Kevin" not in stored.text


def test_codings_of_one_coder_that_take_each_others_places_move_together(
    coder, study, codebook, db
):
    """The unique (answer, span, code, coder) must hold at every step of the move: prepending four
    characters puts the first coding exactly where the second one was."""
    submission = study["submissions"][0]
    housing = _code(codebook, "logement-cout")
    first = _code_words(coder, study, submission, housing, TEXT[0:11])
    second = _code_words(coder, study, submission, housing, TEXT[4:15])
    _edit(coder, submission, "Bon " + TEXT)
    assert _coded(db, first) == (TEXT[0:11], False)
    assert _coded(db, second) == (TEXT[4:15], False)
    assert (db.session.get(Coding, first).start, db.session.get(Coding, first).end) == (4, 15)


def test_two_codings_that_become_the_same_span_are_merged_and_flagged(coder, study, codebook, db):
    submission = study["submissions"][0]
    housing = _code(codebook, "logement-cout")
    short = _code_words(coder, study, submission, housing, "séparés")
    longer = _code_words(coder, study, submission, housing, "séparés,")
    _edit(coder, submission, TEXT.replace("séparés,", "séparés"))
    codings = db.session.scalars(select(Coding).where(Coding.submission_id == submission.id)).all()
    assert [coding.id for coding in codings] == [short]
    assert _coded(db, short) == ("séparés", True)
    assert db.session.get(Coding, short).words_before == "séparés,"
    assert db.session.get(Coding, longer) is None


def test_a_corrected_paper_entry_moves_the_codings_of_a_repeat_answer(login, db):
    from submission_records import payload, publish, territory

    from consultation.coding.services import add_coding

    questionnaire = publish(db)
    territory(db)
    charge = login("charge_etude")
    body = payload(questionnaire.id, channel="papier")
    body["answers"]["menage"] = [
        {"lien": "sœur", "age_membre": 15},
        {"lien": "mon grand-père malade", "age_membre": 80},
    ]
    created = charge.post(
        f"/etudes/etude-test/reponses/questionnaire/{questionnaire.id}/papier", json=body
    )
    assert created.status_code == 201, created.get_json()
    submission = db.session.get(Submission, created.get_json()["id"])
    codebook = create_default_codebook(questionnaire)
    text = "mon grand-père malade"
    coding = add_coding(
        submission,
        "menage[1]/lien",
        text.index("malade"),
        len(text),
        _code(codebook, "isolement"),
        charge.user.id,
    )
    db.session.commit()

    answers = copy.deepcopy(submission.answers)
    answers["menage"][1]["lien"] = "mon grand-père, très malade"
    assert (
        charge.post(
            f"/etudes/etude-test/reponses/{submission.id}/modifier", json={"answers": answers}
        ).status_code
        == 200
    )
    db.session.expire_all()
    coding = db.session.get(Coding, coding.id)
    assert (
        answers["menage"][1]["lien"][coding.start : coding.end] == "malade"
        and not coding.needs_review
    )


def test_a_resent_interview_leaves_its_coded_text_alone(app, db, make_user):
    from submission_records import device_token, payload, publish, territory

    from consultation.coding.services import add_coding
    from consultation.submissions.models import Assignment

    enqueteur = make_user("enqueteur")
    token = device_token(db, enqueteur)
    questionnaire = publish(db)
    territory(db)
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=enqueteur.id))
    db.session.commit()
    tablet = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = payload(questionnaire.id)
    stored = tablet.post("/api/v1/submissions", json=body, headers=headers)
    assert stored.status_code == 201
    submission = db.session.get(Submission, stored.get_json()["id"])
    codebook = create_default_codebook(questionnaire)
    text = body["answers"]["besoins"]
    coding = add_coding(
        submission,
        "besoins",
        text.index("logement"),
        text.index("logement") + len("logement"),
        _code(codebook, "logement-cout"),
        make_user("charge_etude").id,
    )
    db.session.commit()
    place = (coding.start, coding.end, coding.text_hash)

    assert tablet.post("/api/v1/submissions", json=body, headers=headers).status_code == 200
    changed = copy.deepcopy(body)
    changed["answers"]["besoins"] = "Alors voilà : " + text
    # A different content under a used UUID is refused: the stored text, and so its codings, stay.
    assert tablet.post("/api/v1/submissions", json=changed, headers=headers).status_code == 409
    db.session.expire_all()
    coding = db.session.get(Coding, coding.id)
    assert db.session.get(Submission, submission.id).answers["besoins"] == text
    assert (coding.start, coding.end, coding.text_hash) == place and not coding.needs_review
