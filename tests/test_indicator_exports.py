"""The glossary, an indicator's values and the weighted figures as CSV and XLSX, with the
conventions of the submission exports."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from consultation.indicators.models import Indicator

pytestmark = pytest.mark.storage

FILES = "tests/data/indicators/insee_communes.csv"


@pytest.fixture()
def imported(runner, db):
    result = runner.invoke(
        args=["import-indicators", FILES, "--code-column", "CODGEO", "--year", "2020"]
    )
    assert result.exit_code == 0, result.output
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "TP6020"))
    indicator.label = '=HYPERLINK("http://exemple.invalid")'
    indicator.unit = "%"
    db.session.commit()
    return indicator


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_glossary_as_csv_neutralises_formulas(login, imported):
    response = login("lecteur").get("/indicateurs/glossaire.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="glossaire-indicateurs.csv"' in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["Code", "Libellé", "Définition"]
    tp = next(row for row in rows if row[0] == "TP6020")
    assert tp[1] == '\'=HYPERLINK("http://exemple.invalid")' and tp[5] == "%" and tp[7] == "2020"


def test_values_keep_secret_and_missing_apart_from_zero_and_codes_as_text(login, imported, db):
    client = login("collectif")
    rows = _csv(client.get(f"/indicateurs/{imported.id}/valeurs.csv"))
    by_code = {row[3]: row for row in rows[1:]}
    assert by_code["2A004"][5:] == ["18,9", "valeur"]
    assert by_code["37122"][5:] == ["", "secret statistique"]
    assert by_code["01001"][5:] == ["", "non disponible"]
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/indicateurs/{imported.id}/valeurs.xlsx").get_data())
    )
    sheet = workbook.active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:4] == ("Indicateur", "Année", "Niveau", "Code du territoire")
    codes = {line[3]: line for line in lines[1:]}
    assert codes["01001"][5] is None and codes["01001"][6] == "non disponible"
    assert codes["97101"][5] is None and codes["2A004"][5] == 18.9
    glossary = openpyxl.load_workbook(
        io.BytesIO(client.get("/indicateurs/glossaire.xlsx").get_data())
    )
    cell = next(row for row in glossary.active.iter_rows() if row[0].value == "TP6020")[1]
    assert cell.value == '=HYPERLINK("http://exemple.invalid")' and cell.data_type == "s"
    assert client.get("/indicateurs/glossaire.pdf").status_code == 404
