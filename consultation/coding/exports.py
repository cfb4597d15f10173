"""Exports of the coding work through analyse: coded segments (CSV, XLSX) and REFI-QDA (.qdc, .qdpx).

Pseudonymised by default: the stored pseudonymisation of an answer when it matches the current
text, else one computed on the spot, so that a file leaving the coders holds no direct identifier."""

from __future__ import annotations

from analyse.refiqda import QdaCode, QdaCoding, QdaSource, codebook_xml, qdpx_bytes
from analyse.segments_export import segments_csv, segments_xlsx

from ..studies.audit import record
from .models import Codebook
from .results import rows_with_codings
from .services import AnswerRow, active_codes, code_label, pseudonymised_result


def _pseudonymised(row: AnswerRow):
    if row.pseudonymised is not None and row.pseudonymised.text_hash == row.hash:
        return pseudonymised_result(row.text, row.pseudonymised)
    from analyse.pseudonymise import pseudonymise

    return pseudonymise(row.text)


def segments(codebook: Codebook, *, pseudonymised: bool = True) -> list[dict]:
    labels = {code.id: code_label(code).split(" › ") for code in active_codes(codebook)}
    records = []
    for row in rows_with_codings(codebook):
        if not row.codings:
            continue
        result = _pseudonymised(row) if pseudonymised else None
        memo = row.memo.text if row.memo else ""
        to_review = row.codings_to_review
        for coding in row.codings:
            if coding.code_id not in labels:
                continue
            if result is not None:
                start, end = result.to_pseudonymised_span(coding.start, coding.end)
                segment = result.text[start:end]
            else:
                start, end, segment = coding.start, coding.end, row.text[coding.start : coding.end]
            records.append(
                {
                    "submission_id": row.submission.id,
                    "question": row.path,
                    "public": row.public_label,
                    "commune": row.place_label,
                    "code_path": labels[coding.code_id],
                    "start": start,
                    "end": end,
                    "segment": segment,
                    "coder": coding.coder.name or coding.coder.email if coding.coder else "",
                    "coded_at": coding.created_at,
                    "memo": memo,
                    "to_review": coding in to_review,
                }
            )
    return records


def segments_file(codebook: Codebook, file_format: str, *, pseudonymised: bool = True) -> bytes:
    records = segments(codebook, pseudonymised=pseudonymised)
    content = segments_xlsx(records) if file_format == "xlsx" else segments_csv(records)
    _downloaded(codebook, f"segments.{file_format}", pseudonymised, len(records))
    return content


def _downloaded(codebook: Codebook, name: str, pseudonymised: bool, rows: int) -> None:
    """Coded segments are personal data (originals even more): who took which file away. The
    codebook alone (.qdc) holds none and is not recorded."""
    record(
        "export",
        "",
        "download",
        after={
            "file": name,
            "questionnaire_id": codebook.questionnaire_id,
            "pseudonymised": pseudonymised,
            "rows": rows,
        },
    )


def qda_codes(codebook: Codebook) -> list[QdaCode]:
    return [
        QdaCode(
            key=code.key,
            name=code.name,
            parent=code.parent.key if code.parent else None,
            color=code.colour,
            description=code.description,
        )
        for code in active_codes(codebook)
    ]


def codebook_file(codebook: Codebook) -> bytes:
    return codebook_xml(qda_codes(codebook))


def project_file(codebook: Codebook, *, pseudonymised: bool = True) -> bytes:
    keys = {code.id: code.key for code in active_codes(codebook)}
    sources, codings = [], []
    for row in rows_with_codings(codebook):
        source_key = f"{row.submission.id}:{row.path}"
        sources.append(
            QdaSource(
                key=source_key,
                name=f"Réponse {row.submission.id} — {row.path}",
                text=row.text,
                pseudonymised=_pseudonymised(row) if pseudonymised else None,
                description=f"{row.public_label} · {row.place_label}",
            )
        )
        to_review = row.codings_to_review
        for coding in row.codings:
            if coding.code_id in keys:
                codings.append(
                    QdaCoding(
                        source=source_key,
                        code=keys[coding.code_id],
                        start=coding.start,
                        end=coding.end,
                        coder=coding.coder.email if coding.coder else None,
                        created_at=coding.created_at,
                        to_review=coding in to_review,
                    )
                )
    content = qdpx_bytes(
        codebook.name, qda_codes(codebook), sources, codings, pseudonymised=pseudonymised
    )
    _downloaded(codebook, "projet.qdpx", pseudonymised, len(sources))
    return content
