"""The web import of indicator files: upload, mapping (and its template), preview, background job."""

import html
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultation.indicators.models import (
    ImportTemplate,
    Indicator,
    IndicatorUpload,
    IndicatorValue,
)
from consultation.territory.models import Territory

pytestmark = pytest.mark.storage

FILES = Path(__file__).parent / "data" / "indicators"
IMPORT = "/indicateurs/importer"


def send(client, name: str, content: bytes | None = None, template: str = ""):
    content = content if content is not None else (FILES / name).read_bytes()
    return client.post(
        IMPORT,
        data={"file": (io.BytesIO(content), name), "template": template},
        content_type="multipart/form-data",
    )


def page(client, url: str) -> str:
    return html.unescape(client.get(url).get_data(as_text=True))


def upload_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].split("/")[-2])


def values(db, code: str) -> dict:
    rows = db.session.execute(
        select(Territory.code, IndicatorValue.year, IndicatorValue.value, IndicatorValue.status)
        .join(IndicatorValue.territory)
        .join(IndicatorValue.indicator)
        .where(Indicator.code == code)
    )
    return {territory: (year, value, status) for territory, year, value, status in rows}


def count_values(db) -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue))


MAPPING = {
    "code_column": "CODGEO",
    "level": "",
    "label_column": "LIBGEO",
    "year": "2020",
    "indicator_columns": ["P20_POP", "TP6020"],
    "template_name": "",
}


