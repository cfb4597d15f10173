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


@click.command("import-contours")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--level",
    type=click.Choice(["commune", "iris"]),
    default="commune",
    show_default=True,
    help="Niveau des territoires du fichier.",
)
@click.option("--code-property", help="Propriété qui porte le code (devinée sinon : INSEE_COM…).")
@click.option("--source", default="", help="Origine du fichier (par défaut : son nom).")
@with_appcontext
@command_transaction
def import_contours_command(file, level, code_property, source):
    """Importe les contours des communes ou des IRIS (GeoJSON en WGS 84, comme IGN ADMIN EXPRESS
    et les contours IRIS de l'INSEE) pour les cartes : vérifiés et simplifiés."""
    from analyse.maps import read_contours

    from .contours import import_contours

    contours = read_contours(file.read_bytes(), level, code_property=code_property)
    if contours.errors:
        click.echo("Import refusé, rien n'a été enregistré :", err=True)
        for problem in contours.errors:
            click.echo(f"  {problem}", err=True)
        _echo_rejected(contours.rejected)
        raise SystemExit(1)
    report = import_contours(contours, level, source or file.name)
    click.echo(
        f"{len(contours.contours)} contours lus : {report.added} ajoutés, {report.replaced} "
        f"remplacés, {report.created} territoires créés, {report.repaired} polygones réparés."
    )
    _echo_rejected(contours.rejected)


def _echo_rejected(rejected) -> None:
    if rejected:
        click.echo(f"Lignes rejetées ({len(rejected)}) :", err=True)
        for problem in rejected:
            click.echo(f"  {problem}", err=True)


COMMANDS = [import_cog, import_contours_command]
