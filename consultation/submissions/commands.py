"""Commands of the submissions domain."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..transaction import command_transaction


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


@click.command("purge")
@click.option(
    "--study",
    "study_slug",
    default=None,
    help="Seulement cette étude (sinon toutes celles qui ont une durée de conservation).",
)
@click.option("--dry-run", is_flag=True, help="Dit ce qui serait effacé, sans rien effacer.")
@with_appcontext
@command_transaction
def purge_command(study_slug: str | None, dry_run: bool):
    """Efface les réponses gardées plus longtemps que la durée de conservation de leur étude."""
    from sqlalchemy import select

    from ..studies.models import Study
    from .retention import purge

    query = select(Study).order_by(Study.slug)
    if study_slug:
        query = query.where(Study.slug == study_slug)
    studies = list(db.session.scalars(query))
    if study_slug and not studies:
        raise click.ClickException(
            f"Aucune étude « {study_slug} » : voyez `consultation list-studies`."
        )
    for study in studies:
        if not study.retention_months:
            click.echo(f"{study.slug} : aucune durée de conservation réglée, rien n'est effacé.")
    for report in purge(studies, dry_run=dry_run):
        count = len(report.submission_ids)
        before = report.cutoff.strftime("%d/%m/%Y")
        months = report.study.retention_months
        if not count:
            click.echo(
                f"{report.study.slug} : aucune réponse reçue avant le {before} ({months} mois)."
            )
        elif dry_run:
            click.echo(
                f"{report.study.slug} : {count} réponse(s) reçue(s) avant le {before} seraient "
                f"effacées ({months} mois) — rien n'a été effacé (--dry-run)."
            )
        else:
            click.echo(
                f"{report.study.slug} : {count} réponse(s) reçue(s) avant le {before} effacées "
                f"({months} mois), avec leurs codages, suggestions, mémos et textes pseudonymisés."
            )
    from .events import purging

    for _receiver, said in purging.send(None, dry_run=dry_run):
        if said:
            click.echo(said)


COMMANDS = [rebuild_answer_table_command, purge_command]
