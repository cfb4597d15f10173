"""The results and agreement pages keep their figures between visits (coding/figures.py): a page
seen once and then changed under it — a coding added, removed, moved, confirmed, a code renamed,
an answer edited or rejected, a validation — shows the change at the very next visit."""

import copy
from datetime import datetime, timezone
from pathlib import Path

import pytest
import results_reference
from coding_records import coding_study
from lxml import html as lxml_html
from sqlalchemy import select, update

from analyse.nlp import text_hash
from consultation.coding.models import Coding, PseudonymisedAnswer, Suggestion
from consultation.coding.services import create_default_codebook, update_code

pytestmark = pytest.mark.storage

ANSWERS = [
    ("jeune", "Les loyers sont trop chers et je me sens seul le soir."),
    ("age", "Je me sens seule depuis la mort de mon mari, le loyer a augmenté."),
    ("jeune", "Il n'y a pas assez de bus le soir pour rentrer."),
]
HOUSING = "Logement › Coût du logement, loyers, charges"


@pytest.fixture()
def study(db):
    return coding_study(db, answers=ANSWERS)


@pytest.fixture()
def codebook(db, study):
    codebook = create_default_codebook(study["questionnaire"])
    db.session.commit()
    return codebook


@pytest.fixture()
def coder(login):
    return login("charge_etude", name="Claire Codeuse")


def _code(codebook, key):
    return next(code for code in codebook.codes if code.key == key)


def _code_words(client, study, index, code, words):
    submission = study["submissions"][index]
    start = ANSWERS[index][1].index(words)
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


def _frequencies(client, study, query=""):
    """{code label: (respondents, segments)} of the results page's frequency table, and the
    page's summary line."""
    page = client.get(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats{query}")
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.get_data(as_text=True))
    rows = {
        row.xpath("./th")[0].text_content().strip(): tuple(
            int(cell.text_content()) for cell in row.xpath("./td")[:2]
        )
        for row in tree.xpath("//table[@class='frequencies']/tbody/tr")
    }
    summary = " ".join(tree.xpath("//p[@class='summary']")[0].text_content().split())
    return rows, summary


def test_a_coding_added_or_removed_changes_the_results_page_at_once(coder, study, codebook, db):
    housing = _code(codebook, "logement-cout")
    assert _frequencies(coder, study) == ({}, "3 répondant(s) · 5 réponse(s) libre(s) · 0 codée(s)")

    first = _code_words(coder, study, 0, housing, "loyers")
    rows, summary = _frequencies(coder, study)
    assert rows == {HOUSING: (1, 1)} and summary.endswith("1 codée(s)")

    _code_words(coder, study, 1, housing, "loyer")
    assert _frequencies(coder, study)[0] == {HOUSING: (2, 2)}
    # The grouped table follows too (it is kept apart for each grouping).
    by_public = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats?par=public"
    )
    assert "(1)" in by_public.get_data(as_text=True)

    assert (
        coder.delete(
            f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{first}"
        ).status_code
        == 200
    )
    assert _frequencies(coder, study)[0] == {HOUSING: (1, 1)}


def test_a_coding_changed_without_the_app_shows_on_the_next_visit(
    coder, login, study, codebook, db
):
    """Another process (a job, a second server worker, a script) changes a coding: the page
    kept by this one is not shown again."""
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    coding_id = _code_words(coder, study, 0, housing, "loyers")
    other = _code_words(login("charge_etude"), study, 0, loneliness, "loyers sont")
    assert _frequencies(coder, study)[0] == {HOUSING: (1, 1), "Isolement, lien social": (1, 1)}
    db.session.execute(update(Coding).where(Coding.id == coding_id).values(code_id=loneliness.id))
    db.session.commit()
    # Two segments of one code on one answer: one respondent.
    assert _frequencies(coder, study)[0] == {"Isolement, lien social": (1, 2)}
    db.session.execute(update(Coding).where(Coding.id == other).values(end=Coding.end - 5))
    db.session.commit()
    # The same words coded by two coders: one segment.
    assert _frequencies(coder, study)[0] == {"Isolement, lien social": (1, 1)}


