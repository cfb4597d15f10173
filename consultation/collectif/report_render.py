"""The synthesis report's data (report.py) as HTML, PDF and XLSX, each the same bytes for the
same data: the charts are drawn with fixed ids and no date, the PDF carries no creation date, the
XLSX's archive entries carry a fixed time."""

from __future__ import annotations

import base64
import io
import re
import zipfile

from flask import render_template

from analyse.charts import bar_chart

from ..submissions.exports import table_xlsx_bytes
from .report import number

# The date every entry of the XLSX archive says (zip's earliest), instead of the moment it
# was written: the file then depends on its content only.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _indicator_chart(chart_id: str, indicator: dict) -> str:
    figures = indicator["figures"]
    return bar_chart(
        chart_id,
        indicator["label"],
        f"{indicator['label']}, par territoire : "
        + "; ".join(
            f"{figure['territory']} : {figure['shown'] if figure['value'] is not None else figure['status']}"
            for figure in figures
        )
        + ". Les chiffres sont dans le tableau qui suit.",
        [figure["territory"] for figure in figures],
        [figure["value"] for figure in figures],
        unit=indicator["unit"],
        notes=[figure["status"] for figure in figures],
    )


def _weight_chart(chart_id: str, section: dict, minimum: int) -> str:
    rows = section["weights"]["rows"]
    return bar_chart(
        chart_id,
        f"Poids du thème « {section['name']} » par public",
        "Part des répondants de chaque public, parmi ceux qui ont écrit au moins une réponse "
        "libre, dont une réponse est codée avec le thème. Les chiffres sont dans le tableau "
        "qui suit.",
        [row["label"] for row in rows],
        [None if row["hidden"] else row["percent"] for row in rows],
        unit="%",
        notes=[f"moins de {minimum} répondants" if row["hidden"] else "" for row in rows],
    )


def _method_chart(method: dict) -> str:
    rows = [row for row in method["by_public"] if row["count"]]
    return bar_chart(
        "methode-publics",
        "Répondants par public",
        "Nombre de répondants de chaque public (réponses rejetées exclues). Les chiffres sont "
        "dans le tableau qui suit.",
        [row["label"] for row in rows],
        [row["count"] for row in rows],
    )


def charts(data: dict) -> dict:
    """The report's SVG charts, by the id the template asks for."""
    drawn = {}
    if any(row["count"] for row in data["method"]["by_public"]):
        drawn["methode"] = _method_chart(data["method"])
    for index, indicator in enumerate(data["portrait"]["indicators"], start=1):
        drawn[f"portrait-{index}"] = _indicator_chart(f"portrait-{index}", indicator)
    for index, section in enumerate(data["themes"], start=1):
        if section["weights"]["rows"]:
            drawn[f"poids-{index}"] = _weight_chart(f"poids-{index}", section, data["minimum"])
    return drawn


def render_html(data: dict) -> str:
    """The report's body (no <html>, no page chrome): shown inside the app's page, printed
    inside the PDF's."""
    return render_template(
        "collectif/report_body.html", report=data, charts=charts(data), number=number
    )


_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S)


def _svg_as_image(match: re.Match) -> str:
    """WeasyPrint draws an SVG given as an image with its own SVG renderer; written inline, its
    style attributes would go through the page's CSS instead."""
    svg = match.group(0)
    title = _SVG_TITLE.search(svg)
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = title.group(1) if title else ""  # already escaped by analyse.charts
    return f'<img class="chart" alt="{alt}" src="data:image/svg+xml;base64,{encoded}">'


def render_pdf(data: dict, body: str) -> bytes:
    body = _SVG.sub(_svg_as_image, body)
    html = render_template("collectif/report_pdf.html", report=data, body=body)
    from weasyprint import HTML  # loaded on demand: pango and cairo are heavy for the rest

    # No base_url: the report links to nothing outside itself, and the PDF stays the same
    # wherever it is built.
    return HTML(string=html).write_pdf()


# --- XLSX: every table of the report, one sheet each ----------------------------------------


def _hidden(minimum: int) -> str:
    return f"< {minimum}"


