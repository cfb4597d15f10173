"""Hostile HTML typed into a questionnaire, answers, names, codes and memos stays text in Chromium:
no dialog ever fires, and no page of the designer, coding workspace, back office or tablet app
breaks the Content-Security-Policy (scripts from our origin, nonces for the tablet's inline ones)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from security_records import HOSTILE, study  # noqa: E402

from consultation.extensions import db  # noqa: E402

MARK = HOSTILE[1] + HOSTILE[0] + " "
PASSWORD = "motdepasse-solide-42"


@pytest.fixture()
def hostile_study(live_server):
    with live_server.study_context():
        records = study(db, mark=MARK)
        return {
            "questionnaire_id": records["questionnaire"].id,
            "submission_id": records["submission"].id,
            "code_id": records["code"].id,
            "charge_email": records["charge"].email,
            "enqueteur_email": records["enqueteur"].email,
        }


@pytest.fixture()
def watched(page):
    """The page, with every dialog, script error and policy violation recorded."""
    seen = {"dialogs": [], "errors": [], "violations": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on(
        "console",
        lambda message: (
            seen["violations"].append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.watched = seen
    return page


def _login(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/compte/connexion" not in url)


def test_designer_and_coding_pages_show_hostile_text_as_text(live_server, watched, hostile_study):
    page = watched
    _login(page, live_server, hostile_study["charge_email"])
    questionnaire_id = hostile_study["questionnaire_id"]

    page.goto(
        f"{live_server.url}/etudes/etude-test/questionnaires/{questionnaire_id}/apercu?version=1"
    )
    # The form runtime draws the labels in the browser: they must come out as text.
    label = page.get_by_text(f"{MARK}Quel âge avez-vous ?", exact=False).first
    label.wait_for()
    assert HOSTILE[0] in label.inner_text()
    page.goto(
        f"{live_server.url}/etudes/etude-test/questionnaires/{questionnaire_id}/apercu?version=1&mode=pages"
    )
    page.get_by_text(f"{MARK}Quel âge avez-vous ?", exact=False).first.wait_for()
    page.goto(f"{live_server.url}/etudes/etude-test/questionnaires/{questionnaire_id}")
    page.get_by_role("heading", name=f"{MARK}Besoins des habitants").wait_for()

    page.goto(f"{live_server.url}/etudes/etude-test/analyse/{questionnaire_id}/coder/besoins")
    answer = page.locator(f"article.answer[data-submission='{hostile_study['submission_id']}']")
    assert HOSTILE[1] in answer.locator("[data-text]").inner_text()
    # Accepting the suggestion puts the server's new row in place through the page script.
    answer.focus()
    page.keyboard.press("a")
    answer = page.locator(f"article.answer[data-submission='{hostile_study['submission_id']}']")
    answer.locator(".chip:not(.suggestion)").nth(1).wait_for()
    assert HOSTILE[0] in answer.locator("[data-text]").inner_text()

    for path in (
        f"/etudes/etude-test/analyse/{questionnaire_id}/resultats",
        f"/etudes/etude-test/analyse/{questionnaire_id}/resultats/code/{hostile_study['code_id']}",
        f"/etudes/etude-test/reponses/{hostile_study['submission_id']}",
        f"/etudes/etude-test/reponses/{hostile_study['submission_id']}/modifier",
    ):
        # The results page draws its word clouds on first request: slow on a loaded machine.
        page.goto(live_server.url + path, timeout=90_000)
        page.wait_for_load_state("networkidle", timeout=90_000)
    page.screenshot(path="/tmp/security-review-edit.png", full_page=True)
    assert page.watched == {"dialogs": [], "errors": [], "violations": []}


def test_the_tablet_app_runs_under_the_policy(live_server, watched, hostile_study):
    page = watched
    _login(page, live_server, hostile_study["enqueteur_email"])
    page.goto(live_server.url + "/etudes/etude-test/entretiens/app")
    # The import map and the start-up module are inline, allowed by this response's nonce.
    page.wait_for_function(
        "() => !document.querySelector('#ecran').textContent.includes('Chargement de l')"
    )
    page.get_by_text(f"{MARK}Besoins des habitants", exact=False).first.wait_for()
    page.goto(live_server.url + "/etudes/etude-test/entretiens/")
    page.get_by_text(f"{MARK}Besoins des habitants", exact=False).first.wait_for()
    page.screenshot(path="/tmp/security-tablet.png", full_page=True)
    assert page.watched == {"dialogs": [], "errors": [], "violations": []}


def test_an_inline_script_without_the_nonce_is_blocked(live_server, watched, hostile_study):
    """The policy is enforced, not only sent: a script injected without the nonce does not run."""
    page = watched
    _login(page, live_server, hostile_study["charge_email"])
    page.goto(live_server.url + "/accueil")
    ran = page.evaluate("""() => new Promise((resolve) => {
        window.__ran = false;
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
        setTimeout(() => resolve(window.__ran), 100);
    })""")
    assert ran is False
    assert any("Content Security Policy" in text for text in page.watched["violations"])
