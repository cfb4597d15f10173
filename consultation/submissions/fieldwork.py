"""Fieldwork follow-up: the answers received so far by channel, public, commune and enquêteur,
against the study's targets (Study.targets, set in its settings), so that the chargé d'étude sees
where interviewers are still needed. Rejected submissions do not count: they are not answers the
study will use."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from ..studies.models import Study
from ..territory.models import Commune
from .models import CHANNELS, PUBLICS, Submission


@dataclass
class Line:
    key: str
    label: str
    count: int
    target: int | None = None

    @property
    def missing(self) -> int | None:
        return None if self.target is None else max(self.target - self.count, 0)

    @property
    def percent(self) -> int | None:
        """Share of the target reached, capped at 100 for the bar (the count says the rest)."""
        if not self.target:
            return None
        return min(round(100 * self.count / self.target), 100)


@dataclass
class Fieldwork:
    total: int
    channels: list[Line]
    publics: list[Line]
    communes: list[Line]
    enumerators: list[Line]


def _counted(column, study_id: int) -> dict:
    return dict(
        db.session.execute(
            select(column, func.count(Submission.id))
            .where(Submission.study_id == study_id, Submission.state != "rejetee")
            .group_by(column)
        ).all()
    )


def fieldwork(study: Study) -> Fieldwork:
    targets = study.targets or {}
    public_targets = targets.get("publics") or {}
    commune_targets = targets.get("communes") or {}

    by_channel = _counted(Submission.channel, study.id)
    by_public = _counted(Submission.public, study.id)
    by_commune = _counted(Submission.commune_code, study.id)
    by_enumerator = _counted(Submission.enumerator_id, study.id)

    codes = {commune.insee_code for commune in study.communes} | set(commune_targets)
    codes |= {code for code in by_commune if code}
    names = {
        commune.insee_code: commune.name
        for commune in db.session.scalars(select(Commune).where(Commune.insee_code.in_(codes)))
    }
    communes = [
        Line(code, names.get(code, code), by_commune.get(code, 0), commune_targets.get(code))
        for code in sorted(codes, key=lambda code: names.get(code, code))
    ]
    if by_commune.get(None):
        communes.append(Line("", "Commune non renseignée", by_commune[None]))

    people = {
        user.id: user.name or user.email
        for user in db.session.scalars(
            select(User).where(User.id.in_([key for key in by_enumerator if key]))
        )
    }
    enumerators = sorted(
        (
            Line(str(user_id or ""), people.get(user_id, "Sans enquêteur"), count)
            for user_id, count in by_enumerator.items()
        ),
        key=lambda line: (-line.count, line.label),
    )
    return Fieldwork(
        total=sum(by_channel.values()),
        channels=[Line(key, label, by_channel.get(key, 0)) for key, label in CHANNELS.items()],
        publics=[
            Line(key, label, by_public.get(key, 0), public_targets.get(key))
            for key, label in PUBLICS.items()
        ],
        communes=communes,
        enumerators=enumerators,
    )
