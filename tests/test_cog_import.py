"""`consultation import-cog`: INSEE's list of communes, départements, régions and the composition
of the EPCI name the territories and nest them."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyse.cog import read_geography_file
from consultation.territory.models import Territory

pytestmark = pytest.mark.storage

FILES = Path(__file__).parent / "data" / "cog"


def cog(runner, name, *options):
    return runner.invoke(args=["import-cog", str(FILES / name), *options])


def place(db, level: str, code: str) -> Territory:
    return db.session.scalar(
        select(Territory).where(Territory.level == level, Territory.code == code)
    )


def test_the_list_of_communes_names_them_and_nests_them_in_département_and_région(runner, db):
    result = cog(runner, "v_commune_2024.csv")
    assert result.exit_code == 0, result.output
    assert "Fichier lu : liste des communes, 6 lignes." in result.output
    assert (
        "Ligne 10, colonne « COM » : « 3726 » n'est pas un code de commune : attendu 5 caractères"
        in result.output
    )
    abergement = place(db, "commune", "01001")
    assert abergement.name == "L'Abergement-Clémenciat"
    assert abergement.parent.code == "01" and abergement.parent.parent.code == "84"
    assert abergement.parent.parent.parent.code == "FR"
    assert place(db, "commune", "2B033").parent.code == "2B"
    abymes = place(db, "commune", "97101")
    assert abymes.parent.code == "971" and abymes.parent.parent.code == "01"
    # The delegated commune and the arrondissement are not communes of their own.
    assert place(db, "commune", "37122").name == "Joué-lès-Tours"
    assert place(db, "commune", "75101") is None

    assert cog(runner, "v_departement_2024.csv").exit_code == 0
    assert cog(runner, "v_region_2024.csv").exit_code == 0
    assert place(db, "departement", "2A").name == "Corse-du-Sud"
    assert place(db, "region", "24").name == "Centre-Val de Loire"
    assert place(db, "commune", "37261").parent.parent.name == "Centre-Val de Loire"


def test_the_epci_composition_in_cp1252_with_title_lines_nests_communes_in_their_epci(runner, db):
    result = cog(runner, "epci_composition_2024.csv")
    assert result.exit_code == 0, result.output
    tours = place(db, "commune", "37261")
    assert tours.epci.code == "243700754" and tours.epci.name == "Tours Métropole Val de Loire"
    assert place(db, "commune", "37122").epci is tours.epci
    assert place(db, "commune", "2A004").epci.name == "CA du Pays Ajaccien"
    assert place(db, "commune", "29083").name == "Île-de-Sein"
    assert place(db, "commune", "29083").epci is None  # ZZZZZZZZZ: in no EPCI
    assert "Ligne 10, colonne « EPCI » : « 24370075 » n'est pas un code d'EPCI" in result.output
    workbook = cog(runner, "epci_composition_2024.xlsx")
    assert workbook.exit_code == 0, workbook.output
    assert place(db, "commune", "2B033").epci.code == "242020071"
    assert place(db, "commune", "01001").parent.code == "01"


def test_importing_again_changes_nothing(runner, db):
    assert cog(runner, "v_commune_2024.csv").exit_code == 0
    count = db.session.scalar(select(func.count()).select_from(Territory))
    again = cog(runner, "v_commune_2024.csv")
    assert "0 rattachements" in again.output
    assert db.session.scalar(select(func.count()).select_from(Territory)) == count


@pytest.mark.parametrize(
    "content, said",
    [
        (b"CODGEO;P20_POP\n37261;12\n", "n'est pas un fichier du Code officiel géographique"),
        (b"PK\x03\x04abime", "Le classeur XLSX est illisible"),
        (b"TYPECOM,COM,LIBELLE\nCOM,37261,Tours\n", "Colonne « DEP » absente"),
        (b"TYPECOM,COM,REG,DEP,LIBELLE\nCOM,3726,24,37,Tours\n", "Aucune ligne n'a de code"),
    ],
)
def test_a_file_that_is_not_a_cog_file_is_refused_in_french(runner, db, tmp_path, content, said):
    path = tmp_path / ("f.xlsx" if content.startswith(b"PK") else "f.csv")
    path.write_bytes(content)
    result = runner.invoke(args=["import-cog", str(path)])
    assert result.exit_code == 1 and said in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Territory)) == 0


def test_codes_stay_text_with_their_leading_zeros():
    content = (FILES / "v_commune_2024.csv").read_bytes()
    places = read_geography_file(content, "v_commune_2024.csv").places
    assert [(p.code, p.departement, p.region) for p in places][:2] == [
        ("01001", "01", "84"),
        ("2A004", "2A", "94"),
    ]
