"""The coding workspace in a real browser: a passage selected with the mouse is coded with a new
code from the popover, and a suggestion is accepted from the keyboard."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coding_records import TRAINING_ANSWERS, coding_study  # noqa: E402

SHOTS = Path("/tmp")

# Rectangle of a substring of an answer's text, across the <mark> elements that cut it.
RECT_OF = """([selector, needle]) => {
  const container = document.querySelector(selector);
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  const start = text.indexOf(needle), end = start + needle.length;
  const locate = (offset) => { for (const [node, at] of nodes) { if (offset <= at + node.data.length) return [node, offset - at]; } };
  const range = document.createRange();
  range.setStart(...locate(start)); range.setEnd(...locate(end));
  const rects = range.getClientRects();
  const first = rects[0], last = rects[rects.length - 1];
  return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
}"""


@pytest.fixture()
def coded_study(live_server):
    from consultation.coding.services import create_default_codebook
    from consultation.extensions import db
    from consultation.jobs.queue import _run, start_job

    with live_server.study_context():
        study = coding_study(db)
        create_default_codebook(study["questionnaire"])
        job = start_job("coding.analyse", {"questionnaire_id": study["questionnaire"].id})
        db.session.commit()
        _run(job.id)
        ids = [submission.id for submission in study["submissions"]]
        return {"questionnaire_id": study["questionnaire"].id, "submission_ids": ids}


def test_select_a_passage_code_it_and_accept_a_suggestion_with_the_keyboard(
    live_server, page, coded_study
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    live_server.login(page, "charge_etude")
    questionnaire_id = coded_study["questionnaire_id"]
    page.goto(f"{live_server.url}/etudes/etude-test/analyse/{questionnaire_id}/coder/besoins")
    bus = page.locator(f"article.answer[data-submission='{coded_study['submission_ids'][2]}']")
    bus.scroll_into_view_if_needed()
    rect = page.evaluate(
        RECT_OF,
        [
            f"article.answer[data-submission='{coded_study['submission_ids'][2]}'] [data-text]",
            "pas assez de bus le soir",
        ],
    )
    page.mouse.move(rect["x1"], rect["y1"])
    page.mouse.down()
    page.mouse.move(rect["x2"], rect["y2"], steps=5)
    page.mouse.up()
    picker = page.locator("#code-picker")
    picker.get_by_role("combobox").wait_for()
    assert "pas assez de bus le soir" in picker.inner_text()
    page.keyboard.type("Bus du soir")
    picker.get_by_role("option", name="Créer le code « Bus du soir »").wait_for()
    page.keyboard.press("Enter")
    bus = page.locator(f"article.answer[data-submission='{coded_study['submission_ids'][2]}']")
    chip = bus.locator(".chip:not(.suggestion)", has_text="Bus du soir")
    chip.wait_for()
    assert bus.locator("mark.coded").inner_text() == "pas assez de bus le soir"

    # Keyboard only: move to the first answer (k), accept its first suggestion (a).
    rent = page.locator(f"article.answer[data-submission='{coded_study['submission_ids'][0]}']")
    suggestion = rent.locator(".chip.suggestion").first
    code_name = suggestion.inner_text().split("\n")[0].split(" ")[0]
    suggestions_before = rent.locator(".chip.suggestion").count()
    for _ in range(4):
        page.keyboard.press("k")
    page.keyboard.press("a")
    rent = page.locator(f"article.answer[data-submission='{coded_study['submission_ids'][0]}']")
    rent.locator(".chip:not(.suggestion)", has_text=code_name).first.wait_for()
    assert rent.locator(".chip.suggestion").count() == suggestions_before - 1
    page.screenshot(path=str(SHOTS / "coding-workspace.png"), full_page=True)

    page.goto(
        f"{live_server.url}/etudes/etude-test/analyse/{questionnaire_id}/resultats?par=public"
    )
    page.get_by_role("heading", name="Fréquence des codes").wait_for()
    assert page.get_by_role("link", name="Bus du soir").count() == 1
    page.screenshot(path=str(SHOTS / "coding-results.png"), full_page=True)
    assert errors == []


def test_a_coder_validates_a_page_of_pseudonymised_answers_and_the_collectif_reads_them(
    live_server, browser, coded_study
):
    """From the analysis home to the collectif's verbatims, through the real forms (CSRF on)."""
    from consultation.coding.services import add_coding, codebook_of
    from consultation.extensions import db
    from consultation.submissions.models import Submission

    questionnaire_id = coded_study["questionnaire_id"]
    coder_page = browser.new_page()
    coder_email = live_server.login(coder_page, "charge_etude")
    with live_server.study_context():
        from consultation.accounts.models import User

        coder = db.session.query(User).filter_by(email=coder_email).one()
        named = db.session.get(Submission, coded_study["submission_ids"][4])
        code = next(code for code in codebook_of(questionnaire_id).codes if code.key == "logement")
        add_coding(named, "besoins", 0, len(named.answers["besoins"]), code, coder.id)
        db.session.commit()
        code_id = code.id

    coder_page.goto(f"{live_server.url}/etudes/etude-test/analyse/")
    section = coder_page.locator(f"section[aria-labelledby='q-{questionnaire_id}']")
    section.get_by_role("link", name="Valider la pseudonymisation").click()
    first = coder_page.locator("article.pseudo").first
    assert "Kevin Martin" in first.inner_text() and "Codée : Logement" in first.inner_text()
    coder_page.get_by_role("button", name="Valider ces").click()
    assert "visibles du collectif" in coder_page.locator(".flash").first.inner_text()
    coder_page.screenshot(path=str(SHOTS / "coding-pseudonymisation-validated.png"), full_page=True)

    reader = browser.new_page()
    live_server.login(reader, "collectif")
    reader.goto(
        f"{live_server.url}/etudes/etude-test/analyse/{questionnaire_id}/resultats/code/{code_id}"
    )
    quote = reader.locator("blockquote").first.inner_text()
    assert "[PERSONNE_1]" in quote and "[TÉLÉPHONE]" in quote and "Kevin" not in quote
    reader.screenshot(path=str(SHOTS / "coding-collectif-verbatims.png"), full_page=True)


