"""The questionnaire designer through its pages: build, edit, reorder, publish, copy, roles."""

import html

import pytest
from sqlalchemy import func, select

from consultation.designer import services
from consultation.questionnaire_store.models import PublishedVersionChanged, Questionnaire

pytestmark = pytest.mark.storage


@pytest.fixture()
def designer(login):
    return login("charge_etude")


def _create(client, title="Enquête jeunes 16–25 ans", **extra):
    response = client.post(
        "/etudes/etude-test/questionnaires/nouveau", data={"title": title, "language": "fr"} | extra
    )
    assert response.status_code == 302, response.data
    questionnaire_id = int(response.headers["Location"].rstrip("/").split("/")[-1].split("#")[0])
    return questionnaire_id


def _questionnaire(db, questionnaire_id) -> Questionnaire:
    db.session.expire_all()
    return db.session.get(Questionnaire, questionnaire_id)


def _add_question(client, questionnaire_id, **fields):
    data = {"type": "text", "label_fr": "Question", "parent": ""} | fields
    return client.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/questions/nouvelle", data=data
    )


def _names(db, questionnaire_id):
    model = _questionnaire(db, questionnaire_id).latest.model()
    return [node.name for _, node in model.walk()]


def _choice_list(client, questionnaire_id, name, lines):
    response = client.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/listes",
        data={"list_name": name, "choices": "\n".join(lines)},
    )
    assert response.status_code == 302, response.data


def test_create_questionnaire_shows_an_empty_editor(designer, db):
    questionnaire_id = _create(designer)
    questionnaire = _questionnaire(db, questionnaire_id)
    assert questionnaire.form_id == "enquete_jeunes_16_25_ans"
    assert [(version.number, version.status) for version in questionnaire.versions] == [
        (1, "draft")
    ]
    page = designer.get(f"/etudes/etude-test/questionnaires/{questionnaire_id}").get_data(
        as_text=True
    )
    assert "Enquête jeunes 16–25 ans" in page
    assert "pas encore de question" in page
    listing = designer.get("/etudes/etude-test/questionnaires/").get_data(as_text=True)
    assert "Enquête jeunes 16–25 ans" in listing and "Brouillon" in listing


def test_create_refuses_a_taken_form_id(designer, db):
    _create(designer, form_id="abs_2025")
    response = designer.post(
        "/etudes/etude-test/questionnaires/nouveau",
        data={"title": "Autre", "form_id": "abs_2025", "language": "fr"},
    )
    assert response.status_code == 200
    assert "déjà celui d'un autre questionnaire" in html.unescape(response.get_data(as_text=True))


def test_add_a_question_of_each_type(designer, db):
    questionnaire_id = _create(designer)
    _choice_list(designer, questionnaire_id, "oui_non", ["oui;Oui", "non;Non"])
    cases = [
        {"type": "text", "name": "prenom", "label_fr": "Votre prénom"},
        {"type": "paragraph", "name": "besoins", "label_fr": "Quels sont vos besoins ?"},
        {
            "type": "integer",
            "name": "age",
            "label_fr": "Votre âge",
            "required": "y",
            "constraint": ". >= 16",
        },
        {"type": "decimal", "name": "loyer", "label_fr": "Votre loyer"},
        {"type": "date", "name": "arrivee", "label_fr": "Date d'arrivée"},
        {
            "type": "select_one",
            "name": "logement",
            "label_fr": "Êtes-vous locataire ?",
            "choice_list": "oui_non",
        },
        {
            "type": "select_multiple",
            "name": "aides",
            "label_fr": "Aides reçues",
            "choice_list": "oui_non",
        },
        {
            "type": "rating",
            "name": "satisfaction",
            "label_fr": "Satisfaction",
            "start": "0",
            "end": "10",
            "step": "1",
        },
        {"type": "note", "name": "merci", "label_fr": "Merci de votre participation"},
        {"type": "calculate", "name": "majeur", "calculation": "${age} >= 18"},
    ]
    for case in cases:
        response = _add_question(designer, questionnaire_id, **case)
        assert response.status_code == 302, (case, response.get_data(as_text=True))
    model = _questionnaire(db, questionnaire_id).latest.model()
    assert [(question.type, question.name) for question in model.questions()] == [
        (c["type"], c["name"]) for c in cases
    ]
    age = model.find("age")
    assert age.required and age.constraint == ". >= 16" and age.label == {"fr": "Votre âge"}
    assert model.find("satisfaction").start == 0 and model.find("satisfaction").end == 10
    assert model.find("logement").choice_list == "oui_non"
    page = designer.get(f"/etudes/etude-test/questionnaires/{questionnaire_id}").get_data(
        as_text=True
    )
    for label in (
        "Votre prénom",
        "Échelle de notation",
        "Choix multiples",
        "obligatoire",
        "${age} &gt;= 18",
    ):
        assert label in page


