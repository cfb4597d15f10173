"""Demo of the synthesis report and its restitution: in the ABS study, two themes validated as the
collectif would have (unless some already are), a few verbatims chosen among the answers whose
pseudonymisation is validated, one préconisation when the study has none, then a report built
and the restitution published. Safe to rerun: a study with a report is left as it is."""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.services import find_user
from ..coding.models import Coding, PseudonymisedAnswer, Theme
from ..coding.results import code_family
from ..coding.themes import themes_of
from ..collectif.models import Evidence, Recommendation, ThemeVerbatim
from ..collectif.publication import publish
from ..collectif.report import VALIDATED, studied_codebooks
from ..collectif.report_job import build_report
from ..collectif.report_models import Report
from ..extensions import db
from ..indicators.models import Indicator
from ..studies.scope import current_study

DEMO_VALIDATED = ("mobilite", "isolement")
VERBATIMS_PER_THEME = 3


def _choose_verbatims(book, theme: Theme, chooser_id: int) -> int:
    family = code_family(book, theme.code)
    answers = db.session.execute(
        select(PseudonymisedAnswer.submission_id, PseudonymisedAnswer.path)
        .join(
            Coding,
            (Coding.submission_id == PseudonymisedAnswer.submission_id)
            & (Coding.path == PseudonymisedAnswer.path),
        )
        .where(Coding.code_id.in_(family), PseudonymisedAnswer.validated_at.is_not(None))
        .distinct()
        .order_by(PseudonymisedAnswer.submission_id, PseudonymisedAnswer.path)
        .limit(VERBATIMS_PER_THEME)
    ).all()
    for position, (submission_id, path) in enumerate(answers, start=1):
        db.session.add(
            ThemeVerbatim(
                theme_id=theme.id,
                submission_id=submission_id,
                path=path,
                position=position,
                chosen_by_id=chooser_id,
            )
        )
    return len(answers)


def seed_collectif_report(charge_email: str = "charge@demo.fr") -> dict | None:
    """In the study the command works in (the ABS's). Returns what was done, or None."""
    study = current_study()
    charge = find_user(charge_email)
    if study is None or charge is None:
        return None
    if db.session.scalar(select(Report.id).limit(1)) is not None:
        return None
    theme_list = [(book, theme) for _, book in studied_codebooks() for theme in themes_of(book)]
    if not any(theme.status == VALIDATED for _, theme in theme_list):
        for _, theme in theme_list:
            if theme.code.key in DEMO_VALIDATED:
                theme.status = VALIDATED
        db.session.flush()
    validated = [(book, theme) for book, theme in theme_list if theme.status == VALIDATED]
    chosen = 0
    for book, theme in validated:
        has_some = db.session.scalar(
            select(ThemeVerbatim.id).where(ThemeVerbatim.theme_id == theme.id).limit(1)
        )
        if has_some is None:
            chosen += _choose_verbatims(book, theme, charge.id)
    if validated and db.session.scalar(select(Recommendation.id).limit(1)) is None:
        recommendation = Recommendation(
            title="Un transport à la demande en soirée",
            body="Expérimenter un transport à la demande après 20 h entre les quartiers et le "
            "centre, pour les jeunes qui travaillent tard et les personnes âgées sans voiture.",
            committee="Cadre de vie",
            priority="haute",
            status="retenue",
            created_by_id=charge.id,
        )
        recommendation.themes.append(validated[0][1])
        indicator = db.session.scalar(
            select(Indicator).where(Indicator.code == "PART_MEN_SANS_VOIT")
        )
        if indicator is not None:
            recommendation.evidence.append(
                Evidence(
                    kind="indicator", indicator_id=indicator.id, label=indicator.label, position=1
                )
            )
        db.session.add(recommendation)
    db.session.flush()
    report = build_report(study, charge.id)
    publish(study, charge)
    return {"validated": len(validated), "verbatims": chosen, "report": report.id}