def test_a_coding_to_review_after_an_edit_is_confirmed_in_the_workspace(live_server, page):
    from consultation.accounts.models import User
    from consultation.coding.services import add_coding, create_default_codebook
    from consultation.extensions import db
    from consultation.submissions.services import edit_answers

    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = live_server.login(page, "charge_etude")
    with live_server.study_context():
        study = coding_study(db)
        codebook = create_default_codebook(study["questionnaire"])
        coder = db.session.query(User).filter_by(email=email).one()
        submission = study["submissions"][1]
        text = submission.answers["besoins"]
        code = next(code for code in codebook.codes if code.key == "isolement")
        add_coding(
            submission,
            "besoins",
            text.index("seule"),
            text.index("seule") + len("seule"),
            code,
            coder.id,
        )
        edit_answers(
            submission, submission.answers | {"besoins": text.replace("seule", "isolée")}, by=coder
        )
        db.session.commit()
        questionnaire_id, submission_id = study["questionnaire"].id, submission.id
    page.goto(f"{live_server.url}/etudes/etude-test/analyse/{questionnaire_id}/coder/besoins")
    answer = page.locator(f"article.answer[data-submission='{submission_id}']")
    assert answer.locator(".chip .review-badge").inner_text() == "à revoir"
    assert "codé sur « seule »" in answer.locator(".to-review-list").inner_text()
    answer.get_by_role("button", name="Confirmer le codage").click()
    answer = page.locator(f"article.answer[data-submission='{submission_id}']")
    answer.locator(".chip:not(.suggestion)", has_text="Isolement").wait_for()
    page.locator("#coding-toast", has_text="Codage confirmé").wait_for()
    assert (
        answer.locator(".review-badge").count() == 0
        and answer.locator(".to-review-list").count() == 0
    )
    assert errors == []


def test_what_the_suggester_learnt_reads_on_a_phone_and_a_desktop(
    live_server, browser, tmp_path, monkeypatch
):
    from consultation.accounts.models import User
    from consultation.coding.services import add_coding, create_default_codebook
    from consultation.extensions import db
    from consultation.jobs.queue import _run, start_job

    # The trained model goes to this test's folder, not to the repository's instance/.
    monkeypatch.setattr(live_server.app, "instance_path", str(tmp_path))
    for width in (360, 1280):
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
        page = context.new_page()
        email = live_server.login(page, "charge_etude")
        if width == 360:
            with live_server.study_context():
                study = coding_study(db, TRAINING_ANSWERS)
                codebook = create_default_codebook(study["questionnaire"])
                coder = db.session.query(User).filter_by(email=email).one()
                for index, submission in enumerate(study["submissions"]):
                    key = "logement-cout" if index < 6 else "mobilite"
                    code = next(code for code in codebook.codes if code.key == key)
                    add_coding(submission, "besoins", 0, 10, code, coder.id)
                questionnaire_id = study["questionnaire"].id
                job = start_job("coding.retrain", {"questionnaire_id": questionnaire_id})
                db.session.commit()
                _run(job.id)
        for name, path, element in (
            ("accueil", "", f"#entrainement-{questionnaire_id}"),
            ("espace", f"{questionnaire_id}/coder/besoins", "#entrainement"),
        ):
            page.goto(f"{live_server.url}/etudes/etude-test/analyse/{path}")
            note = page.locator(element)
            if name == "espace":
                note.locator("summary").click()
            assert "choisie par validation croisée" in note.inner_text()
            note.scroll_into_view_if_needed()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SHOTS / f"coding-training-{name}-{width}.png"))
        context.close()
