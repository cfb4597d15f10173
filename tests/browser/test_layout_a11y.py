"""Every page of the app and every step of the tablet app, at 360 px (a phone) and 1,280 px: no
horizontal scrolling of the page (wide tables scroll inside their own box) and no serious or critical
violation found by axe-core (tests/browser/vendor/axe-core, `make vendor-axe`).

The page list is generated from the app's routes: a new page is checked without being listed here;
an endpoint that answers something other than HTML must be named in NOT_PAGES.
Set SCREENSHOTS_DIR to keep a PNG of each page at each width."""

import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import url_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from security_records import PASSWORD, study  # noqa: E402
from test_security_roles import ACCESS, _url  # noqa: E402

from consultation.extensions import db  # noqa: E402

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(
    encoding="utf-8"
)
PHONE, DESKTOP = 360, 1280
# Endpoints whose GET answers a file or JSON, not a page.
NOT_PAGES = {
    "interviews.bootstrap",
    "interviews.service_worker",
    "designer.export",
    "coding.export_file",
    "coding.cloud",
    "coding.survey_file",
    "coding.survey_weighted_file",
    "coding.classes_iramuteq",
    "coding.classes_cloud",
    "coding.classes_csv",
    "indicators.glossary_file",
    "indicators.values_file",
    "review.export_file",
    "studies.journal_export",
    "accounts.journal_export",
    "jobs.status",
    "api-docs.openapi_json",
    "api.list_questionnaires",
    "api.get_version",
    "public.codes_csv",
    "public.codes_pdf",
    "review.submission_copy_file",
    "fieldwork.paper_pdf",
    "collectif.agenda_pdf",
    "collectif.report_pdf",
    "collectif.report_xlsx",
    "collectif.recommendations_file",
}
# Pages of the demo questionnaire too: real answers make the widest tables (many communes, codes).
DEMO_PAGES = (
    "coding.results_page",
    "coding.survey_page",
    "coding.agreement",
    "coding.workspace",
    "coding.pseudonymisation",
    "review.submissions",
    "coding.verbatims",
    "designer.preview",
    "designer.editor",
    "studies.settings",
    "coding.themes_overview",
    "coding.theme_page",
    "coding.classes_page",
    "fieldwork.index",
    "collectif.board_page",
    "collectif.theme",
    "collectif.split",
    "collectif.reports",
    "collectif.report_page",
    "restitution.restitution",
    "collectif.preview_restitution",
    "collectif.recommendations",
    "collectif.recommendation",
    "collectif.recommendation_verbatim",
)


