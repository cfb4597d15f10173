"""Demo discussion on the ABS's themes: a few comments and stances by the collectif's member and
the chargée d'étude, representative verbatims chosen on three themes, one theme in discussion
and one validated, so that the theme board shows a collectif at work on first run."""

from sqlalchemy import func, select

from ..accounts.services import find_user
from ..collectif import board
from ..collectif.models import ThemeComment
from ..extensions import db
from ..questionnaire_store.models import Questionnaire
from ..studies.scope import current_study

COMMENTS = {
    "logement": [
        (
            "collectif@demo.fr",
            "Les loyers reviennent dans presque tous les entretiens des jeunes : c'est à porter "
            "en priorité devant les élus.",
        ),
        (
            "charge@demo.fr",
            "D'accord. La part de logements sociaux du territoire va dans le même sens ; je "
            "propose d'en discuter à la prochaine réunion du collectif.",
        ),
    ],
    "mobilite": [
        (
            "collectif@demo.fr",
            "Le bus du soir manque surtout hors de Tours, d'après les verbatims.",
        ),
    ],
    "isolement": [
        (
            "charge@demo.fr",
            "Thème validé en réunion : les personnes âgées seules le citent plus que les autres.",
        ),
    ],
}
STANCES = {
    ("logement", "collectif@demo.fr"): "accord",
    ("logement", "charge@demo.fr"): "accord",
    ("mobilite", "collectif@demo.fr"): "reserve",
    ("isolement", "collectif@demo.fr"): "accord",
}
STATUSES = {"logement": "discussion", "isolement": "valide"}
CHOSEN_PER_THEME = 2


def seed_collectif_board(form_id: str = "abs_2026") -> int:
    """Adds the demo discussion in the study of the request, unless the demo questionnaire's
    themes are already discussed; returns the number of comments written."""
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.form_id == form_id))
    entry = next(
        (
            found
            for found in board.study_themes()
            if questionnaire is not None and found.questionnaire.id == questionnaire.id
        ),
        None,
    )
    if entry is None or not entry.themes:
        return 0
    themes = {theme.code.key: theme for theme in entry.themes}
    discussed = db.session.scalar(
        select(func.count(ThemeComment.id)).where(
            ThemeComment.theme_id.in_([theme.id for theme in entry.themes])
        )
    )
    charge = find_user("charge@demo.fr")
    if discussed or charge is None:
        return 0
    study = current_study()
    slug = study.slug if study is not None else ""

    def url_of(theme) -> str:
        return f"/etudes/{slug}/collectif/themes/{theme.id}" if slug else ""

    written = 0
    for key, comments in COMMENTS.items():
        for email, text in comments:
            author = find_user(email)
            if key in themes and author is not None:
                board.post_comment(themes[key], author, text, url_of=url_of)
                written += 1
    for (key, email), stance in STANCES.items():
        member = find_user(email)
        if key in themes and member is not None:
            board.set_stance(themes[key], member, stance)
    for key in ("logement", "mobilite", "isolement"):
        if key in themes:
            _choose(themes[key], charge)
    for key, status in STATUSES.items():
        if key in themes:
            board.set_status(themes[key], status, None, url_of=url_of)
    return written


def _choose(theme, coder) -> None:
    """The first coded answers whose pseudonymisation is validated (the collectif reads them),
    else the first coded ones."""
    rows, _ = board.coded_answers(theme, limit=60)
    readable = [row for row in rows if row.validated_text is not None]
    for row in (readable or rows)[:CHOSEN_PER_THEME]:
        board.choose_verbatim(theme, row.submission.id, row.path, coder)
