"""The next edition of a study takes the codebooks of its questionnaires: the same codes (keys,
names, descriptions, colours, hierarchy, rules), so that the themes of two years can be compared.
The codes marked as themes stay themes, with their closed questions and key indicator, but back
to « proposé »: the collectif validates them again on the new edition's answers. Codings,
suggestions and memos stay with the answers they were made on. Codes merged into another are
history of the previous edition's codings: they are not copied.

Runs on the studies domain's `edition_prepared` signal, inside its transaction; flushes."""

from sqlalchemy import select

from ..extensions import db
from ..studies.events import edition_prepared
from ..studies.scope import ALL_STUDIES
from .models import Code, Codebook, Theme


def _codebooks_of(study_id: int) -> list[Codebook]:
    return list(
        db.session.scalars(
            select(Codebook)
            .where(Codebook.study_id == study_id)
            .order_by(Codebook.id)
            .execution_options(**{ALL_STUDIES: True})
        )
    )


def copy_codebook(codebook: Codebook, study_id: int, questionnaire_id: int | None) -> Codebook:
    copied = Codebook(study_id=study_id, name=codebook.name, questionnaire_id=questionnaire_id)
    db.session.add(copied)
    live = [code for code in codebook.codes if code.merged_into_id is None]
    copies = {}
    for code in live:
        copies[code.id] = Code(
            key=code.key,
            name=code.name,
            description=code.description,
            colour=code.colour,
            position=code.position,
            keywords=list(code.keywords or []),
            phrases=list(code.phrases or []),
            regexes=list(code.regexes or []),
        )
        copied.codes.append(copies[code.id])
    for code in live:
        if code.parent_id is not None and code.parent_id in copies:
            copies[code.id].parent = copies[code.parent_id]
    db.session.flush()
    for theme in db.session.scalars(select(Theme).where(Theme.code_id.in_(list(copies)))):
        db.session.add(
            Theme(
                code_id=copies[theme.code_id].id,
                questions=list(theme.questions or []),
                key_indicator_id=theme.key_indicator_id,
            )
        )
    db.session.flush()
    return copied


@edition_prepared.connect
def copy_codebooks(previous_study, new_study, questionnaires: dict, **_) -> dict:
    """The codebooks of the copied questionnaires (and the study's own, of no questionnaire).
    Another receiver that needs the new edition's themes may call this first: the second call
    finds the codebooks there and copies nothing."""
    if _codebooks_of(new_study.id):
        return {}
    copied = 0
    codes = 0
    for codebook in _codebooks_of(previous_study.id):
        if codebook.questionnaire_id is None:
            target = None
        elif codebook.questionnaire_id in questionnaires:
            target = questionnaires[codebook.questionnaire_id].id
        else:
            continue  # the codebook of an archived questionnaire stays behind with it
        new_codebook = copy_codebook(codebook, new_study.id, target)
        copied += 1
        codes += len(new_codebook.codes)
    return {"codebooks": copied, "codes": codes}
