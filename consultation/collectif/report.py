"""The synthesis report of a study, gathered as plain data, then rendered (report_render.py).

`gather` reads the study once and returns JSON-ready dicts and lists — the portrait of the
territory, the method, one section per validated theme with its weight, chosen verbatims,
closed questions, indicators and préconisations — in a fixed order (by id, position or label,
never by what the database happens to return first), with no build time inside. The
fingerprint is the sha256 of that data: two versions built from the same data carry the same
fingerprint and render to the same bytes. The public restitution (publication.py) is cut from
the same data.

What is shown beyond the coders follows their rules: verbatims only as their validated
pseudonymised text (a chosen verbatim whose pseudonymisation is not validated for the current
answer is left out, and counted), small counts hidden by analyse.disclosure (« < N »)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from analyse.charts import french_number
from analyse.disclosure import protect, protect_counts
from analyse.indicator_files import STATUS_LABELS, VALUE
from analyse.tabulations import OVERALL
from analyse.territories import LEVEL_LABELS

from ..coding import survey_figures, themes
from ..coding.models import Code, Codebook, Coding, PseudonymisedAnswer, Theme
from ..coding.services import codebook_of
from ..extensions import db
from ..indicators.models import SOURCES, Indicator, IndicatorValue
from ..questionnaire_store.models import Questionnaire
from ..submissions.answer_table import AnswerText
from ..submissions.local_time import local
from ..submissions.models import AGE_BANDS, CHANNELS, PUBLICS, Submission
from ..territory.models import Commune
from .models import EVIDENCE_KINDS, Evidence, Recommendation, ThemeVerbatim, recommendation_theme

VALIDATED = "valide"
INTERVIEW_CHANNELS = ("tablette", "papier")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

Progress = Callable[[str], None]


def french_date(moment: datetime | None) -> str:
    """« 7 décembre 2026 », in the study's time zone; « — » when there is none."""
    shown = local(moment)
    if shown is None:
        return "—"
    return f"{shown.day} {MONTHS[shown.month - 1]} {shown.year}"


def fingerprint_of(data: dict) -> str:
    """sha256 of the data as canonical JSON (sorted keys): the same data, the same print."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- method ----------------------------------------------------------------------------------


def _tally(column) -> dict[str, dict[str, int]]:
    """key of `column` → channel → submissions (rejected ones left out)."""
    query = (
        select(column, Submission.channel, func.count(Submission.id))
        .where(Submission.state != "rejetee")
        .group_by(column, Submission.channel)
    )
    found: dict[str, dict[str, int]] = {}
    for key, channel, count in db.session.execute(query):
        found.setdefault(key or "", {})[channel] = count
    return found


def _row(key: str, label: str, channels: dict[str, int]) -> dict:
    return {
        "key": key,
        "label": label,
        "interviews": sum(channels.get(channel, 0) for channel in INTERVIEW_CHANNELS),
        "online": channels.get("en_ligne", 0),
        "count": sum(channels.values()),
    }


def method() -> dict:
    """Who answered, how and where: the submissions (rejected ones left out) by public and by
    commune, each split into interviews (tablet, paper) and online answers, by channel, and the
    first and last dates of the answers."""
    first, last = db.session.execute(
        select(
            func.min(func.coalesce(Submission.completed_at, Submission.received_at)),
            func.max(func.coalesce(Submission.completed_at, Submission.received_at)),
        ).where(Submission.state != "rejetee")
    ).one()
    names = dict(db.session.execute(select(Commune.insee_code, Commune.name)).all())
    by_public = _tally(Submission.public)
    by_commune = _tally(Submission.commune_code)
    by_channel = {
        channel: sum(channels.get(channel, 0) for channels in by_public.values())
        for channel in CHANNELS
    }
    communes = [
        _row(key, names.get(key) or key or "Non renseignée", channels)
        for key, channels in by_commune.items()
    ]
    communes.sort(key=lambda row: (row["key"] == "", row["label"], row["key"]))
    return {
        "total": sum(by_channel.values()),
        "interviews": sum(by_channel.get(key, 0) for key in INTERVIEW_CHANNELS),
        "online": by_channel.get("en_ligne", 0),
        "first": french_date(first),
        "last": french_date(last),
        "by_public": [_row(key, label, by_public.get(key, {})) for key, label in PUBLICS.items()],
        "by_channel": [
            {"key": key, "label": label, "count": by_channel.get(key, 0)}
            for key, label in CHANNELS.items()
        ],
        "by_commune": communes,
    }


# --- indicators ------------------------------------------------------------------------------


def _indicator(block) -> dict:
    indicator = block.indicator
    return {
        "code": indicator.code,
        "label": indicator.label,
        "unit": indicator.unit,
        "source": SOURCES.get(indicator.source, "Source non renseignée"),
        "definition": indicator.definition,
        "figures": [
            {
                "territory": figure.column.label,
                "level": LEVEL_LABELS.get(figure.column.level, figure.column.level),
                "role": figure.column.role,
                "value": figure.value if figure.status == VALUE else None,
                "shown": figure.shown
                + (f" {indicator.unit}" if figure.status == VALUE and indicator.unit else ""),
                "status": STATUS_LABELS.get(figure.status, "pas de donnée")
                if figure.status != VALUE
                else "",
                "year": figure.year,
            }
            for figure in block.figures
        ],
    }


def portrait(study) -> dict:
    """The indicators with a figure for the study's territory, against its comparison levels."""
    columns = themes.indicator_columns(study)
    territory = study.territory
    if territory is None:
        return {"territory": "", "columns": [], "indicators": []}
    ids = db.session.scalars(
        select(IndicatorValue.indicator_id)
        .where(IndicatorValue.territory_id == territory.id)
        .distinct()
    ).all()
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.id.in_(ids)).order_by(Indicator.label, Indicator.code)
    ).all()
    blocks = themes.indicator_blocks(list(indicators), columns)
    return {
        "territory": f"{territory.name or territory.code} ({LEVEL_LABELS[territory.level]})",
        "columns": [column.label for column in columns],
        "indicators": [_indicator(block) for block in blocks],
    }