def test_question_form_errors_in_french(designer, db):
    questionnaire_id = _create(designer)
    _add_question(designer, questionnaire_id, name="age", label_fr="Âge")
    cases = [
        ({"name": "age", "label_fr": "Encore"}, "déjà utilisé"),
        ({"name": "mon âge", "label_fr": "Âge"}, "Nom invalide"),
        ({"name": "x", "label_fr": ""}, "Indiquez le libellé"),
        (
            {"type": "select_one", "name": "choix", "label_fr": "Choix"},
            "Choisissez la liste de choix",
        ),
        (
            {"type": "rating", "name": "note", "label_fr": "Note", "start": "5", "end": "1"},
            "plus grande que son début",
        ),
    ]
    for fields, message in cases:
        response = _add_question(designer, questionnaire_id, **fields)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), fields
    assert _names(db, questionnaire_id) == ["age"]


def test_edit_a_question_and_rename_carries_references(designer, db):
    questionnaire_id = _create(designer)
    _add_question(designer, questionnaire_id, type="integer", name="age", label_fr="Âge")
    _add_question(
        designer, questionnaire_id, name="ecole", label_fr="Votre école", relevant="${age} < 26"
    )
    form = designer.get(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/questions/age"
    ).get_data(as_text=True)
    assert 'value="Âge"' in form or ">Âge<" in form
    response = designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/questions/age",
        data={
            "type": "integer",
            "name": "age_annees",
            "label_fr": "Quel âge avez-vous ?",
            "hint_fr": "En années",
            "required": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    model = _questionnaire(db, questionnaire_id).latest.model()
    assert model.find("age") is None
    renamed = model.find("age_annees")
    assert (
        renamed.label == {"fr": "Quel âge avez-vous ?"}
        and renamed.hint == {"fr": "En années"}
        and renamed.required
    )
    assert model.find("ecole").relevant == "${age_annees} < 26"


def test_groups_reorder_and_move_in_and_out(designer, db):
    questionnaire_id = _create(designer)
    for name in ("a", "b", "c"):
        _add_question(designer, questionnaire_id, name=name, label_fr=name.upper())
    response = designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/groupes/nouveau",
        data={"name": "foyer", "label_fr": "Votre foyer", "parent": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    _add_question(designer, questionnaire_id, name="d", label_fr="D", parent="foyer")
    assert _names(db, questionnaire_id) == ["a", "b", "c", "foyer", "d"]

    move = f"/etudes/etude-test/questionnaires/{questionnaire_id}/elements/%s/deplacer"
    designer.post(move % "c", data={"direction": "up"})
    assert _names(db, questionnaire_id) == ["a", "c", "b", "foyer", "d"]
    designer.post(move % "a", data={"direction": "up"})  # already first: stays
    assert _names(db, questionnaire_id) == ["a", "c", "b", "foyer", "d"]
    # Into a group at a given position, then out of it by stepping up past its start.
    response = designer.post(move % "a", data={"parent": "foyer", "position": "1"})
    assert response.status_code == 302
    model = _questionnaire(db, questionnaire_id).latest.model()
    assert [child.name for child in model.find("foyer").children] == ["a", "d"]
    designer.post(move % "a", data={"direction": "up"})
    model = _questionnaire(db, questionnaire_id).latest.model()
    assert [node.name for node in model.children] == ["c", "b", "a", "foyer"]
    # A group cannot go inside itself.
    response = designer.post(move % "foyer", data={"parent": "foyer", "position": "1"})
    assert response.status_code == 200
    # Drag and drop asks for JSON.
    response = designer.post(
        move % "b", data={"parent": "", "position": "1"}, headers={"Accept": "application/json"}
    )
    assert response.get_json() == {"ok": True}
    assert _names(db, questionnaire_id)[:3] == ["b", "c", "a"]


def test_delete_asks_for_confirmation_and_lists_what_goes(designer, db):
    questionnaire_id = _create(designer)
    designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/groupes/nouveau",
        data={"name": "foyer", "label_fr": "Foyer"},
    )
    _add_question(
        designer,
        questionnaire_id,
        type="integer",
        name="enfants",
        label_fr="Enfants",
        parent="foyer",
    )
    _add_question(
        designer, questionnaire_id, name="creche", label_fr="Crèche ?", relevant="${enfants} > 0"
    )
    page = designer.get(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/elements/foyer/supprimer"
    ).get_data(as_text=True)
    assert (
        "Supprimer le groupe" in page and "enfants" in page and "creche" in page
    )  # what goes and who cites it
    assert _names(db, questionnaire_id) == ["foyer", "enfants", "creche"]
    response = designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/elements/foyer/supprimer"
    )
    assert response.status_code == 302
    assert _names(db, questionnaire_id) == ["creche"]


