"""REFI-QDA codebook and project exports, validated against the standard's schemas with lxml."""

import io
import zipfile
from datetime import datetime, timezone

import pytest
from lxml import etree

from analyse.pseudonymise import default_nlp, pseudonymise
from analyse.refiqda import (
    PROJECT_NS,
    QdaCode,
    QdaCoding,
    QdaSource,
    RefiQdaError,
    codebook_xml,
    guid,
    project_parts,
    qdpx_bytes,
    validate,
)

CODES = [
    QdaCode("mobilite", "Mobilité", color="#1f77b4", description="Se déplacer au quotidien"),
    QdaCode("mobilite/bus", "Bus & tram", parent="mobilite", color="#aec7e8"),
    QdaCode("isolement", "Isolement <social>", color="#d62728"),
]
TEXT = "Appelez Mme Dupont au 06 12 34 56 78 : le bus ne passe plus le dimanche."


@pytest.fixture(scope="module")
def sources():
    return [
        QdaSource("s1|besoins", "Réponse 1 — besoins", TEXT, pseudonymise(TEXT, default_nlp())),
        QdaSource("s2|besoins", "Réponse 2 — besoins", "Je suis seule. 😢"),
    ]


@pytest.fixture()
def codings():
    bus = TEXT.index("le bus")
    return [
        QdaCoding(
            "s1|besoins",
            "mobilite/bus",
            bus,
            len(TEXT) - 1,
            "camille@exemple.fr",
            datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc),
            memo="Ligne 4",
        ),
        QdaCoding("s1|besoins", "isolement", 8, len(TEXT) - 1, "yanis@exemple.fr"),
        QdaCoding("s2|besoins", "isolement", 0, 14, "camille@exemple.fr"),
    ]


def test_codebook_is_valid_hierarchical_and_stable():
    xml = codebook_xml(CODES)
    assert validate(xml, "Codebook") == []
    root = etree.fromstring(xml)
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    mobility = root.find("q:Codes/q:Code[@name='Mobilité']", ns)
    assert mobility.get("color") == "#1F77B4"
    assert mobility.find("q:Code", ns).get("name") == "Bus & tram"
    assert root.find("q:Codes/q:Code[@name='Isolement <social>']", ns) is not None
    assert codebook_xml(CODES) == xml  # same GUIDs on every export


def test_codebook_errors_are_french():
    with pytest.raises(RefiQdaError, match="parent"):
        codebook_xml([QdaCode("a", "A", parent="absent")])
    with pytest.raises(RefiQdaError, match="boucle"):
        codebook_xml([QdaCode("a", "A", parent="b"), QdaCode("b", "B", parent="a")])
    with pytest.raises(RefiQdaError, match="couleur"):
        codebook_xml([QdaCode("a", "A", color="rouge")])


def test_project_is_valid_and_pseudonymised_offsets_follow(sources, codings):
    archive = zipfile.ZipFile(io.BytesIO(qdpx_bytes("ABS Tours 2025", CODES, sources, codings)))
    qde = archive.read("project.qde")
    assert validate(qde, "Project") == []
    root = etree.fromstring(qde)
    ns = {"q": PROJECT_NS}
    assert {u.get("name") for u in root.findall("q:Users/q:User", ns)} == {
        "camille@exemple.fr",
        "yanis@exemple.fr",
    }
    first = root.find("q:Sources/q:TextSource", ns)
    text = archive.read(first.get("plainTextPath").replace("internal://", "sources/")).decode(
        "utf-8"
    )
    assert "Dupont" not in text and "06 12" not in text and "[PERSONNE_1]" in text
    selections = first.findall("q:PlainTextSelection", ns)
    spans = {s.find("q:Coding/q:CodeRef", ns).get("targetGUID"): s for s in selections}
    bus = spans[guid("code", "mobilite/bus")]
    assert (
        text[int(bus.get("startPosition")) : int(bus.get("endPosition"))]
        == "le bus ne passe plus le dimanche"
    )
    assert bus.find("q:Description", ns).text == "Ligne 4"
    assert bus.get("creationDateTime") == "2025-03-04T10:30:00Z"
    # A coding starting inside the replaced name starts at its placeholder.
    isolation = spans[guid("code", "isolement")]
    assert text[int(isolation.get("startPosition")) :].startswith("Mme [PERSONNE_1]")


def test_coders_export_keeps_the_original_text(sources, codings):
    qde, files = project_parts("ABS", CODES, sources, codings, pseudonymised=False)
    assert validate(qde, "Project") == []
    assert TEXT in files.values()
    assert "Je suis seule. 😢" in files.values()


def test_codings_must_point_to_known_codes_and_sources(sources):
    with pytest.raises(RefiQdaError, match="code absent"):
        project_parts("ABS", CODES, sources, [QdaCoding("s1|besoins", "inconnu", 0, 3)])
    with pytest.raises(RefiQdaError, match="hors de la réponse"):
        project_parts(
            "ABS",
            CODES,
            sources,
            [QdaCoding("s2|besoins", "isolement", 0, 500)],
            pseudonymised=False,
        )


def test_schema_rejects_a_broken_project():
    broken = f'<Project xmlns="{PROJECT_NS}"><Users><User name="x"/></Users></Project>'.encode()
    errors = validate(broken, "Project")
    assert any("name" in error or "guid" in error for error in errors)


def test_a_coding_to_review_says_so_in_its_selection_and_stays_valid(sources):
    codings = [
        QdaCoding(
            "s2|besoins", "isolement", 0, 14, "camille@exemple.fr", to_review=True, memo="Deuil"
        ),
        QdaCoding("s2|besoins", "mobilite", 0, 5, "camille@exemple.fr"),
    ]
    qde, _ = project_parts("ABS", CODES, sources, codings)
    assert validate(qde, "Project") == []
    ns = {"q": PROJECT_NS}
    second = etree.fromstring(qde).findall("q:Sources/q:TextSource", ns)[1]
    descriptions = {
        selection.get("endPosition"): selection.findtext("q:Description", None, ns)
        for selection in second.findall("q:PlainTextSelection", ns)
    }
    assert descriptions["14"].startswith("À revoir : ") and descriptions["14"].endswith("\nDeuil")
    assert descriptions["5"] is None
