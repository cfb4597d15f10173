"""The questionnaire runtime (static/js/form-runtime.js) used as a respondent would: a French ABS
form mounted on a blank page of the live server, answered with clicks and keys, then its answers
sent to the server's own validation."""

import json

import pytest
from playwright.sync_api import expect

from questionnaires.model import Choice, ChoiceList, Group, Question, Questionnaire
from questionnaires.validation import validate_answers

TODAY = "2026-03-15"


def abs_questionnaire() -> Questionnaire:
    fr = lambda text: {"fr": text}  # noqa: E731
    return Questionnaire(
        title="ABS 2026 : jeunes et aînés",
        form_id="abs_2026",
        languages=["fr", "en"],
        children=[
            Group(
                name="profil",
                label={"fr": "Votre profil", "en": "Your profile"},
                children=[
                    Question(
                        type="select_one",
                        name="public",
                        label={"fr": "Vous êtes", "en": "You are"},
                        choice_list="publics",
                        required=True,
                    ),
                    Question(
                        type="integer",
                        name="age",
                        label={"fr": "Votre âge", "en": "Your age"},
                        required=True,
                        hint=fr("En années révolues."),
                        constraint="(${public} = 'jeune' and . >= 16 and . <= 25) or (${public} = 'senior' and . >= 60)",
                        constraint_message=fr(
                            "L'âge doit correspondre au public : de 16 à 25 ans, ou 60 ans et plus."
                        ),
                    ),
                    Question(
                        type="select_one",
                        name="commune",
                        label=fr("Votre commune"),
                        choice_list="communes",
                    ),
                    Question(
                        type="select_one",
                        name="quartier",
                        label=fr("Votre quartier"),
                        choice_list="quartiers",
                        choice_filter="commune = ${commune}",
                    ),
                ],
            ),
            Group(
                name="droits",
                label=fr("Aides et accès aux droits"),
                children=[
                    Question(
                        type="select_multiple",
                        name="aides",
                        label=fr("Quelles aides percevez-vous ?"),
                        choice_list="aides",
                    ),
                    Question(
                        type="decimal",
                        name="montant_apl",
                        label=fr("Montant mensuel de l'APL (€)"),
                        relevant="selected(${aides}, 'apl')",
                        constraint=". > 0",
                        constraint_message=fr("Le montant doit être positif."),
                    ),
                    Question(
                        type="rating",
                        name="satisfaction",
                        choice_list="likert",
                        start=1,
                        end=5,
                        label=fr("Êtes-vous satisfait de l'accueil au CCAS ?"),
                    ),
                    Question(
                        type="date",
                        name="dernier_rdv",
                        label=fr("Date de votre dernier rendez-vous"),
                        constraint=". <= today()",
                        constraint_message=fr("La date ne peut pas être dans le futur."),
                    ),
                ],
            ),
            Group(
                name="menage",
                label=fr("Membre du foyer"),
                repeat=True,
                children=[
                    Question(type="text", name="prenom_membre", label=fr("Prénom"), required=True),
                    Question(
                        type="integer",
                        name="age_membre",
                        label=fr("Âge de ${prenom_membre}"),
                        constraint=". >= 0 and . <= 120",
                        constraint_message=fr("Un âge entre 0 et 120 ans."),
                    ),
                    Question(
                        type="select_one",
                        name="lien",
                        label=fr("Lien avec vous"),
                        choice_list="liens",
                        appearance="minimal",
                    ),
                ],
            ),
            Question(type="calculate", name="taille_foyer", calculation="count(${menage}) + 1"),
            Group(
                name="fin",
                label=fr("Pour finir"),
                children=[
                    Question(
                        type="note",
                        name="recap",
                        label=fr("Votre foyer compte ${taille_foyer} personne(s)."),
                    ),
                    Question(
                        type="paragraph",
                        name="ameliorer",
                        label=fr("Que faudrait-il améliorer dans votre quartier ?"),
                        hint=fr("Répondez librement."),
                    ),
                ],
            ),
        ],
        choice_lists={
            "publics": ChoiceList(
                "publics",
                [
                    Choice("jeune", {"fr": "Jeune (16-25 ans)", "en": "Young (16-25)"}),
                    Choice(
                        "senior", {"fr": "Personne âgée (60 ans et plus)", "en": "Senior (60+)"}
                    ),
                ],
            ),
            "communes": ChoiceList(
                "communes", [Choice("37261", fr("Tours")), Choice("37122", fr("Joué-lès-Tours"))]
            ),
            "quartiers": ChoiceList(
                "quartiers",
                [
                    Choice("sanitas", fr("Sanitas"), {"commune": "37261"}),
                    Choice("rives_du_cher", fr("Rives du Cher"), {"commune": "37261"}),
                    Choice("la_rabiere", fr("La Rabière"), {"commune": "37122"}),
                ],
            ),
            "aides": ChoiceList(
                "aides",
                [
                    Choice("apl", fr("APL (aide au logement)")),
                    Choice("rsa", fr("RSA")),
                    Choice("aah", fr("AAH")),
                    Choice("aucune", fr("Aucune")),
                ],
            ),
            "likert": ChoiceList(
                "likert",
                [
                    Choice("1", fr("Pas du tout")),
                    Choice("2", fr("Plutôt pas")),
                    Choice("3", fr("Moyennement")),
                    Choice("4", fr("Plutôt")),
                    Choice("5", fr("Tout à fait")),
                ],
            ),
            "liens": ChoiceList(
                "liens",
                [
                    Choice("conjoint", fr("Conjoint·e")),
                    Choice("enfant", fr("Enfant")),
                    Choice("autre", fr("Autre")),
                ],
            ),
        },
    )


