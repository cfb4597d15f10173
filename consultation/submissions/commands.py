"""Commands of the submissions domain."""

import click
from flask.cli import with_appcontext

from ..extensions import db


@click.command("rebuild-answer-table")
@click.option(
    "--questionnaire",
    "questionnaire_id",
    type=int,
    default=None,
    help="Seulement les réponses de ce questionnaire (identifiant).",
)
@with_appcontext
def rebuild_answer_table_command(questionnaire_id: int | None):
    """Reconstruit la table des réponses libres (lue par l'analyse) à partir des réponses stockées."""
    from .answer_table import rebuild_answer_table

    written = rebuild_answer_table(questionnaire_id)
    db.session.commit()
    click.echo(f"Table des réponses libres reconstruite : {written} réponse(s) libre(s).")


COMMANDS = [rebuild_answer_table_command]
