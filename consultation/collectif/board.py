"""The theme board: the study's themes by status with their weight and discussion, and what the
collectif and the chargé d'étude do there — comment, take a stance, choose representative
verbatims, set a theme's status, rename, merge and split themes.

A theme is a `Theme` row on a code of one of the study's codebooks. Merging or splitting a theme
goes through the codebook's own operations (coding/services.py), so the codings are moved, never
lost; the theme's discussion follows its code. Every function flushes, never commits, and writes
its journal line; refusals are `BoardError` values with a French message."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, delete, distinct, func, insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import utcnow
from ..coding.models import THEME_STATUSES, Code, Codebook, Coding, Theme
from ..coding.results import SETTLED, code_family
from ..coding.services import (
    AnswerRow,
    CodingError,
    _answer_rows,
    _rows_query,
    active_codes,
    analysed_answers,
    attach,
    create_code,
    merge_codes,
    move_code,
    update_code,
)
from ..coding.themes import themes_of
from ..extensions import db
from ..questionnaire_store.models import Questionnaire
from ..studies.audit import record
from ..submissions.answer_table import AnswerText
from ..territory.models import Commune
from .following import follow, notify_followers
from .models import (
    STANCES,
    Follow,
    MeetingItem,
    ThemeComment,
    ThemeStance,
    ThemeVerbatim,
    recommendation_theme,
)

COMMENT_LENGTH = 4000
STALE = (
    "Ce thème a été modifié par quelqu'un d'autre pendant que vous le lisiez : rien n'a été "
    "enregistré. Rechargez la page pour voir son état actuel, puis recommencez."
)
_ON_ANSWER = and_(Coding.submission_id == AnswerText.submission_id, Coding.path == AnswerText.path)


class BoardError(ValueError):
    """A change refused, in French; nothing was changed."""


# --- finding themes ------------------------------------------------------------------------------


@dataclass
class StudyThemes:
    questionnaire: Questionnaire
    codebook: Codebook
    themes: list[Theme]


def study_themes() -> list[StudyThemes]:
    """The themes of each questionnaire of the study (through its codebook), questionnaires by
    title, themes in their codebook's order."""
    found = []
    codebooks = db.session.scalars(select(Codebook).order_by(Codebook.id)).all()
    for codebook in codebooks:
        if codebook.questionnaire_id is None:
            continue
        questionnaire = db.session.get(Questionnaire, codebook.questionnaire_id)
        if questionnaire is None:
            continue
        found.append(StudyThemes(questionnaire, codebook, themes_of(codebook)))
    return sorted(found, key=lambda entry: (entry.questionnaire.title, entry.questionnaire.id))


def theme_in_study(theme_id: int) -> Theme | None:
    """The theme, when its codebook belongs to the study of the request (the codebook is scoped,
    so another study's theme is not found)."""
    if not 0 < theme_id < 2**31:
        return None
    return db.session.scalar(
        select(Theme)
        .join(Code, Code.id == Theme.code_id)
        .join(Codebook, Codebook.id == Code.codebook_id)
        .where(Theme.id == theme_id)
    )


def current_theme(theme: Theme) -> Theme:
    """The theme a merged theme now lives in (its code's merge target, followed to the end);
    the theme itself when it was not merged, or when its target is no theme."""
    code, seen = theme.code, set()
    while code.merged_into_id is not None and code.id not in seen:
        seen.add(code.id)
        code = db.session.get(Code, code.merged_into_id)
    if code.id == theme.code_id:
        return theme
    target = db.session.scalar(select(Theme).where(Theme.code_id == code.id))
    return target if target is not None else theme


def questionnaire_of(theme: Theme) -> Questionnaire:
    return db.session.get(Questionnaire, theme.code.codebook.questionnaire_id)


def _touch(theme: Theme) -> None:
    """Any change made on the board moves the theme's version on, so that a form read before it
    is refused (the row's UPDATE increments `version`)."""
    theme.updated_at = utcnow()