def test_choice_list_editor(designer, db):
    questionnaire_id = _create(designer)
    _choice_list(
        designer,
        questionnaire_id,
        "satisfaction",
        ["Pas du tout", "Plutôt pas", "Plutôt", "Tout à fait"],
    )
    base = f"/etudes/etude-test/questionnaires/{questionnaire_id}/listes/satisfaction"
    model = _questionnaire(db, questionnaire_id).latest.model()
    assert model.choice_lists["satisfaction"].names() == [
        "pas_du_tout",
        "plutot_pas",
        "plutot",
        "tout_a_fait",
    ]
    response = designer.post(base, data={"name": "nsp", "label_fr": "Ne sait pas"})
    assert response.status_code == 302
    response = designer.post(base, data={"name": "nsp", "label_fr": "Doublon"})
    assert "existe déjà" in response.get_data(as_text=True)
    response = designer.post(base, data={"name": "ne sait pas", "label_fr": "Espace"})
    assert "pas d'espace" in html.unescape(response.get_data(as_text=True))
    designer.post(f"{base}/choix/nsp/deplacer", data={"direction": "up"})
    designer.post(f"{base}/choix/plutot/supprimer")
    designer.post(
        f"{base}/choix/pas_du_tout",
        data={"name": "pas_du_tout", "label_fr": "Pas du tout satisfait"},
    )
    choices = (
        _questionnaire(db, questionnaire_id).latest.model().choice_lists["satisfaction"].choices
    )
    assert [choice.name for choice in choices] == [
        "pas_du_tout",
        "plutot_pas",
        "nsp",
        "tout_a_fait",
    ]
    assert choices[0].label == {"fr": "Pas du tout satisfait"}
    # Shared by two questions; a list still in use cannot be deleted.
    for name in ("accueil", "horaires"):
        _add_question(
            designer,
            questionnaire_id,
            type="select_one",
            name=name,
            label_fr=name,
            choice_list="satisfaction",
        )
    page = designer.get(base).get_data(as_text=True)
    assert "accueil" in page and "horaires" in page
    response = designer.post(f"{base}/supprimer", follow_redirects=True)
    assert "sert encore aux questions" in response.get_data(as_text=True)
    assert "satisfaction" in _questionnaire(db, questionnaire_id).latest.model().choice_lists