# --- themes ----------------------------------------------------------------------------------


def _weights(weight_by_public: dict, minimum: int) -> dict:
    rows = [(key, weight_by_public[key]) for key in PUBLICS]
    hidden = protect_counts([weight.respondents for _, weight in rows], minimum, total_shown=False)
    bases_hidden = protect_counts([weight.base for _, weight in rows], minimum, total_shown=False)
    return {
        "rows": [
            {
                "key": key,
                "label": PUBLICS[key],
                "answers": weight.answers,
                "respondents": weight.respondents,
                "base": weight.base,
                "percent": round(weight.percent, 1),
                "hidden": hidden[index] or bases_hidden[index],
            }
            for index, (key, weight) in enumerate(rows)
            if weight.base or weight.respondents
        ]
    }


def _figures(questionnaire, theme: Theme, minimum: int) -> list[dict]:
    """The theme's closed questions by public, small counts hidden by analyse.disclosure (the
    rows add up to « Ensemble », a single-choice column to its base)."""
    if not theme.questions:
        return []
    figures, _ = survey_figures.survey_figures(
        questionnaire, "public", masked=False, minimum=minimum, only=theme.questions
    )
    questions = []
    publics = list(PUBLICS)
    for question in figures:
        # « Ensemble » first, then the publics in their usual order: the tabulation's columns
        # follow the order rows came back from the database, which nothing fixes.
        order = sorted(
            range(len(question.columns)),
            key=lambda index: (
                question.columns[index][0] != OVERALL,
                publics.index(question.columns[index][0])
                if question.columns[index][0] in publics
                else len(publics),
                str(question.columns[index][0]),
            ),
        )
        columns = [question.columns[index] for index in order]
        rows = [(answer, [cells[index] for index in order]) for answer, cells in question.rows]
        means = [question.means[index] for index in order] if question.means else []
        keys = [key for key, _ in columns]
        total = next((i for i, key in enumerate(keys) if key == OVERALL), None)
        counts = [[cell.count for cell in cells] for _, cells in rows]
        bases = [question.bases[key] for key in keys]
        hidden, hidden_bases = protect(
            counts,
            bases,
            minimum,
            total_column=total,
            columns_add_up=question.kind != "multiple",
        )
        questions.append(
            {
                "name": question.name,
                "label": question.label,
                "kind": question.kind,
                "columns": [
                    {
                        "label": label,
                        "base": bases[index],
                        "hidden": hidden_bases[index],
                        "small": 0 < bases[index] < minimum,
                    }
                    for index, (_, label) in enumerate(columns)
                ],
                "rows": [
                    {
                        "label": answer,
                        "cells": [
                            {
                                "count": cell.count,
                                "percent": round(cell.percent, 1),
                                "hidden": hidden[row][column],
                                "small": 0 < cell.count < minimum,
                            }
                            for column, cell in enumerate(cells)
                        ],
                    }
                    for row, (answer, cells) in enumerate(rows)
                ],
                "means": [
                    {
                        "mean": None if mean[0] != mean[0] else round(mean[0], 2),
                        "hidden": hidden_bases[index] or mean[3] < minimum,
                    }
                    for index, mean in enumerate(means)
                ],
            }
        )
    return questions