def _check_version(theme: Theme, version: int | None) -> None:
    _ensure_current(theme)
    if version is not None and version != theme.version:
        raise BoardError(STALE)


def _ensure_current(theme: Theme) -> None:
    """A decision on a theme merged meanwhile is refused: it would change a theme nobody sees."""
    target = current_theme(theme)
    if target.id != theme.id or theme.code.merged_into_id is not None:
        raise BoardError(
            f"Ce thème a été fusionné dans « {target.code.name} » pendant que vous le lisiez : "
            "rien n'a été enregistré ; reprenez depuis ce thème."
        )


def _flush() -> None:
    """Flush; a concurrent change of the same theme (the UPDATE's version no longer matches)
    becomes the same French refusal as a stale form."""
    try:
        db.session.flush()
    except StaleDataError:
        raise BoardError(STALE) from None


# --- what the board shows ------------------------------------------------------------------------


@dataclass
class Discussion:
    comments: int = 0
    stances: dict[str, int] = field(default_factory=lambda: {key: 0 for key in STANCES})


def discussions(theme_ids: list[int]) -> dict[int, Discussion]:
    """theme id → its comment count (removed ones left out) and stances by kind, in two queries."""
    found = {theme_id: Discussion() for theme_id in theme_ids}
    if not theme_ids:
        return found
    for theme_id, count in db.session.execute(
        select(ThemeComment.theme_id, func.count(ThemeComment.id))
        .where(ThemeComment.theme_id.in_(theme_ids), ThemeComment.removed_at.is_(None))
        .group_by(ThemeComment.theme_id)
    ):
        found[theme_id].comments = count
    for theme_id, stance, count in db.session.execute(
        select(ThemeStance.theme_id, ThemeStance.stance, func.count(ThemeStance.id))
        .where(ThemeStance.theme_id.in_(theme_ids))
        .group_by(ThemeStance.theme_id, ThemeStance.stance)
    ):
        found[theme_id].stances[stance] = count
    return found


def _coded(codebook: Codebook, theme: Theme):
    family = code_family(codebook, theme.code)
    return select(Coding.id).where(_ON_ANSWER, SETTLED, Coding.code_id.in_(family)).exists()


def commune_counts(codebook: Codebook, themes: list[Theme]) -> dict[int, int]:
    """theme id → number of communes where at least one answer coded with it was written."""
    counts = {}
    for theme in themes:
        counts[theme.id] = (
            db.session.scalar(
                select(func.count(distinct(AnswerText.commune_code))).where(
                    *analysed_answers(codebook.questionnaire_id),
                    AnswerText.commune_code.is_not(None),
                    _coded(codebook, theme),
                )
            )
            or 0
        )
    return counts


@dataclass
class CommuneWeight:
    code: str
    name: str
    answers: int
    respondents: int


def weight_by_commune(codebook: Codebook, theme: Theme) -> list[CommuneWeight]:
    """The theme's coded answers and respondents by commune, most respondents first."""
    rows = db.session.execute(
        select(
            AnswerText.commune_code,
            Commune.name,
            func.count(AnswerText.id),
            func.count(distinct(AnswerText.submission_id)),
        )
        .outerjoin(Commune, Commune.insee_code == AnswerText.commune_code)
        .where(*analysed_answers(codebook.questionnaire_id), _coded(codebook, theme))
        .group_by(AnswerText.commune_code, Commune.name)
    ).all()
    weights = [
        CommuneWeight(code or "", name or code or "Commune non renseignée", answers, people)
        for code, name, answers, people in rows
    ]
    return sorted(weights, key=lambda weight: (-weight.respondents, weight.name))


# --- comments ------------------------------------------------------------------------------------


