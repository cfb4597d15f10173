"""Weighting « Chiffres de l'enquête » to INSEE population margins chosen by the chargé d'étude."""

import html

import pytest
from lxml import html as lxml_html
from submission_records import territory
from test_survey_figures import _answer, _questionnaire

from consultation.indicators.models import Indicator, IndicatorValue
from consultation.territory.services import ensure_territories

pytestmark = pytest.mark.storage


def _population(db, code: str, by_commune: dict, year: int = 2021):
    indicator = Indicator(code=code, label=code, level="commune")
    db.session.add(indicator)
    db.session.flush()
    territories = ensure_territories("commune", {commune: "" for commune in by_commune})
    for commune, value in by_commune.items():
        db.session.add(
            IndicatorValue(
                indicator_id=indicator.id,
                territory_id=territories[commune].id,
                year=year,
                value=value,
                status="value",
            )
        )


@pytest.fixture()
def survey(db):
    territory(db)
    questionnaire = _questionnaire(db)
    # 8 young women tenants in Tours; 4 older women tenants and 3 owners in Joué-lès-Tours.
    for _ in range(8):
        _answer(db, questionnaire, "jeune", "locataire", commune="37261")
    for _ in range(4):
        _answer(db, questionnaire, "age", "locataire", commune="37122")
    for _ in range(3):
        _answer(db, questionnaire, "age", "proprietaire", commune="37122")
    _population(db, "P21_F1825", {"37261": 1000, "37122": 1000})
    _population(db, "P21_F6074", {"37261": 3000, "37122": 3000})
    _population(db, "P21_POP", {"37261": 136000})
    db.session.commit()
    return questionnaire


def _url(questionnaire, rest=""):
    return f"/etudes/etude-test/analyse/{questionnaire.id}/chiffres{rest}"


def _weighted_table(page: str, label: str) -> dict[str, dict[str, str]]:
    """answer → column → the cell's text, from the weighted table of the question `label`."""
    tree = lxml_html.fromstring(page)
    table = next(
        t
        for t in tree.find_class("survey-weighted")
        if t.find("caption").text_content().startswith(label)
    )
    columns = [" ".join(th.text_content().split()) for th in table.find("thead").iter("th")][1:]
    return {
        row[0].text_content().strip(): {
            column: " ".join(cell.text_content().split()) for column, cell in zip(columns, row[1:])
        }
        for row in table.find("tbody").iter("tr")
    }


def test_weighted_percentages_agree_with_a_hand_computation(login, survey):
    chargé = login("charge_etude")
    form = chargé.get(_url(survey, "/ponderation")).get_data(as_text=True)
    assert "P21_F1825" in form and "Moins de 15 ans — femme" in form
    saved = chargé.post(
        _url(survey, "/ponderation"),
        data={"cell_18_25__femme": "P21_F1825", "cell_60_74__femme": "P21_F6074", "year": ""},
    )
    assert saved.status_code == 302
    page = html.unescape(
        chargé.get(_url(survey), query_string={"pondere": 1}).get_data(as_text=True)
    )
    # Population: 2,000 young women and 6,000 older ones in the two communes (25 % / 75 %);
    # sample: 8 and 7 of 15. Tenants: 0.25 + 0.75 × 4/7 = 67.9 % weighted, 12/15 = 80 % raw.
    # By public, everyone of a public weighs the same: the shares are the raw ones.
    table = _weighted_table(page, "Vous êtes…")
    assert table["Locataire"] == {
        "Ensemble": "67,9 % brut 80,0 %",
        "Jeune (16–25 ans)": "100,0 % brut 100,0 %",
        "Personne âgée (60 ans et plus)": "57,1 % brut 57,1 %",
    }
    assert table["Propriétaire"]["Ensemble"] == "32,1 % brut 20,0 %"
    # Weights 0.25 × 15/8 = 0.47 and 0.75 × 15/7 = 1.61; Kish: 15 Σw² / (Σw)² = 1.32.
    assert (
        "Poids de 0,47 à 1,61 ; effet de plan (Kish) 1,32 ; taille effective d'échantillon 11"
        in page
    )
    said = " ".join(page.replace("<code>", "").replace("</code>", "").split())
    assert "calage sur P21_F1825, P21_F6074 (millésime 2021)" in said
    unweighted = lxml_html.fromstring(chargé.get(_url(survey)).get_data(as_text=True))
    assert unweighted.find_class("survey-weighted") == []