def _verbatims(theme: Theme) -> tuple[list[dict], int]:
    """The verbatims the coders chose for the theme, as their validated pseudonymised text of
    the current answer; (shown, left out for want of a validated pseudonymisation)."""
    rows = db.session.execute(
        select(
            ThemeVerbatim.submission_id,
            AnswerText.text_hash,
            AnswerText.state,
            AnswerText.public,
            AnswerText.age_band,
            AnswerText.commune_code,
            PseudonymisedAnswer.text,
            PseudonymisedAnswer.text_hash,
            PseudonymisedAnswer.validated_at,
        )
        .select_from(ThemeVerbatim)
        .outerjoin(
            AnswerText,
            (AnswerText.submission_id == ThemeVerbatim.submission_id)
            & (AnswerText.path == ThemeVerbatim.path),
        )
        .outerjoin(
            PseudonymisedAnswer,
            (PseudonymisedAnswer.submission_id == ThemeVerbatim.submission_id)
            & (PseudonymisedAnswer.path == ThemeVerbatim.path),
        )
        .where(ThemeVerbatim.theme_id == theme.id)
        .order_by(ThemeVerbatim.position, ThemeVerbatim.id)
    ).all()
    names = dict(db.session.execute(select(Commune.insee_code, Commune.name)).all())
    shown, left_out = [], 0
    for (
        submission_id,
        current,
        state,
        public,
        age_band,
        commune,
        text,
        text_hash,
        validated_at,
    ) in rows:
        if (
            current is None
            or state == "rejetee"
            or validated_at is None
            or text_hash != current
            or not text
        ):
            left_out += 1
            continue
        shown.append(
            {
                # Not shown: what an erasure looks for (report_rights.py).
                "submission_id": submission_id,
                "text": text,
                "public": PUBLICS.get(public, public or ""),
                "age_band": AGE_BANDS.get(age_band, age_band or ""),
                "commune": names.get(commune, commune or ""),
            }
        )
    return shown, left_out


def _evidence(evidence: Evidence) -> dict:
    gone = False
    if evidence.kind == "verbatim":
        gone = (
            evidence.submission_id is None
            or db.session.scalar(
                select(AnswerText.id).where(
                    AnswerText.submission_id == evidence.submission_id,
                    AnswerText.path == evidence.path,
                )
            )
            is None
        )
    elif evidence.kind == "figure":
        gone = evidence.questionnaire_id is None
    elif evidence.kind == "indicator":
        gone = evidence.indicator_id is None
    return {
        "kind": EVIDENCE_KINDS.get(evidence.kind, evidence.kind),
        "label": evidence.label or EVIDENCE_KINDS.get(evidence.kind, ""),
        "note": evidence.note,
        "gone": gone,
    }


def _recommendation(recommendation: Recommendation, validated: dict[int, str]) -> dict:
    return {
        "id": recommendation.id,
        "title": recommendation.title,
        "body": recommendation.body,
        "committee": recommendation.committee,
        "priority": recommendation.priority_label,
        "status": recommendation.status,
        "status_label": recommendation.status_label,
        "themes": sorted(
            {validated[theme.id] for theme in recommendation.themes if theme.id in validated}
        ),
        "evidence": [
            _evidence(evidence)
            for evidence in sorted(recommendation.evidence, key=lambda e: (e.position, e.id))
        ],
    }


def _recommendations_of(theme_ids: list[int]) -> dict[int, list[Recommendation]]:
    """theme id → the préconisations answering it, in the study's order (position, id)."""
    found: dict[int, list[Recommendation]] = {theme_id: [] for theme_id in theme_ids}
    if not theme_ids:
        return found
    pairs = db.session.execute(
        select(recommendation_theme.c.theme_id, Recommendation)
        .join(Recommendation, Recommendation.id == recommendation_theme.c.recommendation_id)
        .where(recommendation_theme.c.theme_id.in_(theme_ids))
        .order_by(Recommendation.position, Recommendation.id)
    ).all()
    for theme_id, recommendation in pairs:
        found[theme_id].append(recommendation)
    return found


