"""Themes side by side: a theme's indicators for the study's territory against its comparison
levels, its closed questions by public, its coded verbatims as each role may read them."""

import hashlib
import uuid
from datetime import date, datetime, timezone

import pytest
from lxml import html as lxml_html
from submission_records import definition

from analyse.nlp import text_hash
from analyse.pseudonymise import Span, render
from consultation.accounts.models import utcnow
from consultation.coding.models import PseudonymisedAnswer, Theme
from consultation.coding.services import add_coding, create_default_codebook
from consultation.indicators.models import Indicator, IndicatorValue
from consultation.indicators.theme_links import freshness, set_theme_keys
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.studies.scope import current_study
from consultation.submissions.answer_table import write_answer_rows
from consultation.submissions.models import Submission
from consultation.territory.models import Commune, Territory

pytestmark = pytest.mark.storage

RENT = "Les loyers sont trop chers pour nous."
NAMED = "Appelez Kevin Martin, le logement trop cher le décourage."


def _submission(questionnaire, public, commune, logement, besoins):
    return Submission(
        client_uuid=str(uuid.uuid4()),
        content_hash=hashlib.sha256(besoins.encode()).hexdigest(),
        questionnaire_version_id=questionnaire.versions[0].id,
        public=public,
        age_band="18_25" if public == "jeune" else "75_84",
        commune_code=commune,
        answers={"logement": logement, "besoins": besoins, "age": 20},
    )


def _territories(db):
    france = Territory(level="france", code="FR", name="France")
    region = Territory(level="region", code="24", name="Centre-Val de Loire")
    departement = Territory(level="departement", code="37", name="Indre-et-Loire", parent=region)
    epci = Territory(level="epci", code="243700754", name="Tours Métropole", parent=departement)
    tours = Territory(level="commune", code="37261", name="Tours", parent=epci)
    db.session.add_all([france, region, departement, epci, tours])
    db.session.flush()
    return {
        "france": france,
        "region": region,
        "departement": departement,
        "epci": epci,
        "tours": tours,
    }


def _value(indicator, territory, year, value=None, status="value"):
    return IndicatorValue(
        indicator_id=indicator.id, territory_id=territory.id, year=year, value=value, status=status
    )


@pytest.fixture()
def theme_study(db, login):
    """9 respondents: 6 young tenants of Tours writing about rents (coded), 2 old owners of
    Joué-lès-Tours (not coded), 1 old tenant of Tours naming someone (coded, pseudonymisation
    validated); the theme « logement » with the question « logement »; the study describes Tours
    Métropole against the département, the région and France."""
    db.session.add_all(
        [
            Commune(insee_code="37261", name="Tours"),
            Commune(insee_code="37122", name="Joué-lès-Tours"),
        ]
    )
    questionnaire = Questionnaire(title="Besoins des habitants")
    questionnaire.versions.append(
        QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=definition(), published_at=utcnow()
        )
    )
    db.session.add(questionnaire)
    db.session.flush()
    submissions = [
        _submission(questionnaire, "jeune", "37261", "locataire", RENT) for _ in range(6)
    ]
    submissions += [
        _submission(
            questionnaire, "age", "37122", "proprietaire", "Rien de particulier à signaler."
        )
        for _ in range(2)
    ]
    named = _submission(questionnaire, "age", "37261", "locataire", NAMED)
    submissions.append(named)
    db.session.add_all(submissions)
    db.session.flush()
    write_answer_rows(submissions, new=True)
    coder = login("charge_etude")
    codebook = create_default_codebook(questionnaire)
    codes = {code.key: code for code in codebook.codes}
    for submission in submissions[:6]:
        add_coding(submission, "besoins", 4, 11, codes["logement-cout"], coder.user.id)
    start = NAMED.index("logement")
    add_coding(
        named, "besoins", start, start + len("logement trop cher"), codes["logement"], coder.user.id
    )
    spans = [Span(8, 20, "PERSONNE", "Kevin Martin")]
    db.session.add(
        PseudonymisedAnswer(
            submission_id=named.id,
            path="besoins",
            text_hash=text_hash(NAMED),
            text=render(NAMED, spans).text,
            spans=[{"start": 8, "end": 20, "kind": "PERSONNE", "text": "Kevin Martin"}],
            validated_at=datetime.now(timezone.utc),
            validated_by_id=coder.user.id,
        )
    )
    db.session.add(Theme(code_id=codes["logement"].id, questions=["logement"]))

    places = _territories(db)
    study = current_study()
    study.communes = db.session.query(Commune).order_by(Commune.name).all()
    study.territory_id = places["epci"].id
    study.comparison_levels = ["departement", "region", "france"]
    hlm = Indicator(
        code="PART_HLM",
        label="Part des logements HLM",
        unit="%",
        source="insee",
        update_frequency="annuelle",
    )
    poverty = Indicator(
        code="TX_PAUV_OLD",
        label="Taux de pauvreté ancien",
        unit="%",
        source="insee",
        update_frequency="annuelle",
    )
    cars = Indicator(code="SANS_VOIT", label="Ménages sans voiture", unit="%", source="insee")
    db.session.add_all([hlm, poverty, cars])
    db.session.flush()
    set_theme_keys(hlm, ["logement"])
    set_theme_keys(poverty, ["logement", "acces-droits"])
    set_theme_keys(cars, ["mobilite"])
    year = date.today().year
    db.session.add_all(
        [
            _value(hlm, places["epci"], year - 8, 19.0),
            _value(hlm, places["epci"], year - 3, 21.7),
            _value(hlm, places["departement"], year - 3, status="missing"),
            _value(hlm, places["region"], year - 3, status="secret"),
            _value(hlm, places["france"], year - 3, 14.6),
            _value(poverty, places["epci"], year - 10, 12.5),
            _value(cars, places["epci"], year - 3, 31.0),
        ]
    )
    db.session.commit()
    return {"questionnaire": questionnaire, "coder": coder, "codebook": codebook, "year": year}


