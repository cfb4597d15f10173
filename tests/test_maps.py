"""Maps: contours read from GeoJSON (checked, repaired, simplified; a projected file refused
with how to export it), classes stated in the legend, and the choropleth of an indicator by
commune on its glossary page and beside a theme."""

import io
import json
from datetime import date

import pytest
from lxml import html as lxml_html
from test_themes import _block, _page, _territories, _value, theme_study  # noqa: F401

from analyse.maps import choropleth, class_breaks, read_contours
from consultation.indicators.models import Indicator
from consultation.territory.models import Territory, TerritoryContour


def _square(x: float, y: float, size: float = 0.05) -> list:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def _feature(properties: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


TOURS = _feature(
    {"INSEE_COM": "37261", "NOM": "Tours"},
    {"type": "Polygon", "coordinates": _square(0.65, 47.38)},
)
JOUE = _feature(
    {"INSEE_COM": "37122", "NOM": "Joué-lès-Tours"},
    {"type": "Polygon", "coordinates": _square(0.65, 47.33)},
)


def test_contours_are_read_with_their_codes_and_bad_features_are_named():
    bowtie = [[[0.7, 47.3], [0.75, 47.35], [0.75, 47.3], [0.7, 47.35], [0.7, 47.3]]]
    raw = _collection(
        TOURS,
        JOUE,
        _feature({"INSEE_COM": "3726"}, {"type": "Polygon", "coordinates": _square(0, 47)}),
        _feature({"INSEE_COM": "37214"}, {"type": "LineString", "coordinates": [[0, 47], [1, 47]]}),
        _feature({"NOM": "Sans code"}, {"type": "Polygon", "coordinates": _square(0, 47)}),
        _feature(
            {"INSEE_COM": "37195", "NOM": "La Riche"}, {"type": "Polygon", "coordinates": bowtie}
        ),
        _feature({"INSEE_COM": "37261"}, {"type": "Polygon", "coordinates": _square(1, 47)}),
    )

    read = read_contours(raw, "commune")

    assert read.errors == []
    assert [(c.code, c.name) for c in read.contours] == [
        ("37261", "Tours"),
        ("37122", "Joué-lès-Tours"),
        ("37195", "La Riche"),
    ]
    assert read.repaired == 1  # the self-crossing ring, made valid
    assert len(read.rejected) == 4
    assert read.rejected[0].startswith("Objet 3 (INSEE_COM = « 3726 »)")
    assert "zéro en tête" in read.rejected[0]
    assert read.rejected[1].startswith("Objet 4 (37214)") and "LineString" in read.rejected[1]
    assert read.rejected[2].startswith("Objet 5") and "aucune propriété de code" in read.rejected[2]
    assert "déjà celui de l'objet 1" in read.rejected[3]


def test_a_projected_or_unreadable_file_is_refused_with_how_to_export_it():
    lambert = _feature(
        {"INSEE_COM": "37261"},
        {
            "type": "Polygon",
            "coordinates": [
                [[525000, 6700000], [530000, 6700000], [530000, 6705000], [525000, 6700000]]
            ],
        },
    )
    read = read_contours(_collection(lambert), "commune")
    assert read.contours == []
    assert "Lambert 93" in read.errors[0] and "EPSG:4326" in read.errors[0]

    broken = read_contours(b'{"type": "FeatureCollection",\n "features": [}', "commune")
    assert broken.errors == [
        "Le fichier n'est pas un GeoJSON lisible : JSON mal formé ligne 2, colonne 15."
    ]
    assert "FeatureCollection" in read_contours(b"[1, 2]", "commune").errors[0]


def test_a_detailed_outline_is_simplified():
    # A circle of 2,000 points, about 5 km across: a few dozen points draw it as well.
    import math

    ring = [
        [
            0.68 + 0.03 * math.cos(2 * math.pi * i / 2000),
            47.39 + 0.02 * math.sin(2 * math.pi * i / 2000),
        ]
        for i in range(2000)
    ]
    ring.append(ring[0])
    read = read_contours(
        _collection(_feature({"CODGEO": "37261"}, {"type": "Polygon", "coordinates": [ring]})),
        "commune",
    )
    points = read.contours[0].geometry["coordinates"][0]
    assert 8 < len(points) < 200


def test_classes_have_equal_counts_and_never_overlap():
    assert class_breaks([float(v) for v in range(1, 11)]) == [
        (1, 2),
        (3, 4),
        (5, 6),
        (7, 8),
        (9, 10),
    ]
    assert class_breaks([4.0, 4.0, 4.0]) == [(4.0, 4.0)]
    breaks = class_breaks([1.0, 1.0, 1.0, 1.0, 2.0, 3.0])
    assert all(high < next_low for (_, high), (next_low, _) in zip(breaks, breaks[1:]))
    assert breaks[0] == (1.0, 1.0)


def test_the_map_says_each_territory_and_its_value():
    read = read_contours(_collection(TOURS, JOUE), "commune")
    drawn = choropleth(
        "carte-test",
        "Ménages sans voiture",
        "Carte de test",
        [(c.code, c.name, c.geometry) for c in read.contours],
        {"37261": 31.8, "37122": None},
        unit="%",
        notes={"37122": "secret statistique"},
    )
    tree = lxml_html.fromstring(f"<div>{drawn.svg}</div>")
    svg = tree.find(".//svg")
    assert svg.get("role") == "img"
    titles = [element.text for element in svg.iter("title")]
    assert titles[0] == "Ménages sans voiture"
    assert "Tours : 31,8 %" in titles and "Joué-lès-Tours : secret statistique" in titles
    assert [(c.low, c.high, c.count) for c in drawn.classes] == [(31.8, 31.8, 1)]
    assert drawn.no_data == 1


# --- in the app -------------------------------------------------------------------------------


@pytest.mark.storage
def test_import_contours_command_creates_and_replaces(runner, db, tmp_path):
    path = tmp_path / "communes.geojson"
    path.write_bytes(_collection(TOURS, JOUE))

    result = runner.invoke(args=["import-contours", str(path)])

    assert result.exit_code == 0, result.output
    assert "2 contours lus : 2 ajoutés, 0 remplacés, 2 territoires créés" in result.output
    tours = db.session.scalar(db.select(Territory).where(Territory.code == "37261"))
    assert tours.name == "Tours" and tours.parent.code == "37"  # nested in its département

    moved = _feature({"INSEE_COM": "37261"}, {"type": "Polygon", "coordinates": _square(2, 46)})
    path.write_bytes(_collection(moved))
    result = runner.invoke(args=["import-contours", str(path)])
    assert "1 ajoutés" not in result.output and "0 ajoutés, 1 remplacés" in result.output
    contour = db.session.get(TerritoryContour, tours.id)
    assert contour.geometry["coordinates"][0][0] == [2, 46]

    path.write_bytes(b"pas du json")
    result = runner.invoke(args=["import-contours", str(path)])
    assert result.exit_code == 1
    assert "Import refusé, rien n'a été enregistré" in result.output


@pytest.mark.storage
def test_the_contours_page_imports_for_glossary_editors_only(login, db):
    lecteur = login("lecteur")
    assert lecteur.get("/indicateurs/contours").status_code == 403
    charge = login("charge_etude")

    response = charge.post(
        "/indicateurs/contours",
        data={
            "file": (io.BytesIO(_collection(TOURS, JOUE)), "communes.geojson"),
            "level": "commune",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    page = lxml_html.fromstring(response.get_data(as_text=True))
    assert "2 contours importés : 2 ajoutés" in page.text_content()
    counts = " ".join(page.find_class("contour-counts")[0].text_content().split())
    assert "Communes : 2" in counts

    lambert = _feature(
        {"INSEE_COM": "37261"},
        {
            "type": "Polygon",
            "coordinates": [
                [[525000, 6700000], [530000, 6700000], [530000, 6705000], [525000, 6700000]]
            ],
        },
    )
    response = charge.post(
        "/indicateurs/contours",
        data={"file": (io.BytesIO(_collection(lambert)), "l93.geojson"), "level": "commune"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    alert = lxml_html.fromstring(response.get_data(as_text=True)).find(".//*[@role='alert']")
    assert "Lambert 93" in alert.text_content()


def _contours_for(db, places):
    joue = Territory(
        level="commune", code="37122", name="Joué-lès-Tours", parent=places["departement"]
    )
    db.session.add(joue)
    db.session.flush()
    for territory, feature in ((places["tours"], TOURS), (joue, JOUE)):
        db.session.add(TerritoryContour(territory_id=territory.id, geometry=feature["geometry"]))
    return joue


@pytest.mark.storage
def test_the_theme_page_maps_an_indicator_by_commune(theme_study, login, db):  # noqa: F811
    places = {
        "departement": db.session.scalar(db.select(Territory).where(Territory.code == "37")),
        "tours": db.session.scalar(db.select(Territory).where(Territory.code == "37261")),
    }
    joue = _contours_for(db, places)
    hlm = db.session.scalar(db.select(Indicator).where(Indicator.code == "PART_HLM"))
    year = date.today().year
    db.session.add_all(
        [
            _value(hlm, places["tours"], year - 3, 24.1),
            _value(hlm, joue, year - 3, status="secret"),
        ]
    )
    db.session.commit()

    tree = _page(theme_study["coder"], theme_study)

    block = _block(tree, "Part des logements HLM")
    figure = block.find_class("map-figure")[0]
    titles = [element.text for element in figure.iter("title")]
    assert "Tours : 24,1 %" in titles
    assert "Joué-lès-Tours : secret statistique" in titles
    legend = " ".join(figure.find_class("map-legend")[0].text_content().split())
    assert "24,1 (1 territoire)" in legend and "pas de donnée, secret ou manquant (1)" in legend
    rows = [
        " ".join(" ".join(cell.text_content().split()) for cell in row)
        for row in figure.findall(".//tbody/tr")
    ]
    assert rows == [
        "Joué-lès-Tours 37122 secret statistique " + str(year - 3),
        "Tours 37261 24,1 % " + str(year - 3),
    ]
    # An indicator with no figure by commune has no map.
    assert _block(tree, "Taux de pauvreté ancien").find_class("map-figure") == []


@pytest.mark.storage
def test_the_glossary_page_maps_its_communes(login, db):
    places = _territories(db)
    joue = _contours_for(db, places)
    doctors = Indicator(code="DENS", label="Densité de médecins", unit="pour 10 000 hab.")
    lone = Indicator(code="SEUL", label="Chiffre d'une seule commune")
    db.session.add_all([doctors, lone])
    db.session.flush()
    db.session.add_all(
        [
            _value(doctors, places["tours"], 2022, 11.2),
            _value(doctors, joue, 2022, 6.4),
            _value(doctors, places["epci"], 2022, 9.0),
            _value(lone, places["tours"], 2022, 3.0),
        ]
    )
    db.session.commit()
    reader = login("lecteur")

    tree = lxml_html.fromstring(reader.get(f"/indicateurs/{doctors.id}").get_data(as_text=True))

    figure = tree.find_class("map-figure")[0]
    titles = [element.text for element in figure.iter("title")]
    assert "Tours : 11,2 pour 10 000 hab." in titles
    assert "Joué-lès-Tours : 6,4 pour 10 000 hab." in titles
    legend = " ".join(figure.find_class("map-legend")[0].text_content().split())
    assert legend.startswith("6,4 (1 territoire) 11,2 (1 territoire)")
    # One commune is no map: the table of values says it.
    tree = lxml_html.fromstring(reader.get(f"/indicateurs/{lone.id}").get_data(as_text=True))
    assert tree.find_class("map-figure") == []


@pytest.mark.storage
def test_a_survey_answer_is_mapped_by_commune_with_small_counts_masked(
    theme_study,  # noqa: F811
    login,
    db,
):
    places = {
        "departement": db.session.scalar(db.select(Territory).where(Territory.code == "37")),
        "tours": db.session.scalar(db.select(Territory).where(Territory.code == "37261")),
    }
    _contours_for(db, places)
    db.session.commit()
    url = f"/etudes/etude-test/analyse/{theme_study['questionnaire'].id}/chiffres"
    query = {"par": "commune", "carte": "logement", "reponse": "0"}

    def mapped(client):
        tree = lxml_html.fromstring(client.get(url, query_string=query).get_data(as_text=True))
        section = next(s for s in tree.find_class("survey-question") if s.find_class("map-figure"))
        choice = section.find(".//select[@name='reponse']")
        answer = choice.find("option[@selected]").text
        titles = [element.text for element in section.find_class("map-figure")[0].iter("title")]
        return answer, titles

    answer, titles = mapped(theme_study["coder"])
    assert answer == "Locataire"
    assert "Tours : 100 %" in titles and "Joué-lès-Tours : 0 %" in titles

    minimum = login("lecteur").application.config["SMALL_CELL_MINIMUM"]
    answer, titles = mapped(login("lecteur"))
    # Two respondents in Joué-lès-Tours: hidden on the map as in the table.
    assert f"Joué-lès-Tours : < {minimum} répondants" in titles
