"""REFI-QDA exports, so that other coding tools (QualCoder, NVivo, ATLAS.ti, MAXQDA) can open the
work: a codebook (`.qdc`) and a project (`.qdpx`: a zip of project.qde and the sources as text).

GUIDs are uuid5 of the code's, source's, coding's or coder's key: exporting twice gives the same
identifiers, so another tool recognises the same codes when a newer export is imported.
When `pseudonymised` is set, the sources are the pseudonymised answers and every selection's
offsets are mapped onto them, so that a file sent beyond the coders holds no direct identifier.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources

from lxml import etree

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
ORIGIN = "consultation"
_GUID_NAMESPACE = uuid.UUID("6f1c8a0e-4d2b-5c7e-9a31-2b7d0c5e8f14")
_COLOR = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


@dataclass(frozen=True)
class QdaCode:
    key: str
    name: str
    parent: str | None = None
    color: str | None = None
    description: str = ""
    codable: bool = True


@dataclass(frozen=True)
class QdaSource:
    key: str
    name: str
    text: str
    pseudonymised: object | None = None  # analyse.pseudonymise.Pseudonymised of `text`
    description: str = ""


@dataclass(frozen=True)
class QdaCoding:
    source: str
    code: str
    start: int
    end: int
    coder: str | None = None
    created_at: datetime | None = None
    memo: str = ""
    to_review: bool = (
        False  # the coded words were edited since: said in the selection's description
    )


# REFI-QDA has no field for a coding to check again: the selection's description says it.
REVIEW_NOTE = "À revoir : la réponse a été modifiée dans les mots codés depuis ce codage."


class RefiQdaError(ValueError):
    """The export cannot be built; the message is in French."""


def guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}")).upper()


@lru_cache(maxsize=2)
def schema(name: str) -> etree.XMLSchema:
    """The REFI-QDA schema ("Codebook" or "Project") shipped in analyse/data/refi-qda."""
    path = resources.files("analyse").joinpath("data", "refi-qda", f"{name}.xsd")
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


def _code_tree(codes: Sequence[QdaCode]) -> dict[str | None, list[QdaCode]]:
    keys = {code.key for code in codes}
    if len(keys) != len(codes):
        raise RefiQdaError("grille de codes : un même code apparaît deux fois")
    children: dict[str | None, list[QdaCode]] = {}
    for code in codes:
        if code.parent is not None and code.parent not in keys:
            raise RefiQdaError(f"code « {code.name} » : code parent « {code.parent} » introuvable")
        if code.color and not _COLOR.match(code.color):
            raise RefiQdaError(
                f"code « {code.name} » : couleur « {code.color} » invalide (#RRVVBB attendu)"
            )
        children.setdefault(code.parent, []).append(code)
    # A cycle leaves codes unreachable from the roots.
    reachable, stack = set(), [None]
    while stack:
        for child in children.get(stack.pop(), []):
            if child.key not in reachable:
                reachable.add(child.key)
                stack.append(child.key)
    if reachable != keys:
        raise RefiQdaError("grille de codes : la hiérarchie contient une boucle")
    return children


def _append_codes(
    parent_element, ns: str, children, parent_key, *, with_notes: bool = False
) -> None:
    for code in children.get(parent_key, []):
        attributes = {
            "guid": guid("code", code.key),
            "name": code.name,
            "isCodable": "true" if code.codable else "false",
        }
        if code.color:
            attributes["color"] = code.color.upper()
        element = etree.SubElement(parent_element, f"{{{ns}}}Code", attributes)
        if code.description:
            etree.SubElement(element, f"{{{ns}}}Description").text = _xml_text(code.description)
        _append_codes(element, ns, children, code.key)


def _xml_text(value: str) -> str:
    # XML 1.0 forbids most control characters; answers pasted from elsewhere sometimes carry them.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", value)


def codebook_xml(codes: Sequence[QdaCode]) -> bytes:
    """The `.qdc` file: the hierarchical codebook with colours and descriptions."""
    if not codes:
        raise RefiQdaError("grille de codes vide : rien à exporter")
    children = _code_tree(codes)
    root = etree.Element(
        f"{{{CODEBOOK_NS}}}CodeBook", {"origin": ORIGIN}, nsmap={None: CODEBOOK_NS}
    )
    _append_codes(etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes"), CODEBOOK_NS, children, None)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_parts(
    name: str,
    codes: Sequence[QdaCode],
    sources: Sequence[QdaSource],
    codings: Iterable[QdaCoding],
    *,
    pseudonymised: bool = True,
) -> tuple[bytes, dict[str, str]]:
    """(project.qde, {path in the archive: source text})."""
    children = _code_tree(codes)
    code_keys = {code.key for code in codes}
    by_source: dict[str, list[QdaCoding]] = {}
    source_keys = {source.key for source in sources}
    for coding in codings:
        if coding.source not in source_keys:
            raise RefiQdaError(f"codage sur une réponse absente de l'export : {coding.source}")
        if coding.code not in code_keys:
            raise RefiQdaError(f"codage avec un code absent de la grille : {coding.code}")
        by_source.setdefault(coding.source, []).append(coding)
    coders = sorted({c.coder for items in by_source.values() for c in items if c.coder})

    ns = PROJECT_NS
    root = etree.Element(f"{{{ns}}}Project", {"name": name, "origin": ORIGIN}, nsmap={None: ns})
    if coders:
        users = etree.SubElement(root, f"{{{ns}}}Users")
        for coder in coders:
            etree.SubElement(users, f"{{{ns}}}User", {"guid": guid("user", coder), "name": coder})
    if codes:
        codebook = etree.SubElement(root, f"{{{ns}}}CodeBook")
        _append_codes(etree.SubElement(codebook, f"{{{ns}}}Codes"), ns, children, None)
    files: dict[str, str] = {}
    if sources:
        sources_element = etree.SubElement(root, f"{{{ns}}}Sources")
        for source in sources:
            text, mapper = _source_text(source, pseudonymised)
            source_guid = guid("source", source.key)
            files[f"sources/{source_guid}.txt"] = text
            element = etree.SubElement(
                sources_element,
                f"{{{ns}}}TextSource",
                {
                    "guid": source_guid,
                    "name": source.name,
                    "plainTextPath": f"internal://{source_guid}.txt",
                },
            )
            if source.description:
                etree.SubElement(element, f"{{{ns}}}Description").text = _xml_text(
                    source.description
                )
            for index, coding in enumerate(
                sorted(by_source.get(source.key, []), key=lambda c: (c.start, c.end, c.code))
            ):
                start, end = mapper(coding.start, coding.end)
                if not 0 <= start <= end <= len(text):
                    raise RefiQdaError(
                        f"codage {coding.start}-{coding.end} hors de la réponse « {source.name} »"
                    )
                key = f"{source.key}|{coding.code}|{coding.start}|{coding.end}|{coding.coder or ''}|{index}"
                attributes = {
                    "guid": guid("selection", key),
                    "name": _xml_text(text[start:end][:60]),
                    "startPosition": str(start),
                    "endPosition": str(end),
                }
                if coding.coder:
                    attributes["creatingUser"] = guid("user", coding.coder)
                if coding.created_at:
                    attributes["creationDateTime"] = _datetime(coding.created_at)
                selection = etree.SubElement(element, f"{{{ns}}}PlainTextSelection", attributes)
                description = "\n".join(
                    part for part in (REVIEW_NOTE if coding.to_review else "", coding.memo) if part
                )
                if description:
                    etree.SubElement(selection, f"{{{ns}}}Description").text = _xml_text(
                        description
                    )
                coding_attributes = {"guid": guid("coding", key)}
                if coding.coder:
                    coding_attributes["creatingUser"] = guid("user", coding.coder)
                coding_element = etree.SubElement(selection, f"{{{ns}}}Coding", coding_attributes)
                etree.SubElement(
                    coding_element, f"{{{ns}}}CodeRef", {"targetGUID": guid("code", coding.code)}
                )
    qde = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return qde, files


def _source_text(source: QdaSource, pseudonymised: bool):
    if not pseudonymised:
        return _xml_text(source.text), lambda start, end: (start, end)
    result = source.pseudonymised
    if result is None:
        from analyse.pseudonymise import pseudonymise

        result = pseudonymise(source.text)
    if result.original != source.text:
        raise RefiQdaError(
            f"réponse « {source.name} » : la pseudonymisation ne correspond pas au texte"
        )
    return result.text, result.to_pseudonymised_span


def qdpx_bytes(
    name: str,
    codes: Sequence[QdaCode],
    sources: Sequence[QdaSource],
    codings: Iterable[QdaCoding],
    *,
    pseudonymised: bool = True,
) -> bytes:
    """The `.qdpx` archive: project.qde at the root and each answer as sources/<guid>.txt."""
    qde, files = project_parts(name, codes, sources, codings, pseudonymised=pseudonymised)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for path, text in files.items():
            archive.writestr(path, text.encode("utf-8"))
    return buffer.getvalue()


def validate(xml: bytes, kind: str) -> list[str]:
    """Errors of `xml` against the REFI-QDA schema ("Codebook" or "Project"); empty when valid."""
    checker = schema(kind)
    document = etree.fromstring(xml)
    if checker.validate(document):
        return []
    return [f"ligne {error.line} : {error.message}" for error in checker.error_log]
