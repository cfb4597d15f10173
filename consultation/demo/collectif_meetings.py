"""Demo meetings of the collectif in the ABS study: one held in October with its decisions (the
« mobilité » theme validated there), one to come in three weeks, and the notification the
collectif's member got for it. Safe to rerun: a study with meetings is left as it is."""

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..accounts.models import utcnow
from ..accounts.services import find_user
from ..coding.models import Code, Codebook, Theme
from ..collectif.following import follow
from ..collectif.models import Meeting, MeetingAttendee, MeetingItem, Notification
from ..extensions import db
from ..studies.scope import current_study
from ..submissions.local_time import study_timezone

GUESTS = [
    ("Nadia Belkacem", "Adjointe aux solidarités, Ville de Tours"),
    ("Marc Lefèvre", "CAF d'Indre-et-Loire"),
]


def _utc(day: datetime) -> datetime:
    return day.replace(tzinfo=study_timezone()).astimezone(timezone.utc).replace(tzinfo=None)


def _themes() -> dict[str, Theme]:
    rows = db.session.execute(
        select(Code.key, Theme)
        .join(Theme, Theme.code_id == Code.id)
        .join(Codebook, Codebook.id == Code.codebook_id)
    )
    return {key: theme for key, theme in rows}


def seed_meetings() -> int:
    """In the study the command works in (the ABS's); returns how many meetings were made."""
    study = current_study()
    if study is None or db.session.scalar(select(func.count(Meeting.id))):
        return 0
    charge, member = find_user("charge@demo.fr"), find_user("collectif@demo.fr")
    if charge is None or member is None:
        return 0
    themes = _themes()
    past = Meeting(
        title="Premier collectif projet : les thèmes de l'enquête",
        starts_at=_utc(datetime(2026, 10, 15, 18, 0)),
        place="CCAS de Tours, salle du conseil",
        notes="Présentation des premiers résultats de l'enquête auprès des jeunes et des aînés.",
        created_by_id=charge.id,
    )
    past.attendees = [
        MeetingAttendee(user_id=charge.id, present=True),
        MeetingAttendee(user_id=member.id, present=True),
        *(
            MeetingAttendee(name=name, organisation=organisation, present=index == 0)
            for index, (name, organisation) in enumerate(GUESTS)
        ),
    ]
    decided = utcnow()
    items = []
    if "mobilite" in themes:
        items.append(
            MeetingItem(
                theme_id=themes["mobilite"].id,
                decision="Thème validé : les transports du soir reviennent chez les jeunes comme "
                "chez les aînés. Un groupe de travail avec Fil Bleu est proposé.",
                decided_at=decided,
                decided_by_id=charge.id,
            )
        )
        themes["mobilite"].status = "valide"
    if "isolement" in themes:
        items.append(
            MeetingItem(
                theme_id=themes["isolement"].id,
                decision="À approfondir : croiser avec les indicateurs de personnes seules "
                "de 75 ans et plus avant la prochaine réunion.",
                decided_at=decided,
                decided_by_id=charge.id,
            )
        )
        themes["isolement"].status = "discussion"
    items.append(
        MeetingItem(
            title="Calendrier du rapport et de la restitution",
            decision="Rapport de synthèse pour février ; restitution publique au printemps.",
            decided_at=decided,
            decided_by_id=charge.id,
        )
    )
    past.items = [_at(item, position) for position, item in enumerate(items)]
    soon = datetime.combine(
        (utcnow().astimezone(study_timezone()) + timedelta(days=21)).date(), time(18, 0)
    )
    upcoming = Meeting(
        title="Collectif projet : premières préconisations",
        starts_at=_utc(soon),
        place="Centre social Pluriel(le), Tours",
        created_by_id=charge.id,
    )
    upcoming.attendees = [MeetingAttendee(user_id=charge.id), MeetingAttendee(user_id=member.id)]
    upcoming.items = [
        _at(MeetingItem(theme_id=themes[key].id), position)
        for position, key in enumerate(("acces-droits", "logement"))
        if key in themes
    ]
    db.session.add_all([past, upcoming])
    db.session.flush()
    for user in (charge, member):
        follow(user.id, study.id)
    db.session.add(
        Notification(
            user_id=member.id,
            study_id=study.id,
            kind="reunion",
            message=f"Réunion du collectif programmée le {soon:%d/%m/%Y à %H:%M} : {upcoming.title}",
            url=f"/etudes/{study.slug}/collectif/reunions/{upcoming.id}",
        )
    )
    db.session.flush()
    return 2


def _at(item: MeetingItem, position: int) -> MeetingItem:
    item.position = position
    return item