def test_a_renamed_code_is_shown_under_its_new_name(coder, study, codebook, db):
    code = _code(codebook, "isolement")
    _code_words(coder, study, 0, code, "seul")
    assert "Isolement, lien social" in _frequencies(coder, study)[0]
    update_code(code, name="Solitude")
    db.session.commit()
    assert list(_frequencies(coder, study)[0]) == ["Solitude"]


def test_an_edited_then_confirmed_coding_leaves_then_joins_the_figures(coder, study, codebook, db):
    submission = study["submissions"][1]
    coding_id = _code_words(coder, study, 1, _code(codebook, "isolement"), "seule")
    assert _frequencies(coder, study)[0] == {"Isolement, lien social": (1, 1)}
    answers = copy.deepcopy(submission.answers) | {
        "besoins": ANSWERS[1][1].replace("seule", "seul·e")
    }
    assert coder.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier", json={"answers": answers}
    ).get_json()["changed"]
    page = coder.get(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats").get_data(
        as_text=True
    )
    assert "<strong>1</strong> codage(s) à revoir" in page
    assert _frequencies(coder, study)[0] == {}
    confirmed = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding_id}/confirmer"
    )
    assert confirmed.status_code == 200
    assert _frequencies(coder, study)[0] == {"Isolement, lien social": (1, 1)}


def test_an_old_coding_confirmed_on_its_current_text_counts_again(coder, study, codebook, db):
    """A coding kept from before codings followed edits (its text hash is not the answer's) is
    « à revoir »; confirming it changes only its hash, and the page follows."""
    submission = study["submissions"][2]
    coding = Coding(
        submission_id=submission.id,
        path="besoins",
        start=ANSWERS[2][1].index("bus"),
        end=ANSWERS[2][1].index("bus") + 3,
        code_id=_code(codebook, "mobilite").id,
        coder_id=coder.user.id,
        text_hash=text_hash("Il n'y avait pas assez de bus le soir pour rentrer."),
    )
    db.session.add(coding)
    db.session.commit()
    page = coder.get(f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats").get_data(
        as_text=True
    )
    assert "<strong>1</strong> codage(s) à revoir" in page
    assert _frequencies(coder, study)[0] == {}
    confirmed = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/codages/{coding.id}/confirmer"
    )
    assert confirmed.status_code == 200
    assert _frequencies(coder, study)[0] == {"Mobilité, transports": (1, 1)}


def test_a_rejected_answer_leaves_the_figures_at_once(coder, login, study, codebook, db):
    # The last submission: on SQLite its rewritten answer rows get the ids they had.
    _code_words(coder, study, 2, _code(codebook, "mobilite"), "bus")
    assert _frequencies(coder, study) == (
        {"Mobilité, transports": (1, 1)},
        "3 répondant(s) · 5 réponse(s) libre(s) · 1 codée(s)",
    )
    admin = login("admin")
    response = admin.post(
        f"/etudes/etude-test/reponses/{study['submissions'][2].id}/etat",
        data={"state": "rejetee", "comment": "Doublon d'un autre entretien"},
    )
    assert response.status_code == 302
    assert _frequencies(coder, study) == (
        {},
        "2 répondant(s) · 4 réponse(s) libre(s) · 0 codée(s)",
    )


