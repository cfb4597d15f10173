"""`consultation import-indicators FILE --code-column COL`: the same import as the pages."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from analyse.territories import LEVELS

from ..transaction import command_transaction


@click.command("import-indicators")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code-column", required=True, help="Colonne des codes de territoire (CODGEO…).")
@click.option(
    "--year",
    type=click.IntRange(1900, 2100),
    help="Année des valeurs (sinon lue dans le nom des colonnes).",
)
@click.option("--sep", help="Séparateur du CSV (deviné sinon : « ; », « , » ou tabulation).")
@click.option("--encoding", help="Encodage du CSV (deviné sinon : UTF-8, puis cp1252).")
@click.option("--sheet", help="Feuille du classeur XLSX (sinon la première qui a l'en-tête).")
@click.option("--level", type=click.Choice(LEVELS), help="Niveau géographique des codes.")
@click.option("--label-column", help="Colonne du nom des territoires (LIBGEO… deviné sinon).")
@click.option(
    "--replace",
    is_flag=True,
    help="Remplace les valeurs déjà importées ; un territoire en double garde sa dernière ligne.",
)
@with_appcontext
@command_transaction
def import_indicators(file, code_column, year, sep, encoding, sheet, level, label_column, replace):
    """Importe un fichier d'indicateurs (CSV ou XLSX de l'INSEE, de la CAF…), tout ou rien."""
    from analyse.indicator_files import read_indicator_file

    from .services import ImportRefused, describe_count, import_indicator_table

    if sep == "\\t":
        sep = "\t"
    if sep is not None and len(sep) != 1:
        click.echo(
            f"Séparateur « {sep} » refusé : un seul caractère (« ; », « , » ou \\t).", err=True
        )
        raise SystemExit(1)
    table = read_indicator_file(
        file.read_bytes(),
        file.name,
        code_column,
        year=year,
        sep=sep,
        encoding=encoding,
        sheet=sheet,
        level=level,
        label_column=label_column,
        keep_last_duplicate=replace,
    )
    try:
        report = import_indicator_table(table, replace=replace)
    except ImportRefused as refused:
        _echo_rejected(table.rejected)
        click.echo("Import refusé, rien n'a été enregistré :", err=True)
        for problem in refused.problems:
            click.echo(f"  {problem}", err=True)
        if any(
            "déjà importée" in problem.message or "figure déjà" in problem.message
            for problem in refused.problems
        ):
            click.echo("Pour remplacer les valeurs déjà importées : --replace.", err=True)
        raise SystemExit(1) from None
    for count in report.indicators:
        click.echo(describe_count(count))
    if table.attribute_columns:
        click.echo(
            "Colonnes non importées (descriptions, pas des indicateurs) : "
            + ", ".join(table.attribute_columns)
        )
    click.echo(
        f"{len(table.rows)} territoires importés, dont {report.territories_created} nouveaux."
    )
    _echo_rejected(report.rejected)
    if table.replaced_lines:
        click.echo(
            f"Lignes en double remplacées par une ligne suivante ({len(table.replaced_lines)}) :"
        )
        for problem in table.replaced_lines:
            click.echo(f"  {problem}")


def _echo_rejected(rejected) -> None:
    if rejected:
        click.echo(f"Lignes rejetées ({len(rejected)}) :", err=True)
        for problem in rejected:
            click.echo(f"  {problem}", err=True)


COMMANDS = [import_indicators]