MOUNT = """
async ({ runtimeUrl, cssUrl, definition, options }) => {
  document.body.replaceChildren();
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = cssUrl;
  document.head.append(link);
  await new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  const main = document.createElement("main");
  const host = document.createElement("div");
  host.id = "formulaire";
  main.append(host);
  document.body.append(main);
  const { mountForm } = await import(runtimeUrl);
  window.changes = 0;
  window.form = mountForm(host, definition, {
    ...options,
    onChange: (answers, state) => { window.lastAnswers = answers; window.lastState = state; window.changes += 1; },
  });
  return { pageIndex: window.form.pageIndex, pageCount: window.form.pageCount };
}
"""


def mount(page, live_server, questionnaire=None, **options):
    page.goto(live_server.url + "/compte/connexion")
    definition = (questionnaire or abs_questionnaire()).to_dict()
    return page.evaluate(
        MOUNT,
        {
            "runtimeUrl": live_server.url + "/static/js/form-runtime.js",
            "cssUrl": live_server.url + "/static/css/form.css",
            "definition": definition,
            "options": {"today": TODAY, **options},
        },
    )


def answers_of(page):
    return page.evaluate("window.form.getAnswers()")


def is_focused(locator) -> bool:
    return locator.evaluate("(node) => node === document.activeElement")


def question(page, name):
    return page.locator(f'.fr-question[data-path="{name}"]')


