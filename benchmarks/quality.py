"""Quality of code suggestions, ours against the reference in the same run, by 5-fold
cross-validation on four sets:

(a) « ABS » — the demo's hand-coded answers (tests/data/coded_answers.csv) with the default ABS
    codebook and its rules (written alongside those answers: this set flatters the rules);
(b) « Municipal » — benchmarks/data/municipal_answers.csv: another domain (a town's consultation
    on redoing its market square), 34 codes of very unequal frequency incl. « Sans réponse / hors
    sujet », no rules; built apart from the rules (see benchmarks/data/make_municipal.py);
(c) « Voie verte » — benchmarks/data/voie_verte_answers.csv: a harder set, generated and committed
    before any of our systems ran on it (see benchmarks/data/make_voie_verte.py): 900 answers,
    36 codes from 6 to 164 answers incl. « Sans réponse / hors sujet », irony, SMS style, typos,
    answers wandering off the subject and coders who disagree; no rules;
(d) « Nouveau livre de codes » — the ABS answers with the ABS codes stripped of every rule: ours
    learns from examples only.

Reference: TF-IDF of the words (1–2 grams, sublinear tf) + one-vs-rest logistic regression with
balanced classes, codes of probability ≥ 0.3 and at least the most probable one; measured twice:
as described (C = 1, scikit-learn's default) and with C chosen by cross-validation inside each
training fold, as a practitioner would tune it (the stronger of the two is the one to beat), from
the grid ours chooses its own C from (3, 10, 30, 100): the same search for both.
Prints micro/macro F1, precision, recall and the expected calibration error (ECE) of the shown
scores per set; with --write, stores the tables in docs/quality.md between its markers
(<!-- quality:table:begin --> … <!-- quality:table:end -->, the same for « reliability »),
keeping what was written by hand around them. Last line: JSON."""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyse.codebook import Code, Codebook, default_codebook, load_codebook  # noqa: E402
from analyse.csv_input import CsvReadError  # noqa: E402
from analyse.quality import (  # noqa: E402
    cross_validate,
    load_coded_answers,
    suggester_system,
    tuned_word_tfidf_baseline,
    word_tfidf_baseline,
)

DATA = ROOT / "benchmarks" / "data"
OURS, REFERENCE, TUNED = "ours", "baseline", "tuned_baseline"


def without_rules(codebook):
    stripped = codebook.copy()
    for code in stripped:
        code.keywords, code.phrases, code.regexes = [], [], []
    return stripped


def data_sets(abs_path: Path):
    abs_codebook = default_codebook()
    abs_examples = load_coded_answers(abs_path, abs_codebook)
    municipal_codebook = load_codebook(DATA / "municipal_codebook.json")
    municipal = load_coded_answers(DATA / "municipal_answers.csv", municipal_codebook)
    voie_verte_codebook = load_codebook(DATA / "voie_verte_codebook.json")
    voie_verte = load_coded_answers(DATA / "voie_verte_answers.csv", voie_verte_codebook)
    return {
        "abs": ("ABS (démo, règles + exemples)", abs_examples, abs_codebook),
        "municipal": ("Municipal (autre domaine, exemples seuls)", municipal, municipal_codebook),
        "voie_verte": (
            "Voie verte (jeu plus dur, construit à part, exemples seuls)",
            voie_verte,
            voie_verte_codebook,
        ),
        "new_codebook": (
            "Nouveau livre de codes (ABS sans règles)",
            abs_examples,
            without_rules(abs_codebook),
        ),
    }


def external_set(path: Path, folds: int) -> dict:
    """A coded set written by nobody here (the measure that decides): its codes make the
    codebook, with no rule, as `consultation autocode --train` learns codes it has never seen."""
    try:
        examples = load_coded_answers(path)
        codebook = Codebook(name=path.stem)
        for code in sorted({code for _, codes in examples for code in codes}):
            codebook.add(Code(id=code, name=code))
    except (OSError, ValueError, CsvReadError) as error:
        raise SystemExit(f"{path} : {error}") from None
    if len(codebook.ids) < 2 or len(examples) < 10 * folds:
        raise SystemExit(
            f"{path} : {len(examples)} réponse(s) et {len(codebook.ids)} code(s) : il faut au moins "
            f"deux codes et {10 * folds} réponses pour une validation croisée à {folds} plis."
        )
    return {"external": (f"{path.name} (exemples seuls)", examples, codebook)}


