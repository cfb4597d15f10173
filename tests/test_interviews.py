"""Field interviews, server side: who runs which questionnaire, and what a tablet downloads."""

import pytest

from consultation.accounts.models import utcnow
from consultation.questionnaire_store.models import (
    DRAFT,
    PUBLISHED,
    Questionnaire,
    QuestionnaireVersion,
)
from consultation.submissions.models import Assignment
from consultation.territory.models import Commune, Quartier
from questionnaires import Choice, ChoiceList, Question
from questionnaires import Questionnaire as QuestionnaireModel

pytestmark = pytest.mark.storage


def _definition(title: str, extra_question: str | None = None) -> dict:
    questions = [
        Question(
            "select_one", "logement", {"fr": "Vous êtes…"}, required=True, choice_list="logement"
        ),
        Question("paragraph", "besoins", {"fr": "De quoi auriez-vous besoin ?"}),
    ]
    if extra_question:
        questions.append(Question("text", extra_question, {"fr": "Autre chose ?"}))
    return QuestionnaireModel(
        title=title,
        form_id=title.lower().replace(" ", "_"),
        children=questions,
        choice_lists={
            "logement": ChoiceList(
                "logement",
                [
                    Choice("locataire", {"fr": "Locataire"}),
                    Choice("proprietaire", {"fr": "Propriétaire"}),
                ],
            )
        },
    ).to_dict()


@pytest.fixture()
def questionnaires(db):
    """Three questionnaires: one with versions 1 and 2 published and a draft 3, one only in draft,
    one published but archived."""
    besoins = Questionnaire(title="Besoins des seniors")
    besoins.versions += [
        QuestionnaireVersion(
            number=1,
            status=PUBLISHED,
            definition=_definition("Besoins des seniors"),
            published_at=utcnow(),
        ),
        QuestionnaireVersion(
            number=2,
            status=PUBLISHED,
            definition=_definition("Besoins des seniors", "transport"),
            published_at=utcnow(),
        ),
        QuestionnaireVersion(
            number=3,
            status=DRAFT,
            definition=_definition("Besoins des seniors", "brouillon_seulement"),
        ),
    ]
    brouillon = Questionnaire(title="Jeunes et mobilité")
    brouillon.versions.append(
        QuestionnaireVersion(number=1, status=DRAFT, definition=_definition("Jeunes et mobilité"))
    )
    archive = Questionnaire(title="Ancienne enquête", archived=True)
    archive.versions.append(
        QuestionnaireVersion(
            number=1,
            status=PUBLISHED,
            definition=_definition("Ancienne enquête"),
            published_at=utcnow(),
        )
    )
    db.session.add_all([besoins, brouillon, archive])
    tours = Commune(insee_code="37261", name="Tours")
    db.session.add_all(
        [
            tours,
            Quartier(commune=tours, name="Sanitas"),
            Quartier(commune=tours, name="Rives du Cher"),
        ]
    )
    db.session.add(Commune(insee_code="2A004", name="Ajaccio"))
    db.session.commit()
    return {"besoins": besoins, "brouillon": brouillon, "archive": archive}


def _assign(db, questionnaire, user):
    db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=user.id))
    db.session.commit()


def test_chargee_etude_assigns_a_published_questionnaire_to_an_enqueteur(
    login, make_user, questionnaires, db
):
    charge = login("charge_etude")
    enqueteur = make_user("enqueteur", name="Lucie Martin")
    page = charge.get("/etudes/etude-test/entretiens/affectations")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Only questionnaires with a published version, not archived, can be assigned.
    assert "Besoins des seniors" in text
    assert "Jeunes et mobilité" not in text
    assert "Ancienne enquête" not in text

    response = charge.post(
        "/etudes/etude-test/entretiens/affectations",
        data={"questionnaire_id": questionnaires["besoins"].id, "enumerator_id": enqueteur.id},
    )
    assert response.status_code == 302
    assignments = db.session.query(Assignment).filter_by(enumerator_id=enqueteur.id).all()
    assert [a.questionnaire_id for a in assignments] == [questionnaires["besoins"].id]
    assert assignments[0].assigned_by_id == charge.user.id
    listing = charge.get("/etudes/etude-test/entretiens/affectations").get_data(as_text=True)
    assert "Lucie Martin" in listing and "version 2" in listing

    # Assigning twice keeps one assignment.
    charge.post(
        "/etudes/etude-test/entretiens/affectations",
        data={"questionnaire_id": questionnaires["besoins"].id, "enumerator_id": enqueteur.id},
    )
    assert db.session.query(Assignment).filter_by(enumerator_id=enqueteur.id).count() == 1


