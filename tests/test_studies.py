"""Studies: creating them (page and command line), their members and roles, my list of studies,
the study switcher, and the scope of their pages."""

import pytest
from sqlalchemy import select

from consultation.studies.models import Study
from consultation.studies.scope import current_study_id, role_in
from consultation.studies.services import add_member, create_study

pytestmark = pytest.mark.storage


def test_create_study_from_the_command_line_and_list_it(runner, db):
    result = runner.invoke(
        args=["create-study", "ABS 2027 — Joué-lès-Tours", "--year", "2027", "--kind", "abs"]
    )
    assert result.exit_code == 0, result.output
    assert "/etudes/abs-2027-joue-les-tours/" in result.output
    listed = runner.invoke(args=["list-studies"])
    assert "abs-2027-joue-les-tours" in listed.output and "En préparation" in listed.output


def test_a_slug_that_exists_twice_is_refused_in_french_and_nothing_is_written(runner, db):
    first = runner.invoke(args=["create-study", "Consultation", "--year", "2026", "--slug", "cs"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["create-study", "Autre", "--year", "2026", "--slug", "cs"])
    assert again.exit_code == 1 and "Une étude a déjà l'identifiant « cs »" in again.output
    assert db.session.scalar(select(Study).where(Study.name == "Autre")) is None


def test_add_member_from_the_command_line(runner, db, make_user, test_study_slug):
    user = make_user("admin", email="nadia@ccas-tours.fr")
    user.is_admin = False
    db.session.commit()
    result = runner.invoke(
        args=["add-member", "nadia@ccas-tours.fr", "--study", test_study_slug, "--role", "lecteur"]
    )
    assert result.exit_code == 0, result.output
    assert "Lecteur·rice" in result.output
    refused = runner.invoke(
        args=["add-member", "nadia@ccas-tours.fr", "--study", test_study_slug, "--role", "maire"]
    )
    assert refused.exit_code == 1 and "Rôle inconnu « maire »" in refused.output
    unknown = runner.invoke(
        args=["add-member", "nadia@ccas-tours.fr", "--study", "nulle-part", "--role", "lecteur"]
    )
    assert unknown.exit_code == 1 and "Aucune étude « nulle-part »" in unknown.output
    nobody = runner.invoke(
        args=[
            "add-member",
            "personne@ccas-tours.fr",
            "--study",
            test_study_slug,
            "--role",
            "lecteur",
        ]
    )
    assert nobody.exit_code == 1 and "Aucun compte pour personne@ccas-tours.fr" in nobody.output


@pytest.fixture()
def test_study_slug(db):
    from consultation.studies.scope import current_study

    return current_study().slug


def test_an_admin_creates_a_study_on_its_page(login, db):
    admin = login("admin")
    response = admin.post(
        "/etudes/nouvelle",
        data={
            "name": "Consultation du centre social",
            "year": "2026",
            "kind": "consultation",
            "state": "preparation",
            "slug": "",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/etudes/consultation-du-centre-social/membres")
    duplicate = admin.post(
        "/etudes/nouvelle",
        data={
            "name": "Doublon",
            "year": "2026",
            "kind": "abs",
            "state": "preparation",
            "slug": "consultation-du-centre-social",
        },
    )
    assert duplicate.status_code == 200
    assert "Une étude a déjà l&#39;identifiant" in duplicate.get_data(as_text=True)
    assert login("charge_etude").get("/etudes/nouvelle").status_code == 403


def test_my_studies_lists_only_mine_with_my_role(app, db, login):
    other = create_study("Consultation du centre social", 2026, slug="autre-etude")
    db.session.commit()
    lecteur = login("lecteur")
    home = lecteur.get("/accueil").get_data(as_text=True)
    assert "Étude de test" in home and "Consultation du centre social" not in home
    assert "Lecteur·rice" in home
    add_member(other, lecteur.user, "enqueteur")
    db.session.commit()
    home = lecteur.get("/accueil").get_data(as_text=True)
    assert "Consultation du centre social" in home
    # The header's switcher names the study of the page and offers the others.
    page = lecteur.get("/etudes/autre-etude/").get_data(as_text=True)
    switcher = page[page.index('class="study-switcher"') : page.index("</details>")]
    assert "Consultation du centre social" in switcher and "Étude de test" in switcher
    assert "Enquêteur·rice" in page[page.index("</details>") :]


def test_the_charge_manages_members_and_cannot_demote_or_remove_themself(app, db, login):
    charge = login("charge_etude")
    reader = login("lecteur").user
    other_account = login("admin").user
    other_account.is_admin = False
    db.session.commit()
    study_id = current_study_id()
    added = charge.post(
        "/etudes/etude-test/membres", data={"email": other_account.email, "role": "collectif"}
    )
    assert added.status_code == 302
    assert role_in(study_id, other_account) == "collectif"
    unknown = charge.post(
        "/etudes/etude-test/membres", data={"email": "inconnu@ccas.fr", "role": "lecteur"}
    )
    assert "Aucun compte pour inconnu@ccas.fr" in unknown.get_data(as_text=True)
    charge.post(f"/etudes/etude-test/membres/{reader.id}/role", data={"role": "enqueteur"})
    assert role_in(study_id, reader) == "enqueteur"
    bad_role = charge.post(f"/etudes/etude-test/membres/{reader.id}/role", data={"role": "maire"})
    assert bad_role.status_code == 302 and role_in(study_id, reader) == "enqueteur"
    self_demote = charge.post(
        f"/etudes/etude-test/membres/{charge.user.id}/role",
        data={"role": "lecteur"},
        follow_redirects=True,
    )
    assert "Vous ne pouvez pas changer votre propre rôle" in self_demote.get_data(as_text=True)
    assert role_in(study_id, charge.user) == "charge_etude"
    self_remove = charge.post(
        f"/etudes/etude-test/membres/{charge.user.id}/retirer", follow_redirects=True
    )
    assert "Vous ne pouvez pas vous retirer vous-même" in self_remove.get_data(as_text=True)
    charge.post(f"/etudes/etude-test/membres/{reader.id}/retirer")
    assert role_in(study_id, reader) is None


def test_a_study_that_does_not_exist_and_one_i_am_not_in_look_the_same(app, db, login):
    create_study("Consultation du centre social", 2026, slug="autre-etude")
    db.session.commit()
    charge = login("charge_etude")
    absent = charge.get("/etudes/nulle-part/questionnaires/")
    hidden = charge.get("/etudes/autre-etude/questionnaires/")
    assert absent.status_code == hidden.status_code == 404
    # The same page, but for the form token of the header (signed with the time).
    assert _without_csrf(absent) == _without_csrf(hidden)
    anonymous = app.test_client().get("/etudes/autre-etude/questionnaires/")
    assert anonymous.status_code == 302 and "/compte/connexion" in anonymous.headers["Location"]
    assert login("admin").get("/etudes/autre-etude/questionnaires/").status_code == 200


def test_what_a_study_creates_in_a_request_belongs_to_it(app, db, login):
    other = create_study("Consultation du centre social", 2026, slug="autre-etude")
    db.session.commit()
    charge = login("charge_etude")
    add_member(other, charge.user, "charge_etude")
    db.session.commit()
    response = charge.post(
        "/etudes/autre-etude/questionnaires/nouveau",
        data={"title": "Activités du centre social", "form_id": "centre_social"},
    )
    assert response.status_code == 302
    from consultation.questionnaire_store.models import Questionnaire

    created = db.session.scalar(
        select(Questionnaire)
        .where(Questionnaire.form_id == "centre_social")
        .execution_options(all_studies=True)
    )
    assert created is not None and created.study_id == other.id
    # Not in the test's study, whose pages do not list it.
    assert "Activités du centre social" not in charge.get(
        "/etudes/etude-test/questionnaires/"
    ).get_data(as_text=True)
    assert "Activités du centre social" in charge.get(
        "/etudes/autre-etude/questionnaires/"
    ).get_data(as_text=True)


def test_an_address_from_before_studies_leads_to_the_person_s_study(app, db, login):
    lecteur = login("lecteur")
    response = lecteur.get("/analyse/7/resultats?par=public")
    assert response.status_code == 302
    assert response.headers["Location"] == "/etudes/etude-test/analyse/7/resultats?par=public"
    other = create_study("Consultation du centre social", 2026, slug="autre-etude")
    add_member(other, lecteur.user, "lecteur")
    db.session.commit()
    choose = lecteur.get("/entretiens/", follow_redirects=True)
    assert "Ces pages sont désormais rangées par étude" in choose.get_data(as_text=True)
    anonymous = app.test_client().get("/questionnaires/")
    assert anonymous.status_code == 302 and "/compte/connexion" in anonymous.headers["Location"]


def _without_csrf(response) -> str:
    import re

    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", response.get_data(as_text=True))