NOTES = """
## Les jeux et les références

- **ABS** : les réponses codées de la démo, avec le livre de codes ABS et ses règles, écrites avec
  elles : ce jeu flatte les règles.
- **Municipal** : un autre domaine (la place du marché d'un bourg), 34 codes, sans règles ;
  construit à part des règles (`benchmarks/data/make_municipal.py`), mais ses réponses reprennent
  peu de tournures par code : il est facile pour les deux systèmes.
- **Voie verte** : le jeu plus dur (`benchmarks/data/make_voie_verte.py`), généré et versé au dépôt
  *avant* que l'un de nos systèmes ne tourne dessus, et non retouché depuis : 900 réponses sur une
  voie verte et le centre-bourg, 36 codes de 6 à 164 réponses dont « Sans réponse / hors sujet »,
  des réponses à plusieurs codes, ironiques, en style SMS, sans accents, avec fautes, des phrases
  hors code, et des codeurs qui ne sont pas toujours d'accord entre eux.
- **Nouveau livre de codes** : les réponses ABS, le livre de codes ABS privé de toutes ses
  règles : nous n'apprenons que des exemples.
- **Référence (C = 1)** : celle du ticket, telle quelle (TF-IDF des mots 1–2, tf sous-linéaire,
  régression logistique un-contre-tous à classes équilibrées, seuil 0,3, au moins un code).
- **Référence, C choisi par validation croisée interne** : la même, son C choisi parmi 3, 10, 30
  et 100 sur trois plis internes à chaque pli d'entraînement (F1 micro de la même règle de
  décision), comme un praticien la réglerait. C'est elle qu'il faut battre : à C = 1 et seuil 0,3,
  les classes équilibrées font suggérer presque tous les codes fréquents.
- **Nous** : notre C est choisi de la même façon, dans la même grille, sur trois plis internes aux
  seules réponses d'entraînement (les mêmes plis que nos seuils par code), jamais sur les plis de
  test.

## Ce que ce banc ne mesure pas

- **Des réponses que personne ici n'a écrites.** Les quatre jeux sont écrits ou générés ici. Nous
  avons cherché dans les corpus publics consultables des réponses ouvertes françaises codées sous
  licence ouverte : les contributions du Grand Débat National (Licence Ouverte, granddebat.fr /
  data.gouv.fr) ne sont pas consultables ici avec des catégories ; « La grande annotation »
  (dépôt fm89/granddebat) les a fait annoter par des bénévoles, mais ses annotations sont dans sa
  base, pas dans le dépôt ; les projets des budgets participatifs (Paris…) n'y sont qu'en base
  binaire. La mesure qui décide selon le ticket (réponses réelles codées par des bénévoles en 50
  codes, 1 000 pour apprendre, 400 pour mesurer) reste à faire dès qu'un tel fichier est
  disponible : `python benchmarks/quality.py --external fichier.csv` (colonnes `text` et `codes`,
  codes séparés par « | ») la fait en une commande, par la même validation croisée, contre les
  deux références, avec un livre de codes fait des seuls codes du fichier, sans règle.
- Les jeux générés le sont à partir de gabarits : un modèle y retrouve des tournures vues à
  l'entraînement plus souvent que sur des réponses réelles. Leurs chiffres sont des bornes hautes.
"""


TITLE = "# Qualité des suggestions de codes\n"
GENERATED = "<!-- Écrit par benchmarks/quality.py --write : changer le script, pas ce bloc. -->"


class MarkerError(ValueError):
    """A section's markers are there but unusable: the file is left as it is."""


def write_between_markers(document: str, sections: dict[str, str]) -> str:
    """`document` with each section's text between its markers <!-- quality:NAME:begin --> and
    <!-- quality:NAME:end -->, and nothing else changed: the analysis written by hand around the
    tables survives a new run. A section whose markers are missing is added at the end, with its
    markers, rather than written over anything."""
    for name, text in sections.items():
        begin, end = f"<!-- quality:{name}:begin -->", f"<!-- quality:{name}:end -->"
        block = f"{begin}\n{GENERATED}\n\n{text.strip()}\n\n{end}"
        counts = document.count(begin), document.count(end)
        if counts == (0, 0):
            document = (document.rstrip() + "\n\n" if document.strip() else "") + block + "\n"
            continue
        start, stop = document.find(begin), document.find(end)
        if counts != (1, 1) or stop < start:
            raise MarkerError(
                f"docs/quality.md : les marqueurs {begin} et {end} doivent y être une fois "
                "chacun, dans cet ordre ; fichier laissé tel quel"
            )
        document = document[:start] + block + document[stop + len(end) :]
    return document


