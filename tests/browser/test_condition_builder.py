"""A chargé d'étude who has never written XLSForm builds a question's condition by picking a
question, a comparison and a value; saved, reloaded, it is shown back the same way, and the preview
applies it. An expression the builder cannot show stays as text."""

import os
from pathlib import Path

from playwright.sync_api import expect

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def _fits_and_passes_axe(page, label):
    """The page as shown now (rows open, an error named) at 360 and 1,280 px: no horizontal
    scrolling, no serious axe violation. SCREENSHOTS_DIR keeps a PNG of each."""
    problems = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        if width == 360 and page.evaluate("document.documentElement.scrollWidth") > 360:
            problems.append(f"{label} défile horizontalement à 360 px")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        problems += page.evaluate("""async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
              .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
        }""")
        if os.environ.get("SCREENSHOTS_DIR"):
            page.screenshot(
                path=f"{os.environ['SCREENSHOTS_DIR']}/{label}-{width}.png", full_page=True
            )
    assert problems == []


def _new_questionnaire(live_server, page, title):
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/nouveau")
    page.get_by_label("Titre").fill(title)
    page.get_by_role("button", name="Créer le questionnaire").click()
    return page.url.split("#")[0]


def _add_question(page, editor_url, kind, label, name, choice_list=None):
    page.goto(f"{editor_url}/questions/nouvelle?type={kind}")
    page.get_by_label("Libellé").fill(label)
    page.get_by_label("Nom de la variable").fill(name)
    if choice_list:
        page.get_by_label("Liste de choix").select_option(choice_list)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: "/nouvelle" not in url)


def _housing_form(live_server, page):
    editor_url = _new_questionnaire(live_server, page, "Logement des aînés")
    page.goto(editor_url + "/listes")
    page.get_by_label("Nom de la liste").fill("logements")
    page.get_by_label("Choix, un par ligne").fill(
        "hlm;Locataire HLM\nprive;Locataire du privé\nproprio;Propriétaire"
    )
    page.get_by_role("button", name="Créer la liste").click()
    _add_question(page, editor_url, "select_one", "Logement", "logement", "logements")
    _add_question(page, editor_url, "integer", "Âge", "age")
    return editor_url