def test_assignment_refuses_a_draft_only_questionnaire_and_a_non_enqueteur(
    login, make_user, questionnaires, db
):
    charge = login("charge_etude")
    enqueteur = make_user("enqueteur")
    lecteur = make_user("lecteur")
    response = charge.post(
        "/etudes/etude-test/entretiens/affectations",
        data={"questionnaire_id": questionnaires["brouillon"].id, "enumerator_id": enqueteur.id},
    )
    assert response.status_code == 200
    assert "pas encore de version publiée" in response.get_data(as_text=True)
    response = charge.post(
        "/etudes/etude-test/entretiens/affectations",
        data={"questionnaire_id": questionnaires["besoins"].id, "enumerator_id": lecteur.id},
    )
    assert response.status_code == 200
    assert "ne peut pas mener d&#39;entretiens" in response.get_data(as_text=True)
    assert db.session.query(Assignment).count() == 0


def test_removing_an_assignment(login, make_user, questionnaires, db):
    charge = login("admin")
    enqueteur = make_user("enqueteur")
    _assign(db, questionnaires["besoins"], enqueteur)
    assignment = db.session.query(Assignment).one()
    response = charge.post(f"/etudes/etude-test/entretiens/affectations/{assignment.id}/retirer")
    assert response.status_code == 302
    assert db.session.query(Assignment).count() == 0


@pytest.mark.parametrize("role", ["enqueteur", "lecteur", "collectif"])
def test_only_admin_and_charge_etude_manage_assignments(login, role):
    assert login(role).get("/etudes/etude-test/entretiens/affectations").status_code == 403


def test_enqueteur_sees_only_assigned_published_questionnaires(
    login, make_user, questionnaires, db
):
    enqueteur = login("enqueteur")
    other = make_user("enqueteur")
    _assign(db, questionnaires["besoins"], other)
    page = enqueteur.get("/etudes/etude-test/entretiens/").get_data(as_text=True)
    assert "Aucun questionnaire publié ne vous est affecté" in page
    assert "Besoins des seniors" not in page

    _assign(db, questionnaires["besoins"], enqueteur.user)
    _assign(db, questionnaires["brouillon"], enqueteur.user)
    _assign(db, questionnaires["archive"], enqueteur.user)
    page = enqueteur.get("/etudes/etude-test/entretiens/").get_data(as_text=True)
    assert "Besoins des seniors" in page
    assert "Jeunes et mobilité" not in page
    assert "Ancienne enquête" not in page
    assert "Nouvel entretien" in page


