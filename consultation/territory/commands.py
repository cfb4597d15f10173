"""`consultation import-cog FILE`: names and nests the territories from INSEE's official files."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from analyse.territories import LEVEL_LABELS

from ..transaction import command_transaction


@click.command("import-cog")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sep", help="Séparateur du CSV (deviné sinon : « , », « ; » ou tabulation).")
@click.option("--encoding", help="Encodage du CSV (deviné sinon : UTF-8, puis cp1252).")
@click.option("--sheet", help="Feuille du classeur XLSX (sinon la première qui a l'en-tête).")
@with_appcontext
@command_transaction
def import_cog(file, sep, encoding, sheet):
    """Importe la liste officielle des communes (COG de l'INSEE), des départements, des régions,
    ou la composition communale des EPCI : nomme les territoires et les emboîte."""
    from analyse.cog import KIND_LABELS, read_geography_file

    from .services import import_geography

    if sep == "\\t":
        sep = "\t"
    geography = read_geography_file(
        file.read_bytes(), file.name, sep=sep, encoding=encoding, sheet=sheet
    )
    if geography.errors:
        click.echo("Import refusé, rien n'a été enregistré :", err=True)
        for problem in geography.errors:
            click.echo(f"  {problem}", err=True)
        _echo_rejected(geography.rejected)
        raise SystemExit(1)
    report = import_geography(geography.places)
    click.echo(f"Fichier lu : {KIND_LABELS[geography.kind]}, {len(geography.places)} lignes.")
    for level, label in LEVEL_LABELS.items():
        created, named = report.created[level], report.named[level]
        if created or named:
            click.echo(f"{label} : {created} créés, {named} renommés")
    click.echo(f"{report.nested} rattachements (département, région, EPCI) mis à jour.")
    _echo_rejected(geography.rejected)


def _echo_rejected(rejected) -> None:
    if rejected:
        click.echo(f"Lignes rejetées ({len(rejected)}) :", err=True)
        for problem in rejected:
            click.echo(f"  {problem}", err=True)


COMMANDS = [import_cog]
