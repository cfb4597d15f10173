"""`consultation import-xlsform` and `consultation export-xlsform`: the designer's services from a shell."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..studies.commands import in_study
from ..transaction import command_transaction


@click.command("import-xlsform")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", "publish_it", is_flag=True, help="Publie aussitôt la version 1.")
@click.option("--title", default=None, help="Titre du questionnaire (sinon celui du fichier).")
@click.option(
    "--joint",
    "attached",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Fichier joint (.csv ou .xml) où une question select_one_from_file lit ses choix ; "
    "à répéter pour chaque fichier.",
)
@with_appcontext
@command_transaction
@in_study
def import_xlsform_command(
    file: Path, publish_it: bool, title: str | None, attached: tuple[Path, ...]
):
    """Importe un questionnaire XLSForm (.xlsx) et ses fichiers joints ; rien n'est écrit si le
    fichier a des erreurs."""
    from .services import DesignerError, describe_problem, import_xlsform

    attachments = {path.name: path.read_bytes() for path in attached}
    try:
        outcome = import_xlsform(file, attachments=attachments, title=title, publish_it=publish_it)
    except DesignerError as error:
        click.echo(f"Import refusé : {error.message} Rien n'a été enregistré.", err=True)
        for problem in getattr(error, "problems", []):
            click.echo(f"  - {describe_problem(problem)}", err=True)
        raise SystemExit(1) from None
    if not outcome.ok:
        click.echo(
            f"Import refusé : {len(outcome.errors)} erreur(s) dans {file.name}, rien n'a été enregistré.",
            err=True,
        )
        for error in outcome.errors:
            click.echo(f"  - {error}", err=True)
        raise SystemExit(1)
    questionnaire = outcome.questionnaire
    version = questionnaire.latest
    state = "publiée" if version.is_published else "brouillon"
    click.echo(
        f"Questionnaire importé : n° {questionnaire.id} « {questionnaire.title} » ({questionnaire.form_id})"
    )
    click.echo(
        f"{len(version.model().questions())} question(s), version {version.number} ({state})."
    )
    for warning in outcome.warnings:
        click.echo(f"Avertissement : {warning}")


@click.command("export-xlsform")
@click.argument("questionnaire_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--version", "number", type=int, default=None, help="Numéro de version (sinon la dernière)."
)
@with_appcontext
@command_transaction
@in_study
def export_xlsform_command(questionnaire_id: int, file: Path, number: int | None):
    """Exporte un questionnaire (dernière version, ou --version N) en XLSForm .xlsx ; les
    fichiers où ses questions select_one_from_file lisent leurs choix sont écrits à côté."""
    from ..questionnaire_store.models import Questionnaire
    from .services import export_choice_files, export_xlsform, version_by_number

    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise click.ClickException(f"Aucun questionnaire n° {questionnaire_id}.")
    version = version_by_number(questionnaire, number) if number else questionnaire.latest
    if version is None:
        raise click.ClickException(
            f"Le questionnaire n° {questionnaire_id} n'a pas de version {number}."
        )
    export_xlsform(version, file)
    click.echo(f"Version {version.number} de « {questionnaire.title} » exportée dans {file}.")
    for file_name, payload in export_choice_files(version).items():
        (file.parent / file_name).write_bytes(payload)
        click.echo(f"Fichier joint écrit à côté : {file.parent / file_name}.")


COMMANDS = [import_xlsform_command, export_xlsform_command]