def test_a_chargé_maps_previews_and_imports_a_file_in_a_job(login, db, app):
    chargé = login("charge_etude")
    uploaded = upload_id(send(chargé, "insee_communes.csv"))
    mapping_page = page(chargé, f"{IMPORT}/{uploaded}/colonnes")
    # The guess: CODGEO is the code, LIBGEO the name; the numeric columns are checked.
    assert (
        '<option selected value="CODGEO">' in mapping_page
        or 'value="CODGEO" selected' in mapping_page
    )
    assert 'value="P20_POP" checked' in mapping_page and 'value="DEP" checked' not in mapping_page
    response = chargé.post(
        f"{IMPORT}/{uploaded}/colonnes", data=MAPPING | {"template_name": "Comparateur communes"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/apercu")
    preview = page(chargé, f"{IMPORT}/{uploaded}/apercu")
    assert "5 territoires" in preview and "<code>P20_POP</code> (2020)" in preview
    assert "136\u202f463<" in preview and "<em>secret statistique</em>" in preview
    assert ">21,5<" in preview and ">-12<" in preview
    assert "<em>non disponible</em>" in preview
    assert "Colonnes ignorées : DEP, EVOL_POP" in preview
    assert count_values(db) == 0  # nothing stored before the import itself
    stored = db.session.get(IndicatorUpload, uploaded)
    path = Path(app.instance_path) / "indicator-imports" / stored.stored_name
    assert path.exists()
    started = chargé.post(f"{IMPORT}/{uploaded}/importer", data={})
    assert started.status_code == 302 and started.headers["Location"].endswith("/suivi")
    status = page(chargé, f"{IMPORT}/{uploaded}/suivi")
    assert "Import terminé : 5 territoires" in status
    assert "TP6020 (2020) : 2 valeurs numériques, 2 secrètes, 1 manquantes" in status
    assert values(db, "TP6020")["2A004"] == (2020, 18.9, "value")
    assert values(db, "P20_POP")["97101"] == (2020, -12.0, "value")
    assert "EVOL_POP" not in {i.code for i in db.session.scalars(select(Indicator))}
    assert not path.exists()  # the uploaded file is removed once imported
    template = db.session.scalar(select(ImportTemplate))
    assert template.name == "Comparateur communes"
    assert template.mapping["indicator_columns"] == ["P20_POP", "TP6020"]


def test_a_template_finds_next_years_columns_in_a_workbook_with_title_lines(login, db):
    chargé = login("charge_etude")
    db.session.add(
        ImportTemplate(
            name="Base communes",
            mapping={
                "code_column": "CODGEO",
                "label_column": "LIBGEO",
                "level": "commune",
                "year": 2020,  # last year's, fixed: the P21_ names say 2021 instead
                "indicator_columns": ["P20_POP", "P20_MEN"],
            },
        )
    )
    db.session.commit()
    template = db.session.scalar(select(ImportTemplate))
    uploaded = upload_id(send(chargé, "insee_base_2021.xlsx", template=str(template.id)))
    mapping_page = page(chargé, f"{IMPORT}/{uploaded}/colonnes")
    assert "Modèle appliqué : « Base communes »" in mapping_page
    assert "En-tête trouvé ligne 4, feuille « COM »" in mapping_page
    assert 'value="P21_POP" checked' in mapping_page and 'value="P21_MEN" checked' in mapping_page
    assert 'name="year" type="number" value=""' in mapping_page
    data = MAPPING | {
        "sheet": "COM",
        "level": "commune",
        "year": "",
        "indicator_columns": ["P21_POP", "P21_MEN"],
    }
    assert chargé.post(f"{IMPORT}/{uploaded}/colonnes", data=data).status_code == 302
    preview = page(chargé, f"{IMPORT}/{uploaded}/apercu")
    assert "<code>P21_POP</code> (2021)" in preview and "Lignes écartées (1)" in preview
    chargé.post(f"{IMPORT}/{uploaded}/importer", data={})
    assert values(db, "P21_MEN") == {
        "37261": (2021, 73900.0, "value"),
        "2A004": (2021, None, "secret"),
        "97101": (2021, None, "missing"),
    }


def _import(client, name, data=MAPPING, replace=False):
    uploaded = upload_id(send(client, name))
    assert client.post(f"{IMPORT}/{uploaded}/colonnes", data=data).status_code == 302
    preview = page(client, f"{IMPORT}/{uploaded}/apercu")
    client.post(f"{IMPORT}/{uploaded}/importer", data={"replace": "y"} if replace else {})
    status = page(client, f"{IMPORT}/{uploaded}/suivi")
    return preview, status


def test_duplicates_are_listed_and_replaced_only_when_asked(login, db):
    chargé = login("charge_etude")
    _import(chargé, "insee_communes.csv")
    before = count_values(db)
    again = "CODGEO;LIBGEO;P20_POP;TP6020\n37261;Tours;140000;22\n37214;Saint-Cyr;15020;s\n37261;Tours;141000;23\n"
    uploaded = upload_id(send(chargé, "population.csv", again.encode("cp1252")))
    chargé.post(f"{IMPORT}/{uploaded}/colonnes", data=MAPPING)
    preview = page(chargé, f"{IMPORT}/{uploaded}/apercu")
    assert (
        "Ligne 4, colonne « CODGEO » : le territoire 37261 figure déjà ligne 2 : cette ligne-ci "
        "la remplace." in preview
    )
    assert (
        "Ligne 4, colonne « P20_POP » : une valeur de P20_POP pour le territoire 37261 en 2020 est "
        "déjà importée." in preview
    )
    assert 'name="replace"' in preview
    chargé.post(f"{IMPORT}/{uploaded}/importer", data={})
    refused = page(chargé, f"{IMPORT}/{uploaded}/suivi")
    assert "Import refusé, rien n'a été enregistré" in refused
    assert "figure déjà ligne 2" in refused
    assert count_values(db) == before
    assert "37214" not in values(db, "P20_POP")

    uploaded = upload_id(send(chargé, "population.csv", again.encode("cp1252")))
    chargé.post(f"{IMPORT}/{uploaded}/colonnes", data=MAPPING)
    chargé.post(f"{IMPORT}/{uploaded}/importer", data={"replace": "y"})
    done = page(chargé, f"{IMPORT}/{uploaded}/suivi")
    assert "2 valeurs numériques, 0 secrètes, 0 manquantes, 1 remplacées" in done
    assert values(db, "P20_POP")["37261"] == (2020, 141000.0, "value")
    assert values(db, "TP6020")["37214"] == (2020, None, "secret")


@pytest.mark.parametrize(
    "name, content, said",
    [
        ("abime.xlsx", b"PK\x03\x04 pas un classeur", "Le classeur XLSX est illisible"),
        ("vide.csv", b"", "En-tête introuvable"),
        ("titre.csv", b"Une seule colonne\nrien\n", "En-tête introuvable"),
    ],
)
def test_an_unreadable_file_says_why_at_the_mapping_step(login, db, name, content, said):
    chargé = login("charge_etude")
    uploaded = upload_id(send(chargé, name, content))
    response = chargé.get(f"{IMPORT}/{uploaded}/colonnes")
    assert response.status_code == 200
    assert said in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "content, data, said",
    [
        (
            "CODGEO;LIBGEO;P20_POP\n37261;Tours;beaucoup\n37122;Joué;12\n",
            {"indicator_columns": ["P20_POP"]},
            "Ligne 2, colonne « P20_POP » : « beaucoup » n'est pas un nombre.",
        ),
        (
            "CODGEO;LIBGEO;P20_POP\n3726;Tours;12\nTotal;;12\n",
            {"indicator_columns": ["P20_POP"]},
            "Aucune ligne n'a un code de commune bien formé",
        ),
        (
            "CODE;LIBGEO;POP\n37261;Tours;12\n",
            {"code_column": "CODE", "indicator_columns": ["POP"], "year": ""},
            "Ligne 1, colonne « POP » : année inconnue",
        ),
    ],
)
def test_bad_values_are_listed_by_line_and_column_and_nothing_is_imported(
    login, db, content, data, said
):
    chargé = login("charge_etude")
    uploaded = upload_id(send(chargé, "fichier.csv", content.encode("utf-8")))
    assert chargé.post(f"{IMPORT}/{uploaded}/colonnes", data=MAPPING | data).status_code == 302
    preview = page(chargé, f"{IMPORT}/{uploaded}/apercu")
    assert said in preview and "rien ne sera importé" in preview
    assert 'action="/indicateurs/importer/' not in preview  # no import button
    assert chargé.post(f"{IMPORT}/{uploaded}/importer", data={}).status_code == 302
    status = page(chargé, f"{IMPORT}/{uploaded}/suivi")
    assert said in status
    assert count_values(db) == 0


def test_only_glossary_editors_import_and_only_the_uploader_sees_the_file(login, db):
    chargé = login("charge_etude")
    uploaded = upload_id(send(chargé, "insee_communes.csv"))
    assert login("lecteur").get(IMPORT).status_code == 403
    assert login("collectif").get(f"{IMPORT}/{uploaded}/colonnes").status_code == 403
    other = login("charge_etude")
    assert other.get(f"{IMPORT}/{uploaded}/colonnes").status_code == 404
    assert other.get(f"{IMPORT}/{uploaded}/apercu").status_code == 404


def test_an_upload_without_a_file_or_of_another_kind_says_so(login, db):
    chargé = login("charge_etude")
    empty = chargé.post(IMPORT, data={}, content_type="multipart/form-data")
    assert empty.status_code == 200 and "Choisissez un fichier." in empty.get_data(as_text=True)
    pdf = chargé.post(
        IMPORT,
        data={"file": (io.BytesIO(b"%PDF-1.4"), "rapport.pdf")},
        content_type="multipart/form-data",
    )
    assert "Seuls les fichiers .csv et .xlsx sont acceptés." in html.unescape(
        pdf.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(IndicatorUpload)) == 0
    # A template that does not exist (a tampered form) is no template.
    assert send(chargé, "insee_communes.csv", template="abc").status_code == 302


def test_choosing_another_sheet_reads_its_columns(login, db):
    chargé = login("charge_etude")
    uploaded = upload_id(send(chargé, "insee_base_2021.xlsx"))
    first = page(chargé, f"{IMPORT}/{uploaded}/colonnes")
    assert "feuille « COM »" in first and 'value="P21_POP" checked' in first
    other = chargé.post(f"{IMPORT}/{uploaded}/colonnes", data={"sheet": "Documentation"})
    text = html.unescape(other.get_data(as_text=True))
    assert other.status_code == 200 and "En-tête introuvable" in text


def test_an_abandoned_upload_is_deleted_after_a_day(login, db, app):
    from datetime import timedelta

    from consultation.accounts.models import utcnow

    chargé = login("charge_etude")
    old = db.session.get(IndicatorUpload, upload_id(send(chargé, "insee_communes.csv")))
    path = Path(app.instance_path) / "indicator-imports" / old.stored_name
    old.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    upload_id(send(chargé, "insee_communes.csv"))
    assert not path.exists()
    assert chargé.get(f"{IMPORT}/{old.id}/colonnes").status_code == 302