def row(name: str, result) -> str:
    return (
        f"| {name} | {result.f1:.3f} | {result.macro_f1:.3f} | {result.precision:.3f} "
        f"| {result.recall:.3f} | {result.macro_precision:.3f} | {result.macro_recall:.3f} "
        f"| {result.calibration_error:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT / "tests" / "data" / "coded_answers.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="écrire docs/quality.md")
    parser.add_argument(
        "--external",
        metavar="CSV",
        help="mesurer sur ce seul jeu codé par d'autres (colonnes text et codes, codes séparés "
        "par « | ») : le livre de codes est fait de ses codes, sans règle, comme `consultation "
        "autocode --train` l'apprend",
    )
    arguments = parser.parse_args()
    if arguments.external and arguments.write:
        parser.error("--write décrit les jeux du dépôt : pas avec --external.")
    sets = external_set(Path(arguments.external), arguments.folds) if arguments.external else None

    started = time.perf_counter()
    lines = [
        f"Validation croisée à {arguments.folds} plis : chaque réponse est suggérée par un "
        "système entraîné sans elle. Micro = sur toutes les décisions ; macro = moyenne des codes "
        "utilisés ; ECE = écart moyen entre le score affiché et la part de suggestions justes.",
        "",
        "| Jeu — système | F1 micro | F1 macro | P micro | R micro | P macro | R macro | ECE |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    figures = {}
    reliability_lines = [
        "",
        "## Fiabilité des scores affichés (nous)",
        "",
        "Parmi les suggestions affichées avec un score dans la tranche, combien, leur score moyen "
        "et la part qui était juste : des scores calibrés ont les deux dernières colonnes égales.",
        "",
        "| Jeu | Tranche | Suggestions | Score moyen | Justes |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for key, (title, examples, codebook) in (sets or data_sets(Path(arguments.data))).items():
        systems = {
            OURS: suggester_system(),
            REFERENCE: word_tfidf_baseline,
            TUNED: tuned_word_tfidf_baseline,
        }
        ours, baseline, tuned = cross_validate(examples, codebook, systems, folds=arguments.folds)
        lines.append(row(f"{title}, {len(examples)} réponses — nous", ours))
        lines.append(row(f"{title} — référence (C = 1)", baseline))
        lines.append(row(f"{title} — référence, C choisi par validation croisée interne", tuned))
        figures[key] = {
            "micro_f1": round(ours.f1, 4),
            "macro_f1": round(ours.macro_f1, 4),
            "precision": round(ours.precision, 4),
            "recall": round(ours.recall, 4),
            "ece": round(ours.calibration_error, 4),
            "baseline_micro_f1": round(baseline.f1, 4),
            "baseline_macro_f1": round(baseline.macro_f1, 4),
            "baseline_precision": round(baseline.precision, 4),
            "baseline_recall": round(baseline.recall, 4),
            "baseline_ece": round(baseline.calibration_error, 4),
            "tuned_baseline_micro_f1": round(tuned.f1, 4),
            "tuned_baseline_macro_f1": round(tuned.macro_f1, 4),
            "tuned_baseline_precision": round(tuned.precision, 4),
            "tuned_baseline_recall": round(tuned.recall, 4),
            "tuned_baseline_ece": round(tuned.calibration_error, 4),
        }
        for bin_ in ours.reliability:
            reliability_lines.append(
                f"| {title} | {bin_.low:.0%}–{bin_.high:.0%} | {bin_.shown} "
                f"| {bin_.mean_score:.2f} | {bin_.right:.2f} |"
            )
        losses = [
            f"{measure} ({'référence réglée' if reference == 'tuned_baseline_' else 'référence'})"
            for measure in ("micro_f1", "macro_f1")
            for reference in ("baseline_", "tuned_baseline_")
            if figures[key][measure] < figures[key][reference + measure]
        ]
        if losses:
            lines.append(f"| ↳ {title} : nous perdons en {', '.join(losses)} | | | | | | | |")
        print("\n".join(lines[-3 - bool(losses) :]), flush=True)
    elapsed = time.perf_counter() - started
    table = "\n".join(lines) + "\n" + NOTES
    reliability_table = "\n".join(reliability_lines)
    print()
    print(table + reliability_table)
    if arguments.write:
        target = ROOT / "docs" / "quality.md"
        target.parent.mkdir(exist_ok=True)
        current = target.read_text(encoding="utf-8") if target.exists() else TITLE
        try:
            updated = write_between_markers(
                current, {"table": table, "reliability": reliability_table}
            )
        except MarkerError as error:
            print(f"Erreur : {error}", file=sys.stderr)
        else:
            target.write_text(updated, encoding="utf-8")
    print(json.dumps({"name": "quality", **figures, "seconds": round(elapsed, 1)}))


if __name__ == "__main__":
    main()
