"""A chargé d'étude builds a questionnaire with a relevance rule and sees it live in the preview."""

import re

from playwright.sync_api import expect


def test_build_a_questionnaire_and_preview_its_relevance(live_server, page, tmp_path):
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/")
    page.get_by_role("link", name="Nouveau questionnaire").click()
    page.get_by_label("Titre").fill("Enquête besoins sociaux 2025")
    page.get_by_role("button", name="Créer le questionnaire").click()
    editor_url = page.url.split("#")[0]
    expect(page.get_by_role("heading", name="Enquête besoins sociaux 2025")).to_be_visible()

    # A choice list shared by select questions.
    page.get_by_role("link", name="Nouvelle liste").click()
    page.get_by_label("Nom de la liste").fill("publics")
    page.get_by_label("Choix, un par ligne").fill(
        "jeune;Jeune (16–25 ans)\nage;Personne âgée (60 ans et plus)"
    )
    page.get_by_role("button", name="Créer la liste").click()
    expect(page.get_by_role("cell", name="Personne âgée (60 ans et plus)")).to_be_visible()

    # First question: who answers.
    page.goto(editor_url)
    page.get_by_label("Type de la nouvelle question").select_option("select_one")
    page.get_by_role("button", name="Ajouter une question").click()
    page.get_by_label("Libellé").fill("Vous êtes…")
    page.get_by_label("Nom de la variable").fill("public")
    expect(page.get_by_label("Liste de choix")).to_be_visible()
    expect(
        page.get_by_label("Début de l'échelle")
    ).not_to_be_visible()  # rating fields hidden for this type
    page.get_by_label("Liste de choix").select_option("publics")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    # Second question, with a relevance rule checked as it is typed.
    page.get_by_label("Type de la nouvelle question").select_option("paragraph")
    page.get_by_role("button", name="Ajouter une question").click()
    page.get_by_label("Libellé").fill("Qu'est-ce qui vous aiderait à rester chez vous ?")
    page.get_by_label("Nom de la variable").fill("maintien_domicile")
    relevance = page.get_by_label("Condition d'affichage")
    relevance.fill("${publik} = 'age'")
    feedback = page.locator("#relevant-verification")
    feedback.get_by_text("Question inconnue « publik »").wait_for()
    assert "^" in feedback.locator("pre").inner_text()  # the caret under the unknown name
    relevance.fill("${public} = 'age'")
    feedback.get_by_text("Expression valide").wait_for()
    page.screenshot(path=str(tmp_path / "question.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    tree = page.locator(".editor-tree")
    expect(tree.get_by_text("Vous êtes…")).to_be_visible()
    expect(tree.get_by_text("${public} = 'age'")).to_be_visible()
    page.screenshot(path=str(tmp_path / "editeur.png"), full_page=True)

    # The preview as a respondent sees it: the second question waits for its condition.
    page.get_by_role("link", name="Aperçu", exact=True).first.click()
    preview = page.locator("#apercu-formulaire")
    second = preview.get_by_text("Qu'est-ce qui vous aiderait à rester chez vous ?")
    preview.get_by_text("Vous êtes…").wait_for()
    expect(second).not_to_be_visible()
    preview.get_by_label("Personne âgée (60 ans et plus)").check()
    second.wait_for(state="visible")
    page.get_by_text("Réponses (JSON)").click()  # folded away by default
    assert re.search(r'"public":\s*"age"', page.locator("#apercu-reponses").inner_text())
    page.screenshot(path=str(tmp_path / "apercu.png"), full_page=True)
    preview.get_by_label("Jeune (16–25 ans)").check()
    second.wait_for(state="hidden")
    assert '"jeune"' in page.locator("#apercu-reponses").inner_text()

    # Page by page: the same rules.
    page.get_by_label("Page par page").check()
    preview.get_by_text("Vous êtes…").wait_for()
    expect(second).not_to_be_visible()


def test_reorder_by_drag_and_drop(live_server, page):
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/nouveau")
    page.get_by_label("Titre").fill("Ordre des questions")
    page.get_by_role("button", name="Créer le questionnaire").click()
    editor_url = page.url.split("#")[0]
    for name in ("premiere", "deuxieme", "troisieme"):
        page.goto(editor_url + "/questions/nouvelle?type=text")
        page.get_by_label("Libellé").fill(name.title())
        page.get_by_label("Nom de la variable").fill(name)
        page.get_by_role("button", name="Enregistrer", exact=True).click()
    nodes = page.locator(".editor-tree li.node")
    expect(nodes.first).to_have_attribute("data-name", "premiere")
    target = page.locator("#element-premiere > .node-row")
    page.locator("#element-troisieme .drag-handle").drag_to(
        target, target_position={"x": 20, "y": 5}
    )
    expect(nodes.first).to_have_attribute("data-name", "troisieme")
    page.reload()
    assert nodes.evaluate_all("items => items.map(item => item.dataset.name)") == [
        "troisieme",
        "premiere",
        "deuxieme",
    ]


def test_cascading_list_built_in_the_designer_filters_the_preview(live_server, page):
    """Communes then quartiers, the second list filtered by a column typed in the designer."""
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/nouveau")
    page.get_by_label("Titre").fill("Quartiers")
    page.get_by_role("button", name="Créer le questionnaire").click()
    editor_url = page.url.split("#")[0]
    for name, lines in (
        ("communes", "tours;Tours\njoue;Joué-lès-Tours"),
        (
            "quartiers",
            "sanitas;Sanitas;commune=tours\nrabiere;La Rabière;commune=joue\neurope;Europe;commune=tours",
        ),
    ):
        page.goto(editor_url + "/listes")
        page.get_by_label("Nom de la liste").fill(name)
        page.get_by_label("Choix, un par ligne").fill(lines)
        page.get_by_role("button", name="Créer la liste").click()
    expect(page.get_by_text("commune=joue")).to_be_visible()
    for name, label, choice_list, choice_filter in (
        ("commune", "Votre commune", "communes", ""),
        ("quartier", "Votre quartier", "quartiers", "commune = ${commune}"),
    ):
        page.goto(editor_url + "/questions/nouvelle?type=select_one")
        page.get_by_label("Libellé").fill(label)
        page.get_by_label("Nom de la variable").fill(name)
        page.get_by_label("Liste de choix").select_option(choice_list)
        page.get_by_label("Filtre des choix").fill(choice_filter)
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        page.wait_for_url(lambda url: "/nouvelle" not in url)
    page.goto(editor_url + "/apercu")
    quartiers = page.get_by_role("radiogroup", name="Votre quartier")
    page.get_by_role("radiogroup", name="Votre commune").get_by_label("Joué-lès-Tours").check()
    quartiers.get_by_label("La Rabière").wait_for()
    assert quartiers.locator("label").all_inner_texts() == ["La Rabière"]
    page.get_by_role("radiogroup", name="Votre commune").get_by_label("Tours", exact=True).check()
    quartiers.get_by_label("Europe").wait_for()
    assert quartiers.locator("label").all_inner_texts() == ["Sanitas", "Europe"]


def test_an_expression_error_is_shown_once_and_a_cycle_stays_visible(live_server, page):
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/nouveau")
    page.get_by_label("Titre").fill("Erreurs")
    page.get_by_role("button", name="Créer le questionnaire").click()
    editor_url = page.url.split("#")[0]
    page.goto(editor_url + "/questions/nouvelle?type=integer")
    page.get_by_label("Libellé").fill("Âge")
    page.get_by_label("Nom de la variable").fill("age")
    constraint = page.get_by_label("Contrainte", exact=True)
    constraint.fill(". >= and 3")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.locator("#constraint-verification .expression-message").wait_for()
    # The server's message and the live one say the same thing: only one is shown.
    expect(page.locator("p:visible", has_text="Valeur attendue avant « and »")).to_have_count(1)
    constraint.fill(". >= 60")
    page.locator("#constraint-verification").get_by_text("Expression valide").wait_for()
    expect(page.locator("p:visible", has_text="Valeur attendue avant « and »")).to_have_count(0)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: "/nouvelle" not in url)

    # A cycle is valid syntax: the live check cannot see it, the server's message stays.
    page.goto(editor_url + "/questions/nouvelle?type=integer")
    page.get_by_label("Libellé").fill("Revenu")
    page.get_by_label("Nom de la variable").fill("revenu")
    page.get_by_label("Condition d'affichage").fill("${age} > 18")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(lambda url: "/nouvelle" not in url)
    page.goto(editor_url + "/questions/age")
    page.get_by_label("Condition d'affichage").fill("${revenu} > 0")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.locator("#relevant-verification").get_by_text("Expression valide").wait_for()
    expect(page.get_by_text("Cycle de dépendances : age → revenu → age")).to_be_visible()


def test_a_typo_in_a_function_name_is_shown_but_does_not_block(live_server, page, tmp_path):
    """A call XPath never reaches is no error (as in ODK): the chargé d'étude sees a warning
    while typing and on the questionnaire's page, saves, publishes, and the preview runs."""
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/")
    page.get_by_role("link", name="Nouveau questionnaire").click()
    page.get_by_label("Titre").fill("Enquête aidants 2026")
    page.get_by_role("button", name="Créer le questionnaire").click()
    editor_url = page.url.split("#")[0]
    page.get_by_role("link", name="Nouvelle liste").click()
    page.get_by_label("Nom de la liste").fill("publics")
    page.get_by_label("Choix, un par ligne").fill("jeune;Jeune\nage;Personne âgée")
    page.get_by_role("button", name="Créer la liste").click()
    page.goto(editor_url)
    page.get_by_label("Type de la nouvelle question").select_option("select_one")
    page.get_by_role("button", name="Ajouter une question").click()
    page.get_by_label("Libellé").fill("Vous êtes…")
    page.get_by_label("Nom de la variable").fill("public")
    page.get_by_label("Liste de choix").select_option("publics")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    page.get_by_label("Type de la nouvelle question").select_option("text")
    page.get_by_role("button", name="Ajouter une question").click()
    page.get_by_label("Libellé").fill("Aidez-vous un proche ?")
    page.get_by_label("Nom de la variable").fill("aidant")
    page.get_by_label("Condition d'affichage").fill(
        "${public} = 'age' and selectd(${public}, 'age')"
    )
    feedback = page.locator("#relevant-verification")
    feedback.get_by_text("vouliez-vous dire selected() ?").wait_for()
    expect(feedback).to_have_class(re.compile(r"\bwarning\b"))
    expect(feedback.get_by_text("Enregistrable, mais à vérifier")).to_be_visible()
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    warnings = page.locator(".expression-warnings")
    expect(warnings).to_contain_text("aidant (condition d'affichage)")
    expect(warnings).to_contain_text("Fonction inconnue « selectd() »")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"avertissement-{width}.png"), full_page=True)

    page.get_by_role("button", name="Publier la version 1").click()
    expect(page.get_by_text("Version 1 publiée : elle ne changera plus")).to_be_visible()
    # Still shown after publication: the typo is there until it is corrected.
    expect(page.locator(".expression-warnings")).to_contain_text("selectd()")

    page.goto(editor_url)
    page.get_by_role("link", name="Aperçu", exact=True).first.click()
    preview = page.locator("#apercu-formulaire")
    question = preview.get_by_text("Aidez-vous un proche ?")
    preview.get_by_text("Vous êtes…").wait_for()
    preview.get_by_label("Jeune").check()
    expect(question).not_to_be_visible()  # the call is never reached: simply false
    errors = page.locator("#apercu-erreurs")
    expect(errors).to_be_hidden()
    # Reached, the call fails: the question keeps its default (shown) and the preview says why.
    preview.get_by_label("Personne âgée").check()
    expect(question).to_be_visible()
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("Fonction inconnue « selectd() »")
    page.screenshot(path=str(tmp_path / "apercu-erreur.png"), full_page=True)
