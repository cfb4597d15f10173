"""The next edition of a study carries its préconisations over: every one but those
« abandonnée », with its status, its follow-up entries (their dates and years kept, so the
history reads the same in both editions) and `carried_from_id` pointing back. Its themes become
the new edition's themes of the same code key (in the copy of the same questionnaire's codebook);
indicator links are kept and survey figures point at the copied questionnaire's question of the
same name. Verbatim links are not copied: answers stay with the edition that collected them, and
the new préconisation's page links back to the previous one, where they are.

Runs on the studies domain's `edition_prepared` signal, inside its transaction; flushes."""

from sqlalchemy import select

from ..coding.editions import copy_codebooks
from ..coding.models import Code, Codebook, Theme
from ..extensions import db
from ..studies.events import edition_prepared
from ..studies.scope import ALL_STUDIES
from .models import Evidence, Recommendation, RecommendationEntry, recommendation_theme

NOT_CARRIED = ("abandonnee",)


def _new_themes(new_study_id: int, questionnaires: dict) -> dict[tuple[int | None, str], Theme]:
    """(questionnaire id of the new edition or None, code key) → the new edition's theme."""
    rows = db.session.execute(
        select(Codebook.questionnaire_id, Code.key, Theme)
        .join(Code, Code.id == Theme.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Codebook.study_id == new_study_id, Code.merged_into_id.is_(None))
        .execution_options(**{ALL_STUDIES: True})
    ).all()
    return {(questionnaire_id, key): theme for questionnaire_id, key, theme in rows}


def _old_theme_addresses(recommendation_ids: list[int]) -> dict[int, list[tuple[int | None, str]]]:
    """recommendation id → (questionnaire id of the previous edition, code key) of its themes."""
    found: dict[int, list[tuple[int | None, str]]] = {}
    if not recommendation_ids:
        return found
    rows = db.session.execute(
        select(recommendation_theme.c.recommendation_id, Codebook.questionnaire_id, Code.key)
        .join(Theme, Theme.id == recommendation_theme.c.theme_id)
        .join(Code, Code.id == Theme.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(recommendation_theme.c.recommendation_id.in_(recommendation_ids))
        .execution_options(**{ALL_STUDIES: True})
    ).all()
    for recommendation_id, questionnaire_id, key in rows:
        found.setdefault(recommendation_id, []).append((questionnaire_id, key))
    return found


@edition_prepared.connect
def carry_recommendations(previous_study, new_study, questionnaires: dict, **_) -> dict:
    # The themes must exist in the new edition before they can be linked: the codebooks' copy
    # does nothing the second time, whichever receiver runs first.
    copied = copy_codebooks(previous_study, new_study=new_study, questionnaires=questionnaires)
    recommendations = list(
        db.session.scalars(
            select(Recommendation)
            .where(
                Recommendation.study_id == previous_study.id,
                Recommendation.status.not_in(NOT_CARRIED),
            )
            .order_by(Recommendation.position, Recommendation.id)
            .execution_options(**{ALL_STUDIES: True})
        )
    )
    themes = _new_themes(new_study.id, questionnaires)
    addresses = _old_theme_addresses([r.id for r in recommendations])
    carried = 0
    for old in recommendations:
        new = Recommendation(
            study_id=new_study.id,
            title=old.title,
            body=old.body,
            committee=old.committee,
            priority=old.priority,
            status=old.status,
            position=old.position,
            carried_from_id=old.id,
            created_by_id=old.created_by_id,
        )
        for questionnaire_id, key in addresses.get(old.id, []):
            target = questionnaires.get(questionnaire_id) if questionnaire_id else None
            theme = themes.get((target.id if target is not None else None, key))
            if theme is not None and theme not in new.themes:
                new.themes.append(theme)
        for entry in old.entries:
            new.entries.append(
                RecommendationEntry(
                    at=entry.at,
                    year=entry.year,
                    status=entry.status,
                    note=entry.note,
                    author_id=entry.author_id,
                )
            )
        for evidence in old.evidence:
            if evidence.kind == "indicator" and evidence.indicator_id is not None:
                new.evidence.append(_copy_evidence(evidence))
            elif evidence.kind == "figure" and evidence.questionnaire_id in questionnaires:
                copy = _copy_evidence(evidence)
                copy.questionnaire_id = questionnaires[evidence.questionnaire_id].id
                new.evidence.append(copy)
        db.session.add(new)
        carried += 1
    db.session.flush()
    return copied | ({"preconisations": carried} if carried else {})


def _copy_evidence(evidence: Evidence) -> Evidence:
    return Evidence(
        kind=evidence.kind,
        questionnaire_id=evidence.questionnaire_id,
        question=evidence.question,
        indicator_id=evidence.indicator_id,
        label=evidence.label,
        note=evidence.note,
        position=evidence.position,
        created_by_id=evidence.created_by_id,
        created_at=evidence.created_at,
    )