def test_a_validation_reaches_the_collectifs_results_at_once(coder, login, study, codebook, db):
    _code_words(coder, study, 0, _code(codebook, "logement-cout"), "loyers")
    submission = study["submissions"][0]
    stored = PseudonymisedAnswer(
        submission_id=submission.id,
        path="besoins",
        text_hash=text_hash(ANSWERS[0][1]),
        text=ANSWERS[0][1],
        spans=[],
    )
    db.session.add(stored)
    db.session.commit()
    reader = login("collectif")
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats"
    assert "1 réponse(s) codée(s) sur 1 attendent" in reader.get(url).get_data(as_text=True)
    stored.validated_at, stored.validated_by_id = datetime.now(timezone.utc), coder.user.id
    db.session.commit()
    assert "attendent encore" not in reader.get(url).get_data(as_text=True)


def test_agreement_follows_the_second_coders_codings(coder, login, study, codebook, db):
    other = login("charge_etude", name="Omar Autre")
    housing = _code(codebook, "logement-cout")
    url = f"/etudes/etude-test/analyse/{study['questionnaire'].id}/accord?a={coder.user.id}&b={other.user.id}"
    _code_words(coder, study, 0, housing, "loyers")
    assert "au moins deux codeurs" in coder.get(url).get_data(as_text=True)
    _code_words(other, study, 0, housing, "loyers")
    page = " ".join(coder.get(url).get_data(as_text=True).split())
    assert "au moins deux codeurs" not in page and "Logement › Coût" in page
    _code_words(other, study, 1, housing, "loyer")
    again = " ".join(coder.get(url).get_data(as_text=True).split())
    table = again[again.index("Kappa de Cohen") :]
    row = table[table.index("Logement › Coût") :]
    assert row[: row.index("</tr>")].endswith('<td class="num">2</td>')  # two answers compared
    assert db.session.scalar(select(Coding.id).where(Coding.coder_id == other.user.id))


def test_figures_kept_by_another_server_process_are_never_older_than_the_data(
    app, coder, study, codebook, db
):
    """gunicorn runs several processes: each serves the figures any of them computed (a file of
    the instance folder), and none serves them once the data changed."""
    housing = _code(codebook, "logement-cout")
    _code_words(coder, study, 0, housing, "loyers")
    assert _frequencies(coder, study)[0] == {HOUSING: (1, 1)}
    files = list((Path(app.instance_path) / "analysis_figures").glob("*.json"))
    assert files, "the figures are kept for the other processes"

    app.extensions.pop("consultation.analysis_figures")  # as seen from another process
    _code_words(coder, study, 1, housing, "loyer")
    assert _frequencies(coder, study)[0] == {HOUSING: (2, 2)}

    app.extensions.pop("consultation.analysis_figures")
    for path in files:
        path.write_text("{pas du JSON", encoding="utf-8")  # a file cut short by a full disk
    assert _frequencies(coder, study)[0] == {HOUSING: (2, 2)}


def _home_row(client, question="besoins"):
    """(answers, coded, pending suggestions) of a question on the analysis home."""
    tree = lxml_html.fromstring(client.get("/etudes/etude-test/analyse/").get_data(as_text=True))
    for row in tree.xpath("//table[@class='questions']/tbody/tr"):
        if question in row.xpath("./td")[0].text_content():
            cells = row.xpath("./td")
            return tuple(int(cells[index].text_content().split()[0]) for index in (1, 2, 3))
    raise AssertionError(f"no row for {question}")


def test_the_analysis_home_follows_codings_and_suggestions_at_once(coder, study, codebook, db):
    assert _home_row(coder) == (3, 0, 0)
    submission = study["submissions"][2]
    suggestion = Suggestion(
        submission_id=submission.id,
        path="besoins",
        code_id=_code(codebook, "mobilite").id,
        score=0.9,
        spans=[[ANSWERS[2][1].index("bus"), ANSWERS[2][1].index("bus") + 3]],
        source="rules",
        text_hash=text_hash(ANSWERS[2][1]),
    )
    db.session.add(suggestion)
    db.session.commit()
    assert _home_row(coder) == (3, 0, 1)
    decided = coder.post(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/api/suggestions/{suggestion.id}/accepter"
    )
    assert decided.status_code == 200
    assert _home_row(coder) == (3, 1, 0)
    _code_words(coder, study, 0, _code(codebook, "logement-cout"), "loyers")
    assert _home_row(coder) == (3, 2, 0)