def _comment_text(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise BoardError("Commentaire : écrivez votre commentaire avant de l'envoyer.")
    if len(text) > COMMENT_LENGTH:
        raise BoardError(
            f"Commentaire : {COMMENT_LENGTH:,} caractères au plus ; le vôtre en compte "
            f"{len(text):,}. Raccourcissez-le.".replace(",", "\u202f")
        )
    return text


def thread(theme: Theme) -> list[ThemeComment]:
    """The theme's comments in the order they were written (removed ones keep their place)."""
    return list(
        db.session.scalars(
            select(ThemeComment)
            .where(ThemeComment.theme_id == theme.id)
            .order_by(ThemeComment.created_at, ThemeComment.id)
        )
    )


def post_comment(theme: Theme, user, body: str, *, url_of) -> tuple[ThemeComment, Theme]:
    """Adds the member's comment to the theme's discussion — to the theme it was merged into, if
    it was merged while they wrote — makes them follow it and tells its other followers.
    `url_of(theme)` is the discussion page's path. Returns (comment, the theme it landed on)."""
    text = _comment_text(body)
    target = current_theme(theme)
    comment = ThemeComment(theme_id=target.id, author_id=user.id, body=text)
    db.session.add(comment)
    db.session.flush()
    study_id = target.code.codebook.study_id
    follow(user.id, study_id, theme_id=target.id)
    notify_followers(
        study_id,
        "commentaire",
        f"{user.name or user.email} a commenté le thème « {target.code.name} ».",
        url_of(target),
        theme_id=target.id,
        exclude_user_id=user.id,
    )
    record(
        "theme_comment",
        comment.id,
        "create",
        after={"theme": target.code.name, "text": text[:300]},
    )
    return comment, target


def _own(comment: ThemeComment, user) -> None:
    if comment.author_id != user.id:
        raise BoardError("Vous ne pouvez modifier que vos propres commentaires.")
    if comment.removed_at is not None:
        raise BoardError("Ce commentaire a été retiré : il ne peut plus être modifié.")


def edit_comment(comment: ThemeComment, user, body: str) -> ThemeComment:
    _own(comment, user)
    text = _comment_text(body)
    if text == comment.body:
        return comment
    before = comment.body
    comment.body, comment.edited_at = text, utcnow()
    db.session.flush()
    record(
        "theme_comment",
        comment.id,
        "edit",
        before={"text": before[:300]},
        after={"text": text[:300]},
    )
    return comment


def remove_comment(comment: ThemeComment, user, *, moderator: bool = False) -> ThemeComment:
    """The comment keeps its place in the thread as « commentaire retiré », its text emptied.
    Its author removes it; a chargé d'étude may too (`moderator`)."""
    if comment.removed_at is not None:
        return comment
    if comment.author_id != user.id and not moderator:
        raise BoardError("Vous ne pouvez retirer que vos propres commentaires.")
    before = comment.body
    comment.body, comment.removed_at = "", utcnow()
    db.session.flush()
    record("theme_comment", comment.id, "remove", before={"text": before[:300]})
    return comment


# --- stances -------------------------------------------------------------------------------------


def stance_of(theme: Theme, user_id: int) -> str:
    return (
        db.session.scalar(
            select(ThemeStance.stance).where(
                ThemeStance.theme_id == theme.id, ThemeStance.user_id == user_id
            )
        )
        or ""
    )


def set_stance(theme: Theme, user, stance: str) -> Theme:
    """The member's stance on the theme (an empty stance withdraws it). Returns the theme it
    landed on (the merge target when the theme was merged meanwhile)."""
    if stance and stance not in STANCES:
        raise BoardError("Position : choisissez d'accord, avec des réserves ou pas d'accord.")
    target = current_theme(theme)
    existing = db.session.scalar(
        select(ThemeStance).where(ThemeStance.theme_id == target.id, ThemeStance.user_id == user.id)
    )
    before = existing.stance if existing is not None else ""
    if before == stance:
        return target
    if not stance:
        db.session.delete(existing)
    elif existing is None:
        db.session.add(ThemeStance(theme_id=target.id, user_id=user.id, stance=stance))
    else:
        existing.stance = stance
    db.session.flush()
    record("theme", target.id, "stance", before={"position": before}, after={"position": stance})
    return target


# --- representative verbatims --------------------------------------------------------------------


@dataclass
class ChosenVerbatim:
    chosen: ThemeVerbatim
    row: AnswerRow
    text: str | None  # what this reader may see; None: waiting for its pseudonymisation
    validated: bool  # its pseudonymised text is validated (the collectif reads it)


def _rows(questionnaire_id: int, keys: set[tuple[int, str]]) -> dict[tuple[int, str], AnswerRow]:
    if not keys:
        return {}
    rows = _answer_rows(
        _rows_query(questionnaire_id).where(
            AnswerText.submission_id.in_(sorted({submission for submission, _ in keys}))
        )
    )
    rows = [row for row in rows if (row.submission.id, row.path) in keys]
    attach(rows, codings=False, suggestions=False, memos=False)
    return {(row.submission.id, row.path): row for row in rows}


def chosen_verbatims(theme: Theme, originals: bool) -> tuple[list[ChosenVerbatim], int]:
    """The verbatims chosen for the theme, in their order, as the reader may see them: coders
    read the original (and whether the collectif can read it yet), others only the validated
    pseudonymised text. Returns (shown, how many are hidden from this reader)."""
    chosen = list(
        db.session.scalars(
            select(ThemeVerbatim)
            .where(ThemeVerbatim.theme_id == theme.id)
            .order_by(ThemeVerbatim.position, ThemeVerbatim.id)
        )
    )
    rows = _rows(
        theme.code.codebook.questionnaire_id, {(item.submission_id, item.path) for item in chosen}
    )
    shown, hidden = [], 0
    for item in chosen:
        row = rows.get((item.submission_id, item.path))
        if row is None:  # its answer was rejected since
            continue
        validated = row.validated_text
        text = row.text if originals else validated
        if text is None:
            hidden += 1
            continue
        shown.append(ChosenVerbatim(item, row, text, validated is not None))
    return shown, hidden


def _coded_answers(theme: Theme, own_code_only: bool):
    codebook = theme.code.codebook
    codes = {theme.code.id} if own_code_only else code_family(codebook, theme.code)
    return select(Coding.id).where(_ON_ANSWER, SETTLED, Coding.code_id.in_(codes)).exists()


def coded_answer_total(theme: Theme, *, own_code_only: bool = False) -> int:
    return (
        db.session.scalar(
            select(func.count(AnswerText.id)).where(
                *analysed_answers(theme.code.codebook.questionnaire_id),
                _coded_answers(theme, own_code_only),
            )
        )
        or 0
    )


def coded_answers(
    theme: Theme, *, limit: int, offset: int = 0, own_code_only: bool = False
) -> tuple[list[AnswerRow], int]:
    """The answers holding a settled coding of the theme (or of its sub-codes), a page of them,
    with their codings; and how many there are. `own_code_only`: coded with the theme's own code
    (what a split can move)."""
    codebook = theme.code.codebook
    coded = _coded_answers(theme, own_code_only)
    total = coded_answer_total(theme, own_code_only=own_code_only)
    rows = _answer_rows(
        _rows_query(codebook.questionnaire_id)
        .where(coded)
        .order_by(AnswerText.submission_id, AnswerText.position)
        .limit(limit)
        .offset(offset)
    )
    attach(rows, suggestions=False, memos=False)
    return rows, total


def _coded_with(theme: Theme, submission_id: int, path: str) -> bool:
    codebook = theme.code.codebook
    return (
        db.session.scalar(
            select(AnswerText.id).where(
                *analysed_answers(codebook.questionnaire_id),
                AnswerText.submission_id == submission_id,
                AnswerText.path == path,
                _coded(codebook, theme),
            )
        )
        is not None
    )


def choose_verbatim(theme: Theme, submission_id: int, path: str, user) -> ThemeVerbatim:
    """Keeps an answer coded with the theme as one of its representative verbatims (last)."""
    _ensure_current(theme)
    if not _coded_with(theme, submission_id, path):
        raise BoardError(
            "Verbatim : cette réponse n'est pas (ou plus) codée avec ce thème ; rechargez la page."
        )
    existing = db.session.scalar(
        select(ThemeVerbatim).where(
            ThemeVerbatim.theme_id == theme.id,
            ThemeVerbatim.submission_id == submission_id,
            ThemeVerbatim.path == path,
        )
    )
    if existing is not None:
        return existing
    last = db.session.scalar(
        select(func.max(ThemeVerbatim.position)).where(ThemeVerbatim.theme_id == theme.id)
    )
    chosen = ThemeVerbatim(
        theme_id=theme.id,
        submission_id=submission_id,
        path=path,
        position=(last + 1) if last is not None else 0,
        chosen_by_id=user.id,
    )
    db.session.add(chosen)
    db.session.flush()
    # The journal names the answer, never its words (an erasure redacts this line).
    record(
        "theme_verbatim",
        chosen.id,
        "add",
        after={"theme": theme.code.name, "submission_id": submission_id, "path": path},
    )
    return chosen


def _chosen(theme: Theme, submission_id: int, path: str) -> ThemeVerbatim:
    chosen = db.session.scalar(
        select(ThemeVerbatim).where(
            ThemeVerbatim.theme_id == theme.id,
            ThemeVerbatim.submission_id == submission_id,
            ThemeVerbatim.path == path,
        )
    )
    if chosen is None:
        raise BoardError("Verbatim : il n'est plus retenu pour ce thème ; rechargez la page.")
    return chosen


def drop_verbatim(theme: Theme, submission_id: int, path: str) -> None:
    chosen = _chosen(theme, submission_id, path)
    chosen_id = chosen.id
    db.session.delete(chosen)
    db.session.flush()
    record(
        "theme_verbatim",
        chosen_id,
        "remove",
        before={"theme": theme.code.name, "submission_id": submission_id, "path": path},
    )


def move_verbatim(theme: Theme, submission_id: int, path: str, step: int) -> None:
    """Moves a chosen verbatim one place up (step -1) or down (+1) in the theme's order."""
    chosen = _chosen(theme, submission_id, path)
    ordered = list(
        db.session.scalars(
            select(ThemeVerbatim)
            .where(ThemeVerbatim.theme_id == theme.id)
            .order_by(ThemeVerbatim.position, ThemeVerbatim.id)
        )
    )
    index = ordered.index(chosen)
    other = index + step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    record("theme_verbatim", chosen.id, "move", after={"position": other + 1})


# --- the chargé d'étude's decisions --------------------------------------------------------------


def set_status(theme: Theme, status: str, version: int | None, *, url_of) -> bool:
    """Sets the theme's status; a form read before another change is refused. Validating tells
    the theme's followers. Returns whether something changed."""
    if status not in THEME_STATUSES:
        raise BoardError("Statut : choisissez proposé, en discussion, validé ou écarté.")
    _check_version(theme, version)
    if status == theme.status:
        return False
    before = theme.status
    theme.status = status
    _touch(theme)
    _flush()
    record("theme", theme.id, "state", before={"statut": before}, after={"statut": status})
    if status == "valide":
        notify_followers(
            theme.code.codebook.study_id,
            "theme_valide",
            f"Le thème « {theme.code.name} » a été validé.",
            url_of(theme),
            theme_id=theme.id,
        )
    return True


def rename_theme(theme: Theme, name: str, version: int | None) -> bool:
    """Renames the theme's code (the codebook follows; codings stay)."""
    _check_version(theme, version)
    name = (name or "").strip()
    if not name:
        raise BoardError("Nom du thème : il est obligatoire.")
    if len(name) > 200:
        raise BoardError("Nom du thème : 200 caractères au plus.")
    if name == theme.code.name:
        return False
    before = theme.code.name
    try:
        update_code(theme.code, name=name)
    except CodingError as error:
        raise BoardError(f"Nom du thème : {error.message}.") from None
    _touch(theme)
    _flush()
    record("theme", theme.id, "rename", before={"nom": before}, after={"nom": name})
    return True


def merge_themes(source: Theme, target: Theme, version: int | None, *, url_of) -> dict:
    """Merges `source` into `target` (themes of the same codebook): the source's code is merged
    into the target's (its codings move there), and its comments, stances (a member's stance on
    the target wins), chosen verbatims, followers, préconisation links and meeting items move to
    the target theme. The source stays as a record of its merged code. Returns counts."""
    _check_version(source, version)
    if source.id == target.id:
        raise BoardError("Fusion : choisissez un autre thème que celui-ci.")
    if source.code.codebook_id != target.code.codebook_id:
        raise BoardError("Fusion : on ne fusionne que des thèmes du même questionnaire.")
    _ensure_current(target)
    try:
        counts = merge_codes([source.code], target.code)
    except CodingError as error:
        raise BoardError(f"Fusion : {error.message}.") from None
    comments = db.session.execute(
        update(ThemeComment).where(ThemeComment.theme_id == source.id).values(theme_id=target.id)
    ).rowcount
    taken = set(
        db.session.scalars(select(ThemeStance.user_id).where(ThemeStance.theme_id == target.id))
    )
    stances = 0
    for stance in db.session.scalars(select(ThemeStance).where(ThemeStance.theme_id == source.id)):
        if stance.user_id in taken:
            db.session.delete(stance)
        else:
            stance.theme_id = target.id
            stances += 1
    chosen = {
        (item.submission_id, item.path): item
        for item in db.session.scalars(
            select(ThemeVerbatim).where(ThemeVerbatim.theme_id == target.id)
        )
    }
    position = max((item.position for item in chosen.values()), default=-1) + 1
    verbatims = 0
    for item in db.session.scalars(
        select(ThemeVerbatim)
        .where(ThemeVerbatim.theme_id == source.id)
        .order_by(ThemeVerbatim.position, ThemeVerbatim.id)
    ):
        if (item.submission_id, item.path) in chosen:
            db.session.delete(item)
        else:
            item.theme_id, item.position = target.id, position
            position += 1
            verbatims += 1
    linked = set(
        db.session.scalars(
            select(recommendation_theme.c.recommendation_id).where(
                recommendation_theme.c.theme_id == target.id
            )
        )
    )
    moving = set(
        db.session.scalars(
            select(recommendation_theme.c.recommendation_id).where(
                recommendation_theme.c.theme_id == source.id
            )
        )
    )
    db.session.execute(
        delete(recommendation_theme).where(recommendation_theme.c.theme_id == source.id)
    )
    for recommendation_id in sorted(moving - linked):
        db.session.execute(
            insert(recommendation_theme).values(
                recommendation_id=recommendation_id, theme_id=target.id
            )
        )
    following = set(db.session.scalars(select(Follow.user_id).where(Follow.theme_id == target.id)))
    for item in db.session.scalars(select(Follow).where(Follow.theme_id == source.id)):
        if item.user_id in following:
            db.session.delete(item)
        else:
            item.theme_id = target.id
    db.session.execute(
        update(MeetingItem).where(MeetingItem.theme_id == source.id).values(theme_id=target.id)
    )
    _touch(source)
    _touch(target)
    _flush()
    moved = {
        "codages": counts["codings_moved"],
        "commentaires": comments,
        "positions": stances,
        "verbatims": verbatims,
        "preconisations": len(moving - linked),
    }
    record(
        "theme",
        target.id,
        "merge",
        before={"theme": source.code.name},
        after={"into": target.code.name} | moved,
    )
    notify_followers(
        target.code.codebook.study_id,
        "theme_fusionne",
        f"Le thème « {source.code.name} » a été fusionné dans « {target.code.name} ».",
        url_of(target),
        theme_id=target.id,
    )
    return moved


def split_theme(
    theme: Theme,
    name: str,
    answers: list[tuple[int, str]],
    version: int | None,
) -> Theme:
    """A new theme (a new code beside the theme's) takes the theme's own codings on the ticked
    answers: the codings are moved, never deleted; a chosen verbatim whose answer is no longer
    coded with the theme follows them. Returns the new theme."""
    _check_version(theme, version)
    if not answers:
        raise BoardError("Scinder : cochez au moins une réponse à passer dans le nouveau thème.")
    code = theme.code
    codings = []
    for submission_id, path in dict.fromkeys(answers):
        found = list(
            db.session.scalars(
                select(Coding).where(
                    Coding.submission_id == submission_id,
                    Coding.path == path,
                    Coding.code_id == code.id,
                )
            )
        )
        if not found:
            raise BoardError(
                "Scinder : une réponse cochée n'est plus codée avec ce thème ; rechargez la page."
            )
        codings += found
    try:
        new_code = create_code(code.codebook, name, parent=code.parent, description="", colour=None)
    except CodingError as error:
        raise BoardError(f"Nom du nouveau thème : {error.message}.") from None
    for coding in codings:
        coding.code_id = new_code.id
    new_theme = Theme(code_id=new_code.id, questions=list(theme.questions or []))
    db.session.add(new_theme)
    db.session.flush()
    moved_verbatims = 0
    for item in db.session.scalars(select(ThemeVerbatim).where(ThemeVerbatim.theme_id == theme.id)):
        if (item.submission_id, item.path) in answers and not _coded_with(
            theme, item.submission_id, item.path
        ):
            item.theme_id = new_theme.id
            moved_verbatims += 1
    _touch(theme)
    _flush()
    record(
        "theme",
        theme.id,
        "split",
        before={"theme": code.name},
        after={
            "nouveau_theme": new_code.name,
            "codages": len(codings),
            "reponses": len(dict.fromkeys(answers)),
            "verbatims": moved_verbatims,
        },
    )
    return new_theme


def promote_subcode(theme: Theme, subcode: Code, version: int | None) -> Theme:
    """One of the theme's sub-codes becomes a theme of its own, beside it: its codings go with it
    (they no longer count in the theme). Returns its theme."""
    _check_version(theme, version)
    family = code_family(theme.code.codebook, theme.code) - {theme.code.id}
    if subcode.id not in family or subcode.merged_into_id is not None:
        raise BoardError("Scinder : ce sous-code n'appartient plus à ce thème ; rechargez la page.")
    try:
        move_code(subcode, theme.code.parent)
    except CodingError as error:
        raise BoardError(f"Scinder : {error.message}.") from None
    new_theme = db.session.scalar(select(Theme).where(Theme.code_id == subcode.id))
    if new_theme is None:
        new_theme = Theme(code_id=subcode.id, questions=list(theme.questions or []))
        db.session.add(new_theme)
    _touch(theme)
    _flush()
    record(
        "theme",
        theme.id,
        "split",
        before={"theme": theme.code.name},
        after={"sous_code_devenu_theme": subcode.name},
    )
    return new_theme


def merge_targets(theme: Theme) -> list[Theme]:
    """The other themes of the theme's codebook, the targets a merge may choose."""
    return [other for other in themes_of(theme.code.codebook) if other.id != theme.id]


def subcodes(theme: Theme) -> list[Code]:
    """The theme's active sub-codes (any depth), in the codebook's order."""
    family = code_family(theme.code.codebook, theme.code) - {theme.code.id}
    return [code for code in active_codes(theme.code.codebook) if code.id in family]
