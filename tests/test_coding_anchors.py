"""Codings follow an edit of their answer: moved with their words, or kept « à revoir »."""
import copy
import csv
import io

import pytest
from sqlalchemy import select

from consultation.coding.models import Coding, PseudonymisedAnswer, Suggestion
from consultation.coding.services import create_default_codebook
from consultation.interviews.models import Submission

from coding_records import coding_study

pytestmark = pytest.mark.storage

TEXT = "Il faudrait des logements séparés, ce serait plus heureux avec un jardin."


@pytest.fixture()
def study(db):
    return coding_study(db, answers=[("jeune", TEXT), ("age", "Je me sens seule depuis la mort de mon mari.")])


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
    response = client.post(f"/analyse/{study['questionnaire'].id}/api/codages", json={
        "submission_id": submission.id, "path": "besoins", "start": start, "end": start + len(words),
        "code_id": code.id,
    })
    assert response.status_code == 201, response.get_json()
    return response.get_json()["coding"]["id"]


def _edit(client, submission, new_text):
    answers = copy.deepcopy(submission.answers) | {"besoins": new_text}
    response = client.post(f"/reponses/{submission.id}/modifier", json={"answers": answers})
    assert response.status_code == 200 and response.get_json()["changed"], response.get_json()


def _coded(db, coding_id):
    db.session.expire_all()
    coding = db.session.get(Coding, coding_id)
    text = db.session.get(Submission, coding.submission_id).answers["besoins"]
    return text[coding.start : coding.end], coding.needs_review


def _workspace_answer(client, study, submission):
    """The HTML of one answer's article in the workspace."""
    page = client.get(f"/analyse/{study['questionnaire'].id}/coder/besoins").get_data(as_text=True)
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
    listed = coder.get(f"/analyse/{study['questionnaire'].id}/coder/besoins?revoir=y").get_data(as_text=True)
    assert f'data-submission="{submission.id}"' in listed
    assert f'data-submission="{study["submissions"][1].id}"' not in listed

    response = coder.post(f"/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer")
    assert response.status_code == 200
    assert "à revoir" not in " ".join(response.get_json()["row_html"].split())
    assert _coded(db, coding_id) == ("plus très heureux", False)


def test_a_coding_whose_words_were_all_removed_can_only_be_removed(coder, login, study, codebook, db):
    submission = study["submissions"][0]
    coding_id = _code_words(coder, study, submission, _code(codebook, "isolement"), " ce serait plus heureux")
    _edit(coder, submission, TEXT.replace(", ce serait plus heureux avec un jardin", " avec un jardin"))
    assert _coded(db, coding_id) == ("", True)
    answer = _workspace_answer(coder, study, submission)
    assert "codé sur « ce serait plus heureux », ces mots ont été supprimés de la réponse." in answer
    assert f'data-confirm="{coding_id}"' not in answer

    other = login("charge_etude", name="Omar Autre")
    refused = other.post(f"/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer")
    assert refused.status_code == 403 and "vos propres codages" in refused.get_json()["error"]
    refused = coder.post(f"/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer")
    assert refused.status_code == 409 and "supprimés" in refused.get_json()["error"]
    removed = coder.delete(f"/analyse/{study['questionnaire'].id}/api/codages/{coding_id}")
    assert removed.status_code == 200
    assert db.session.get(Coding, coding_id) is None


def test_an_edit_after_every_span_leaves_them_in_place_and_unflagged(coder, study, codebook, db):
    submission = study["submissions"][0]
    coding_id = _code_words(coder, study, submission, _code(codebook, "logement-cout"), "logements séparés")
    _edit(coder, submission, TEXT + " Et un parc.")
    coding = db.session.get(Coding, coding_id)
    assert (coding.start, coding.end) == (TEXT.index("logements"), TEXT.index("logements") + len("logements séparés"))
    assert not coding.needs_review
    assert "à revoir" not in _workspace_answer(coder, study, submission)


def _segments(client, study):
    raw = client.get(f"/analyse/{study['questionnaire'].id}/export/segments.csv?originaux=1").data
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_segments_export_holds_the_coded_words_after_an_edit(coder, study, codebook, db):
    submission = study["submissions"][0]
    _code_words(coder, study, submission, _code(codebook, "logement-cout"), "logements séparés")
    _code_words(coder, study, submission, _code(codebook, "isolement"), "plus heureux")
    edited = "Alors voilà : " + TEXT.replace("plus heureux", "plus très heureux")
    _edit(coder, submission, edited)
    segments = {row["Segment"]: row for row in _segments(coder, study)}
    assert set(segments) == {"logements séparés", "plus très heureux"}
    assert segments["logements séparés"]["Début"] == str(edited.index("logements séparés"))
    assert (segments["logements séparés"]["À revoir"], segments["plus très heureux"]["À revoir"]) == ("", "oui")


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
    url = f"/analyse/{study['questionnaire'].id}/accord?a={coder.user.id}&b={other.user.id}"

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
    assert '<td class="num">1</td><td class="num">0</td><td class="num">0</td><td class="num">0</td>' in row


def test_results_count_codings_to_review_apart(coder, study, codebook, db):
    submission = study["submissions"][0]
    _code_words(coder, study, submission, _code(codebook, "isolement"), "plus heureux")
    results_url = f"/analyse/{study['questionnaire'].id}/resultats"
    frequencies = coder.get(results_url).get_data(as_text=True)
    assert "Isolement" in frequencies[frequencies.index('id="freq-titre"') :]
    _edit(coder, submission, TEXT.replace("plus heureux", "plus très heureux"))
    page = " ".join(coder.get(results_url).get_data(as_text=True).split())
    assert "<strong>1</strong> codage(s) à revoir" in page
    section = page[page.index('id="freq-titre"') : page.index('id="cross-titre"')]
    assert "Isolement" not in section
    verbatims = coder.get(f"/analyse/{study['questionnaire'].id}/resultats/code/{_code(codebook, 'isolement').id}")
    assert "plus très heureux" not in verbatims.get_data(as_text=True)
