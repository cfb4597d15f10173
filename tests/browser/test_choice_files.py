"""A form written for ODK whose communes come from an attached CSV file, and where two groups
each ask an `age`: imported with its file through the import page, the preview offers the
communes of the département chosen and keeps both ages apart."""

import io

import openpyxl
from playwright.sync_api import expect


def _form_with_a_file(path):
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label", "choice_filter"],
        ["begin group", "menage", "Votre ménage", None],
        ["integer", "age", "Âge de la personne de référence", None],
        ["end group", None, None, None],
        ["begin group", "repondant", "Vous", None],
        ["integer", "age", "Votre âge", None],
        ["end group", None, None, None],
        ["select_one departements", "departement", "Département", None],
        ["select_one_from_file communes.csv", "commune", "Commune", "dep = ${departement}"],
    ]:
        survey.append(row)
    choices = workbook.create_sheet("choices")
    for row in [
        ["list_name", "name", "label"],
        ["departements", "37", "Indre-et-Loire"],
        ["departements", "41", "Loir-et-Cher"],
    ]:
        choices.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())


def test_an_imported_from_file_select_shows_its_choices_in_the_preview(live_server, page, tmp_path):
    form = tmp_path / "communes_touraine.xlsx"
    _form_with_a_file(form)
    communes = tmp_path / "communes.csv"
    # As Excel saves a CSV on a French computer: Windows-1252, semicolons.
    communes.write_bytes(
        "name;label;dep\r\n37261;Tours;37\r\n37050;Chambray-lès-Tours;37\r\n41018;Blois;41\r\n".encode(
            "cp1252"
        )
    )
    live_server.login(page, "charge_etude")
    page.goto(live_server.url + "/etudes/etude-test/questionnaires/importer")
    page.get_by_label("Fichier XLSForm (.xlsx, ou .zip avec ses fichiers joints)").set_input_files(
        str(form)
    )
    page.get_by_label("Fichiers joints (facultatif, .csv ou .xml)").set_input_files(str(communes))
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url(lambda url: "/importer" not in url)
    editor_url = page.url.split("#")[0].split("?")[0]

    page.goto(editor_url + "/apercu")
    preview = page.locator("#apercu-formulaire")
    preview.get_by_text("Département").first.wait_for()
    preview.get_by_label("Indre-et-Loire").check()
    commune = preview.get_by_role("group", name="Commune")
    expect(commune.get_by_label("Tours", exact=True)).to_be_visible()
    expect(commune.get_by_label("Chambray-lès-Tours")).to_be_visible()
    expect(commune.get_by_label("Blois")).to_have_count(0)
    preview.get_by_label("Loir-et-Cher").check()
    expect(commune.get_by_label("Blois")).to_be_visible()
    expect(commune.get_by_label("Tours", exact=True)).to_have_count(0)
    commune.get_by_label("Blois").check()

    preview.get_by_label("Âge de la personne de référence").fill("52")
    preview.get_by_label("Votre âge").fill("19")
    page.locator("details.preview-answers").get_by_text("Réponses (JSON)").click()
    answers = page.locator("#apercu-reponses")
    expect(answers).to_contain_text('"menage:age": 52')
    expect(answers).to_contain_text('"repondant:age": 19')
    expect(answers).to_contain_text('"commune": "41018"')