@pytest.fixture(scope="module")
def records(live_server):
    from consultation.demo.seed import seed_demo

    with live_server.study_context():
        from consultation.studies.scope import current_study, enter_study

        records = study(db)
        test_study = current_study()
        seed_demo(30)  # in the demo's own study
        from consultation.coding.demo import seed_themes
        from consultation.demo.indicators import seed_indicators, set_study_territory

        # The theme pages with indicators against the comparison levels, as after `make run`.
        seed_themes()
        seed_indicators()
        set_study_territory(current_study())
        db.session.commit()
        from consultation.demo.collectif_board import seed_collectif_board

        # The board with comments, stances and chosen verbatims, as after `make run`.
        seed_collectif_board()
        db.session.commit()
        from consultation.demo.collectif_report import seed_collectif_report

        # A report of real answers and its published restitution, as after `make run`.
        demo_report_id = seed_collectif_report()["report"]
        db.session.commit()
        demo_slug = current_study().slug
        from consultation.collectif.board import study_themes

        demo_theme_id = next(
            theme.id
            for entry in study_themes()
            for theme in entry.themes
            if theme.code.key == "logement"
        )
        from consultation.coding.services import active_codes, codebook_of
        from consultation.questionnaire_store.models import Questionnaire
        from consultation.submissions.export_job import start_export
        from consultation.submissions.exports import ExportOptions
        from consultation.submissions.queries import SubmissionFilters

        demo = db.session.scalars(
            db.select(Questionnaire).where(Questionnaire.form_id == "abs_2026")
        ).one()
        demo_id, demo_code_id = demo.id, active_codes(codebook_of(demo.id))[0].id
        # Préconisations on the demo's themes, with verbatims, figures and indicators.
        from consultation.collectif.models import Evidence, Recommendation
        from consultation.demo.collectif_preconisations import seed_recommendations

        seed_recommendations(current_study())
        db.session.commit()
        demo_evidence = db.session.scalars(
            db.select(Evidence)
            .join(Recommendation)
            .where(Evidence.kind == "verbatim")
            .order_by(Evidence.id)
        ).first()
        _demo_weighting(demo_id)
        enter_study(test_study, None)
        # An export waiting for the worker: its page shows the progress bar.
        export = start_export(
            records["questionnaire"].id,
            SubmissionFilters(),
            ExportOptions(),
            "csv",
            records["charge"].id,
        )
        db.session.commit()
        uploads = _indicator_uploads(records["charge"].id)
        return {
            "export_job_id": export.id,
            "uploads": uploads,
            "ids": {key: value.id for key, value in records.items() if hasattr(value, "id")},
            "invitation_token": records["invitation_token"],
            "link_token": records["link_token"],
            "draft_secret": records["draft_secret"],
            "enqueteur_email": records["enqueteur"].email,
            "demo_id": demo_id,
            "demo_code_id": demo_code_id,
            "demo_study": demo_slug,
            "demo_theme_id": demo_theme_id,
            "demo_report_id": demo_report_id,
            "slug": records["slug"],
            "demo_recommendation_id": demo_evidence.recommendation_id,
            "demo_evidence_id": demo_evidence.id,
        }


def _demo_weighting(questionnaire_id: int) -> None:
    """Population indicators for the demo's communes and a weighting of its figures on them."""
    from consultation.coding.weighting import cells, save_setting
    from consultation.indicators.models import Indicator, IndicatorValue
    from consultation.territory.models import Commune
    from consultation.territory.services import ensure_territories

    codes = [commune.insee_code for commune in db.session.scalars(db.select(Commune))]
    territories = ensure_territories("commune", {code: "" for code in codes})
    age_sex = {}
    for number, (key, _) in enumerate([*cells(), ("commune", "")]):
        indicator = Indicator(code=f"P21_DEMO{number}", label=f"Population {key}", level="commune")
        db.session.add(indicator)
        db.session.flush()
        for index, code in enumerate(codes):
            db.session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    territory_id=territories[code].id,
                    year=2021,
                    value=1000 + 37 * index + 11 * number,
                    status="value",
                )
            )
        age_sex[key] = indicator.code
    commune = age_sex.pop("commune")
    save_setting(questionnaire_id, age_sex, commune, None)
    db.session.commit()


def _indicator_uploads(user_id: int) -> dict:
    """A file of the indicators' web import at its mapping and preview steps, and one imported."""
    from consultation.indicators.import_job import IMPORT
    from consultation.indicators.uploads import Mapping, save_upload
    from consultation.jobs.models import Job

    content = (
        Path(__file__).parents[1] / "data" / "indicators" / "insee_communes.csv"
    ).read_bytes()
    mapped = save_upload(content, "insee_communes.csv", user_id)
    mapped.mapping = Mapping(
        code_column="CODGEO",
        label_column="LIBGEO",
        year=2020,
        indicator_columns=["P20_POP", "TP6020", "EVOL_POP"],
    ).as_dict()
    imported = save_upload(content, "insee_communes.csv", user_id)
    job = Job(
        kind=IMPORT,
        status="done",
        created_by_id=user_id,
        result={
            "indicators": ["P20_POP (2020) : 5 valeurs numériques, 0 secrètes, 0 manquantes"],
            "rows": 5,
            "territories_created": 5,
            "rejected": [],
            "replaced_lines": [],
            "ignored": ["DEP"],
        },
    )
    db.session.add(job)
    db.session.flush()
    imported.job_id = job.id
    db.session.commit()
    return {"mapped": mapped.id, "imported": imported.id}