def test_bootstrap_holds_the_current_published_versions_territory_and_user(
    login, questionnaires, db
):
    enqueteur = login("enqueteur", name="Lucie Martin")
    _assign(db, questionnaires["besoins"], enqueteur.user)
    _assign(db, questionnaires["brouillon"], enqueteur.user)
    response = enqueteur.get("/etudes/etude-test/entretiens/bootstrap.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    payload = response.get_json()
    assert payload["user"] == {
        "id": enqueteur.user.id,
        "name": "Lucie Martin",
        "email": enqueteur.user.email,
        "role": "enqueteur",
    }
    # The latest published version only: not the draft 3, not the draft-only questionnaire.
    assert [(q["title"], q["version"]) for q in payload["questionnaires"]] == [
        ("Besoins des seniors", 2)
    ]
    definition = payload["questionnaires"][0]["definition"]
    assert [child["name"] for child in definition["children"]] == [
        "logement",
        "besoins",
        "transport",
    ]
    assert payload["questionnaires"][0]["questionnaire_id"] == questionnaires["besoins"].id

    communes = {c["code"]: c for c in payload["territory"]["communes"]}
    assert set(communes) == {"37261", "2A004"}
    assert [q["name"] for q in communes["37261"]["quartiers"]] == ["Rives du Cher", "Sanitas"]
    assert communes["2A004"]["quartiers"] == []

    options = payload["profile_options"]
    assert [o["value"] for o in options["publics"]] == ["jeune", "age", "autre"]
    assert "moins_15" in options["parental_consent_age_bands"]


def test_bootstrap_of_an_enqueteur_without_assignment_is_empty(login, questionnaires):
    payload = login("enqueteur").get("/etudes/etude-test/entretiens/bootstrap.json").get_json()
    assert payload["questionnaires"] == []
    assert payload["territory"]["communes"]  # the territory is there for the profile anyway


def test_supervisors_get_every_published_questionnaire(login, questionnaires):
    payload = login("charge_etude").get("/etudes/etude-test/entretiens/bootstrap.json").get_json()
    assert [q["title"] for q in payload["questionnaires"]] == ["Besoins des seniors"]


@pytest.mark.parametrize(
    "path",
    [
        "/etudes/etude-test/entretiens/",
        "/etudes/etude-test/entretiens/app",
        "/etudes/etude-test/entretiens/bootstrap.json",
        "/etudes/etude-test/entretiens/sw.js",
    ],
)
def test_readers_cannot_open_the_tablet_pages(login, path):
    assert login("lecteur").get(path).status_code == 403
    assert login("collectif").get(path).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/etudes/etude-test/entretiens/bootstrap.json")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_service_worker_is_served_for_its_scope_with_the_assets_to_cache(login):
    enqueteur = login("enqueteur")
    response = enqueteur.get("/etudes/etude-test/entretiens/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/etudes/etude-test/entretiens/"
    body = response.get_data(as_text=True)
    assert body.startswith("const CONFIG = ")
    import json

    config = json.loads(body.split("\n", 1)[0][len("const CONFIG = ") :].rstrip(";"))
    assert config["bootstrap"] == "/etudes/etude-test/entretiens/bootstrap.json"
    assert "/etudes/etude-test/entretiens/app" in config["shell"]
    assert f"/static/js/tablet/app.js?v={config['version']}" in config["assets"]
    assert f"/static/vendor/idb/idb.js?v={config['version']}" in config["assets"]
    assert "/static/css/tablet.css" in config["assets"]
    # The worker itself is not one of the assets it caches.
    assert not any("sw.js" in url for url in config["assets"])


def test_app_shell_uses_versioned_modules(login):
    enqueteur = login("enqueteur")
    page = enqueteur.get("/etudes/etude-test/entretiens/app").get_data(as_text=True)
    version = (
        enqueteur.get("/etudes/etude-test/entretiens/sw.js")
        .get_data(as_text=True)
        .split('"version": "')[1]
        .split('"')[0]
    )
    assert f'"tablet/app.js": "/static/js/tablet/app.js?v={version}"' in page
    assert 'data-submissions-url="/api/v1/submissions"' in page
    # form-runtime.js imports "./expressions.js": that plain URL resolves to the cached, versioned one
    assert f'"/static/js/expressions.js": "/static/js/expressions.js?v={version}"' in page
    assert f'"/static/js/form-widgets.js": "/static/js/form-widgets.js?v={version}"' in page


def test_every_module_the_tablet_imports_is_cached_and_mapped_to_its_version(login):
    """The runtime and the evaluator are split into modules that import each other by relative
    path: each such import must resolve to a URL the service worker caches, or the tablet fails
    offline, and to its versioned URL, or a deployment serves a stale mix."""
    import json
    import posixpath
    import re
    from pathlib import Path

    enqueteur = login("enqueteur")
    body = enqueteur.get("/etudes/etude-test/entretiens/sw.js").get_data(as_text=True)
    config = json.loads(body.split("\n", 1)[0][len("const CONFIG = ") :].rstrip(";"))
    page = enqueteur.get("/etudes/etude-test/entretiens/app").get_data(as_text=True)
    import_map = json.loads(
        re.search(r'<script type="importmap"[^>]*>(.*?)</script>', page, re.S).group(1)
    )["imports"]
    static = Path(__file__).resolve().parent.parent / "consultation" / "static"
    imported = set()
    for module in (static / "js").glob("**/*.js"):
        for target in re.findall(
            r'^(?:import|export)\b[^;]*?from "(\.{1,2}/[^"]+)"',
            module.read_text(encoding="utf-8"),
            re.M,
        ):
            folder = posixpath.dirname("/static/" + module.relative_to(static).as_posix())
            imported.add(posixpath.normpath(posixpath.join(folder, target)))
    assert {
        "/static/js/form/rules.js",
        "/static/js/expressions/evaluator.js",
        "/static/js/dom.js",
    } <= imported
    for url in sorted(imported):
        assert url in config["assets"], url
        assert import_map[url] == f"{url}?v={config['version']}", url
