"""Analysis commands of the `consultation` CLI: thin wrappers around `analyse/`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from analyse.csv_input import CsvReadError, read_csv, write_csv_atomic


@click.command("pseudonymise")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--column",
    "columns",
    multiple=True,
    required=True,
    help="Colonne de texte à pseudonymiser (répéter l'option pour plusieurs colonnes).",
)
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier CSV écrit (même encodage et séparateur que l'entrée).",
)
@click.option(
    "--spans",
    "spans_output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fichier JSONL des identifiants remplacés, ligne par ligne, pour relecture.",
)
@click.option(
    "--rules-only",
    is_flag=True,
    default=False,
    help="Sans le modèle spaCy (plus rapide, moins de noms trouvés).",
)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--skip-malformed",
    is_flag=True,
    default=False,
    help="Écrire quand même les lignes lisibles quand d'autres sont mal formées (elles sont "
    "listées et absentes du fichier écrit).",
)
def pseudonymise_command(
    source: Path,
    columns: tuple[str, ...],
    output: Path,
    spans_output: Path | None,
    rules_only: bool,
    batch_size: int,
    skip_malformed: bool,
):
    """Pseudonymise une ou plusieurs colonnes d'un fichier CSV (noms, téléphones, e-mails, adresses…).

    Une ligne mal formée arrête la commande (code 1, rien n'est écrit) : toutes sont listées avec
    leur numéro, pour corriger le fichier en une fois ; --skip-malformed écrit les autres."""
    from analyse.pseudonymise import pseudonymise_many

    try:
        table = read_csv(source, required_columns=columns)
    except CsvReadError as error:
        _fail(f"{source} : {error}")
    missing = [name for name in columns if name not in table.columns]
    if missing:
        _fail(
            "\n".join(f"{source} : colonne « {name} » absente" for name in missing)
            + f"\nColonnes présentes : {', '.join(table.columns)}"
        )
    malformed = [problem for problem in table.problems if problem.line]
    if malformed and not skip_malformed:
        # A pseudonymised file missing rows would pass for the whole survey: nothing is written.
        _fail(
            "\n".join(f"{source} : {problem}" for problem in malformed)
            + f"\n{len(malformed)} ligne(s) mal formée(s) : corrigez le fichier (rien n'a été écrit), "
            "ou relancez avec --skip-malformed pour écrire les autres lignes."
        )
    for problem in table.problems:
        click.echo(
            f"{source} : {problem} (ligne ignorée)" if problem.line else f"{source} : {problem}",
            err=True,
        )
    if source.resolve() == output.resolve():
        _fail("le fichier de sortie doit être différent du fichier d'entrée")

    replaced = 0
    spans_records = []
    rows = [dict(row) for row in table.rows]
    for column in columns:
        results = pseudonymise_many(
            [row[column] for row in rows], use_ner=not rules_only, batch_size=batch_size
        )
        for row, line, result in zip(rows, table.row_lines, results):
            row[column] = result.text
            replaced += len(result.replacements)
            if spans_output and result.replacements:
                spans_records.append(
                    {
                        "line": line,
                        "column": column,
                        "spans": [
                            {
                                "start": r.start,
                                "end": r.end,
                                "new_start": r.new_start,
                                "new_end": r.new_end,
                                "kind": r.kind,
                                "original": r.original,
                                "placeholder": r.placeholder,
                            }
                            for r in result.replacements
                        ],
                    }
                )
    try:
        write_csv_atomic(
            output,
            table.columns,
            rows,
            delimiter=table.delimiter,
            encoding=table.encoding,
            bom=table.has_bom,
        )
        if spans_output:
            _write_jsonl_atomic(spans_output, spans_records)
    except OSError as error:
        _fail(f"{output} : écriture impossible ({error.strerror})")
    skipped = sum(1 for problem in table.problems if problem.line)
    click.echo(
        f"{len(rows)} ligne(s) pseudonymisée(s), {replaced} identifiant(s) remplacé(s) → {output}"
        + (f" ; {skipped} ligne(s) mal formée(s) ignorée(s)" if skipped else "")
    )


@click.command("autocode")
@click.option(
    "--train",
    "train_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Réponses déjà codées : colonnes id, text, codes (codes séparés par « | »).",
)
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Réponses à coder : colonnes id, text.",
)
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier CSV écrit : id, codes, scores (séparés par « | »), avec le séparateur du fichier d'entrée.",
)
@click.option(
    "--codebook",
    "codebook_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Livre de codes JSON (par défaut : celui de l'ABS fourni avec l'application).",
)
@click.option(
    "--threshold",
    default=None,
    type=click.FloatRange(0, 1),
    help="Score minimal d'une suggestion (par défaut celui du modèle).",
)
def autocode_command(
    train_path: Path,
    input_path: Path,
    output: Path,
    codebook_path: Path | None,
    threshold: float | None,
):
    """Suggère des codes pour des réponses libres, appris des réponses déjà codées et des règles du
    livre de codes."""
    from analyse.code_model import none_code
    from analyse.codebook import Code, CodebookError, default_codebook, load_codebook
    from analyse.suggestions import Suggester

    try:
        codebook = load_codebook(codebook_path) if codebook_path else default_codebook()
    except CodebookError as error:
        _fail("\n".join(f"{codebook_path} : {problem}" for problem in error.problems))
    coded = _read_or_fail(train_path, ("text", "codes"))
    new = _read_or_fail(input_path, ("id", "text"))
    if input_path.resolve() == output.resolve() or train_path.resolve() == output.resolve():
        _fail("le fichier de sortie doit être différent des fichiers d'entrée")

    problems = []
    examples = []
    for row, line in zip(coded.rows, coded.row_lines):
        codes = [code.strip() for code in row["codes"].split("|") if code.strip()]
        for code in codes:
            if code not in codebook:
                try:
                    # A code coders use but the codebook lacks: learned from examples, no rule.
                    codebook.add(Code(id=code, name=code))
                except CodebookError as error:
                    problems.append(f"{train_path} : ligne {line} : {'; '.join(error.problems)}")
        examples.append((row["text"], codes))
    if not any(codes for _text, codes in examples):
        problems.append(f"{train_path} : aucune réponse codée (colonne « codes » vide partout)")
    else:
        nothing = none_code([(code.id, code.name) for code in codebook])
        if nothing and all(set(codes) <= {nothing} for _text, codes in examples):
            problems.append(
                f"{train_path} : toutes les réponses sont codées « {codebook[nothing].name} » : "
                "rien à apprendre sur les autres codes"
            )
    seen: dict[str, int] = {}
    for row, line in zip(new.rows, new.row_lines):
        identifier = row["id"].strip()
        if not identifier:
            problems.append(f"{input_path} : ligne {line} : identifiant vide")
        elif identifier in seen:
            problems.append(
                f"{input_path} : ligne {line} : identifiant « {identifier} » déjà vu ligne {seen[identifier]}"
            )
        else:
            seen[identifier] = line
    if problems:
        _fail("\n".join(problems))

    suggester = Suggester.train(examples, codebook)
    suggestions = suggester.suggest([row["text"] for row in new.rows], threshold=threshold)
    rows = [
        {
            "id": row["id"].strip(),
            "codes": "|".join(suggestion.code for suggestion in found),
            "scores": "|".join(f"{suggestion.score:.3f}" for suggestion in found),
        }
        for row, found in zip(new.rows, suggestions)
    ]
    try:
        write_csv_atomic(
            output,
            ["id", "codes", "scores"],
            rows,
            delimiter=new.delimiter,
            encoding="utf-8",
            bom=new.has_bom,
        )
    except OSError as error:
        _fail(f"{output} : écriture impossible ({error.strerror})")
    with_codes = sum(1 for found in suggestions if found)
    click.echo(
        f"{len(rows)} réponse(s), {with_codes} avec au moins un code suggéré "
        f"(appris de {len(examples)} réponse(s) codée(s)) → {output}"
    )
    model = suggester.model
    if model is not None and model.C_scores:
        # Which regularisation the coded answers chose, and how close the others came: a user
        # comparing two training files sees why their suggestions differ.
        tried = " ; ".join(
            f"C = {C:g} : {f1:.3f}".replace(".", ",") for C, f1 in model.C_scores.items()
        )
        click.echo(
            f"Régularisation du modèle : C = {model.C:g}, choisie par validation "
            f"croisée sur les réponses codées (F1 micro interne : {tried})"
        )


def _read_or_fail(path: Path, required: tuple[str, ...]):
    """Every problem of the file at once (missing columns, malformed lines by number), or exit 1."""
    try:
        table = read_csv(path, required_columns=required)
    except CsvReadError as error:
        _fail(f"{path} : {error}")
    if table.problems:
        _fail(
            "\n".join(f"{path} : {problem}" for problem in table.problems)
            + (
                f"\nColonnes présentes : {', '.join(table.columns)}"
                if any(p.line is None for p in table.problems)
                else ""
            )
        )
    return table


def _write_jsonl_atomic(path: Path, records: list[dict]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    temporary.replace(path)


def _fail(message: str):
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(1)


@click.command("themes")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier CSV des réponses (UTF-8 avec ou sans BOM, ou Latin-1 ; séparateur , ou ;).",
)
@click.option("--column", required=True, help="Colonne du texte des réponses.")
@click.option(
    "--id-column",
    default=None,
    help="Colonne de l'identifiant des réponses (par défaut : le numéro de la ligne).",
)
@click.option(
    "--classes",
    required=True,
    type=click.IntRange(2, 50),
    help="Nombre de classes terminales voulu.",
)
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier CSV écrit : id, class (vide pour une réponse sans mot plein).",
)
@click.option(
    "--segments",
    "segments_output",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier CSV des segments : id, segment, classe, texte.",
)
@click.option(
    "--segment-size",
    default=40,
    show_default=True,
    type=click.IntRange(5, 1000),
    help="Taille des segments, en mots.",
)
@click.option(
    "--min-frequency",
    default=3,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Nombre minimal de segments où un mot doit apparaître pour compter.",
)
@click.option(
    "--double",
    is_flag=True,
    default=False,
    help="Classification double (comme rainette2) : segments de --segment-size mots et unités "
    "de deux fois plus ; seules les classes sur lesquelles les deux s'accordent sont gardées.",
)
def themes_command(
    input_path: Path,
    column: str,
    id_column: str | None,
    classes: int,
    output: Path,
    segments_output: Path | None,
    segment_size: int,
    min_frequency: int,
    double: bool,
):
    """Classe les réponses libres en thèmes qui émergent des mots (méthode Reinert, comme
    IRaMuTeQ ou rainette) : une classe par réponse, et le résumé des classes à l'écran."""
    from analyse.iramuteq import CLASS_COLUMNS, class_rows
    from analyse.reinert import ReinertError, classify, double_classify

    required = (column,) if id_column is None else (column, id_column)
    table = _read_or_fail(input_path, required)
    if output.resolve() == input_path.resolve():
        _fail("le fichier de sortie doit être différent du fichier d'entrée")
    ids = [
        row.get(id_column, "") if id_column else str(line - 1)
        for row, line in zip(table.rows, table.row_lines)
    ]
    if id_column:
        seen: dict[str, int] = {}
        duplicates = []
        for value, line in zip(ids, table.row_lines):
            if value in seen:
                duplicates.append(
                    f"ligne {line} : identifiant « {value} » déjà vu ligne {seen[value]}"
                )
            seen.setdefault(value, line)
        if duplicates:
            _fail("\n".join(f"{input_path} : {message}" for message in duplicates))
    texts = [row.get(column, "") for row in table.rows]
    try:
        if double:
            result = double_classify(
                texts,
                classes,
                segment_size=segment_size,
                unit_size=2 * segment_size,
                min_frequency=min_frequency,
            )
        else:
            result = classify(
                texts, classes, segment_size=segment_size, min_frequency=min_frequency
            )
    except ReinertError as error:
        _fail(f"{input_path} : {error}")
    try:
        write_csv_atomic(
            output,
            ["id", "class"],
            [
                {"id": answer_id, "class": "" if number is None else number}
                for answer_id, number in zip(ids, result.answer_classes)
            ],
            delimiter=table.delimiter,
        )
        if segments_output:
            write_csv_atomic(
                segments_output,
                list(CLASS_COLUMNS),
                class_rows(result, ids),
                delimiter=table.delimiter,
            )
    except OSError as error:
        _fail(f"{output} : écriture impossible ({error.strerror})")
    unclassified = sum(1 for number in result.answer_classes if number is None)
    click.echo(
        f"{len(texts)} réponse(s), {len(result.segments)} segment(s), "
        f"{len(result.classes)} classes → {output}"
        + (f" ; {unclassified} réponse(s) sans mot plein, sans classe" if unclassified else "")
    )
    for item in result.classes:
        click.echo(
            f"Classe {item.number} : {item.size} segments ({item.share:.0%}), "
            f"{item.answers} réponse(s) — {', '.join(item.top_lemmas(10))}"
        )


COMMANDS = [pseudonymise_command, autocode_command, themes_command]