def test_figures_kept_in_parts_follow_a_change_in_one_part_and_add_up(
    app, coder, study, codebook, db, monkeypatch
):
    """The home and results figures are kept per range of submissions and only the range that
    changed is counted again: here every submission is a range of its own, and after each change
    the page shows what counting everything again gives."""
    from consultation.coding import figures, results

    monkeypatch.setattr(figures, "PART", 1)
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    _code_words(coder, study, 0, housing, "loyers")
    _code_words(coder, study, 1, loneliness, "seule")
    assert _frequencies(coder, study)[0] == {HOUSING: (1, 1), "Isolement, lien social": (1, 1)}
    assert _home_row(coder) == (3, 2, 0)

    _code_words(coder, study, 1, housing, "loyer")
    rows, summary = _frequencies(coder, study)
    assert rows == {HOUSING: (2, 2), "Isolement, lien social": (1, 1)}
    assert summary == "3 répondant(s) · 5 réponse(s) libre(s) · 2 codée(s)"
    assert _home_row(coder) == (3, 2, 0)
    page = coder.get(
        f"/etudes/etude-test/analyse/{study['questionnaire'].id}/resultats?par=public"
    ).get_data(as_text=True)
    with app.test_request_context():
        whole = results.summary_in_sql(codebook, "public")
    for cell in whole["table"]["codes"]:
        assert cell["label"].split(" › ")[-1] in page
    # The co-occurrence of the two codes in the second answer, as counted from scratch.
    labels, matrix = whole["cooccurrence"]
    assert sorted(labels) == sorted([HOUSING, "Isolement, lien social"])
    assert matrix[labels.index(HOUSING)][labels.index("Isolement, lien social")] == 1

    # The first answer edited away from its coded words: only its range moves.
    submission = study["submissions"][0]
    answers = copy.deepcopy(submission.answers) | {"besoins": "Plus rien à dire."}
    assert coder.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier", json={"answers": answers}
    ).get_json()["changed"]
    assert _frequencies(coder, study)[0] == {HOUSING: (1, 1), "Isolement, lien social": (1, 1)}


