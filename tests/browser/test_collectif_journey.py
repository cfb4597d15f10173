"""From residents' words to the élus, in one browser session as the collectif lives it: a member
comments on a theme, the chargée d'étude validates it, a member writes a préconisation resting on
two verbatims and an indicator, the synthesis report (HTML and PDF, read back as text) shows them,
and the public restitution shows the theme with no text that is not validated and pseudonymised."""

import io
import re
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from report_records import (  # noqa: E402
    NAMED,
    PSEUDONYMISED,
    RENT,
    UNVALIDATED,
    report_study,
    restore_study_places,
)

from analyse.nlp import text_hash  # noqa: E402
from consultation.accounts.models import utcnow  # noqa: E402
from consultation.coding.models import PseudonymisedAnswer  # noqa: E402
from consultation.extensions import db  # noqa: E402
from consultation.submissions.models import Submission  # noqa: E402

TITLE = "Une permanence logement pour les jeunes"


def _context(browser, width: int):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture(autouse=True)
def _places_put_back(live_server):
    with restore_study_places(live_server):
        yield


def test_from_a_comment_to_the_public_restitution(live_server, browser):
    from pypdf import PdfReader

    from consultation.collectif.report_job import REPORT
    from consultation.jobs.models import Job
    from consultation.jobs.queue import _run

    mark = f"Parcours {uuid.uuid4().hex[:4]} "
    charge, charge_page = _context(browser, 1280)
    charge_email = live_server.login(charge_page, "charge_etude")
    with live_server.study_context():
        from consultation.accounts.services import find_user

        coder_id = find_user(charge_email).id
        records = report_study(db, coder_id, mark=mark)
        theme = records["validated"]
        # A second verbatim the collectif may read: a coder validated its pseudonymisation
        # (nothing to hide in it).
        rent = db.session.scalar(
            db.select(Submission)
            .where(
                Submission.questionnaire_version_id == records["questionnaire"].versions[0].id,
                Submission.public == "jeune",
            )
            .order_by(Submission.id)
        )
        db.session.add(
            PseudonymisedAnswer(
                submission_id=rent.id,
                path="besoins",
                text_hash=text_hash(RENT),
                text=RENT,
                spans=[],
                validated_at=utcnow(),
                validated_by_id=coder_id,
            )
        )
        # Still under discussion when the journey starts: the chargée validates it below.
        theme.status = "discussion"
        db.session.commit()
        theme_id = theme.id
    study_url = f"{live_server.url}/etudes/etude-test"

    # 1. A member of the collectif comments on the theme and agrees with it.
    member, page = _context(browser, 360)
    live_server.login(page, "collectif")
    page.goto(f"{study_url}/collectif/themes/{theme_id}")
    page.get_by_label("Votre commentaire").fill("Les loyers pèsent d'abord sur les jeunes.")
    page.get_by_role("button", name="Publier le commentaire").click()
    page.get_by_text("Commentaire publié.", exact=False).wait_for()
    page.get_by_label("D'accord", exact=True).check()
    page.get_by_role("button", name="Enregistrer ma position").click()
    page.get_by_text("Votre position est enregistrée.").wait_for()

    # 2. The chargée d'étude validates it.
    charge_page.goto(f"{study_url}/collectif/themes/{theme_id}")
    assert (
        "Les loyers pèsent d'abord sur les jeunes." in charge_page.locator("ol.thread").inner_text()
    )
    charge_page.get_by_label("Statut du thème").select_option(label="Validé")
    charge_page.get_by_role("button", name="Changer le statut").click()
    charge_page.get_by_text("Statut du thème : Validé.").wait_for()

    # 3. The member writes a préconisation on it, resting on two verbatims and an indicator.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{study_url}/collectif/preconisations")
    page.get_by_role("link", name="Nouvelle préconisation").click()
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_label("Texte").fill("Avec la Mission locale et les bailleurs sociaux.")
    page.locator(".reco-themes-field").get_by_label(f"{mark}Logement", exact=False).first.check()
    page.get_by_label("Comité ou groupe de travail").fill("Accès aux droits")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/preconisations/*")
    candidates = page.locator(".candidates input[type=checkbox]")
    assert "Kevin Martin" not in page.locator(".candidates").inner_text()
    candidates.nth(0).check()
    candidates.nth(1).check()
    page.get_by_role("button", name="Lier les verbatims cochés").click()
    assert "2 verbatim(s) lié(s)." in page.locator(".flash-success").inner_text()
    page.get_by_text("Un indicateur du territoire").click()
    page.get_by_label("Indicateur", exact=True).select_option(label="Part des logements HLM")
    page.get_by_role("button", name="Lier cet indicateur").click()
    evidence = page.locator("#preuves .evidence")
    assert evidence.count() == 3
    # Each link opens what it points to: the indicator's glossary page.
    page.locator("#preuves").get_by_role("link", name="Part des logements HLM").first.click()
    assert page.locator("h1").inner_text() == "Part des logements HLM"

    # 4. The chargée builds the synthesis report: the validated theme, its préconisation and
    #    evidence, in the page and in the PDF.
    charge_page.goto(f"{study_url}/collectif/rapport")
    charge_page.get_by_role("button", name="Construire le rapport").click()
    charge_page.locator(".job-progress progress").wait_for()
    with live_server.study_context():
        job = db.session.scalar(
            db.select(Job).where(Job.kind == REPORT, Job.status == "queued").order_by(Job.id.desc())
        )
        _run(job.id)  # no worker beside the test server: the test is the worker
    charge_page.locator(".job-progress").wait_for(state="detached", timeout=20_000)
    charge_page.locator("table.report-versions tbody tr").first.locator("th a").click()
    report = charge_page.locator(".report-frame")
    section = report.locator(".report-theme", has_text=f"{mark}Logement").first
    text = section.inner_text()
    assert TITLE in text and "Part des logements HLM" in text
    assert PSEUDONYMISED in text and "Kevin Martin" not in report.inner_text()
    assert f"{mark}Mobilité" not in report.inner_text()  # still under discussion
    pdf_url = charge_page.get_by_role("link", name="Télécharger le PDF").get_attribute("href")
    pdf = charge_page.request.get(live_server.url + pdf_url)
    assert pdf.ok
    pdf_text = " ".join(
        " ".join(page_.extract_text().split()) for page_ in PdfReader(io.BytesIO(pdf.body())).pages
    )
    assert TITLE in pdf_text and f"{mark}Logement" in pdf_text
    assert "Kevin Martin" not in pdf_text and "Josiane" not in pdf_text

    # 5. She publishes the restitution; anyone reads the theme, nothing unvalidated or named.
    charge_page.goto(f"{study_url}/collectif/rapport")
    charge_page.get_by_role(
        "button", name=re.compile("^(Publier la restitution|Republier)")
    ).click()
    public_url = charge_page.locator(".publication-state").get_by_role("link").get_attribute("href")
    visitor, public = _context(browser, 360)
    public.goto(live_server.url + public_url)
    main = public.locator("main")
    assert public.get_by_role("heading", name=f"{mark}Logement", exact=True).is_visible()
    text = main.inner_text()
    assert TITLE in text and PSEUDONYMISED in text
    for hidden in (f"{mark}Mobilité", "Kevin Martin", NAMED, UNVALIDATED, "Josiane"):
        assert hidden not in text
    # The members' discussion stays inside the study.
    assert "Les loyers pèsent d'abord sur les jeunes." not in text
    assert public.evaluate("document.documentElement.scrollWidth") <= 360
    for context in (member, charge, visitor):
        context.close()