def test_build_a_relevance_save_reload_and_preview(live_server, page):
    editor_url = _housing_form(live_server, page)
    page.goto(f"{editor_url}/questions/nouvelle?type=paragraph")
    page.get_by_label("Libellé").fill("Qu'est-ce qui rendrait votre logement plus adapté ?")
    page.get_by_label("Nom de la variable").fill("adaptation")

    builder = page.get_by_role("group", name="Construire la condition d'affichage")
    expect(builder.get_by_role("group", name="Condition 1")).to_have_count(0)
    # Keyboard only: reach « Ajouter une condition » and press Enter.
    builder.get_by_role("button", name="Ajouter une condition").focus()
    page.keyboard.press("Enter")
    first = builder.get_by_role("group", name="Condition 1")
    expect(first.get_by_label("Question")).to_be_focused()
    # Only the questions asked before, by their label.
    assert first.get_by_label("Question").locator("option").all_inner_texts() == [
        "— Choisir une question —",
        "Logement",
        "Âge",
    ]
    first.get_by_label("Question").select_option(label="Logement")
    assert first.get_by_label("Comparaison").locator("option").all_inner_texts()[:2] == [
        "est",
        "n'est pas",
    ]
    first.get_by_label("Valeur").select_option(label="Locataire HLM")

    builder.get_by_role("button", name="Ajouter une condition").click()
    second = builder.get_by_role("group", name="Condition 2")
    second.get_by_label("Question").select_option(label="Âge")
    second.get_by_label("Comparaison").select_option(label="≥ (supérieur ou égal à)")

    # Saving with a value missing names the condition and keeps the page.
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(second.get_by_text("Condition 2 : indiquez un nombre")).to_be_visible()
    expect(second.get_by_label("Valeur")).to_be_focused()
    expect(second.get_by_label("Valeur")).to_have_attribute("aria-invalid", "true")
    _fits_and_passes_axe(page, "assistant-conditions")
    second.get_by_label("Valeur").focus()
    page.keyboard.type("60")
    expect(second.get_by_text("Condition 2 : indiquez un nombre")).to_have_count(0)

    relevance = page.get_by_label("Condition d'affichage", exact=True)
    expect(relevance).to_have_value("${logement} = 'hlm' and ${age} >= 60")
    expect(
        builder.get_by_text("Affichée si Logement est Locataire HLM et Âge ≥ 60.")
    ).to_be_visible()
    page.locator("#relevant-verification").get_by_text("Expression valide").wait_for()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: "/nouvelle" not in url)
    expect(
        page.locator(".editor-tree").get_by_text("${logement} = 'hlm' and ${age} >= 60")
    ).to_be_visible()

    # Reloaded, the builder shows it back.
    page.goto(f"{editor_url}/questions/adaptation")
    builder = page.get_by_role("group", name="Construire la condition d'affichage")
    first = builder.get_by_role("group", name="Condition 1")
    second = builder.get_by_role("group", name="Condition 2")
    expect(first.get_by_label("Question")).to_have_value("logement")
    expect(first.get_by_label("Comparaison")).to_have_value("=")
    expect(first.get_by_label("Valeur")).to_have_value("hlm")
    expect(second.get_by_label("Question")).to_have_value("age")
    expect(second.get_by_label("Comparaison")).to_have_value(">=")
    expect(second.get_by_label("Valeur")).to_have_value("60")
    expect(builder.get_by_label("Conditions reliées par")).to_have_value("and")

    # The preview hides the question until both answers are given.
    page.goto(editor_url + "/apercu")
    preview = page.locator("#apercu-formulaire")
    question = preview.get_by_text("Qu'est-ce qui rendrait votre logement plus adapté ?")
    preview.get_by_text("Logement").first.wait_for()
    expect(question).not_to_be_visible()
    preview.get_by_label("Locataire HLM").check()
    expect(question).not_to_be_visible()
    preview.get_by_label("Âge").fill("64")
    expect(question).to_be_visible()
    preview.get_by_label("Âge").fill("59")
    expect(question).not_to_be_visible()
    # The answers as JSON are for experts: folded away until asked for.
    answers = page.locator("details.preview-answers")
    expect(answers).not_to_have_attribute("open", "")
    expect(page.locator("#apercu-reponses")).not_to_be_visible()
    answers.get_by_text("Réponses (JSON)").click()
    expect(page.locator("#apercu-reponses")).to_contain_text('"logement": "hlm"')
    answers.get_by_text("Réponses (JSON)").click()
    _fits_and_passes_axe(page, "apercu-reponses-repliees")


def test_an_advanced_expression_stays_as_text(live_server, page):
    editor_url = _housing_form(live_server, page)
    _add_question(page, editor_url, "text", "Précisez", "precision")
    page.goto(f"{editor_url}/questions/precision")
    builder = page.get_by_role("group", name="Construire la condition d'affichage")
    relevance = page.get_by_label("Condition d'affichage", exact=True)

    # Typed in the text, a condition the builder can show appears in it...
    relevance.fill("${logement}='prive' or ${age}<18")
    first = builder.get_by_role("group", name="Condition 1")
    expect(first.get_by_label("Question")).to_have_value("logement")
    expect(builder.get_by_label("Conditions reliées par")).to_have_value("or")

    # ...one it cannot show stays as text, with the live check, and the builder says so.
    # (half typed, it is not called advanced: it is to be corrected)
    relevance.fill("${logement} = 'hlm' and (")
    expect(builder.get_by_text("Expression à corriger dans le champ ci-dessous")).to_be_visible()
    advanced = "${logement} = 'hlm' and (${age} >= 60 or ${age} < 18)"
    relevance.fill(advanced)
    expect(builder.get_by_text("Condition avancée : modifiez-la en texte")).to_be_visible()
    expect(builder.get_by_role("group", name="Condition 1")).to_have_count(0)
    page.locator("#relevant-verification").get_by_text("Expression valide").wait_for()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: "/questions/precision" not in url)
    page.goto(f"{editor_url}/questions/precision")
    expect(page.get_by_label("Condition d'affichage", exact=True)).to_have_value(advanced)
    expect(builder.get_by_text("Condition avancée : modifiez-la en texte")).to_be_visible()

    # Emptied, the builder takes over again; nothing it writes replaces text it did not read.
    page.get_by_label("Condition d'affichage", exact=True).fill("")
    expect(builder.get_by_text("Condition avancée")).not_to_be_visible()
    expect(builder.get_by_role("button", name="Ajouter une condition")).to_be_visible()