def test_agreement_counted_in_parts_is_the_agreement_of_every_coding(
    app, coder, login, study, codebook, db, monkeypatch
):
    """The agreement page keeps per range of submissions the counts its measures are made of
    and counts again only the range that changed: here every submission is a range of its own,
    and after each change — codings added by two then three coders, one removed, an answer
    edited under a coding, the coding confirmed, an answer rejected — the page shows exactly
    what analyse's measures give over every coding at once, for each pair of coders and
    question."""
    from consultation.coding import figures, results

    monkeypatch.setattr(figures, "PART", 1)
    other = login("charge_etude", name="Omar Autre")
    third = login("charge_etude", name="Zoé Troisième")
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    mobility = _code(codebook, "mobilite")
    questionnaire_id = study["questionnaire"].id

    def same_as_everything_at_once():
        choices = [
            (question, a, b)
            for question in ("", "besoins")
            for a, b in [
                (coder.user.id, other.user.id),
                (other.user.id, third.user.id),
                (coder.user.id, coder.user.id),
            ]
        ]
        for question, a, b in choices:
            # An app context of its own, as each request has: the fingerprints read are kept
            # in its `g` for the rest of the request.
            with app.app_context(), app.test_request_context():
                kept = results.agreement_figures(codebook, question, a, b)
            with app.app_context(), app.test_request_context():
                whole = results_reference.agreement(
                    codebook, results_reference.load_frames(codebook, question=question), a, b
                )
            assert kept == whole, (question, a, b)
        return kept

    assert same_as_everything_at_once()["error"]  # one coder: nothing to measure
    _code_words(coder, study, 0, housing, "loyers")
    _code_words(coder, study, 0, loneliness, "seul")
    _code_words(coder, study, 1, loneliness, "seule")
    _code_words(coder, study, 1, housing, "loyer")
    _code_words(coder, study, 2, mobility, "bus")
    assert same_as_everything_at_once()["error"]

    _code_words(other, study, 0, housing, "loyers")
    _code_words(other, study, 1, loneliness, "seule")
    removed = _code_words(other, study, 2, mobility, "bus")
    _code_words(other, study, 2, loneliness, "le soir")
    measured = same_as_everything_at_once()
    assert not measured["error"] and measured["alpha"][-1]["code"] == "TOUS"
    page = coder.get(
        f"/etudes/etude-test/analyse/{questionnaire_id}/accord?a={coder.user.id}&b={other.user.id}"
    ).get_data(as_text=True)
    assert "Kappa de Cohen" in page

    # A third coder: alpha over three coders, kappa for any pair.
    _code_words(third, study, 0, housing, "loyers")
    _code_words(third, study, 2, mobility, "bus")
    same_as_everything_at_once()

    # A coding removed.
    assert (
        other.delete(
            f"/etudes/etude-test/analyse/{questionnaire_id}/api/codages/{removed}"
        ).status_code
        == 200
    )
    same_as_everything_at_once()

    # An answer edited under its codings: they wait for a review and the answer is left out...
    submission = study["submissions"][1]
    answers = copy.deepcopy(submission.answers) | {
        "besoins": ANSWERS[1][1].replace("seule", "seul·e")
    }
    assert coder.post(
        f"/etudes/etude-test/reponses/{submission.id}/modifier", json={"answers": answers}
    ).get_json()["changed"]
    measured = same_as_everything_at_once()
    assert measured["to_review"] and measured["answers_left_out"] == 1
    # ... until every coding of it is confirmed (by its coder) or removed.
    clients = {client.user.id: client for client in (coder, other, third)}
    held = db.session.execute(
        select(Coding.id, Coding.coder_id).where(
            Coding.submission_id == submission.id, Coding.needs_review
        )
    ).all()
    for coding_id, coder_id in held:
        assert (
            clients[coder_id]
            .post(
                f"/etudes/etude-test/analyse/{questionnaire_id}/api/codages/{coding_id}/confirmer"
            )
            .status_code
            == 200
        )
    assert same_as_everything_at_once()["answers_left_out"] == 0

    # An answer rejected leaves every measure.
    response = login("admin").post(
        f"/etudes/etude-test/reponses/{study['submissions'][2].id}/etat",
        data={"state": "rejetee", "comment": "Doublon d'un autre entretien"},
    )
    assert response.status_code == 302
    same_as_everything_at_once()


def test_without_their_change_counters_the_figures_follow_the_data_by_their_scans(
    coder, study, codebook, db, monkeypatch
):
    """SQLite reads the change counters its triggers keep (coding/changes.py); a migration that
    copies a table drops its triggers, and the fingerprint then scans the tables again, as on
    PostgreSQL: the parts' figures follow every change all the same."""
    from consultation.coding import changes, figures

    assert changes.in_place() == (db.session.get_bind().dialect.name == "sqlite")
    monkeypatch.setattr(changes, "in_place", lambda: False)
    monkeypatch.setattr(figures, "PART", 1)
    housing, loneliness = _code(codebook, "logement-cout"), _code(codebook, "isolement")
    coding_id = _code_words(coder, study, 0, housing, "loyers")
    _code_words(coder, study, 1, loneliness, "seule")
    assert _frequencies(coder, study)[0] == {HOUSING: (1, 1), "Isolement, lien social": (1, 1)}
    db.session.execute(update(Coding).where(Coding.id == coding_id).values(code_id=loneliness.id))
    db.session.commit()
    assert _frequencies(coder, study)[0] == {"Isolement, lien social": (2, 2)}