def test_respondent_goes_through_the_pages_and_the_server_accepts_the_answers(
    live_server, page, tmp_path
):
    state = mount(page, live_server, mode="pages")
    assert state == {"pageIndex": 0, "pageCount": 4}
    expect(page.get_by_text("Page 1 sur 4")).to_be_visible()
    expect(page.get_by_role("heading", name="Votre profil")).to_be_visible()
    expect(page.get_by_text("Aides et accès aux droits")).not_to_be_visible()

    # Required answers block the next page, with the reasons said beside each question.
    page.get_by_role("button", name="Suivant").click()
    assert page.evaluate("window.form.pageIndex") == 0
    summary = page.locator(".fr-summary")
    assert summary.is_visible() and "2 réponses sont à compléter" in summary.inner_text()
    expect(question(page, "public").get_by_text("Cette question est obligatoire.")).to_be_visible()
    expect(page.get_by_text("obligatoire", exact=True).first).to_be_visible()

    # A constraint shows its own message when the field is left, tied to the input.
    page.get_by_text("Jeune (16-25 ans)").click()
    age = page.get_by_label("Votre âge")
    age.fill("70")
    age.blur()
    message = "L'âge doit correspondre au public : de 16 à 25 ans, ou 60 ans et plus."
    expect(question(page, "age").get_by_text(message)).to_be_visible()
    assert age.get_attribute("aria-invalid") == "true"
    error_id = question(page, "age").locator(".fr-error").get_attribute("id")
    assert error_id in age.get_attribute("aria-describedby").split()
    age.fill("19")
    expect(page.get_by_text(message)).not_to_be_visible()
    assert age.get_attribute("aria-invalid") == "false"
    age.fill("dix-neuf")
    age.blur()
    expect(question(page, "age").get_by_text("Saisissez un nombre entier")).to_be_visible()
    age.fill("19")

    # The quartiers offered follow the commune; a quartier of another commune is dropped.
    quartier = question(page, "quartier")
    assert quartier.locator("input").count() == 0
    expect(quartier.get_by_text("Aucun choix proposé pour l'instant")).to_be_visible()
    page.get_by_text("Tours", exact=True).click()
    assert quartier.locator(".fr-choice").all_inner_texts() == ["Sanitas", "Rives du Cher"]
    page.get_by_text("Sanitas").click()
    assert answers_of(page)["quartier"] == "sanitas"
    page.get_by_text("Joué-lès-Tours").click()
    assert quartier.locator(".fr-choice").all_inner_texts() == ["La Rabière"]
    assert "quartier" not in answers_of(page)
    page.get_by_text("La Rabière").click()
    page.screenshot(path=str(tmp_path / "page1-paysage.png"), full_page=True)

    page.get_by_role("button", name="Suivant").click()
    assert page.evaluate("window.form.pageIndex") == 1
    expect(page.get_by_text("Page 2 sur 4")).to_be_visible()
    assert is_focused(page.get_by_role("heading", name="Aides et accès aux droits"))

    # The APL amount is asked only of those who receive the APL, and forgotten otherwise.
    montant = page.get_by_label("Montant mensuel de l'APL (€)")
    expect(montant).not_to_be_visible()
    page.get_by_text("APL (aide au logement)").click()
    page.get_by_text("RSA", exact=True).click()
    expect(montant).to_be_visible()
    montant.fill("312,50")
    assert answers_of(page)["montant_apl"] == 312.5
    page.get_by_text("APL (aide au logement)").click()
    expect(montant).not_to_be_visible()
    assert "montant_apl" not in answers_of(page)
    page.get_by_text("APL (aide au logement)").click()
    assert montant.input_value() == ""
    montant.fill("1 250,5")

    # A rating is a row of large buttons with the Likert labels.
    rating = question(page, "satisfaction")
    assert rating.locator(".fr-rating-point").count() == 5
    rating.get_by_text("Plutôt", exact=True).click()
    assert answers_of(page)["satisfaction"] == 4

    rdv = page.get_by_label("Date de votre dernier rendez-vous")
    rdv.fill("2026-04-01")
    rdv.blur()
    expect(page.get_by_text("La date ne peut pas être dans le futur.")).to_be_visible()
    rdv.fill("2026-02-27")
    expect(page.get_by_text("La date ne peut pas être dans le futur.")).not_to_be_visible()
    page.screenshot(path=str(tmp_path / "page2-paysage.png"), full_page=True)

    page.get_by_role("button", name="Suivant").click()
    assert page.evaluate("window.form.pageIndex") == 2

    # Household members: add three, fill them, remove the second (after a confirmation).
    add = page.get_by_role("button", name="Ajouter : Membre du foyer")
    for _ in range(3):
        add.click()
    instances = page.locator(".fr-repeat-instance")
    assert instances.count() == 3
    assert is_focused(page.locator(".fr-repeat-instance").nth(2).get_by_label("Prénom"))
    for index, (prenom, age_membre, lien) in enumerate(
        [("Léa", "45", "conjoint"), ("Tom", "17", "enfant"), ("Zoé", "9", "enfant")]
    ):
        instance = instances.nth(index)
        instance.get_by_label("Prénom").fill(prenom)
        instance.get_by_label(f"Âge de {prenom}").fill(age_membre)
        instance.get_by_label("Lien avec vous").select_option(lien)
    instances.nth(0).get_by_label("Âge de Léa").fill("130")
    instances.nth(0).get_by_label("Âge de Léa").blur()
    expect(instances.nth(0).get_by_text("Un âge entre 0 et 120 ans.")).to_be_visible()
    assert page.get_by_role("button", name="Suivant").click() is None
    assert page.evaluate("window.form.pageIndex") == 2
    instances.nth(0).get_by_label("Âge de Léa").fill("45")
    remove = page.get_by_role("button", name="Supprimer « Membre du foyer 2 »")
    remove.click()
    assert instances.count() == 3
    page.get_by_role("button", name="Confirmer la suppression de « Membre du foyer 2 »").click()
    assert instances.count() == 2
    assert [m["prenom_membre"] for m in answers_of(page)["menage"]] == ["Léa", "Zoé"]
    assert instances.nth(1).get_by_label("Âge de Zoé").input_value() == "9"
    page.screenshot(path=str(tmp_path / "page3-paysage.png"), full_page=True)

    page.get_by_role("button", name="Suivant").click()
    assert page.evaluate("window.form.pageIndex") == 3
    expect(page.get_by_text("Votre foyer compte 3 personne(s).")).to_be_visible()
    page.get_by_label("Que faudrait-il améliorer dans votre quartier ?").fill(
        "Plus de bancs <b>et</b> d'ombre."
    )
    assert page.evaluate("window.form.validate()") == []

    answers = answers_of(page)
    assert answers == {
        "public": "jeune",
        "age": 19,
        "commune": "37122",
        "quartier": "la_rabiere",
        "aides": ["apl", "rsa"],  # in the order of the choice list
        "montant_apl": 1250.5,
        "satisfaction": 4,
        "dernier_rdv": "2026-02-27",
        "menage": [
            {"prenom_membre": "Léa", "age_membre": 45, "lien": "conjoint"},
            {"prenom_membre": "Zoé", "age_membre": 9, "lien": "enfant"},
        ],
        "taille_foyer": 3,
        "ameliorer": "Plus de bancs <b>et</b> d'ombre.",
    }
    assert page.evaluate("window.lastAnswers") == answers

    # The server reads the same answers as valid, and computes the same calculation.
    result = validate_answers(abs_questionnaire(), json.loads(json.dumps(answers)))
    assert [error.as_dict() for error in result.errors] == []
    assert result.answers["taille_foyer"] == 3

    page.get_by_role("button", name="Précédent").click()
    assert page.evaluate("window.form.pageIndex") == 2


