"""The theme board in a real browser, through the real forms (CSRF on): a member of the collectif
comments on a theme and agrees with it, the chargée d'étude validates it, and the board then shows
it under « Validé » with its comment and stance; the member is told of the validation."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from security_records import study  # noqa: E402

SHOTS = Path("/tmp")


def test_a_member_comments_the_charge_validates_and_the_board_shows_it(live_server, browser):
    from consultation.collectif.models import Notification
    from consultation.extensions import db

    with live_server.study_context():
        records = study(db, mark="Board ")
        theme_id = records["theme"].id
    board_url = f"{live_server.url}/etudes/etude-test/collectif/"

    member = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = member.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    member_email = live_server.login(page, "collectif")
    page.goto(board_url)
    card = page.locator(f"article.theme-card[data-theme='{theme_id}']")
    assert "Proposé" in card.inner_text()
    card.get_by_role("link", name="Discussion du thème Board Transports du soir").click()
    page.get_by_role("heading", name="Discussion").wait_for()
    page.get_by_label("Votre commentaire").fill("<b>Le bus</b> du soir manque aux jeunes.")
    page.get_by_role("button", name="Publier le commentaire").click()
    page.get_by_text("Commentaire publié. Vous suivez maintenant ce thème.").wait_for()
    thread = page.locator("ol.thread")
    assert "<b>Le bus</b> du soir manque aux jeunes." in thread.inner_text()
    assert thread.locator("b").count() == 0
    page.get_by_label("D'accord", exact=True).check()
    page.get_by_role("button", name="Enregistrer ma position").click()
    page.get_by_text("Votre position est enregistrée.").wait_for()
    assert "1 d'accord" in page.locator(".stance-summary").inner_text()
    # The member decides nothing: no status form for them.
    assert page.locator("#decisions").count() == 0

    charge = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    charge_page = charge.new_page()
    charge_page.set_default_timeout(15_000)
    live_server.login(charge_page, "charge_etude")
    charge_page.goto(f"{live_server.url}/etudes/etude-test/collectif/themes/{theme_id}")
    charge_page.get_by_label("Statut du thème").select_option(label="Validé")
    charge_page.get_by_role("button", name="Changer le statut").click()
    charge_page.get_by_text("Statut du thème : Validé.").wait_for()
    charge_page.screenshot(path=str(SHOTS / "collectif-theme-1280.png"), full_page=True)

    page.goto(board_url)
    validated = page.locator("#statut-valide")
    card = validated.locator(f"article.theme-card[data-theme='{theme_id}']")
    card.wait_for()
    text = card.inner_text()
    assert "Board Transports du soir" in text and "Validé" in text
    # The records' own comment by the chargée d'étude, and the member's.
    assert "2 commentaire(s)" in text and "1 d'accord" in text
    assert page.locator("#statut-propose").locator(f"[data-theme='{theme_id}']").count() == 0
    page.screenshot(path=str(SHOTS / "collectif-board-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with live_server.study_context():
        from consultation.accounts.models import User

        member_id = db.session.scalar(db.select(User.id).where(User.email == member_email))
        kinds = db.session.scalars(
            db.select(Notification.kind).where(Notification.user_id == member_id)
        ).all()
    assert kinds == ["theme_valide"]
    assert errors == []
    member.close()
    charge.close()
