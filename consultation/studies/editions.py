"""Yearly editions of a study: « Préparer l'édition suivante » and the list of a study's editions.

The next edition starts from this one's work, not from its data: the questionnaires come as
drafts that remember the version they were copied from (so that the two years' answers can be
compared question by question), with their codebooks (by the coding feature, through the
`edition_prepared` signal), the territory and the RGPD notice. Answers, codings, device tokens and
assignments stay with the edition that collected them."""

import copy
import re

from sqlalchemy import select

from ..accounts.roles import CHARGE_ETUDE
from ..extensions import db
from ..questionnaire_store.models import DRAFT, Questionnaire, QuestionnaireVersion
from .audit import record
from .events import edition_prepared
from .models import NOTICE_FIELDS, Study
from .scope import ALL_STUDIES, role_in
from .services import StudyError, add_member, create_study, members_with_role, slugify


def next_edition(study: Study) -> Study | None:
    """The edition prepared from this one, if any."""
    return db.session.scalar(
        select(Study).where(Study.previous_edition_id == study.id).order_by(Study.id)
    )


def next_name(study: Study) -> str:
    """« ABS 2026 — Tours » → « ABS 2027 — Tours »; a name without its year gets « (édition
    2027) »."""
    year = study.year + 1
    pattern = rf"(?<!\d){study.year}(?!\d)"
    if re.search(pattern, study.name):
        return re.sub(pattern, str(year), study.name)
    suffix = f" (édition {year})"
    return study.name[: 200 - len(suffix)] + suffix


def _free_slug(wanted: str) -> str:
    base = slugify(wanted) or "etude"
    taken = set(db.session.scalars(select(Study.slug).where(Study.slug.like(f"{base[:70]}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base[:70]}-{number}" in taken:
        number += 1
    return f"{base[:70]}-{number}"


def _source_version(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """What the next edition starts from: the version answered last, else the work in progress."""
    return questionnaire.current_published or questionnaire.latest


def _questionnaires_of(study: Study) -> list[Questionnaire]:
    return list(
        db.session.scalars(
            select(Questionnaire)
            .where(Questionnaire.study_id == study.id, ~Questionnaire.archived)
            .order_by(Questionnaire.id)
            .execution_options(**{ALL_STUDIES: True})
        )
    )


def _copy_questionnaire(questionnaire: Questionnaire, new_study: Study, by) -> Questionnaire:
    copied = Questionnaire(
        study_id=new_study.id,
        title=questionnaire.title,
        # Kept: exports and analyses match the two editions by form_id (unique per study).
        form_id=questionnaire.form_id,
        description=questionnaire.description,
        created_by_id=getattr(by, "id", None),
    )
    source = _source_version(questionnaire)
    if source is not None:
        copied.versions.append(
            QuestionnaireVersion(
                number=1,
                status=DRAFT,
                definition=copy.deepcopy(source.definition),
                copied_from_version_id=source.id,
            )
        )
    db.session.add(copied)
    return copied


def prepare_next_edition(study: Study, by=None) -> Study:
    """A new study for the next year, « en préparation », that continues `study`: same kind,
    description, territory and RGPD notice; its chargés d'étude as members; each questionnaire not
    archived as a draft version 1 (the latest published definition, else the latest); the
    codebooks of these questionnaires (by the coding feature). One edition follows another: a
    second « next edition » of the same study is refused. Flushes; the caller commits."""
    existing = next_edition(study)
    if existing is not None:
        raise StudyError(
            f"L'édition suivante de « {study.name} » existe déjà : « {existing.name} » "
            f"({existing.year})."
        )
    name = next_name(study)
    new_study = create_study(
        name,
        study.year + 1,
        kind=study.kind,
        slug=_free_slug(name),
        state="preparation",
        by=by,
        description=study.description,
        previous_edition_id=study.id,
        **{field: getattr(study, field) for field in NOTICE_FIELDS},
    )
    new_study.communes = list(study.communes)
    new_study.quartiers = list(study.quartiers)
    new_study.territory_id = study.territory_id
    new_study.comparison_levels = list(study.comparison_levels or [])
    for charge in members_with_role(study.id, (CHARGE_ETUDE,)):
        add_member(new_study, charge, CHARGE_ETUDE, by=by)

    copies = {
        questionnaire.id: _copy_questionnaire(questionnaire, new_study, by)
        for questionnaire in _questionnaires_of(study)
    }
    db.session.flush()
    copied = {"questionnaires": len(copies)}
    for _, result in edition_prepared.send(study, new_study=new_study, questionnaires=copies):
        copied |= result or {}
    record(
        "study",
        study.id,
        "next_edition",
        study=study,
        by=by,
        after={"slug": new_study.slug, "name": new_study.name, "year": new_study.year, **copied},
    )
    record(
        "study",
        new_study.id,
        "copied_from",
        study=new_study,
        by=by,
        after={"previous_edition": study.slug, **copied},
    )
    return new_study


def editions_of(study: Study, user) -> list[Study]:
    """Every edition of the study's line, oldest first (this one included), that `user` may open."""
    line = [study]
    seen = {study.id}
    previous = study.previous_edition
    while previous is not None and previous.id not in seen:
        line.insert(0, previous)
        seen.add(previous.id)
        previous = previous.previous_edition
    following = next_edition(study)
    while following is not None and following.id not in seen:
        line.append(following)
        seen.add(following.id)
        following = next_edition(following)
    return [
        edition
        for edition in line
        if edition.id == study.id or role_in(edition.id, user) is not None
    ]
