"""The chargé d'étude builds the synthesis report (a progress bar, then the version and its
files), publishes the restitution, and anyone reads the public page: the validated theme, not
the one still under discussion, no text that is not validated and pseudonymised."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from report_records import (  # noqa: E402
    NAMED,
    PSEUDONYMISED,
    UNVALIDATED,
    report_study,
    restore_study_places,
)

from consultation.extensions import db  # noqa: E402


def _run_report_job(live_server) -> None:
    """No worker runs beside the test server: the test is the worker, as a consumer would be."""
    from consultation.collectif.report_job import REPORT
    from consultation.jobs.models import Job
    from consultation.jobs.queue import _run

    with live_server.study_context():
        job = db.session.scalar(
            db.select(Job).where(Job.kind == REPORT, Job.status == "queued").order_by(Job.id.desc())
        )
        assert job is not None
        _run(job.id)


@pytest.fixture(autouse=True)
def _places_put_back(live_server):
    with restore_study_places(live_server):
        yield


def test_the_charge_builds_the_report_and_publishes_the_restitution(live_server, page, browser):
    email = live_server.login(page, "charge_etude")
    with live_server.study_context():
        from consultation.accounts.services import find_user

        report_study(db, find_user(email).id)
    base = live_server.url + "/etudes/etude-test/collectif"
    page.goto(base + "/rapport")
    rows = page.locator("table.report-versions tbody tr")
    before = rows.count()
    page.get_by_role("button", name="Construire le rapport").click()
    progress = page.locator(".job-progress progress")
    progress.wait_for()
    assert page.locator("[data-job-status]").inner_text().startswith("En attente")
    _run_report_job(live_server)
    # The bar sees the job done and reloads: the new version on top, with its PDF and XLSX.
    page.locator(".job-progress").wait_for(state="detached", timeout=20_000)
    assert rows.count() == before + 1
    newest = rows.first
    assert newest.get_by_role("link", name="PDF").is_visible()
    assert newest.get_by_role("link", name="XLSX").is_visible()
    newest.locator("th a").click()
    report = page.locator(".report-frame")
    # Its own theme: other tests of the shared server validated themes of their own.
    own_heading = page.locator("h3", has_text=re.compile(r"^\s*Logement\s*$"))
    theme = report.locator(".report-theme", has=own_heading)
    assert theme.count() == 1
    assert PSEUDONYMISED in theme.inner_text()
    assert "Kevin Martin" not in report.inner_text()
    assert "Mobilité" not in report.inner_text()
    pdf_path = page.get_by_role("link", name="Télécharger le PDF").get_attribute("href")
    pdf = page.request.get(live_server.url + pdf_path)
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    page.goto(base + "/rapport")
    # « Publier la restitution », or « Republier… » where another test published it already.
    page.get_by_role("button", name=re.compile("^(Publier la restitution|Republier)")).click()
    state = page.locator(".publication-state")
    assert "Publiée" in state.inner_text()
    public_url = state.get_by_role("link").get_attribute("href")

    visitor = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    try:
        public = visitor.new_page()
        public.goto(live_server.url + public_url)
        main = public.locator("main")
        assert public.get_by_role("heading", name="Logement", exact=True).is_visible()
        text = main.inner_text()
        assert PSEUDONYMISED in text
        for hidden in ("Mobilité", "Kevin Martin", NAMED, UNVALIDATED, "Josiane"):
            assert hidden not in text
        assert public.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        visitor.close()

    page.get_by_role("button", name="Retirer la page publique").click()
    assert "Non publiée" in page.locator(".publication-state").inner_text()
    assert page.request.get(live_server.url + public_url).status == 404
