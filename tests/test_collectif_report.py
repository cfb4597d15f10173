"""The synthesis report and the public restitution: what they show, what they leave out, the
same bytes from the same data, the masking of small counts."""

import io
import time

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook
from pypdf import PdfReader
from report_records import BUS, NAMED, PSEUDONYMISED, RENT, UNVALIDATED, report_study
from security_records import HOSTILE

from analyse.disclosure import protect, protect_counts
from consultation.collectif.report_models import Publication, Report
from consultation.studies.scope import current_study

pytestmark = pytest.mark.storage

STUDY = "/etudes/etude-test/collectif"


@pytest.fixture()
def charge(login):
    return login("charge_etude")


@pytest.fixture()
def records(db, charge):
    return report_study(db, charge.user.id, mark=HOSTILE[0])


def _text(element) -> str:
    for line_break in element.iter("br"):
        line_break.tail = " " + (line_break.tail or "")
    return " ".join(element.text_content().split())


def _build(client) -> Report:
    response = client.post(f"{STUDY}/rapport")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    from consultation.extensions import db

    return db.session.scalars(db.select(Report).order_by(Report.id.desc())).first()


def _main(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return lxml_html.fromstring(response.get_data(as_text=True)).find(".//main")


def test_the_report_shows_the_validated_theme_its_verbatims_figures_and_preconisations(
    records, charge, login
):
    report = _build(charge)
    reader = login("lecteur")
    page = _main(reader, f"{STUDY}/rapport/{report.id}")
    text = _text(page)
    theme = page.get_element_by_id(f"theme-{records['questionnaire'].id}-logement")
    theme_text = _text(theme)
    # The theme's name is typed by a member: escaped, not run.
    assert f"{HOSTILE[0]}Logement" in theme_text and not page.xpath("//script")
    assert PSEUDONYMISED in theme_text and "Kevin Martin" not in text
    assert "Josiane Pichon" not in text and "[PERSONNE_7]" not in text
    assert "1 verbatim(s) choisi(s) non cité(s)" in theme_text
    # The closed question « logement » by public; the indicator against the comparison levels.
    assert "Vous êtes… : part des répondants, par public" in theme_text
    assert "Part des logements HLM" in theme_text and "secret statistique" in theme_text
    # The préconisation with its labels, the erased verbatim said so.
    assert f"{HOSTILE[0]}Un guichet unique du logement" in theme_text
    assert "Retenue" in theme_text and "Priorité : Haute" in theme_text
    assert "Comité : Accès aux droits" in theme_text
    gone = theme.find_class("evidence-gone")
    assert [_text(item) for item in gone] == ["« Verbatim d'un jeune locataire » — effacé"]
    # The theme still under discussion has no section.
    assert "Mobilité" not in text and "Des bus le soir" not in text
    # Method: who answered, how, where.
    method = _text(page.get_element_by_id("methode"))
    assert (
        "10 réponse(s) retenue(s) : 8 entretien(s) (tablette ou papier) et 2 réponse(s) en ligne"
        in method
    )
    by_public = {
        _text(row.find("th")): [_text(cell) for cell in row.findall("td")]
        for row in page.get_element_by_id("methode-by_public").getparent().iter("tr")
        if row.find("td") is not None
    }
    # Entretiens, en ligne, total.
    assert by_public["Personne âgée (60 ans et plus)"] == ["2", "2", "4"]
    assert by_public["Jeune (16–25 ans)"] == ["6", "0", "6"]
    assert "Joué-lès-Tours" in method
    # Portrait: the study's territory against its comparison levels, a chart and its table.
    portrait = page.get_element_by_id("portrait")
    assert "Tours Métropole (EPCI)" in _text(portrait)
    assert portrait.xpath(".//svg[@role='img']") and portrait.xpath(".//table")
    # What the report was built from.
    sources = _text(page.find_class("report-sources")[0])
    assert "10 réponse(s)" in sources and report.short_fingerprint in sources
    assert report.counts["validated_themes"] == 1 and report.counts["themes"] == 2


def test_a_report_built_twice_from_the_same_data_is_identical(records, charge):
    first = _build(charge)
    time.sleep(2.1)  # past the resolution of any date a PDF or a zip archive would carry
    second = _build(charge)
    assert first.id != second.id
    assert first.fingerprint == second.fingerprint
    assert first.html == second.html
    assert first.pdf == second.pdf
    assert first.xlsx == second.xlsx
    # A change in the data: another print.
    from consultation.extensions import db

    db.session.get(type(records["validated"]), records["validated"].id).status = "discussion"
    db.session.commit()
    third = _build(charge)
    assert third.fingerprint != first.fingerprint


def test_the_pdf_reads_the_same_report(records, charge):
    report = _build(charge)
    response = charge.get(f"{STUDY}/rapport/{report.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.split())
    assert "Rapport de synthèse" in flat
    assert f"{HOSTILE[0]}Logement" in flat  # the tag printed as text
    assert "Kevin Martin" not in flat and "Josiane" not in flat
    assert "Un guichet unique du logement" in flat and "effacé" in flat
    assert report.short_fingerprint in flat


def test_the_xlsx_has_one_sheet_per_table(records, charge):
    report = _build(charge)
    response = charge.get(f"{STUDY}/rapport/{report.id}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [
        "Sources",
        "Méthode - publics",
        "Méthode - canaux",
        "Méthode - communes",
        "Portrait du territoire",
        "Poids des thèmes",
        "Verbatims",
        "Questions fermées",
        "Indicateurs des thèmes",
        "Préconisations",
        "Éléments de preuve",
    ]
    verbatims = [row for row in workbook["Verbatims"].iter_rows(values_only=True)][1:]
    assert [row[1] for row in verbatims] == [PSEUDONYMISED]
    evidence = list(workbook["Éléments de preuve"].iter_rows(values_only=True))[1:]
    assert [row[4] for row in evidence] == ["effacé", None, None]
    sources = dict(list(workbook["Sources"].iter_rows(values_only=True))[1:])
    assert sources["Empreinte des données"] == report.short_fingerprint


def test_a_study_without_a_validated_theme_still_gets_its_report(db, charge):
    report = _build(charge)
    page = _main(charge, f"{STUDY}/rapport/{report.id}")
    assert "Aucun thème validé" in _text(page.get_element_by_id("themes"))
    assert report.pdf.startswith(b"%PDF") and report.xlsx.startswith(b"PK")


def test_the_list_shows_the_versions_and_only_the_charge_builds(records, charge, login):
    _build(charge)
    page = _main(charge, f"{STUDY}/rapport")
    assert "Version" in _text(page.get_element_by_id("versions-titre").getparent())
    assert page.xpath(".//button[normalize-space()='Construire le rapport']")
    member = login("collectif")
    page = _main(member, f"{STUDY}/rapport")
    assert not page.xpath(".//button")
    assert member.post(f"{STUDY}/rapport").status_code == 403


# --- the public restitution --------------------------------------------------------------


def test_publishing_shows_only_validated_pseudonymised_aggregated_content(records, charge, client):
    assert client.get("/restitution/etude-test").status_code == 404  # never published
    assert charge.post(f"{STUDY}/restitution/publier").status_code == 302
    response = client.get("/restitution/etude-test")
    assert response.status_code == 200
    main = lxml_html.fromstring(response.get_data(as_text=True)).find(".//main")
    text = _text(main)
    assert f"{HOSTILE[0]}Logement" in text and not main.xpath(".//script")
    assert PSEUDONYMISED in text
    for secret in ("Kevin Martin", "Josiane Pichon", "[PERSONNE_7]", RENT, BUS, NAMED, UNVALIDATED):
        assert secret not in text
    assert "Mobilité" not in text and "Des bus le soir" not in text  # not validated
    assert "Une navette abandonnée" not in text  # abandoned
    assert "Un guichet unique du logement" in text
    quote = main.find_class("verbatims")[0]
    assert _text(quote.find(".//p")) == "Personne âgée (60 ans et plus)"  # no age band, no commune
    # Small counts: 1 old tenant of 3 answering « logement »: hidden, and the total does not
    # give it back.
    assert "< 5" in text
    communes = {
        _text(row.find("th")): _text(row.find("td"))
        for row in main.get_element_by_id("methode").iter("tr")
        if row.find("td") is not None
    }
    # 2 in Joué-lès-Tours: under 5; Tours' 8 goes with it, or 10 − 8 would give it back.
    assert communes["Joué-lès-Tours"] == "< 5" and communes["Tours"] == "masqué"


def test_the_public_page_keeps_its_snapshot_until_republished_and_unpublishing_hides_it(
    records, charge, client
):
    charge.post(f"{STUDY}/restitution/publier")
    from consultation.extensions import db

    theme = db.session.get(type(records["discussed"]), records["discussed"].id)
    theme.status = "valide"
    db.session.commit()
    assert "Mobilité" not in _text(_main(client, "/restitution/etude-test"))
    charge.post(f"{STUDY}/restitution/publier")
    assert "Mobilité" in _text(_main(client, "/restitution/etude-test"))
    publication = db.session.scalar(db.select(Publication))
    assert publication.published
    assert charge.post(f"{STUDY}/restitution/depublier").status_code == 302
    assert client.get("/restitution/etude-test").status_code == 404
    assert client.get("/restitution/nulle-part").status_code == 404


# --- the masking rule --------------------------------------------------------------------


def _revealed(counts, bases, hidden, hidden_bases, total):
    """Hidden counts a reader can work back by subtraction: a line (a row against its total
    cell, a column against its base) with exactly one hidden count and its total shown."""
    found = []
    for row, line in enumerate(hidden):
        groups = [column for column in range(len(line)) if column != total]
        lone = [column for column in groups if line[column]]
        if len(lone) == 1 and not line[total]:
            found.append((row, lone[0]))
    for column in range(len(bases)):
        lone = [row for row in range(len(counts)) if hidden[row][column]]
        if len(lone) == 1 and not hidden_bases[column]:
            found.append((lone[0], column))
    return found


def test_small_cells_are_hidden_and_no_total_gives_them_back():
    # Columns: Ensemble (the total), jeune, âgé; a single-choice question (columns add up).
    counts = [[8, 6, 2], [12, 0, 12]]
    bases = [20, 6, 14]
    hidden, hidden_bases = protect(counts, bases, 5, total_column=0, columns_add_up=True)
    assert hidden[0][2]  # the 2
    assert hidden[0][1]  # the 6: Ensemble − 6 would give the 2 back
    assert hidden[1][2]  # the 12: the base 14 − 12 would give the 2 back
    assert hidden[1][0]  # and Ensemble's 12 (jeune is 0): it would give that 12 back
    assert _revealed(counts, bases, hidden, hidden_bases, 0) == []
    # A group under the minimum is hidden whole; the next smallest base goes with it.
    hidden, hidden_bases = protect([[3, 1, 2]], [30, 4, 26], 5, total_column=0)
    assert hidden_bases == [False, True, True] and hidden[0][1]
    # A total under the minimum is a small count too.
    hidden, hidden_bases = protect([[3, 3, 0]], [3, 3, 0], 5, total_column=0)
    assert hidden == [[True, True, False]] and hidden_bases[0]
    assert protect_counts([40, 3, 12], 5) == [False, True, True]
    assert protect_counts([40, 0, 12], 5) == [False, False, False]


def test_the_report_hides_small_counts_too(records, charge):
    report = _build(charge)
    page = lxml_html.fromstring(report.html)
    table = next(
        table for table in page.iter("table") if "Vous êtes…" in _text(table.find("caption"))
    )
    cells = [_text(cell) for cell in table.iter("td")]
    assert "< 5" in cells
    assert current_study().slug == "etude-test"


def test_the_demo_has_a_report_and_a_published_restitution(runner, db, client):
    from consultation.demo.seed import ABS_STUDY
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    result = runner.invoke(args=["demo", "--submissions", "40"])
    assert result.exit_code == 0, result.output
    enter_study(find_study(ABS_STUDY["slug"]), None)
    report = db.session.scalar(db.select(Report))
    assert report.counts["validated_themes"] >= 1 and report.pdf.startswith(b"%PDF")
    main = _main(client, f"/restitution/{ABS_STUDY['slug']}")
    assert main.find_class("report-theme")


def test_erasing_a_quoted_answer_withdraws_the_reports_and_the_public_quote(
    records, charge, client
):
    from consultation.coding.models import PseudonymisedAnswer
    from consultation.extensions import db
    from consultation.submissions.rights import erase_submissions

    report = _build(charge)
    charge.post(f"{STUDY}/restitution/publier")
    assert PSEUDONYMISED in _text(_main(client, "/restitution/etude-test"))
    quoted = db.session.scalar(
        db.select(PseudonymisedAnswer.submission_id).where(
            PseudonymisedAnswer.text == PSEUDONYMISED
        )
    )
    erase_submissions([quoted], reason="demande de la personne")
    db.session.commit()
    page = _main(charge, f"{STUDY}/rapport/{report.id}")
    assert "Cette version a été retirée" in _text(page)
    assert PSEUDONYMISED not in _text(page)
    assert charge.get(f"{STUDY}/rapport/{report.id}.pdf").status_code == 404
    public = _text(_main(client, "/restitution/etude-test"))
    assert PSEUDONYMISED not in public and "Un guichet unique du logement" in public
    # A new version quotes what is left, and the préconisation's evidence still says « effacé ».
    again = _build(charge)
    assert again.pdf and PSEUDONYMISED not in again.html


def test_the_charge_previews_the_restitution_before_publishing(records, charge, client):
    main = _main(charge, f"{STUDY}/restitution/apercu")
    text = _text(main)
    assert "Aperçu, non publié" in text and PSEUDONYMISED in text
    assert "Mobilité" not in text and "Josiane Pichon" not in text
    assert client.get("/restitution/etude-test").status_code == 404  # still not published
