"""Analysis commands of the `consultation` CLI: thin wrappers around `analyse/`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from analyse.csv_input import CsvReadError, read_csv, write_csv_atomic


@click.command("pseudonymise")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--column", "columns", multiple=True, required=True,
              help="Colonne de texte à pseudonymiser (répéter l'option pour plusieurs colonnes).")
@click.option("--out", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier CSV écrit (même encodage et séparateur que l'entrée).")
@click.option("--spans", "spans_output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier JSONL des identifiants remplacés, ligne par ligne, pour relecture.")
@click.option("--rules-only", is_flag=True, default=False,
              help="Sans le modèle spaCy (plus rapide, moins de noms trouvés).")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 10_000))
def pseudonymise_command(source: Path, columns: tuple[str, ...], output: Path, spans_output: Path | None,
                         rules_only: bool, batch_size: int):
    """Pseudonymise une ou plusieurs colonnes d'un fichier CSV (noms, téléphones, e-mails, adresses…)."""
    from analyse.pseudonymise import pseudonymise_many

    try:
        table = read_csv(source, required_columns=columns)
    except CsvReadError as error:
        _fail(f"{source} : {error}")
    missing = [name for name in columns if name not in table.columns]
    if missing:
        _fail("\n".join(f"{source} : colonne « {name} » absente" for name in missing)
              + f"\nColonnes présentes : {', '.join(table.columns)}")
    for problem in table.problems:
        click.echo(f"{source} : {problem} (ligne ignorée)" if problem.line else f"{source} : {problem}",
                   err=True)
    if source.resolve() == output.resolve():
        _fail("le fichier de sortie doit être différent du fichier d'entrée")

    replaced = 0
    spans_records = []
    rows = [dict(row) for row in table.rows]
    for column in columns:
        results = pseudonymise_many([row[column] for row in rows], use_ner=not rules_only,
                                    batch_size=batch_size)
        for row, line, result in zip(rows, table.row_lines, results):
            row[column] = result.text
            replaced += len(result.replacements)
            if spans_output and result.replacements:
                spans_records.append({
                    "line": line,
                    "column": column,
                    "spans": [
                        {"start": r.start, "end": r.end, "new_start": r.new_start, "new_end": r.new_end,
                         "kind": r.kind, "original": r.original, "placeholder": r.placeholder}
                        for r in result.replacements
                    ],
                })
    try:
        write_csv_atomic(output, table.columns, rows, delimiter=table.delimiter,
                         encoding=table.encoding, bom=table.has_bom)
        if spans_output:
            _write_jsonl_atomic(spans_output, spans_records)
    except OSError as error:
        _fail(f"{output} : écriture impossible ({error.strerror})")
    skipped = sum(1 for problem in table.problems if problem.line)
    click.echo(
        f"{len(rows)} ligne(s) pseudonymisée(s), {replaced} identifiant(s) remplacé(s) → {output}"
        + (f" ; {skipped} ligne(s) mal formée(s) ignorée(s)" if skipped else "")
    )


def _write_jsonl_atomic(path: Path, records: list[dict]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    temporary.replace(path)


def _fail(message: str):
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(1)


COMMANDS = [pseudonymise_command]
