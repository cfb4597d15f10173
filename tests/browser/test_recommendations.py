"""A member of the collectif writes a préconisation in a real browser, links two verbatims and an
indicator, and the links of its page open the verbatim in its answer and the indicator's page."""

import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coding_records import ANSWERS, coding_study  # noqa: E402

SHOTS = Path("/tmp")
NAMED = ANSWERS[4][1]


@pytest.fixture()
def theme_with_verbatims(live_server):
    """A questionnaire whose theme « logement » has two coded answers, their pseudonymisation
    validated (one names Kevin Martin), and an indicator the glossary links to the theme."""
    from analyse.nlp import text_hash
    from analyse.pseudonymise import Span, render
    from consultation.accounts.services import create_user
    from consultation.coding.models import PseudonymisedAnswer, Theme
    from consultation.coding.services import add_coding, create_default_codebook
    from consultation.extensions import db
    from consultation.indicators.models import Indicator
    from consultation.indicators.theme_links import set_theme_keys

    with live_server.study_context():
        records = coding_study(db)
        coder = create_user(f"codeur-{uuid.uuid4().hex[:6]}@exemple.fr", "motdepasse-solide-42")
        codebook = create_default_codebook(records["questionnaire"])
        code = next(code for code in codebook.codes if code.key == "logement")
        db.session.add(Theme(code_id=code.id, questions=[]))
        for submission in (records["submissions"][0], records["submissions"][4]):
            text = submission.answers["besoins"]
            start = text.index("logement") if "logement" in text else text.index("loyers")
            add_coding(submission, "besoins", start, start + 8, code, coder.id)
            spans = []
            if "Kevin Martin" in text:
                at = text.index("Kevin Martin")
                phone = text.index("06 12")
                spans = [
                    Span(at, at + 12, "PERSONNE", "Kevin Martin"),
                    Span(phone, phone + 14, "TELEPHONE", "06 12 34 56 78"),
                ]
            db.session.add(
                PseudonymisedAnswer(
                    submission_id=submission.id,
                    path="besoins",
                    text_hash=text_hash(text),
                    text=render(text, spans).text,
                    spans=[
                        {"start": s.start, "end": s.end, "kind": s.kind, "text": s.text}
                        for s in spans
                    ],
                    validated_at=datetime.now(timezone.utc),
                    validated_by_id=coder.id,
                )
            )
        indicator = Indicator(
            code=f"PART_HLM_{uuid.uuid4().hex[:6]}", label="Part des logements sociaux"
        )
        db.session.add(indicator)
        db.session.flush()
        set_theme_keys(indicator, ["logement"])
        db.session.commit()
        return {"indicator": indicator.label}


@pytest.fixture()
def page(context):
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page


def test_a_member_links_two_verbatims_and_an_indicator_that_open_what_they_point_to(
    live_server, page, theme_with_verbatims
):
    live_server.login(page, "collectif")
    page.goto(f"{live_server.url}/etudes/etude-test/collectif/preconisations")
    page.get_by_role("link", name="Nouvelle préconisation").click()
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(SHOTS / "preconisation-form-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Titre").fill("Un guichet unique pour le premier logement")
    page.get_by_label("Texte").fill("Avec la Mission locale et les bailleurs <b>sociaux</b>.")
    page.locator(".reco-themes-field").get_by_label("Logement", exact=False).first.check()
    page.get_by_label("Comité ou groupe de travail").fill("Accès aux droits")
    page.get_by_label("Priorité").select_option("haute")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/preconisations/*")
    assert "Préconisation enregistrée" in page.locator(".flash-success").inner_text()

    candidates = page.locator(".candidates input[type=checkbox]")
    assert candidates.count() == 2
    assert "Kevin Martin" not in page.locator(".candidates").inner_text()
    candidates.nth(0).check()
    candidates.nth(1).check()
    page.get_by_role("button", name="Lier les verbatims cochés").click()
    assert "2 verbatim(s) lié(s)." in page.locator(".flash-success").inner_text()

    page.get_by_text("Un indicateur du territoire").click()
    page.get_by_label("Indicateur", exact=True).select_option(
        label=theme_with_verbatims["indicator"]
    )
    page.get_by_role("button", name="Lier cet indicateur").click()
    evidence = page.locator("#preuves .evidence")
    assert evidence.count() == 3
    assert "Kevin Martin" not in page.locator("#preuves").inner_text()
    assert "<b>sociaux</b>" in page.locator(".reco-body").inner_text()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "preconisation-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(SHOTS / "preconisation-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The named resident's verbatim opens in its answer, pseudonymised.
    named = page.locator("#preuves .evidence-verbatim", has_text="Appelez")
    named.get_by_role("link", name="Voir ce verbatim dans sa réponse").click()
    assert page.locator("h1").inner_text() == "Verbatim dans sa réponse"
    context_text = page.locator(".verbatim-context").inner_text()
    assert "Appelez" in context_text and "Kevin Martin" not in context_text
    assert "Qu'est-ce qui vous manque le plus ?" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "preconisation-verbatim.png"), full_page=True)
    page.get_by_role("link", name="Le thème « Logement »", exact=False).click()
    assert "/analyse/" in page.url and page.url.endswith("/themes/logement")
    assert (
        "Un guichet unique pour le premier logement" in page.locator("#preconisations").inner_text()
    )
    page.get_by_role("link", name="Un guichet unique pour le premier logement").click()

    page.get_by_role("link", name=theme_with_verbatims["indicator"]).click()
    assert page.locator("h1").inner_text() == theme_with_verbatims["indicator"]

    page.goto(f"{live_server.url}/etudes/etude-test/collectif/preconisations")
    card = page.locator(".reco-card", has_text="Un guichet unique pour le premier logement")
    assert "3 preuve(s)" in card.inner_text() and "Proposée" in card.inner_text()
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"preconisations-{width}.png"), full_page=True)