def test_invalid_relevance_is_refused_in_french(designer, db):
    questionnaire_id = _create(designer)
    _add_question(designer, questionnaire_id, name="public", label_fr="Public")
    response = _add_question(
        designer, questionnaire_id, name="ecole", label_fr="École", relevant="${inconnu} = 'x'"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "inconnu" in page and "position 1" in page
    response = _add_question(
        designer, questionnaire_id, name="ecole", label_fr="École", relevant="${public} = "
    )
    assert response.status_code == 200
    assert "position" in response.get_data(as_text=True)
    assert _names(db, questionnaire_id) == ["public"]


def test_expression_endpoint_checks_against_the_questionnaire_names(designer, db):
    questionnaire_id = _create(designer)
    _add_question(designer, questionnaire_id, name="public", label_fr="Public")
    url = f"/etudes/etude-test/questionnaires/{questionnaire_id}/expression"
    ok = designer.post(
        url, json={"expression": "${public} = 'age'", "field": "relevant", "question": "ecole"}
    )
    assert ok.get_json() == {"ok": True, "errors": [], "warnings": []}
    # A typo in a function name does not block (it fails only if evaluated) but is shown.
    typo = designer.post(
        url, json={"expression": "selectd(${public}, 'age')", "field": "relevant"}
    ).get_json()
    assert typo["ok"] is True and typo["errors"] == []
    assert typo["warnings"][0]["position"] == 0
    assert "vouliez-vous dire selected()" in typo["warnings"][0]["message"]
    wrong = designer.post(
        url, json={"expression": "${pubic} = 'age'", "field": "relevant", "question": "ecole"}
    ).get_json()
    assert wrong["ok"] is False
    assert wrong["errors"][0]["position"] == 0 and "pubic" in wrong["errors"][0]["message"]
    unclosed = designer.post(
        url, json={"expression": "(${public} = 'age'", "field": "relevant"}
    ).get_json()
    assert unclosed["ok"] is False and isinstance(unclosed["errors"][0]["position"], int)
    # A constraint may name the question being written, even before it is saved.
    itself = designer.post(
        url, json={"expression": "${ecole} != ''", "field": "constraint", "question": "ecole"}
    ).get_json()
    assert itself["ok"] is True


def _publishable(designer, db):
    questionnaire_id = _create(designer)
    _choice_list(designer, questionnaire_id, "publics", ["jeune;Jeune", "age;Personne âgée"])
    _add_question(
        designer,
        questionnaire_id,
        type="select_one",
        name="public",
        label_fr="Public",
        choice_list="publics",
    )
    _add_question(
        designer, questionnaire_id, name="ecole", label_fr="École", relevant="${public} = 'jeune'"
    )
    return questionnaire_id


def test_publish_freezes_the_version_and_edits_go_to_a_new_draft(designer, db):
    questionnaire_id = _publishable(designer, db)
    response = designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    assert response.status_code == 302
    questionnaire = _questionnaire(db, questionnaire_id)
    v1 = questionnaire.versions[0]
    assert (
        v1.status == "published"
        and v1.published_at is not None
        and v1.published_by_id == designer.user.id
    )
    frozen = dict(v1.definition)

    response = _add_question(designer, questionnaire_id, name="quartier", label_fr="Quartier")
    assert response.status_code == 302
    questionnaire = _questionnaire(db, questionnaire_id)
    assert [(v.number, v.status) for v in questionnaire.versions] == [
        (1, "published"),
        (2, "draft"),
    ]
    assert questionnaire.versions[0].definition == frozen
    assert "quartier" not in [q.name for q in questionnaire.versions[0].model().questions()]
    assert "quartier" in [q.name for q in questionnaire.versions[1].model().questions()]

    # The service refuses to touch a published version.
    with pytest.raises(PublishedVersionChanged):
        services.save_definition(questionnaire.versions[0], questionnaire.versions[1].model())
    with pytest.raises(PublishedVersionChanged):
        questionnaire.versions[0].definition = {}
    db.session.rollback()

    history = designer.get(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/versions"
    ).get_data(as_text=True)
    assert "v1" in history and "v2" in history and "Publiée" in history and "Brouillon" in history
    assert "Ajouté : <code>quartier</code>" in history


def test_publish_refused_with_the_problems_listed(designer, db):
    questionnaire_id = _create(designer)
    response = designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    assert response.status_code == 422
    assert "aucune question" in response.get_data(as_text=True)
    # A question cited by a rule is deleted: the rule now names nothing, publication is refused.
    _add_question(designer, questionnaire_id, name="public", label_fr="Public")
    _add_question(
        designer, questionnaire_id, name="ecole", label_fr="École", relevant="${public} = 'jeune'"
    )
    designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/elements/public/supprimer")
    response = designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Publication refusée : 1 problème" in page
    assert "ecole (condition d'affichage)" in page and "public" in page
    assert [v.status for v in _questionnaire(db, questionnaire_id).versions] == ["draft"]


def test_a_typo_in_a_function_name_warns_but_publishes_and_fills(designer, db):
    from questionnaires.validation import is_relevant, validate_answers

    questionnaire_id = _publishable(designer, db)
    response = _add_question(
        designer,
        questionnaire_id,
        name="aidant",
        label_fr="Aidant",
        relevant="${public} = 'age' and selectd(${public}, 'age')",
    )
    assert response.status_code == 302
    page = html.unescape(
        designer.get(f"/etudes/etude-test/questionnaires/{questionnaire_id}").get_data(as_text=True)
    )
    warning = page.split('class="flash flash-warning expression-warnings"')[1].split("</div>")[0]
    assert "aidant (condition d'affichage)" in warning
    assert "vouliez-vous dire selected() ?" in warning and "position 23" in warning

    response = designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    assert response.status_code == 302
    version = _questionnaire(db, questionnaire_id).versions[0]
    assert version.status == "published"
    model = version.model()
    # For a young respondent the call is never reached: the condition is simply false.
    assert is_relevant(model, "aidant", {"public": "jeune"}) is False
    result = validate_answers(model, {"public": "jeune", "ecole": "Lycée Balzac"})
    assert result.errors == [] and result.answers == {
        "public": "jeune",
        "ecole": "Lycée Balzac",
    }


def test_nothing_to_publish_twice(designer, db):
    questionnaire_id = _publishable(designer, db)
    designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    response = designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    assert "Rien à publier" in response.get_data(as_text=True)
    assert len(_questionnaire(db, questionnaire_id).versions) == 1


def test_duplicate(designer, db):
    questionnaire_id = _publishable(designer, db)
    designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    response = designer.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/dupliquer")
    assert response.status_code == 302
    copy = db.session.scalars(
        select(Questionnaire)
        .where(Questionnaire.id != questionnaire_id)
        .order_by(Questionnaire.id.desc())
    ).first()
    original = _questionnaire(db, questionnaire_id)
    assert copy.title == original.title + " (copie)"
    assert copy.form_id != original.form_id
    assert [(v.number, v.status) for v in copy.versions] == [(1, "draft")]
    assert [q.name for q in copy.latest.model().questions()] == ["public", "ecole"]
    assert copy.latest.model().form_id == copy.form_id


def test_settings_add_a_language(designer, db):
    questionnaire_id = _create(designer)
    _add_question(designer, questionnaire_id, name="age", label_fr="Âge")
    response = designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/reglages",
        data={"title": "Enquête seniors", "languages": "fr, en", "default_language": "fr"},
    )
    assert response.status_code == 302
    form = designer.get(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/questions/age"
    ).get_data(as_text=True)
    assert "Libellé (anglais)" in form
    designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/questions/age",
        data={"type": "text", "name": "age", "label_fr": "Âge", "label_en": "Age"},
    )
    questionnaire = _questionnaire(db, questionnaire_id)
    assert questionnaire.title == "Enquête seniors"
    assert questionnaire.latest.model().find("age").label == {"fr": "Âge", "en": "Age"}


