"""Residents answering online, through the Flask client (no JavaScript): open link, invitation
codes, resume later, closing date, quotas, honeypot, minimum fill time, double submit,
tampered fields, oversized answers, and the stored submission."""

import re
from datetime import timedelta
from html import unescape

import pytest
from public_records import PAGES, PROFILE, open_questionnaire
from sqlalchemy import func, select

from consultation.accounts.models import utcnow
from consultation.public.models import PublicCode, PublicDraft
from consultation.submissions.models import Submission

pytestmark = pytest.mark.storage


@pytest.fixture()
def quick(app):
    """No minimum fill time: the client answers in milliseconds."""
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    yield
    app.config.pop("PUBLIC_MIN_FILL_SECONDS", None)


def _start(client, link, **form):
    response = client.post(f"/q/{link.token}", data={"consentement": "oui"} | form)
    assert response.status_code == 302, response.get_data(as_text=True)
    resume = response.headers["Location"]
    return resume.rsplit("/", 1)[-1]


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _answer_all(client, secret, pages=PAGES, profile=PROFILE):
    """Answers every page as a person would (Suivant, then « Envoyer mes réponses »)."""
    url = f"/reponse/{secret}/etape/0"
    response = client.post(url, data=profile | {"action": "suivant"})
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    for page in pages:
        html = _page(client, url)
        found = re.search(r'name="client_uuid" value="([^"]+)"', html)
        data = dict(page) | {"action": "envoyer" if found else "suivant"}
        if found:
            data["client_uuid"] = found.group(1)
        response = client.post(url, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        url = response.headers["Location"]
    return url


def _online(db):
    return db.session.scalars(select(Submission).where(Submission.channel == "en_ligne")).all()


def test_an_open_link_stores_one_online_submission_with_its_profile(client, db, quick):
    _, link = open_questionnaire(db)
    welcome = _page(client, f"/q/{link.token}")
    assert "Ce que deviennent vos réponses" in welcome and "Bonjour." in welcome
    secret = _start(client, link)
    thanks_url = _answer_all(client, secret)
    assert thanks_url.endswith("/merci")
    [submission] = _online(db)
    assert (submission.public, submission.age_band, submission.sex) == ("jeune", "18_25", "femme")
    assert submission.commune_code == "37195" and submission.consent_given
    assert submission.answers == {
        "frequentation": "semaine",
        "activites": ["cuisine", "jardin"],
        "satisfaction": 4,
        "horaires_adaptes": "non",
        "creneaux_souhaites": ["soir", "samedi"],
        "manque": "Des horaires le soir, je travaille jusqu'à 18 h.",
        "age": 19,
        "enfants": "non",
    }
    thanks = _page(client, thanks_url)
    assert submission.receipt_code in thanks
    # The draft keeps nothing personal once sent.
    draft = db.session.scalar(select(PublicDraft))
    assert draft.answers == {} and draft.profile == {}


def test_a_double_submit_stores_one_submission(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    _answer_all(client, secret)
    draft = db.session.scalar(select(PublicDraft))
    again = client.post(
        f"/reponse/{secret}/etape/4",
        data=PAGES[3] | {"action": "envoyer", "client_uuid": draft.client_uuid},
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/merci")
    assert len(_online(db)) == 1


def test_the_profile_is_asked_first_with_every_error_listed(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    response = client.post(f"/reponse/{secret}/etape/0", data={"action": "suivant"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = html.split('id="erreurs"')[1].split("</div>")[0]
    assert 'href="#profil-public"' in summary and 'href="#profil-commune"' in summary
    assert "<title>Erreur : 3 réponses à corriger · Étape 1 sur" in html
    # A later page cannot be reached before the profile.
    response = client.get(f"/reponse/{secret}/etape/3")
    assert response.headers["Location"].endswith("/etape/0")


def test_relevance_is_worked_out_between_pages_and_answers_dropped(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    # « jamais »: satisfaction no longer concerns the resident.
    response = client.post(
        f"/reponse/{secret}/etape/1",
        data={"frequentation": "jamais", "activites": "aucune", "satisfaction": "5"},
    )
    assert response.status_code == 302
    draft = db.session.scalar(select(PublicDraft))
    assert draft.answers.get("satisfaction") is None
    # On the page shown again, the question is hidden and its input disabled (not sent).
    page = _page(client, f"/reponse/{secret}/etape/1")
    block = page.split('data-path="satisfaction"')[1].split("</fieldset>")[0]
    assert "hidden" in block.split(">")[0] and "disabled" in block


def test_an_answer_to_a_question_no_longer_asked_is_dropped_and_said(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    client.post(f"/reponse/{secret}/etape/1", data=PAGES[0] | {"action": "suivant"})
    client.post(f"/reponse/{secret}/etape/2", data=PAGES[1] | {"action": "suivant"})
    # Without JavaScript, « oui » is sent with the créneaux shown when it was « non ».
    response = client.post(
        f"/reponse/{secret}/etape/2",
        data={"horaires_adaptes": "oui", "creneaux_souhaites": ["soir"], "action": "suivant"},
        follow_redirects=True,
    )
    html = unescape(response.get_data(as_text=True))
    assert "Ces réponses ont été retirées" in html
    assert "« Quand aimeriez-vous que le centre soit ouvert ? »" in html
    draft = db.session.scalar(select(PublicDraft))
    assert "creneaux_souhaites" not in draft.answers


def test_a_question_that_appears_holds_the_page_once(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    client.post(f"/reponse/{secret}/etape/1", data=PAGES[0] | {"action": "suivant"})
    # Without JavaScript, « non » makes a new required question appear on the same page.
    response = client.post(
        f"/reponse/{secret}/etape/2", data={"horaires_adaptes": "non", "vus": "horaires_adaptes"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "De nouvelles questions sont apparues" in html or "creneaux" in html
    block = html.split('data-path="creneaux_souhaites"')[1].split("</fieldset>")[0]
    assert "disabled" not in block


def test_a_required_answer_missing_is_shown_at_the_top_and_tied_to_its_field(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    response = client.post(f"/reponse/{secret}/etape/1", data={"action": "suivant"})
    html = response.get_data(as_text=True)
    assert "<title>Erreur : 1 réponse à corriger · Étape 2 sur" in html
    summary = html.split('id="erreurs"')[1].split("</div>")[0]
    assert 'href="#q-frequentation"' in summary
    fieldset = html.split('id="q-frequentation"')[1].split(">")[0]
    assert 'aria-describedby="q-frequentation-erreur"' in fieldset


def test_save_and_resume_later_from_the_private_link(client, app, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    response = client.post(f"/reponse/{secret}/etape/1", data=PAGES[0] | {"action": "plus_tard"})
    later = _page(client, response.headers["Location"])
    assert f"/reponse/{secret}" in later
    # Another browser, days later: the private link brings the resident back where they were.
    other = app.test_client()
    response = other.get(f"/reponse/{secret}")
    assert response.headers["Location"].endswith("/etape/1")
    page = _page(other, response.headers["Location"])
    assert re.search(r'value="semaine"\s+checked', page)
    assert other.get("/reponse/inconnu").status_code == 404


def test_invitation_codes_allow_one_answer_each(client, app, db, quick):
    _, link = open_questionnaire(db, open_link=False, uses_codes=True)
    code = PublicCode(public_link_id=link.id)
    db.session.add(code)
    db.session.commit()
    refused = client.post(f"/q/{link.token}", data={"consentement": "oui"})
    assert refused.status_code == 422 and "Indiquez le code" in refused.get_data(as_text=True)
    wrong = client.post(f"/q/{link.token}", data={"consentement": "oui", "code": "AAAA-AAAA"})
    assert "pas reconnu" in wrong.get_data(as_text=True)
    typed = code.code.lower().replace("-", " ")
    secret = _start(client, link, code=typed)
    # The same code typed again goes back to the same draft (never a second one).
    again = app.test_client()
    other_secret = _start(again, link, code=code.code)
    assert db.session.scalar(select(func.count(PublicDraft.id))) == 1
    assert find_secret_works(again, other_secret) and not find_secret_works(client, secret)
    _answer_all(again, other_secret)
    db.session.refresh(code)
    assert code.used_at is not None and code.submission_id == _online(db)[0].id
    used = app.test_client().post(
        f"/q/{link.token}", data={"consentement": "oui", "code": code.code}
    )
    assert "déjà servi" in used.get_data(as_text=True)
    assert len(_online(db)) == 1


def find_secret_works(client, secret) -> bool:
    return client.get(f"/reponse/{secret}").status_code == 302


def test_a_closed_or_not_yet_open_questionnaire_says_so(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    link.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get(f"/q/{link.token}").get_data(as_text=True)
    assert "Ce questionnaire est fermé depuis le" in page
    response = client.post(f"/reponse/{secret}/etape/0", data=PROFILE)
    assert "fermé" in response.get_data(as_text=True)
    link.closes_at = None
    link.opens_at = utcnow() + timedelta(days=2)
    db.session.commit()
    assert "pas encore ouvert" in client.get(f"/q/{link.token}").get_data(as_text=True)
    link.opens_at = None
    link.questionnaire.archived = True
    db.session.commit()
    assert "plus ouvert" in client.get(f"/q/{link.token}").get_data(as_text=True)
    assert _online(db) == []


def test_a_quota_reached_refuses_that_public_only(client, app, db, quick):
    _, link = open_questionnaire(db, quotas={"jeune": 1})
    _answer_all(client, _start(client, link))
    second = app.test_client()
    secret = _start(second, link)
    response = second.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    assert "toutes les réponses attendues du public" in response.get_data(as_text=True)
    response = second.post(
        f"/reponse/{secret}/etape/0",
        data=PROFILE | {"public": "age", "age_band": "60_74", "action": "suivant"},
    )
    assert response.status_code == 302
    assert len(_online(db)) == 1


def test_a_honeypot_filled_or_an_answer_too_fast_stores_nothing(client, app, db):
    _, link = open_questionnaire(db)
    robot = client.post(f"/q/{link.token}", data={"consentement": "oui", "site_web": "http://x"})
    assert "réservé aux robots" in robot.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PublicDraft.id))) == 0
    app.config["PUBLIC_MIN_FILL_SECONDS"] = 3600
    try:
        secret = _start(client, link)
        last = _answer_all_until_sent(client, secret)
        assert "trop vite" in last
    finally:
        app.config.pop("PUBLIC_MIN_FILL_SECONDS", None)
    assert _online(db) == []


def _answer_all_until_sent(client, secret) -> str:
    url = _answer_all(client, secret)
    return client.get(url).get_data(as_text=True)


def test_tampered_fields_and_oversized_answers_are_refused_in_french(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    for index, page in enumerate(PAGES[:3], start=1):
        client.post(f"/reponse/{secret}/etape/{index}", data=page | {"action": "suivant"})
    tampered = client.post(
        f"/reponse/{secret}/etape/4",
        data=PAGES[3]
        | {"action": "envoyer", "client_uuid": "00000000-0000-0000-0000-000000000000"},
    )
    assert tampered.status_code == 400
    assert "a été modifié" in tampered.get_data(as_text=True)
    foreign = client.post(
        f"/reponse/{secret}/etape/4", data={"age": "19", "manque": "autre page", "is_admin": "1"}
    )
    assert "ont été ignorés" in foreign.get_data(as_text=True)
    draft = db.session.scalar(select(PublicDraft))
    assert draft.answers["manque"] == PAGES[2]["manque"]
    huge = client.post(f"/reponse/{secret}/etape/3", data={"manque": "x" * 1_000_000})
    assert huge.status_code == 413 and "trop long" in huge.get_data(as_text=True)
    long = client.post(f"/reponse/{secret}/etape/3", data={"manque": "y" * 60_000})
    assert long.status_code == 200 and "caractères" in long.get_data(as_text=True)
    assert _online(db) == []


def test_public_links_prints_the_address_of_each_open_questionnaire(db, runner):
    _, link = open_questionnaire(db)
    result = runner.invoke(args=["public-links", "--base-url", "https://consultation.exemple.fr"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"https://consultation.exemple.fr/q/{link.token}"]
    link.active = False
    db.session.commit()
    assert runner.invoke(args=["public-links", "--base-url", "https://x.fr"]).output == ""


def test_the_residents_pages_are_rate_limited_per_address(tmp_path, monkeypatch):
    from consultation import create_app
    from consultation.extensions import limiter

    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rl.db'}",
            "RATELIMIT_ENABLED": True,
            "PUBLIC_RATE_LIMIT": "3 per minute",
        }
    )
    try:
        with app.app_context():
            from consultation.extensions import db as _db

            _db.create_all()
        client = app.test_client()
        codes = [client.post("/q/lien-inconnu", data={}).status_code for _ in range(5)]
        assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
        last = client.post("/q/lien-inconnu", data={})
        assert "attendez une minute" in last.get_data(as_text=True)
    finally:
        limiter.reset()
        limiter.enabled = False


def test_the_rate_limit_counts_in_redis_when_there_is_one(monkeypatch, tmp_path):
    from consultation.config import config_from_env

    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config_from_env(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    monkeypatch.delenv("REDIS_URL")
    assert config_from_env(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"


HOSTILE_ANSWER = (
    '=HYPERLINK("http://exemple.invalid") <script>alert(1)</script><img src=x onerror=alert(2)>'
)


def test_a_hostile_answer_given_online_is_escaped_in_the_back_office_analysis_and_exports(
    client, db, login, quick
):
    from test_exports import _sheets, export_through_the_job

    questionnaire, link = open_questionnaire(db)
    pages = [dict(page) for page in PAGES]
    pages[2]["manque"] = HOSTILE_ANSWER
    _answer_all(client, _start(client, link), pages=pages)
    [submission] = _online(db)
    assert submission.answers["manque"] == HOSTILE_ANSWER  # kept as typed
    from consultation.coding.services import create_default_codebook

    create_default_codebook(questionnaire)
    db.session.commit()
    charge = login("charge_etude")
    for url in (
        f"/etudes/etude-test/reponses/{submission.id}",
        f"/etudes/etude-test/analyse/{questionnaire.id}/coder/manque",
    ):
        response = charge.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    content = export_through_the_job(
        charge, questionnaire.id, {"format": "xlsx", "headers": "codes", "multiple": "joined"}
    ).data
    header, *rows = _sheets(content)["reponses"]
    assert dict(zip(header, rows[0]))["manque"] == HOSTILE_ANSWER
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == HOSTILE_ANSWER]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_a_questionnaire_in_two_languages_offers_a_selector_and_sets_lang_and_dir(
    client, db, quick
):
    from consultation.public.services import save_link
    from consultation.questionnaire_store.models import (
        PUBLISHED,
        Questionnaire,
        QuestionnaireVersion,
    )
    from questionnaires import Group, Question
    from questionnaires import Questionnaire as Model

    model = Model(
        title="Votre quartier",
        form_id="quartier_bilingue",
        languages=["fr", "ar"],
        children=[
            Group(
                "quartier",
                {"fr": "Votre quartier", "ar": "حيّك"},
                children=[
                    Question("paragraph", "manque", {"fr": "Ce qui manque", "ar": "ما ينقص"})
                ],
            )
        ],
    )
    questionnaire = Questionnaire(title="Votre quartier")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=model.to_dict(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.flush()
    _, link = open_questionnaire(db)  # the study's territory
    link = save_link(questionnaire, {"version": questionnaire.versions[0], "open_link": True}, None)
    db.session.commit()
    welcome = _page(client, f"/q/{link.token}")
    assert '<option value="ar" lang="ar"' in welcome and "arabe" in welcome
    secret = _start(client, link, lang="ar")
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    page = _page(client, f"/reponse/{secret}/etape/1")
    assert 'lang="ar" dir="rtl"' in page and "ما ينقص" in page
    page = _page(client, f"/reponse/{secret}/etape/1?lang=fr")
    assert 'lang="fr" dir="ltr"' in page and "Ce qui manque" in page


def test_the_charge_opens_a_questionnaire_online_and_prints_its_codes(login, db):
    questionnaire, _ = open_questionnaire(db)
    charge = login("charge_etude")
    base = f"/etudes/etude-test/en-ligne/{questionnaire.id}"
    response = charge.post(
        base,
        data={
            "version_id": questionnaire.versions[0].id,
            "active": "y",
            "opens_at": "2026-12-01T09:00",
            "closes_at": "2026-11-01T09:00",
        },
    )
    html = unescape(response.get_data(as_text=True))
    assert "au moins une façon de répondre" in html and "après la date" in html
    response = charge.post(
        base,
        data={
            "version_id": questionnaire.versions[0].id,
            "uses_codes": "y",
            "active": "y",
            "closes_at": "2027-01-31T18:00",
            "quota_jeune": "50",
        },
    )
    assert response.status_code == 302
    response = charge.post(f"{base}/codes", data={"count": "3"})
    assert response.status_code == 302
    listing = charge.get(f"{base}/codes.csv")
    rows = listing.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0] == "code;lien;état" and len(rows) == 4
    code = rows[1].split(";")[0]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    sheet = charge.get(f"{base}/codes/feuille").get_data(as_text=True)
    # One QR code per code, inside the page (the header has its own icons).
    assert sheet.split("<main", 1)[1].count("<svg") == 3 and code in sheet
    pdf = charge.get(f"{base}/codes.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    from consultation.studies.models import AuditEntry

    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "public_link")
    ).all()
    assert {"update", "codes", "codes_download"} <= set(actions)


def test_a_repeat_is_filled_with_add_and_remove_buttons_without_javascript(client, db, quick):
    from submission_records import definition

    from consultation.public.services import save_link
    from consultation.questionnaire_store.models import (
        PUBLISHED,
        Questionnaire,
        QuestionnaireVersion,
    )

    questionnaire = Questionnaire(title="Besoins des habitants")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=definition(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.flush()
    open_questionnaire(db)  # the study's territory
    link = save_link(questionnaire, {"version": questionnaire.versions[0], "open_link": True}, None)
    db.session.commit()
    secret = _start(client, link)
    client.post(f"/reponse/{secret}/etape/0", data=PROFILE | {"action": "suivant"})
    first = {"age": "34", "logement": "locataire", "besoins": "Un bus le soir."}
    response = client.post(f"/reponse/{secret}/etape/1", data=first | {"action": "suivant"})
    assert response.headers["Location"].endswith("/etape/2")
    url = f"/reponse/{secret}/etape/2"
    client.post(url, data={"action": "ajouter:menage"})
    client.post(url, data={"menage[0]/lien": "fille", "action": "ajouter:menage"})
    page = _page(client, url)
    assert 'name="menage[1]/age_membre"' in page and 'value="fille"' in page
    client.post(
        url,
        data={
            "menage[0]/lien": "fille",
            "menage[0]/age_membre": "7",
            "menage[1]/lien": "voisin",
            "action": "retirer:menage:1",
        },
    )
    draft = db.session.scalar(select(PublicDraft))
    response = client.post(
        url,
        data={
            "menage[0]/lien": "fille",
            "menage[0]/age_membre": "7",
            "action": "envoyer",
            "client_uuid": draft.client_uuid,
        },
    )
    assert response.headers["Location"].endswith("/merci")
    [submission] = _online(db)
    assert submission.answers["menage"] == [{"lien": "fille", "age_membre": 7}]


def test_a_form_without_its_csrf_token_is_refused_in_the_residents_layout(
    app, client, db, monkeypatch
):
    _, link = open_questionnaire(db)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    # The size limit comes first: a megabyte is refused before the form is even read.
    huge = client.post(f"/q/{link.token}", data={"consentement": "oui", "code": "x" * 1_000_000})
    assert huge.status_code == 413 and "trop long" in huge.get_data(as_text=True)
    response = client.post(f"/q/{link.token}", data={"consentement": "oui"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "Page expirée" in html
    assert "Se connecter" not in html and "public-header" in html
    assert db.session.scalar(select(func.count(PublicDraft.id))) == 0


def test_drafts_left_unsent_are_forgotten_after_their_delay(client, db, quick):
    from consultation.public.services import forget_abandoned_drafts

    _, link = open_questionnaire(db, uses_codes=True)
    code = PublicCode(public_link_id=link.id)
    db.session.add(code)
    db.session.commit()
    kept = _start(client, link)
    _answer_all(client, kept)
    abandoned = _start(client, link, code=code.code)
    client.post(f"/reponse/{abandoned}/etape/0", data=PROFILE | {"action": "suivant"})
    assert forget_abandoned_drafts(30) == 0
    assert forget_abandoned_drafts(30, now=utcnow() + timedelta(days=31)) == 1
    db.session.commit()
    assert client.get(f"/reponse/{abandoned}").status_code == 404
    assert client.get(f"/reponse/{kept}").status_code == 302  # sent: its receipt stays
    db.session.refresh(code)
    assert code.draft_id is None and code.used_at is None  # the code can start again


def test_consultation_purge_forgets_the_drafts_left_unsent(client, db, quick, runner):
    _, link = open_questionnaire(db)
    abandoned = _start(client, link)
    client.post(f"/reponse/{abandoned}/etape/0", data=PROFILE | {"action": "suivant"})
    db.session.execute(
        PublicDraft.__table__.update().values(updated_at=utcnow() - timedelta(days=45))
    )
    db.session.commit()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "Brouillons de réponse en ligne" in dry.output and ": 1 seraient effacés" in dry.output
    assert db.session.scalar(select(func.count(PublicDraft.id))) == 1
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0 and ": 1 effacé(s)" in done.output
    assert db.session.scalar(select(func.count(PublicDraft.id))) == 0
    assert client.get(f"/reponse/{abandoned}").status_code == 404


def test_the_age_band_must_be_one_of_the_chosen_publics(client, db, quick):
    _, link = open_questionnaire(db)
    secret = _start(client, link)
    wrong = client.post(
        f"/reponse/{secret}/etape/0",
        data=PROFILE | {"public": "jeune", "age_band": "75_84", "action": "suivant"},
    )
    html = unescape(wrong.get_data(as_text=True))
    assert "ne correspond pas au public « Jeune (16–25 ans) »" in html
    assert "ancienne tranche" not in html
    right = client.post(
        f"/reponse/{secret}/etape/0",
        data=PROFILE | {"public": "age", "age_band": "75_84", "action": "suivant"},
    )
    assert right.status_code == 302