def test_errors_found_by_the_page_are_those_of_the_server(live_server, page):
    mount(page, live_server, mode="single")
    page.get_by_text("Personne âgée (60 ans et plus)").click()
    page.get_by_label("Votre âge").fill("45")
    page.get_by_role("button", name="Ajouter : Membre du foyer").click()
    errors = page.evaluate("window.form.validate()")
    assert {(error["path"], error["code"]) for error in errors} == {
        ("age", "constraint"),
        ("menage[0]/prenom_membre", "required"),
    }
    server = validate_answers(abs_questionnaire(), answers_of(page))
    assert {(error.path, error.code) for error in server.errors} == {
        (error["path"], error["code"]) for error in errors
    }
    summary = page.locator(".fr-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link", name="Prénom").click()
    assert is_focused(page.locator('.fr-question[data-path="menage[0]/prenom_membre"] input'))


@pytest.mark.parametrize("width,height", [(1280, 800), (800, 1280)])
def test_tablet_layout_in_both_orientations(live_server, page, tmp_path, width, height):
    page.set_viewport_size({"width": width, "height": height})
    mount(page, live_server, mode="single")
    page.get_by_text("Jeune (16-25 ans)").click()
    page.get_by_text("APL (aide au logement)").click()
    page.get_by_role("button", name="Ajouter : Membre du foyer").click()
    page.screenshot(path=str(tmp_path / f"formulaire-{width}x{height}.png"), full_page=True)

    report = page.evaluate("""() => {
        const visible = (node) => node.offsetParent !== null || node.getClientRects().length > 0;
        const controls = [...document.querySelectorAll("#formulaire input, #formulaire select, #formulaire textarea")].filter(visible);
        const unlabelled = controls.filter((control) => !(control.labels && control.labels.length) && !control.getAttribute("aria-label"))
          .map((control) => control.name || control.id);
        const targets = [...document.querySelectorAll("#formulaire .fr-choice, #formulaire .fr-rating-point, #formulaire button, #formulaire input[type=text], #formulaire select")]
          .filter(visible).map((node) => node.getBoundingClientRect())
          .filter((box) => box.height < 48 || box.width < 48).length;
        return {controls: controls.length, unlabelled, smallTargets: targets,
                overflow: document.documentElement.scrollWidth > window.innerWidth};
    }""")
    assert report["controls"] > 15
    assert report["unlabelled"] == []
    assert report["smallTargets"] == 0
    assert report["overflow"] is False