def xlsx_sheets(data: dict) -> list[tuple[str, list[str], list[list]]]:
    minimum = data["minimum"]
    sources = data["sources"]
    sheets = [
        (
            "Sources",
            ["Élément", "Valeur"],
            [
                ["Étude", data["study"]["name"]],
                ["Données arrêtées au", sources["data_date"]],
                ["Dernière modification des données", sources["data_moment"]],
                ["Empreinte des données", data["fingerprint"][:12]],
                ["Réponses (hors rejetées)", sources["submissions"]],
                ["Codages", sources["codings"]],
                ["Thèmes", sources["themes"]],
                ["Thèmes validés", sources["validated_themes"]],
                ["Préconisations", sources["recommendations"]],
                ["Verbatims cités", sources["verbatims"]],
                ["Verbatims écartés (pseudonymisation non validée)", sources["verbatims_left_out"]],
                ["Effectif minimal affiché", minimum],
            ],
        )
    ]
    method = data["method"]
    for name, key in (
        ("Méthode - publics", "by_public"),
        ("Méthode - canaux", "by_channel"),
        ("Méthode - communes", "by_commune"),
    ):
        sheets.append(
            (
                name,
                ["Catégorie", "Répondants"],
                [[row["label"], row["count"]] for row in method[key]],
            )
        )
    sheets.append(
        (
            "Portrait du territoire",
            ["Indicateur", "Territoire", "Niveau", "Valeur", "Unité", "Millésime", "Source"],
            [
                [
                    indicator["label"],
                    figure["territory"],
                    figure["level"],
                    figure["value"] if figure["value"] is not None else figure["status"],
                    indicator["unit"],
                    figure["year"],
                    indicator["source"],
                ]
                for indicator in data["portrait"]["indicators"]
                for figure in indicator["figures"]
            ],
        )
    )
    weights, verbatims, figures, indicators, recommendations, evidence = [], [], [], [], [], []
    for section in data["themes"]:
        theme = section["name"]
        for row in section["weights"]["rows"]:
            weights.append(
                [theme, row["label"]]
                + (
                    [_hidden(minimum)] * 3 + [None]
                    if row["hidden"]
                    else [row["answers"], row["respondents"], row["base"], row["percent"]]
                )
            )
        for verbatim in section["verbatims"]:
            verbatims.append(
                [
                    theme,
                    verbatim["text"],
                    verbatim["public"],
                    verbatim["age_band"],
                    verbatim["commune"],
                ]
            )
        for question in section["figures"]:
            for row in question["rows"]:
                for column, cell in zip(question["columns"], row["cells"]):
                    figures.append(
                        [theme, question["label"], row["label"], column["label"]]
                        + (
                            [_hidden(minimum), None]
                            if cell["hidden"]
                            else [cell["count"], cell["percent"]]
                        )
                        + [_hidden(minimum) if column["hidden"] else column["base"]]
                    )
        for indicator in section["indicators"]:
            for figure in indicator["figures"]:
                indicators.append(
                    [
                        theme,
                        indicator["label"],
                        figure["territory"],
                        figure["value"] if figure["value"] is not None else figure["status"],
                        indicator["unit"],
                        figure["year"],
                    ]
                )
        for recommendation in section["recommendations"]:
            recommendations.append(
                [
                    theme,
                    recommendation["title"],
                    recommendation["body"],
                    recommendation["committee"],
                    recommendation["priority"],
                    recommendation["status_label"],
                ]
            )
            for item in recommendation["evidence"]:
                evidence.append(
                    [
                        theme,
                        recommendation["title"],
                        item["kind"],
                        item["label"],
                        "effacé" if item["gone"] else "",
                        item["note"],
                    ]
                )
    sheets += [
        (
            "Poids des thèmes",
            ["Thème", "Public", "Réponses codées", "Répondants", "Base", "Part (%)"],
            weights,
        ),
        ("Verbatims", ["Thème", "Verbatim (pseudonymisé)", "Public", "Âge", "Commune"], verbatims),
        (
            "Questions fermées",
            ["Thème", "Question", "Réponse", "Public", "Effectif", "Part (%)", "Base"],
            figures,
        ),
        (
            "Indicateurs des thèmes",
            ["Thème", "Indicateur", "Territoire", "Valeur", "Unité", "Millésime"],
            indicators,
        ),
        (
            "Préconisations",
            ["Thème", "Titre", "Texte", "Comité", "Priorité", "Statut"],
            recommendations,
        ),
        (
            "Éléments de preuve",
            ["Thème", "Préconisation", "Type", "Libellé", "État", "Note"],
            evidence,
        ),
    ]
    return sheets


def _stable_zip(content: bytes) -> bytes:
    """The same archive with every entry dated _ZIP_TIME, in the same order and compression."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return buffer.getvalue()


def render_xlsx(data: dict) -> bytes:
    return _stable_zip(table_xlsx_bytes(xlsx_sheets(data)))