def _theme_section(study, questionnaire, theme, weights, minimum, recommendations, validated):
    columns = themes.indicator_columns(study)
    blocks = themes.indicator_blocks(
        themes.theme_indicators(theme), columns, theme.key_indicator_id
    )
    verbatims, left_out = _verbatims(theme)
    return {
        "anchor": f"theme-{questionnaire.id}-{theme.code.key}",
        "key": theme.code.key,
        "name": theme.code.name,
        "description": theme.code.description,
        "questionnaire": questionnaire.title,
        "weights": _weights(weights, minimum),
        "verbatims": verbatims,
        "verbatims_left_out": left_out,
        "figures": _figures(questionnaire, theme, minimum),
        "indicators": [_indicator(block) for block in blocks],
        "recommendations": [_recommendation(r, validated) for r in recommendations],
    }


# --- the whole report ------------------------------------------------------------------------


def studied_codebooks() -> list[tuple[Questionnaire, Codebook]]:
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.id)).all()
    books = [(questionnaire, codebook_of(questionnaire.id)) for questionnaire in questionnaires]
    return [(questionnaire, book) for questionnaire, book in books if book is not None]


def _data_date(study_id: int, theme_ids: list[int]):
    """The latest change among what the report reads: a submission, a coding, a theme, a chosen
    verbatim, a préconisation."""
    moments = [
        db.session.scalar(select(func.max(Submission.updated_at))),
        db.session.scalar(
            select(func.max(Coding.created_at))
            .join(Code, Code.id == Coding.code_id)
            .join(Codebook, Codebook.id == Code.codebook_id)
            .where(Codebook.study_id == study_id)
        ),
        db.session.scalar(select(func.max(Recommendation.updated_at))),
    ]
    if theme_ids:
        moments.append(
            db.session.scalar(select(func.max(Theme.updated_at)).where(Theme.id.in_(theme_ids)))
        )
        moments.append(
            db.session.scalar(
                select(func.max(ThemeVerbatim.chosen_at)).where(
                    ThemeVerbatim.theme_id.in_(theme_ids)
                )
            )
        )
    moments = [local(moment) for moment in moments if moment is not None]
    return max(moments) if moments else None


def gather(study, *, minimum: int, progress: Progress | None = None) -> dict:
    """Everything the report shows, as plain data with its fingerprint (see the module's
    docstring). `progress(message)` is called before each step."""
    step = progress or (lambda message: None)
    step("Méthode et portrait du territoire")
    books = studied_codebooks()
    all_themes = [
        (questionnaire, book, theme)
        for questionnaire, book in books
        for theme in themes.themes_of(book)
    ]
    validated_themes = [item for item in all_themes if item[2].status == VALIDATED]
    validated = {theme.id: theme.code.name for _, _, theme in validated_themes}
    recommendations = _recommendations_of(list(validated))
    sections = []
    for questionnaire, book, theme in validated_themes:
        step(f"Thème « {theme.code.name} »")
        weights = themes.theme_weights(book, [theme])[theme.id]
        sections.append(
            _theme_section(
                study,
                questionnaire,
                theme,
                weights,
                minimum,
                recommendations[theme.id],
                validated,
            )
        )
    in_report = {r.id for items in recommendations.values() for r in items}
    codings = db.session.scalar(
        select(func.count(Coding.id))
        .join(Code, Code.id == Coding.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Codebook.study_id == study.id)
    )
    data_date = _data_date(study.id, [theme.id for _, _, theme in all_themes])
    the_method = method()
    data = {
        "study": {
            "name": study.name,
            "year": study.year,
            "description": study.description,
        },
        "minimum": minimum,
        "portrait": portrait(study),
        "method": the_method,
        "themes": sections,
        "sources": {
            "data_date": french_date(data_date) if data_date else "—",
            "data_moment": data_date.strftime("%d/%m/%Y %H:%M") if data_date else "",
            "submissions": the_method["total"],
            "codings": codings or 0,
            "themes": len(all_themes),
            "validated_themes": len(validated_themes),
            "recommendations": len(in_report),
            "verbatims": sum(len(section["verbatims"]) for section in sections),
            "verbatims_left_out": sum(section["verbatims_left_out"] for section in sections),
            # The submissions whose words the report quotes: an erasure withdraws it.
            "cited": sorted(
                {
                    verbatim["submission_id"]
                    for section in sections
                    for verbatim in section["verbatims"]
                }
            ),
        },
    }
    data["fingerprint"] = fingerprint_of(data)
    return data


def number(value, digits: int | None = None) -> str:
    return "—" if value is None else french_number(value, digits)
