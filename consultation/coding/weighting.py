"""Weighting the figures of « Chiffres de l'enquête » to the population: the margins are read from
imported INSEE population indicators (one indicator per age band × sex, one for the communes),
summed over the communes of the sample, and the sample is raked to them (analyse/weighting.py).

The chargé d'étude chooses the indicator codes (P21_F1824, P21_POP…); nothing is guessed, so the
page can say exactly which indicators and which millésime the weights come from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select

from analyse.territories import COMMUNE
from analyse.weighting import Spread, rake, spread, weighted_shares
from questionnaires import label_in

from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..submissions.models import AGE_BANDS, SEXES
from ..territory.models import Territory
from .survey_figures import answers_frame, closed_questions, reference_model
from .weighting_models import SurveyWeighting

WEIGHTED_SEXES = ("femme", "homme")  # the census counts these two
AGE_SEX, COMMUNE_MARGIN = "age_sex", "commune"


def cell_key(age_band: str, sex: str) -> str:
    return f"{age_band}|{sex}"


def cells() -> list[tuple[str, str]]:
    """(key, French label) of each age band × sex margin cell."""
    return [
        (cell_key(band, sex), f"{band_label} — {SEXES[sex].lower()}")
        for band, band_label in AGE_BANDS.items()
        for sex in WEIGHTED_SEXES
    ]


def setting_of(questionnaire_id: int) -> SurveyWeighting | None:
    return db.session.scalar(
        select(SurveyWeighting).where(SurveyWeighting.questionnaire_id == questionnaire_id)
    )


def save_setting(
    questionnaire_id: int,
    age_sex: dict,
    commune: str,
    year: int | None,
    cap: float | None = None,
):
    """Flushes the chosen indicator codes (empty codes are left out)."""
    setting = setting_of(questionnaire_id)
    if setting is None:
        setting = SurveyWeighting(questionnaire_id=questionnaire_id)
        db.session.add(setting)
    setting.margins = {
        AGE_SEX: {key: code for key, code in age_sex.items() if code},
        COMMUNE_MARGIN: commune or "",
    }
    setting.year = year
    setting.cap = cap
    db.session.flush()
    return setting


def used_codes(setting: SurveyWeighting | None) -> list[str]:
    if setting is None:
        return []
    margins = setting.margins or {}
    codes = list(dict.fromkeys((margins.get(AGE_SEX) or {}).values()))
    if margins.get(COMMUNE_MARGIN):
        codes.append(margins[COMMUNE_MARGIN])
    return codes


def _values(codes: list[str], communes: list[str], year: int | None) -> dict:
    """{(indicator code, commune code): (value, year)} of the latest millésime (or `year`)."""
    if not codes or not communes:
        return {}
    query = (
        select(Indicator.code, Territory.code, IndicatorValue.value, IndicatorValue.year)
        .join(IndicatorValue.indicator)
        .join(IndicatorValue.territory)
        .where(
            Indicator.code.in_(codes),
            Territory.level == COMMUNE,
            Territory.code.in_(communes),
            IndicatorValue.status == "value",
        )
    )
    if year is not None:
        query = query.where(IndicatorValue.year == year)
    found = {}
    for indicator, commune, value, value_year in db.session.execute(query):
        kept = found.get((indicator, commune))
        if kept is None or kept[1] < value_year:
            found[(indicator, commune)] = (value, value_year)
    return found


@dataclass
class Weighting:
    margins: dict
    codes: list[str]
    years: list[int]
    spread: Spread
    weights: pd.Series
    problems: list[str] = field(default_factory=list)
    # question name → {column key (OVERALL, a group): {answer label: weighted percentage}}
    shares: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    cap: float | None = None


def available_indicators() -> list[tuple[str, str]]:
    """(code, label) of the indicators with values for communes: the choices of the settings."""
    rows = db.session.execute(
        select(Indicator.code, Indicator.label)
        .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
        .join(Territory, IndicatorValue.territory_id == Territory.id)
        .where(Territory.level == COMMUNE)
        .group_by(Indicator.code, Indicator.label)
        .order_by(Indicator.code)
    )
    return [(code, label) for code, label in rows]


def weigh(questionnaire, by: str | None = None) -> Weighting | None:
    """The weights of the questionnaire's respondents and the weighted share of each answer of
    its closed questions, for all respondents and, with `by` (a profile column), for each of its
    values; None when no weighting is set."""
    setting = setting_of(questionnaire.id)
    codes = used_codes(setting)
    model = reference_model(questionnaire)
    if not codes or model is None:
        return None
    questions = closed_questions(model)
    frame = answers_frame(questionnaire.id, [closed.name for closed, _ in questions])
    frame[AGE_SEX] = [
        cell_key(band or "", sex or "") for band, sex in zip(frame["age_band"], frame["sex"])
    ]
    frame[COMMUNE_MARGIN] = frame["commune_code"].fillna("")
    communes = sorted({code for code in frame[COMMUNE_MARGIN] if code})
    values = _values(codes, communes, setting.year)
    problems, margins = [], {}
    age_sex = (setting.margins or {}).get(AGE_SEX) or {}
    if age_sex:
        targets = {}
        for key, code in age_sex.items():
            found = [
                values[(code, commune)][0] for commune in communes if (code, commune) in values
            ]
            if not found:
                problems.append(f"aucune valeur de {code} pour les communes de l'enquête.")
            targets[key] = float(sum(found))
        margins[AGE_SEX] = targets
    commune_code = (setting.margins or {}).get(COMMUNE_MARGIN)
    if commune_code:
        targets = {
            commune: float(values[(commune_code, commune)][0])
            for commune in communes
            if (commune_code, commune) in values
        }
        missing = [commune for commune in communes if commune not in targets]
        if missing:
            problems.append(
                f"pas de valeur de {commune_code} pour les communes {', '.join(missing)} : leurs "
                "répondants ne sont pas pondérés."
            )
        margins[COMMUNE_MARGIN] = targets
    weights = rake(frame, margins, setting.cap) if margins else pd.Series(dtype=float)
    years = sorted({year for _, year in values.values()})
    result = Weighting(margins, codes, years, spread(weights), weights, problems, cap=setting.cap)
    for closed, question in questions:
        choice_list = model.choice_lists.get(question.choice_list)
        labels = (
            {c.name: label_in(c.label, "fr") or c.name for c in choice_list.choices}
            if choice_list
            else {}
        )
        shares = weighted_shares(frame, closed, weights, by) if margins else {}
        result.shares[closed.name] = {
            column: {labels.get(key, key): value for key, value in values.items()}
            for column, values in shares.items()
        }
    return result


def indicator_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Indicator)) or 0