def test_a_commune_without_population_is_said_and_its_respondents_left_out(login, survey):
    chargé = login("charge_etude")
    chargé.post(_url(survey, "/ponderation"), data={"commune": "P21_POP", "year": "2021"})
    page = html.unescape(
        chargé.get(_url(survey), query_string={"pondere": 1}).get_data(as_text=True)
    )
    assert "pas de valeur de P21_POP pour les communes 37122" in page
    assert "8 répondant(s) pondéré(s), 7 hors des marges" in page


def test_only_the_study_team_chooses_the_margins_and_readers_see_masked_weighted_cells(
    login, survey
):
    assert login("collectif").get(_url(survey, "/ponderation")).status_code == 403
    chargé = login("charge_etude")
    chargé.post(
        _url(survey, "/ponderation"),
        data={"cell_18_25__femme": "P21_F1825", "cell_60_74__femme": "P21_F6074"},
    )
    reader = login("lecteur")
    page = html.unescape(
        reader.get(_url(survey), query_string={"pondere": 1}).get_data(as_text=True)
    )
    # 3 owners: under the minimum (5), hidden weighted as unweighted.
    owners = _weighted_table(page, "Vous êtes…")["Propriétaire"]
    assert owners["Ensemble"] == "masqué < 5" and "32,1" not in " ".join(owners.values())
    assert "Choisir les indicateurs des marges" not in page


def test_the_weighted_table_downloads_as_csv_and_xlsx(login, survey):
    import csv
    import io

    import openpyxl

    chargé = login("charge_etude")
    assert chargé.get(_url(survey, "-ponderes.csv")).status_code == 404  # no weighting set yet
    chargé.post(
        _url(survey, "/ponderation"),
        data={"cell_18_25__femme": "P21_F1825", "cell_60_74__femme": "P21_F6074"},
    )
    response = chargé.get(_url(survey, "-ponderes.csv"))
    assert response.status_code == 200 and response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Question",
        "Libellé de la question",
        "Réponse",
        "Groupe",
        "Non pondéré (%)",
        "Pondéré (%)",
    ]
    assert ["logement", "Vous êtes…", "Locataire", "Ensemble", "80,0", "67,9"] in rows
    assert ["Effet de plan (Kish)", "1,323", "Taille effective", "11,3"] in rows
    workbook = openpyxl.load_workbook(
        io.BytesIO(chargé.get(_url(survey, "-ponderes.xlsx")).get_data())
    )
    lines = list(workbook.active.iter_rows(values_only=True))
    assert ("logement", "Vous êtes…", "Propriétaire", "Ensemble", 20.0, 32.1) in lines
    old = ("logement", "Vous êtes…", "Propriétaire", "Personne âgée (60 ans et plus)", 42.9, 42.9)
    assert old in lines


def test_the_cap_is_chosen_with_the_margins_and_said_beside_the_figures(login, survey):
    chargé = login("charge_etude")
    saved = chargé.post(
        _url(survey, "/ponderation"),
        data={
            "cell_18_25__femme": "P21_F1825",
            "cell_60_74__femme": "P21_F6074",
            "year": "",
            "cap": "5",
        },
    )
    assert saved.status_code == 302
    form = chargé.get(_url(survey, "/ponderation")).get_data(as_text=True)
    assert '<option selected value="5">' in form or 'value="5" selected' in form
    page = " ".join(
        html.unescape(
            chargé.get(_url(survey), query_string={"pondere": 1}).get_data(as_text=True)
        ).split()
    )
    assert "poids plafonnés à 5 fois le poids moyen" in page
    # The weights of this sample (0.47 and 1.61) are under the cap: the same figures.
    assert "Poids de 0,47 à 1,61" in page
    refused = chargé.post(_url(survey, "/ponderation"), data={"year": "", "cap": "2"})
    assert refused.status_code == 200
    error = lxml_html.fromstring(refused.get_data(as_text=True)).get_element_by_id("cap-erreur")
    assert error.text_content().strip() == "N'est pas un choix valide."