def test_preview_page_carries_the_definition(designer, db):
    questionnaire_id = _publishable(designer, db)
    page = designer.get(f"/etudes/etude-test/questionnaires/{questionnaire_id}/apercu").get_data(
        as_text=True
    )
    assert (
        'id="apercu-definition"' in page
        and "${public} = 'jeune'" not in page.split("apercu-definition")[0]
    )
    assert "\\u0027jeune\\u0027" in page or "'jeune'" in page
    assert (
        designer.get(
            f"/etudes/etude-test/questionnaires/{questionnaire_id}/apercu?version=9"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["lecteur", "enqueteur", "collectif"])
def test_other_roles_get_403(login, db, role):
    client = login(role)
    assert client.get("/etudes/etude-test/questionnaires/").status_code == 403
    assert (
        client.post("/etudes/etude-test/questionnaires/nouveau", data={"title": "X"}).status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_anonymous_is_sent_to_login(client, login, db):
    owner = login("admin")
    questionnaire_id = _create(owner)
    for url in (
        "/etudes/etude-test/questionnaires/",
        f"/etudes/etude-test/questionnaires/{questionnaire_id}",
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/apercu",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
    response = client.post(f"/etudes/etude-test/questionnaires/{questionnaire_id}/publier")
    assert response.status_code == 302
    assert _questionnaire(db, questionnaire_id).latest.status == "draft"


def test_admin_may_design(login, db):
    admin = login("admin")
    assert admin.get("/etudes/etude-test/questionnaires/").status_code == 200


def test_repeat_group_with_its_count_and_an_invalid_count_refused(designer, db):
    questionnaire_id = _create(designer)
    _add_question(
        designer, questionnaire_id, type="integer", name="nb_enfants", label_fr="Nombre d'enfants"
    )
    url = f"/etudes/etude-test/questionnaires/{questionnaire_id}/groupes/nouveau"
    refused = designer.post(
        url,
        data={
            "name": "enfant",
            "label_fr": "Enfant",
            "repeat": "y",
            "repeat_count": "${nb_enfant}",
        },
    )
    assert refused.status_code == 200 and "nb_enfant" in html.unescape(
        refused.get_data(as_text=True)
    )
    response = designer.post(
        url,
        data={
            "name": "enfant",
            "label_fr": "Enfant",
            "repeat": "y",
            "repeat_count": "${nb_enfants}",
        },
    )
    assert response.status_code == 302
    _add_question(
        designer,
        questionnaire_id,
        type="integer",
        name="age_enfant",
        label_fr="Âge de l'enfant",
        parent="enfant",
    )
    group = _questionnaire(db, questionnaire_id).latest.model().find("enfant")
    assert (
        group.repeat
        and group.repeat_count == "${nb_enfants}"
        and [c.name for c in group.children] == ["age_enfant"]
    )
    page = designer.get(f"/etudes/etude-test/questionnaires/{questionnaire_id}").get_data(
        as_text=True
    )
    assert "Groupe répété" in page
    # Editing the group keeps what is inside it.
    designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/groupes/enfant",
        data={"name": "enfant", "label_fr": "Chaque enfant"},
    )
    group = _questionnaire(db, questionnaire_id).latest.model().find("enfant")
    assert (
        group.label == {"fr": "Chaque enfant"}
        and not group.repeat
        and [c.name for c in group.children] == ["age_enfant"]
    )


def test_save_and_add_another_keeps_type_and_group(designer, db):
    questionnaire_id = _create(designer)
    designer.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/groupes/nouveau",
        data={"name": "profil", "label_fr": "Profil"},
    )
    response = _add_question(
        designer,
        questionnaire_id,
        type="integer",
        name="age",
        label_fr="Âge",
        parent="profil",
        then="another",
    )
    assert response.status_code == 302
    assert (
        "type=integer" in response.headers["Location"]
        and "parent=profil" in response.headers["Location"]
    )
    form = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert 'selected value="integer"' in form and "dans le groupe" in form


def test_expression_endpoint_is_for_designers_only(login, db):
    owner = login("charge_etude")
    questionnaire_id = _create(owner)
    reader = login("lecteur")
    response = reader.post(
        f"/etudes/etude-test/questionnaires/{questionnaire_id}/expression",
        json={"expression": "1 = 1"},
    )
    assert response.status_code == 403


def test_cascading_lists_built_in_the_designer(designer, db):
    """A quartier list filtered by the chosen commune, made without a spreadsheet."""
    qid = _create(designer)
    _choice_list(designer, qid, "communes", ["tours;Tours", "joue;Joué-lès-Tours"])
    _choice_list(
        designer,
        qid,
        "quartiers",
        ["sanitas;Sanitas;commune=tours", "rabiere;La Rabière;commune=joue"],
    )
    # One more choice, and a column added to an existing one.
    designer.post(
        f"/etudes/etude-test/questionnaires/{qid}/listes/quartiers",
        data={"name": "europe", "label_fr": "Europe", "properties": "commune=tours"},
    )
    edit = designer.get(
        f"/etudes/etude-test/questionnaires/{qid}/listes/quartiers/choix/rabiere"
    ).get_data(as_text=True)
    assert "commune=joue" in edit
    designer.post(
        f"/etudes/etude-test/questionnaires/{qid}/listes/quartiers/choix/rabiere",
        data={"name": "rabiere", "label_fr": "La Rabière", "properties": "commune=joue\nzone=qpv"},
    )
    _add_question(
        designer,
        qid,
        type="select_one",
        name="commune",
        label_fr="Votre commune",
        choice_list="communes",
    )
    response = _add_question(
        designer,
        qid,
        type="select_one",
        name="quartier",
        label_fr="Votre quartier",
        choice_list="quartiers",
        choice_filter="commune = ${commune}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    model = _questionnaire(db, qid).latest.model()
    quartiers = model.choice_lists["quartiers"].choices
    assert [(choice.name, choice.properties) for choice in quartiers] == [
        ("sanitas", {"commune": "tours"}),
        ("rabiere", {"commune": "joue", "zone": "qpv"}),
        ("europe", {"commune": "tours"}),
    ]
    assert model.find("quartier").choice_filter == "commune = ${commune}"
    tree = designer.get(f"/etudes/etude-test/questionnaires/{qid}").get_data(as_text=True)
    assert "Filtre des choix" in tree and "commune = ${commune}" in tree


def test_choice_filter_on_a_column_no_choice_has_is_refused(designer, db):
    qid = _create(designer)
    _choice_list(designer, qid, "quartiers", ["sanitas;Sanitas;commune=tours"])
    _add_question(designer, qid, type="text", name="commune", label_fr="Commune")
    page = _add_question(
        designer,
        qid,
        type="select_one",
        name="quartier",
        label_fr="Quartier",
        choice_list="quartiers",
        choice_filter="ville = ${commune}",
    ).get_data(as_text=True)
    assert "Colonne « ville » absente de la liste de choix" in html.unescape(page)
    assert _questionnaire(db, qid).latest.model().find("quartier") is None


def test_bad_choice_columns_are_refused_with_the_line(designer, db):
    qid = _create(designer)
    page = designer.post(
        f"/etudes/etude-test/questionnaires/{qid}/listes",
        data={
            "list_name": "quartiers",
            "choices": "sanitas;Sanitas;commune=tours\nrabiere;La Rabière;commune joue",
        },
    )
    assert page.status_code == 200
    assert (
        "Ligne 2 : « commune joue » : écrivez chaque colonne sous la forme colonne=valeur"
        in html.unescape(page.get_data(as_text=True))
    )
    assert "quartiers" not in _questionnaire(db, qid).latest.model().choice_lists
    _choice_list(designer, qid, "communes", ["tours;Tours"])
    refused = designer.post(
        f"/etudes/etude-test/questionnaires/{qid}/listes/communes",
        data={"name": "joue", "label_fr": "Joué", "properties": "label=x"},
    )
    assert "La colonne « label » est réservée" in html.unescape(refused.get_data(as_text=True))
    assert len(_questionnaire(db, qid).latest.model().choice_lists["communes"].choices) == 1


def test_a_relevance_cycle_is_refused_when_saved(designer, db):
    qid = _create(designer)
    _add_question(designer, qid, type="integer", name="age", label_fr="Âge")
    _add_question(
        designer, qid, type="integer", name="revenu", label_fr="Revenu", relevant="${age} > 18"
    )
    page = designer.post(
        f"/etudes/etude-test/questionnaires/{qid}/questions/age",
        data={
            "type": "integer",
            "name": "age",
            "label_fr": "Âge",
            "relevant": "${revenu} > 0",
            "parent": "",
        },
    )
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Cycle de dépendances : age → revenu → age" in text
    assert _questionnaire(db, qid).latest.model().find("age").relevant == ""
    # A calculation that reads itself through another one is refused under the calculation field.
    _add_question(designer, qid, type="calculate", name="total", calculation="${revenu} * 2")
    refused = designer.post(
        f"/etudes/etude-test/questionnaires/{qid}/questions/revenu",
        data={
            "type": "integer",
            "name": "revenu",
            "label_fr": "Revenu",
            "calculation": "${total} + 1",
            "parent": "",
        },
    )
    assert "Cycle de dépendances : revenu → total → revenu" in html.unescape(
        refused.get_data(as_text=True)
    )