def test_constraint_on_this_answer(live_server, page):
    editor_url = _housing_form(live_server, page)
    page.goto(f"{editor_url}/questions/age")
    builder = page.get_by_role("group", name="Construire la contrainte")
    builder.get_by_role("button", name="Ajouter une condition").click()
    row = builder.get_by_role("group", name="Condition 1")
    expect(row.get_by_label("Question")).to_have_value(".")
    expect(row.get_by_label("Question").locator("option:checked")).to_have_text("cette réponse")
    # Keyboard only: arrows in the comparison list, Tab to the value, type it.
    row.get_by_label("Comparaison").focus()
    for _ in range(5):
        page.keyboard.press("ArrowDown")
    expect(row.get_by_label("Comparaison")).to_have_value(">=")
    expect(row.get_by_label("Comparaison")).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_label("Valeur")).to_be_focused()
    page.keyboard.type("16")
    expect(page.get_by_label("Contrainte", exact=True)).to_have_value(". >= 16")
    expect(builder.get_by_text("Réponse acceptée si cette réponse ≥ 16.")).to_be_visible()


def test_group_relevance_from_the_builder(live_server, page):
    editor_url = _housing_form(live_server, page)
    page.goto(f"{editor_url}/groupes/nouveau")
    builder = page.get_by_role("group", name="Construire la condition d'affichage")
    builder.get_by_role("button", name="Ajouter une condition").click()
    row = builder.get_by_role("group", name="Condition 1")
    row.get_by_label("Question").select_option(label="Logement")
    row.get_by_label("Comparaison").select_option(label="n'est pas")
    row.get_by_label("Valeur").select_option(label="Propriétaire")
    expect(page.get_by_label("Condition d'affichage", exact=True)).to_have_value(
        "${logement} != 'proprio'"
    )
    _fits_and_passes_axe(page, "groupe-condition")
    # Removing the only condition empties the field; the focus goes back to « Ajouter ».
    row.get_by_role("button", name="Retirer la condition 1").click()
    expect(page.get_by_label("Condition d'affichage", exact=True)).to_have_value("")
    expect(builder.get_by_role("button", name="Ajouter une condition")).to_be_focused()


def test_compare_an_answer_with_another_question(live_server, page):
    editor_url = _housing_form(live_server, page)
    _add_question(page, editor_url, "integer", "Âge de votre conjoint", "age_conjoint")
    page.goto(f"{editor_url}/questions/age_conjoint")
    builder = page.get_by_role("group", name="Construire la contrainte")
    builder.get_by_role("button", name="Ajouter une condition").click()
    row = builder.get_by_role("group", name="Condition 1")
    row.get_by_label("Comparaison").select_option(label="≤ (inférieur ou égal à)")
    # Only the questions of the same kind are offered: « Logement » is a choice, not a number.
    assert row.get_by_label("Comparer à").locator("option").all_inner_texts() == [
        "une valeur saisie",
        "la question « Âge »",
    ]
    row.get_by_label("Comparer à").select_option(label="la question « Âge »")
    expect(row.get_by_label("Valeur")).to_have_count(0)
    constraint = page.get_by_label("Contrainte", exact=True)
    expect(constraint).to_have_value(". <= ${age}")
    expect(builder.get_by_text("Réponse acceptée si cette réponse ≤ Âge.")).to_be_visible()
    _fits_and_passes_axe(page, "assistant-comparer-questions")
    page.locator("#constraint-verification").get_by_text("Expression valide").wait_for()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: "/questions/age_conjoint" not in url)

    # Reloaded, shown back as the same comparison; back to a typed value, the field follows.
    page.goto(f"{editor_url}/questions/age_conjoint")
    row = page.get_by_role("group", name="Construire la contrainte").get_by_role(
        "group", name="Condition 1"
    )
    expect(row.get_by_label("Comparer à")).to_have_value("age")
    expect(row.get_by_label("Comparaison")).to_have_value("<=")
    row.get_by_label("Comparer à").select_option(label="une valeur saisie")
    row.get_by_label("Valeur").fill("110")
    expect(page.get_by_label("Contrainte", exact=True)).to_have_value(". <= 110")
