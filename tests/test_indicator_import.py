"""`consultation import-indicators` end to end, and the glossary pages."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultation.indicators.models import Indicator, IndicatorValue
from consultation.territory.models import Territory

pytestmark = pytest.mark.storage

FILES = Path(__file__).parent / "data" / "indicators"


def run_import(runner, name, *options):
    return runner.invoke(args=["import-indicators", str(FILES / name), *options])


def stored(db, code: str) -> dict:
    rows = db.session.execute(
        select(Territory.code, IndicatorValue.year, IndicatorValue.value, IndicatorValue.status)
        .join(IndicatorValue.territory)
        .join(IndicatorValue.indicator)
        .where(Indicator.code == code)
    )
    return {territory: (year, value, status) for territory, year, value, status in rows}


def counts(db) -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Indicator, IndicatorValue, Territory)
    )


def test_an_insee_file_creates_its_indicators_territories_and_values(runner, db):
    result = run_import(runner, "insee_communes.csv", "--code-column", "CODGEO", "--year", "2020")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "P20_POP (2020) : 5 valeurs numériques, 0 secrètes, 0 manquantes — nouvel indicateur",
        "TP6020 (2020) : 2 valeurs numériques, 2 secrètes, 1 manquantes — nouvel indicateur",
        "EVOL_POP (2020) : 3 valeurs numériques, 0 secrètes, 2 manquantes — nouvel indicateur",
    ]
    assert stored(db, "TP6020") == {
        "37261": (2020, 21.5, "value"),
        "37122": (2020, None, "secret"),
        "01001": (2020, None, "missing"),
        "2A004": (2020, 18.9, "value"),
        "97101": (2020, None, "secret"),
    }
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "P20_POP"))
    assert (indicator.label, indicator.millesime, indicator.level) == ("P20_POP", 2020, "commune")
    ajaccio = db.session.scalar(select(Territory).where(Territory.code == "2A004"))
    assert ajaccio.name == "Ajaccio" and ajaccio.parent.code == "2A"
    assert ajaccio.parent.level == "departement" and ajaccio.parent.parent.code == "FR"
    abymes = db.session.scalar(select(Territory).where(Territory.code == "97101"))
    assert abymes.parent.code == "971"


def test_a_caf_file_lists_its_rejected_lines_and_keeps_the_others(runner, db):
    result = run_import(runner, "caf_communes.csv", "--code-column", "Code commune")
    assert result.exit_code == 0, result.output
    assert (
        "TX_COUV_RSA_2022 (2022) : 2 valeurs numériques, 1 secrètes, 0 manquantes" in result.output
    )
    assert "Lignes rejetées (1) :" in result.output
    assert (
        "Ligne 5, colonne « Code commune » : « Total » n'est pas un code de commune"
        in result.output
    )
    assert stored(db, "NB_ALLOC_2022")["37261"] == (2022, 12345.0, "value")


def test_an_xlsx_sheet_by_name(runner, db):
    result = run_import(
        runner, "insee_base.xlsx", "--code-column", "CODGEO", "--year", "2021", "--sheet", "COM"
    )
    assert result.exit_code == 0, result.output
    assert stored(db, "MED20")["2B033"] == (2021, 21050.2, "value")


def test_values_already_imported_are_refused_unless_replaced(runner, db, tmp_path):
    options = ("--code-column", "CODGEO", "--year", "2020")
    assert run_import(runner, "insee_communes.csv", *options).exit_code == 0
    before = counts(db)
    again = run_import(runner, "duplicates.csv", "--code-column", "CODGEO", "--year", "2020")
    assert again.exit_code == 1 and "figure déjà ligne 2" in again.output
    valid = "CODGEO;P20_POP\n37261;140000\n37214;15020\n"
    path = tmp_path / "population.csv"
    path.write_text(valid, encoding="utf-8")
    refused = runner.invoke(args=["import-indicators", str(path), *options])
    assert refused.exit_code == 1
    assert (
        "Ligne 2, colonne « P20_POP » : une valeur de P20_POP pour le territoire 37261 en "
        "2020 est déjà importée." in refused.output
    )
    assert "--replace" in refused.output
    assert counts(db) == before  # not even the new commune 37214
    replaced = runner.invoke(args=["import-indicators", str(path), *options, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "P20_POP (2020) : 2 valeurs numériques, 0 secrètes, 0 manquantes, 1 remplacées" in (
        replaced.output
    )
    assert stored(db, "P20_POP")["37261"] == (2020, 140000.0, "value")
    assert stored(db, "P20_POP")["37214"] == (2020, 15020.0, "value")


@pytest.mark.parametrize(
    "name, options, said",
    [
        ("corrupt.xlsx", (), "Le classeur XLSX est illisible"),
        ("no_code.csv", (), "Aucune ligne n'a un code de commune bien formé"),
        ("bad_values.csv", (), "Ligne 2, colonne « P20_POP » : « beaucoup » n'est pas un nombre."),
        ("duplicates.csv", (), "Ligne 4, colonne « CODGEO » : le territoire 37261 figure déjà"),
        ("no_header.csv", (), "En-tête introuvable"),
        ("insee_communes.csv", (), "colonne « TP6020 » : année inconnue"),
        ("insee_base.xlsx", ("--sheet", "Données"), "Feuille « Données » absente"),
    ],
)
def test_bad_files_write_nothing_and_say_why_in_french(runner, db, name, options, said):
    result = run_import(runner, name, "--code-column", "CODGEO", *options)
    assert result.exit_code == 1
    assert "Import refusé, rien n'a été enregistré :" in result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert counts(db) == (0, 0, 0)


def test_everyone_reads_the_glossary_and_chargés_edit_it(runner, db, login):
    assert run_import(runner, "caf_communes.csv", "--code-column", "Code commune").exit_code == 0
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "TX_COUV_RSA_2022"))
    reader = login("lecteur")
    glossary = reader.get("/indicateurs/").get_data(as_text=True)
    assert "TX_COUV_RSA_2022" in glossary
    page = reader.get(f"/indicateurs/{indicator.id}").get_data(as_text=True)
    assert "Joué-lès-Tours" in page and "secret statistique" in page and "8,4" in page
    assert "Modifier la fiche" not in page
    assert reader.get(f"/indicateurs/{indicator.id}/modifier").status_code == 403

    charge = login("charge_etude")
    response = charge.post(
        f"/indicateurs/{indicator.id}/modifier",
        data={
            "label": "Taux de couverture du RSA",
            "definition": "Part de la population couverte par le RSA.",
            "numerator_label": "Personnes couvertes par le RSA",
            "denominator_label": "Population",
            "unit": "%",
            "source": "caf",
            "millesime": "2022",
            "level": "commune",
            "update_frequency": "annuelle",
            "notes": "Secret sous 5 allocataires.",
        },
    )
    assert response.status_code == 302
    page = reader.get(f"/indicateurs/{indicator.id}").get_data(as_text=True)
    assert "Taux de couverture du RSA" in page and "CAF" in page and "Annuelle" in page
    assert "Personnes couvertes par le RSA / Population" in page
    refused = charge.post(
        f"/indicateurs/{indicator.id}/modifier", data={"label": "", "millesime": "3000"}
    )
    assert refused.status_code == 200
    assert "Indiquez un libellé." in refused.get_data(as_text=True)


def test_a_separator_of_more_than_one_character_is_refused(runner, db):
    result = run_import(runner, "insee_communes.csv", "--code-column", "CODGEO", "--sep", ";;")
    assert result.exit_code == 1 and "Séparateur « ;; » refusé" in result.output
    tab = run_import(runner, "caf_communes.csv", "--code-column", "Code commune", "--sep", "\\t")
    assert tab.exit_code == 1 and "avec le séparateur « \t »" in tab.output


def test_a_column_name_too_long_for_an_indicator_code_is_refused(runner, db, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("CODGEO;" + "P" * 101 + "\n37261;12\n", encoding="utf-8")
    result = runner.invoke(
        args=["import-indicators", str(path), "--code-column", "CODGEO", "--year", "2020"]
    )
    assert result.exit_code == 1 and "trop long pour un code d'indicateur" in result.output
    assert counts(db) == (0, 0, 0)


def test_a_territory_twice_in_the_file_keeps_its_last_line_with_replace(runner, db):
    refused = run_import(runner, "duplicates.csv", "--code-column", "CODGEO", "--year", "2020")
    assert refused.exit_code == 1 and "--replace" in refused.output
    result = run_import(
        runner, "duplicates.csv", "--code-column", "CODGEO", "--year", "2020", "--replace"
    )
    assert result.exit_code == 0, result.output
    assert "Lignes en double remplacées par une ligne suivante (1) :" in result.output
    assert "Ligne 4, colonne « CODGEO » : le territoire 37261 figure déjà ligne 2" in result.output
    assert stored(db, "P20_POP")["37261"] == (2020, 136000.0, "value")