def test_definition_text_is_shown_as_text_never_as_markup(live_server, page):
    questionnaire = abs_questionnaire()
    profil = questionnaire.children[0]
    profil.children[0].label = {"fr": 'Vous êtes <img src=x onerror="window.pwned=1">'}
    questionnaire.choice_lists["publics"].choices[0].label = {
        "fr": "<script>window.pwned=2</script>Jeune"
    }
    mount(
        page,
        live_server,
        questionnaire,
        mode="single",
        answers={"ameliorer": '<img src=y onerror="window.pwned=3">'},
    )
    expect(page.get_by_text('Vous êtes <img src=x onerror="window.pwned=1">')).to_be_visible()
    expect(page.get_by_text("<script>window.pwned=2</script>Jeune")).to_be_visible()
    assert (
        page.get_by_label("Que faudrait-il améliorer dans votre quartier ?").input_value()
        == '<img src=y onerror="window.pwned=3">'
    )
    assert page.locator("#formulaire img, #formulaire script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_a_draft_is_reloaded_and_the_language_falls_back_to_french(live_server, page):
    draft = {
        "public": "senior",
        "age": 72,
        "aides": "apl aah",
        "montant_apl": 180,
        "menage": [{"prenom_membre": "Jean", "age_membre": 75}],
        "satisfaction": "2",
    }
    mount(page, live_server, mode="single", language="en", answers=draft)
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    assert page.get_by_label("Your age").input_value() == "72"
    assert page.get_by_label("Senior (60+)").is_checked()
    # No English label: the French one is shown.
    expect(page.get_by_text("Quelles aides percevez-vous ?")).to_be_visible()
    assert page.get_by_label("APL (aide au logement)").is_checked()
    assert page.get_by_label("Âge de Jean").input_value() == "75"
    answers = answers_of(page)
    assert (
        answers["aides"] == ["apl", "aah"]
        and answers["satisfaction"] == 2
        and answers["taille_foyer"] == 2
    )
    page.evaluate("window.form.setLanguage('fr')")
    expect(page.get_by_role("heading", name="Votre profil")).to_be_visible()
    page.evaluate("window.form.setAnswers({public: 'jeune'})")
    assert page.get_by_label("Jeune (16-25 ans)").is_checked()
    assert page.get_by_label("Votre âge").input_value() == ""
    assert answers_of(page) == {"public": "jeune", "taille_foyer": 1}


def test_repeat_count_defaults_and_required_expression(live_server, page):
    questionnaire = Questionnaire(
        title="Enfants",
        form_id="enfants",
        children=[
            Question(type="integer", name="nb_enfants", label={"fr": "Nombre d'enfants"}),
            Question(type="text", name="ville", label={"fr": "Ville"}, default="Tours"),
            Group(
                name="enfants",
                label={"fr": "Enfant"},
                repeat=True,
                repeat_count="${nb_enfants}",
                children=[
                    Question(
                        type="integer",
                        name="age_enfant",
                        label={"fr": "Âge de l'enfant n° ${position}"},
                        required="${nb_enfants} > 1",
                    ),
                    Question(type="calculate", name="position", calculation="position(..)"),
                    Question(
                        type="select_one",
                        name="garde",
                        label={"fr": "Mode de garde"},
                        choice_list="gardes",
                        default="creche",
                    ),
                ],
            ),
        ],
        choice_lists={
            "gardes": ChoiceList(
                "gardes", [Choice("creche", {"fr": "Crèche"}), Choice("famille", {"fr": "Famille"})]
            )
        },
    )
    mount(page, live_server, questionnaire, mode="single")
    assert page.get_by_label("Ville").input_value() == "Tours"
    assert page.get_by_role("button", name="Ajouter : Enfant").count() == 0
    page.get_by_label("Nombre d'enfants").fill("3")
    assert page.locator(".fr-repeat-instance").count() == 3
    expect(page.get_by_label("Âge de l'enfant n° 3")).to_be_visible()
    assert page.locator(".fr-repeat-instance").nth(2).get_by_label("Crèche").is_checked()
    page.get_by_label("Âge de l'enfant n° 1").fill("4")
    page.get_by_label("Nombre d'enfants").fill("1")
    assert page.locator(".fr-repeat-instance").count() == 1
    assert page.evaluate("window.form.validate()") == []
    page.get_by_label("Nombre d'enfants").fill("2")
    errors = page.evaluate("window.form.validate()")
    assert [(error["path"], error["code"]) for error in errors] == [
        ("enfants[1]/age_enfant", "required")
    ]
    answers = answers_of(page)
    assert answers == {
        "nb_enfants": 2,
        "ville": "Tours",
        "enfants": [
            {"age_enfant": 4, "position": 1, "garde": "creche"},
            {"position": 2, "garde": "creche"},
        ],
    }
    server = validate_answers(questionnaire, answers)
    assert [(error.path, error.code) for error in server.errors] == [
        ("enfants[1]/age_enfant", "required")
    ]


def test_text_that_is_not_a_number_is_refused_until_the_question_is_hidden(live_server, page):
    mount(page, live_server, mode="single")
    assert page.get_by_label("Votre âge").get_attribute("aria-required") == "true"
    page.get_by_text("APL (aide au logement)").click()
    montant = page.get_by_label("Montant mensuel de l'APL (€)")
    montant.fill("beaucoup")
    montant.blur()
    expect(page.get_by_text("Saisissez un nombre (par exemple 12,5).")).to_be_visible()

    def paths():
        return {(error["path"], error["code"]) for error in page.evaluate("window.form.validate()")}

    assert ("montant_apl", "type") in paths()
    page.get_by_text("APL (aide au logement)").click()
    expect(montant).not_to_be_visible()
    assert not any(path == "montant_apl" for path, _ in paths())
    page.get_by_text("APL (aide au logement)").click()
    assert montant.input_value() == ""


def test_leaving_a_wrong_answer_by_tapping_next_still_reaches_next(live_server, page):
    """The error shown when the field is left must not move « Suivant » from under the finger."""
    page.set_viewport_size({"width": 800, "height": 1280})
    mount(page, live_server, mode="pages")
    page.get_by_text("Personne âgée (60 ans et plus)").click()
    page.get_by_label("Votre âge").fill("45")
    page.get_by_role("button", name="Suivant").click()
    summary = page.locator(".fr-summary")
    expect(summary).to_be_visible()
    assert "Votre âge : L'âge doit correspondre au public" in summary.inner_text()
    page.get_by_label("Votre âge").fill("72")
    page.get_by_role("button", name="Suivant").click()
    assert page.evaluate("window.form.pageIndex") == 1


def test_a_repeat_inside_a_repeat(live_server, page):
    questionnaire = Questionnaire(
        title="Foyers",
        form_id="foyers",
        children=[
            Group(
                name="foyers",
                label={"fr": "Foyer"},
                repeat=True,
                children=[
                    Question(type="text", name="adresse", label={"fr": "Adresse"}),
                    Group(
                        name="enfants",
                        label={"fr": "Enfant"},
                        repeat=True,
                        children=[
                            Question(
                                type="text",
                                name="prenom_enfant",
                                label={"fr": "Prénom de l'enfant"},
                            ),
                            Question(
                                type="note", name="rappel", label={"fr": "Enfant de ${adresse}"}
                            ),
                        ],
                    ),
                    Question(type="calculate", name="nb_enfants", calculation="count(${enfants})"),
                ],
            )
        ],
    )
    mount(page, live_server, questionnaire, mode="single")
    page.get_by_role("button", name="Ajouter : Foyer").click()
    page.get_by_role("button", name="Ajouter : Foyer").click()
    foyers = page.locator('.fr-repeat-instance[data-path^="foyers["]:not([data-path*="/"])')
    foyers.nth(0).get_by_label("Adresse").fill("3 rue Nationale")
    foyers.nth(1).get_by_label("Adresse").fill("8 place Plumereau")
    foyers.nth(1).get_by_role("button", name="Ajouter : Enfant").click()
    foyers.nth(1).get_by_role("button", name="Ajouter : Enfant").click()
    foyers.nth(1).get_by_label("Prénom de l'enfant").nth(1).fill("Inès")
    assert foyers.nth(1).get_by_text("Enfant de 8 place Plumereau").count() == 2
    answers = answers_of(page)
    assert answers == {
        "foyers": [
            {"adresse": "3 rue Nationale", "nb_enfants": 0},
            {
                "adresse": "8 place Plumereau",
                "enfants": [{}, {"prenom_enfant": "Inès"}],
                "nb_enfants": 2,
            },
        ]
    }
    assert validate_answers(questionnaire, answers).errors == []