@pytest.fixture(scope="module")
def audited(browser):
    """One page for the whole module, reused from page to page."""
    context = browser.new_context(locale="fr-FR", viewport={"width": DESKTOP, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def _audit(page, label: str) -> list[str]:
    """Problems of the page as shown now, at both widths."""
    problems = []
    for width in (DESKTOP, PHONE):
        page.set_viewport_size({"width": width, "height": 800 if width == DESKTOP else 740})
        page.evaluate(
            "() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))"
        )
        if width == PHONE:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > PHONE:
                problems.append(
                    f"{label} à {width} px : la page défile horizontalement ({scroll_width} px)"
                )
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SOURCE)
        violations = page.evaluate("""async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
              .map((v) => `${v.id} (${v.impact}) : ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
        }""")
        problems += [f"{label} à {width} px : {violation}" for violation in violations]
        if os.environ.get("SCREENSHOTS_DIR"):
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            page.screenshot(
                path=str(Path(os.environ["SCREENSHOTS_DIR"]) / f"{name}-{width}.png"),
                full_page=True,
            )
    return problems


def _login(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + "/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/compte/connexion" not in url)


def _page_urls(live_server, records) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET endpoint of the app, with the study's records as arguments."""
    app = live_server.app
    # What _url reads of the study's records: their ids (the rows themselves live in the server).
    study_records = {key: SimpleNamespace(id=value) for key, value in records["ids"].items()}
    study_records["invitation_token"] = records["invitation_token"]
    study_records["link_token"] = records["link_token"]
    study_records["draft_secret"] = records["draft_secret"]
    study_records["slug"] = records["slug"]
    urls = []
    with app.test_request_context():
        from consultation.studies.scope import enter_study
        from consultation.studies.services import find_study

        enter_study(find_study("etude-test"), None)
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
            if rule.endpoint == "static" or "GET" not in rule.methods:
                continue
            if rule.endpoint in ("indicators.mapping", "indicators.preview"):
                upload_id = records["uploads"]["mapped"]
                urls.append((rule.endpoint, url_for(rule.endpoint, upload_id=upload_id)))
                continue
            if rule.endpoint == "indicators.import_status":
                upload_id = records["uploads"]["imported"]
                urls.append((rule.endpoint, url_for(rule.endpoint, upload_id=upload_id)))
                continue
            if rule.endpoint == "review.export_job":
                urls.append(
                    (rule.endpoint, url_for(rule.endpoint, job_id=records["export_job_id"]))
                )
                continue
            urls.append((rule.endpoint, _url(app, rule.endpoint, study_records)))
        demo = {
            "questionnaire_id": records["demo_id"],
            "question": "manque_quartier",
            "code_id": records["demo_code_id"],
            "key": "mobilite",
            "theme_id": records["demo_theme_id"],
            "report_id": records["demo_report_id"],
            "slug": records["demo_study"],
            "recommendation_id": records["demo_recommendation_id"],
            "evidence_id": records["demo_evidence_id"],
        }
        for endpoint in DEMO_PAGES:
            rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
            values = {name: value for name, value in demo.items() if name in rule.arguments}
            if endpoint == "coding.survey_page":
                weighted = url_for(endpoint, study=records["demo_study"], pondere=1, **values)
                urls.append((f"{endpoint} (démo, pondéré)", weighted))
            urls.append(
                (
                    f"{endpoint} (démo)",
                    url_for(
                        endpoint, study=records["demo_study"], **values, **ACCESS[endpoint].query
                    ),
                )
            )
    return urls


def test_every_page_fits_a_phone_and_passes_axe(live_server, records, audited):
    page = audited
    page.goto(live_server.url + "/compte/connexion")
    problems = _audit(page, "accounts.login")
    email, _ = live_server.create_user("admin")
    _login(page, live_server, email)
    checked, not_html = [], []
    for endpoint, path in _page_urls(live_server, records):
        if endpoint in NOT_PAGES:
            continue  # not fetched: some are drawn in the request (word clouds), slow on a busy machine
        response = page.request.get(live_server.url + path, timeout=120_000)
        html = response.ok and response.headers.get("content-type", "").startswith("text/html")
        if not html:
            not_html.append(
                f"{endpoint} {path}: {response.status} {response.headers.get('content-type')}"
            )
            continue
        page.goto(live_server.url + path, wait_until="networkidle", timeout=120_000)
        problems += _audit(page, endpoint)
        checked.append(endpoint)
    assert not_html == [], "GET endpoints that are not pages: add them to NOT_PAGES\n" + "\n".join(
        not_html
    )
    assert "coding.results_page (démo)" in checked and "interviews.app_shell" in checked
    assert problems == [], "\n".join(problems)
    assert page.errors == []


def test_every_tablet_step_fits_a_phone_and_passes_axe(live_server, records, audited):
    page = audited
    _login(page, live_server, records["enqueteur_email"])
    page.goto(live_server.url + "/etudes/etude-test/entretiens/app")
    page.locator(".tile-list").wait_for()
    problems = _audit(page, "tablette accueil")

    page.get_by_role("link", name="Nouvel entretien").first.click()
    page.locator(".profile-form").wait_for()
    problems += _audit(page, "tablette profil")
    page.get_by_role("button", name="Suivant : consentement").click()
    page.locator("#public-erreur:not([hidden])").wait_for()
    problems += _audit(page, "tablette profil avec erreurs")
    # Each error is tied to its field, and listed in a live region with a link to the field.
    summary = page.locator(".profile-form [role=alert]")
    assert summary.get_by_role("link").all_inner_texts() == [
        "Indiquez le public de la personne interrogée.",
        "Indiquez la tranche d'âge.",
        "Choisissez la commune où vit la personne.",
        "Indiquez le lieu de l'entretien.",
    ]
    assert "public-erreur" in page.locator("#champ-public").get_attribute("aria-describedby")
    assert page.locator("#commune").get_attribute("aria-invalid") == "true"
    assert page.locator("#lieu").get_attribute("aria-describedby").split() == [
        "lieux-habituels",
        "place-erreur",
    ]
    summary.get_by_role("link", name="Indiquez le lieu de l'entretien.").click()
    assert page.evaluate("document.activeElement.id") == "lieu"

    page.locator("label.tile", has_text="Jeune").first.click()
    page.locator("label.tile", has_text="18").first.click()
    page.select_option("#commune", index=1)
    page.fill("#lieu", "Mission locale")
    assert page.locator("#lieu").get_attribute("aria-invalid") is None
    assert summary.is_hidden()  # every error answered: the summary is gone
    assert page.locator("#lieu").get_attribute("aria-describedby") == "lieux-habituels"
    page.get_by_role("button", name="Suivant : consentement").click()
    page.locator(".consent-form").wait_for()
    problems += _audit(page, "tablette consentement")
    page.get_by_role("button", name="Commencer le questionnaire").click()
    page.locator(".consent-form .flash-error:not([hidden])").wait_for()
    problems += _audit(page, "tablette consentement avec erreurs")
    page.locator("#consentement").check()
    page.get_by_role("button", name="Commencer le questionnaire").click()

    for index in range(1, 30):
        page.locator(".form-host .fr-page:not([hidden])").first.wait_for()
        if index == 1:
            # On a phone the first question shows on the first screen, under the step bar.
            page.set_viewport_size({"width": PHONE, "height": 740})
            page.evaluate("window.scrollTo(0, 0)")
            top = page.locator(
                ".form-host .fr-page:not([hidden]) .fr-question"
            ).first.bounding_box()["y"]
            assert top < 560, f"la première question commence à {top:.0f} px sur un téléphone"
        problems += _audit(page, f"tablette questions page {index}")
        next_button = page.get_by_role("button", name=re.compile("^Suivant"))
        last = next_button.inner_text() == "Suivant : relecture"
        next_button.click()
        if last:
            break
    page.get_by_role("heading", name="Relecture avant envoi").wait_for()
    problems += _audit(page, "tablette relecture")
    page.get_by_role("button", name="Terminer").click()
    page.locator(".receipt-notice").wait_for()
    problems += _audit(page, "tablette fin avec code de récépissé")
    # Once sent, the interview may be corrected from the « envoyés » list.
    correct = page.locator("#envoyes .item-row").get_by_role("button", name="Corriger").first
    correct.wait_for()
    problems += _audit(page, "tablette envoyés à corriger")
    correct.click()
    page.get_by_role("heading", name="Relecture de la correction").wait_for()
    problems += _audit(page, "tablette relecture de la correction")
    assert problems == [], "\n".join(problems)
    assert page.errors == []


def test_coding_shortcuts_act_only_in_the_answer_list_and_can_be_turned_off(
    live_server, records, audited
):
    """WCAG 2.1.4: a key typed elsewhere does nothing, the shortcuts can be turned off, the choice
    is remembered. Stray keys are « r » (reject): had one acted, the final « a » would find no
    suggestion to accept."""
    page = audited
    email, _ = live_server.create_user("charge_etude")
    _login(page, live_server, email)
    page.goto(
        f"{live_server.url}/etudes/etude-test/analyse/{records['ids']['questionnaire']}/coder/besoins"
    )
    article = page.locator(f"article.answer[data-submission='{records['ids']['submission']}']")
    assert article.locator(".chip.suggestion").count() == 1
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("r")  # focus outside the list: nothing
    page.get_by_label("Raccourcis clavier").uncheck()
    article.focus()
    page.keyboard.press("r")  # shortcuts off: nothing
    page.reload()
    assert not page.get_by_label("Raccourcis clavier").is_checked()
    page.get_by_label("Raccourcis clavier").check()
    article = page.locator(f"article.answer[data-submission='{records['ids']['submission']}']")
    article.focus()
    page.keyboard.press("a")
    article = page.locator(f"article.answer[data-submission='{records['ids']['submission']}']")
    article.locator(".chip:not(.suggestion)").nth(1).wait_for()
    assert article.locator(".chip.suggestion").count() == 0


def test_a_residents_pages_fit_a_phone_and_pass_axe(live_server, records, audited):
    """/mes-reponses without an account: the code form, a wrong code, the answers, the erasure's
    confirmation with its error, and the page after erasure."""
    from consultation.submissions.models import Submission

    page = audited
    page.context.clear_cookies()
    # Errors of the pages before (the module shares one page) are theirs to check, not these.
    page.errors.clear()
    import uuid

    with live_server.study_context():
        # A submission of its own: the module's records stay for the other tests.
        original = db.session.get(Submission, records["ids"]["submission"])
        own = Submission(
            client_uuid=str(uuid.uuid4()),
            content_hash="0" * 64,
            questionnaire_version_id=original.questionnaire_version_id,
            study_id=original.study_id,
            answers=dict(original.answers),
            public=original.public,
            age_band=original.age_band,
            commune_code=original.commune_code,
        )
        db.session.add(own)
        db.session.commit()
        code = own.receipt_code
    page.goto(live_server.url + "/mes-reponses/")
    problems = _audit(page, "mes réponses")
    page.get_by_label("Code de récépissé").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Voir mes réponses").click()
    error = page.locator("#code-erreur")
    error.wait_for()
    assert "Aucune réponse ne correspond" in error.inner_text()
    assert page.get_by_label("Code de récépissé").get_attribute("aria-invalid") == "true"
    problems += _audit(page, "mes réponses code inconnu")
    page.get_by_label("Code de récépissé").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Voir mes réponses").click()
    page.get_by_role("heading", name="Ce qui en a été tiré").wait_for()
    problems += _audit(page, "mes réponses affichées")
    page.get_by_role("button", name="Effacer mes réponses…").click()
    page.get_by_role("button", name="Effacer définitivement").click()
    page.locator("#confirm-erreur").wait_for()
    assert "confirm-erreur" in page.get_by_label(
        "Je confirme vouloir effacer définitivement mes réponses"
    ).get_attribute("aria-describedby")
    problems += _audit(page, "mes réponses effacement sans confirmation")
    page.get_by_label("Je confirme vouloir effacer définitivement mes réponses").check()
    page.get_by_role("button", name="Effacer définitivement").click()
    page.get_by_role("heading", name="Vos réponses sont effacées").wait_for()
    problems += _audit(page, "mes réponses effacées")
    assert problems == [], "\n".join(problems)
    assert page.errors == []