def _page(client, records, key="logement", **query):
    response = client.get(
        f"/etudes/etude-test/analyse/{records['questionnaire'].id}/themes/{key}",
        query_string=query,
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return lxml_html.fromstring(response.get_data(as_text=True))


def _text(element) -> str:
    for line_break in element.iter("br"):
        line_break.tail = " " + (line_break.tail or "")
    return " ".join(element.text_content().split())


def _section(tree, section_id):
    return tree.get_element_by_id(section_id)


def _block(tree, label):
    for block in tree.find_class("indicator-block"):
        if label in _text(block.find(".//h3")):
            return block
    raise AssertionError(f"no indicator block « {label} »")


def test_indicators_of_the_theme_against_the_comparison_levels(theme_study):
    tree = _page(theme_study["coder"], theme_study)
    indicators = _section(tree, "indicateurs")
    hlm = _block(tree, "Part des logements HLM")
    figures = {
        _text(item.find_class("territory")[0]): _text(item.find_class("value")[0])
        for item in hlm.find_class("indicator-figure")
    }
    # The latest millésime of the study's territory, then each comparison level in order.
    assert list(figures) == [
        "Tours Métropole (EPCI)",
        "Indre-et-Loire (département)",
        "Centre-Val de Loire (région)",
        "France",
    ]
    assert figures["Tours Métropole (EPCI)"] == "21,7 %"
    assert figures["Indre-et-Loire (département)"] == "non disponible"
    assert figures["Centre-Val de Loire (région)"] == "secret statistique"
    assert figures["France"] == "14,6 %"
    # Source and millésime under each figure; an older value of the EPCI is not the one shown.
    sources = [_text(s) for s in hlm.find_class("source")]
    assert sources[0] == f"INSEE · millésime {theme_study['year'] - 3}"
    assert "19,0" not in _text(hlm.find_class("indicator-figures")[0])
    # Secret and missing are never a zero, in the figures nor in the chart's data table.
    table = _text(hlm.find(".//details"))
    assert "secret statistique" in table and "non disponible" in table and " 0,0 " not in table
    # The chart is an accessible SVG with its title.
    svg = hlm.find(".//svg")
    assert svg.get("role") == "img" and "Part des logements HLM" in _text(svg.find("title"))
    # An indicator of another theme is not among this theme's.
    assert "Ménages sans voiture" not in _text(indicators)


def test_an_old_millesime_says_the_figures_are_stale(theme_study, login):
    tree = _page(theme_study["coder"], theme_study)
    assert "Chiffres à actualiser" in _text(_block(tree, "Taux de pauvreté ancien"))
    assert not _block(tree, "Part des logements HLM").find_class("freshness")
    glossary = lxml_html.fromstring(login("lecteur").get("/indicateurs/").get_data(as_text=True))
    rows = {
        _text(row.find("td")): _text(row)
        for row in glossary.iter("tr")
        if row.find("td") is not None
    }
    assert "à actualiser" in rows["Taux de pauvreté ancien"]
    assert "à actualiser" not in rows["Part des logements HLM"]


def test_freshness_counts_the_frequency_and_the_publication_delay():
    annual = Indicator(code="X", label="X", update_frequency="annuelle")
    today = date(2026, 12, 7)
    assert not freshness(annual, 2023, today).stale  # the census of 2023 came out in 2026
    assert freshness(annual, 2022, today).stale
    assert freshness(annual, 2022, today).expected == 2023
    several = Indicator(code="Y", label="Y", update_frequency="pluriannuelle")
    assert not freshness(several, 2019, today).stale
    assert not freshness(
        Indicator(code="Z", label="Z", update_frequency="ponctuelle"), 1990, today
    ).stale


def test_closed_questions_by_public_hand_checked_and_masked_for_readers(theme_study, login):
    tree = _page(theme_study["coder"], theme_study)
    questions = _section(tree, "questions")
    table = questions.find(".//table")
    rows = {
        _text(row.find("th")): [_text(cell) for cell in row.findall("td")]
        for row in table.find("tbody")
    }
    # Tenants: 7 of 9 overall (77,8 %, Wilson 45,3–93,7), 6 of 6 young, 1 of 3 old.
    assert rows["Locataire"][0] == "77,8 % 7 · IC 45,3–93,7"
    assert rows["Locataire"][1].startswith("33,3 % 1")
    assert rows["Locataire"][2].startswith("100,0 % 6")
    assert "masqués" not in _text(questions)

    reader_tree = _page(login("collectif"), theme_study)
    reader_questions = _section(reader_tree, "questions")
    reader_rows = {
        _text(row.find("th")): [_text(cell) for cell in row.findall("td")]
        for row in reader_questions.find(".//table").find("tbody")
    }
    assert reader_rows["Locataire"][1] == "< 5"
    assert "33,3 %" not in _text(reader_questions) and "masqués" in _text(reader_questions)


def test_verbatims_are_originals_for_coders_and_validated_pseudonyms_for_readers(
    theme_study, login
):
    coder_verbatims = _section(_page(theme_study["coder"], theme_study), "verbatims")
    assert "Kevin Martin" in _text(coder_verbatims)
    assert "Les loyers sont trop chers" in _text(coder_verbatims)
    weights = {
        _text(row.find("th")): [_text(cell) for cell in row.findall("td")]
        for row in coder_verbatims.find(".//table").find("tbody")
    }
    # Sub-codes count with the theme: 6 young respondents of 6, 1 old of 3.
    assert weights["Jeune (16–25 ans)"] == ["6", "6", "100,0 % sur 6"]
    assert weights["Personne âgée (60 ans et plus)"] == ["1", "1", "33,3 % sur 3"]

    for role in ("collectif", "lecteur"):
        reader = _section(_page(login(role), theme_study), "verbatims")
        quotes = " ".join(_text(quote) for quote in reader.iter("blockquote"))
        assert "Kevin Martin" not in quotes
        assert render(NAMED, [Span(8, 20, "PERSONNE", "Kevin Martin")]).text in quotes
        # The answers whose pseudonymisation is not validated are not quoted.
        assert "Les loyers sont trop chers" not in quotes
        assert "6 autre(s) attendent la validation" in _text(reader)


def test_filters_by_public_and_commune(theme_study):
    tree = _page(theme_study["coder"], theme_study, public="age", commune="37261")
    verbatims = _section(tree, "verbatims")
    quotes = " ".join(_text(quote) for quote in verbatims.iter("blockquote"))
    assert "Kevin Martin" in quotes and "Les loyers" not in quotes
    questions = _section(tree, "questions")
    assert "1 répondant(s) dans le filtre" in _text(questions)
    # The commune filtered on is shown beside the study's territory.
    hlm = _block(tree, "Part des logements HLM")
    territories = [_text(t) for t in hlm.find_class("territory")]
    assert territories[:2] == ["Tours Métropole (EPCI)", "Tours (commune)"]


def test_overview_weights_and_key_indicator(theme_study, login):
    response = login("lecteur").get(
        f"/etudes/etude-test/analyse/{theme_study['questionnaire'].id}/themes"
    )
    tree = lxml_html.fromstring(response.get_data(as_text=True))
    row = tree.xpath("//tr[@data-theme='logement']")[0]
    cells = [_text(cell) for cell in row.findall("td")]
    assert cells[0].startswith("100,0 % 6 sur 6 (6)")
    assert cells[1].startswith("33,3 % 1 sur 3 (1)")
    assert "Part des logements HLM : 21,7 %" in cells[-1]
    # Readers do not get the form that marks codes as themes.
    assert not tree.xpath("//form[contains(@action, '/themes') and @method='post']")


def test_the_charge_marks_themes_and_picks_questions(theme_study, db):
    coder, questionnaire = theme_study["coder"], theme_study["questionnaire"]
    codes = {code.key: code for code in theme_study["codebook"].codes}
    base = f"/etudes/etude-test/analyse/{questionnaire.id}/themes"
    response = coder.post(
        base, data={"codes": [str(codes["logement"].id), str(codes["mobilite"].id)]}
    )
    assert response.status_code == 302
    assert _page(coder, theme_study, key="mobilite") is not None
    theme = db.session.query(Theme).filter_by(code_id=codes["mobilite"].id).one()
    assert theme.status == "propose" and theme.version == 1
    response = coder.post(
        f"{base}/mobilite/reglages", data={"questions": ["aides", "inconnue"], "version": "1"}
    )
    assert "Question fermée inconnue" in coder.get(response.headers["Location"]).get_data(
        as_text=True
    )
    coder.post(f"{base}/mobilite/reglages", data={"questions": ["aides"], "version": "1"})
    db.session.refresh(theme)
    assert theme.questions == ["aides"] and theme.version == 2
    # An edit read at an older version is refused.
    response = coder.post(f"{base}/mobilite/reglages", data={"questions": [], "version": "1"})
    assert "modifié par quelqu" in coder.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(theme)
    assert theme.questions == ["aides"]
    coder.post(base, data={"codes": [str(codes["logement"].id)]})
    assert coder.get(f"{base}/mobilite").status_code == 404
    # The journal says who chose the themes and changed their questions.
    from consultation.studies.models import AuditEntry

    lines = {(line.object_type, line.action) for line in db.session.query(AuditEntry)}
    assert {("codebook", "themes"), ("theme", "edit")} <= lines
    journal = coder.get("/etudes/etude-test/journal").get_data(as_text=True)
    assert "Thèmes modifiés" in journal


def test_the_glossary_links_an_indicator_to_themes(theme_study, login, db):
    indicator = db.session.query(Indicator).filter_by(code="SANS_VOIT").one()
    charge = theme_study["coder"]
    response = charge.post(
        f"/indicateurs/{indicator.id}/themes", data={"keys": "logement, Mobilite"}
    )
    assert response.status_code == 302
    tree = _page(charge, theme_study)
    assert _block(tree, "Ménages sans voiture") is not None
    page = lxml_html.fromstring(charge.get(f"/indicateurs/{indicator.id}").get_data(as_text=True))
    assert _text(page.find_class("theme-keys")[0]) == "logement, mobilite"
    response = charge.post(f"/indicateurs/{indicator.id}/themes", data={"keys": "mobilité !"})
    page = charge.get(response.headers["Location"]).get_data(as_text=True)
    assert "Clé de thème mal formée" in page


def test_study_settings_choose_territory_and_comparison_levels(theme_study, login, db):
    charge = theme_study["coder"]
    epci = db.session.query(Territory).filter_by(level="epci").one()
    tours = db.session.query(Territory).filter_by(level="commune", code="37261").one()
    page = charge.get("/etudes/etude-test/reglages").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    select = tree.get_element_by_id("territory_id")
    assert select.value == str(epci.id)
    data = {
        "name": "Étude de test",
        "kind": "abs",
        "year": "2026",
        "state": "en_cours",
        "territory_id": str(tours.id),
        "comparison_levels": ["epci", "france"],
    }
    response = charge.post("/etudes/etude-test/reglages", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    tree = _page(charge, theme_study)
    territories = [_text(t) for t in _block(tree, "Part des logements HLM").find_class("territory")]
    assert territories == ["Tours (commune)", "Tours Métropole (EPCI)", "France"]
    data["territory_id"] = "999999"
    page = charge.post("/etudes/etude-test/reglages", data=data).get_data(as_text=True)
    assert "Territoire inconnu" in page


def test_a_study_without_territory_says_so_inside_the_indicators(theme_study, db):
    study = current_study()
    study.territory_id = None
    db.session.commit()
    indicators = _section(_page(theme_study["coder"], theme_study), "indicateurs")
    assert indicators.find_class("no-territory")
    assert "réglages de l'étude" in _text(indicators)
