"""The IRaMuTeQ corpus file and `consultation themes` on real CSV files."""

import csv
import io

import pytest

from analyse.iramuteq import CorpusAnswer, clean_text, corpus_text, starred_name
from tests.test_reinert import BUS, HEALTH

TEXTS = (HEALTH + BUS) * 3


def test_the_corpus_has_one_starred_line_and_one_text_line_per_answer():
    corpus = corpus_text(
        [
            CorpusAnswer(
                "Plus de bus\nle soir ! *vraiment* 100 $",
                {"public": "jeune", "commune": "37261", "tranche_age": "18-25 ans"},
            ),
            CorpusAnswer("   ", {"public": "âgé"}),
            CorpusAnswer("**** Un médecin", {"public": "Âgé", "commune": "Saint-Étienne"}),
        ],
        ["public", "commune", "tranche_age"],
    )
    assert corpus.splitlines() == [
        "**** *public_jeune *commune_37261 *trancheage_1825ans",
        "Plus de bus le soir ! vraiment 100",
        "**** *public_age *commune_saintetienne *trancheage_nr",
        "Un médecin",
    ]
    assert corpus.endswith("\n")
    corpus.encode("utf-8")


def test_names_and_texts_follow_iramuteqs_rules():
    assert starred_name("60 ans et plus") == "60ansetplus"
    assert starred_name("Île_de-France") == "iledefrance"
    assert starred_name("") == "nr"
    assert clean_text("*a* \t b\r\nc$") == "a b c"


def run(runner, *args):
    return runner.invoke(args=["themes", *map(str, args)])


def write_answers(path, *, encoding="utf-8", delimiter=",", bom=False, extra_rows=()):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["ref", "réponse"])
    for index, text in enumerate(TEXTS, start=1):
        writer.writerow([f"r{index}", text])
    for row in extra_rows:
        writer.writerow(row)
    content = buffer.getvalue()
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + content.encode(encoding))


def read_output(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("latin-1", ";", False)],
)
def test_the_command_gives_each_row_its_class(runner, tmp_path, encoding, delimiter, bom):
    source = tmp_path / "reponses.csv"
    write_answers(
        source,
        encoding=encoding,
        delimiter=delimiter,
        bom=bom,
        extra_rows=[["vide", ""], ["oui", "Oui !"]],
    )
    output = tmp_path / "classes.csv"
    result = run(
        runner, "--input", source, "--column", "réponse", "--id-column", "ref",
        "--classes", 2, "--out", output,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(
        csv.DictReader(io.StringIO(output.read_text(encoding="utf-8")), delimiter=delimiter)
    )
    assert [row["id"] for row in rows] == [f"r{i}" for i in range(1, 31)] + ["vide", "oui"]
    classes = [row["class"] for row in rows]
    assert classes[-2:] == ["", ""]
    assert {classes[i] for i in range(30) if i % 10 < 5} != {
        classes[i] for i in range(30) if i % 10 >= 5
    }
    assert len(set(classes[:30])) == 2
    assert "32 réponse(s)" in result.output and "2 réponse(s) sans mot plein" in result.output
    assert "médecin" in result.output and "bus" in result.output


def test_without_an_id_column_the_row_number_is_the_id(runner, tmp_path):
    source = tmp_path / "reponses.csv"
    write_answers(source)
    output = tmp_path / "classes.csv"
    segments = tmp_path / "segments.csv"
    result = run(
        runner, "--input", source, "--column", "réponse", "--classes", 2, "--out", output,
        "--segments", segments,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = read_output(output)
    assert [row["id"] for row in rows][:3] == ["1", "2", "3"]
    segment_rows = read_output(segments)
    assert segment_rows[0]["texte"] == TEXTS[0]
    assert segment_rows[0]["classe"] == rows[0]["class"]


def test_bad_input_gives_french_messages_and_no_file(runner, tmp_path):
    source = tmp_path / "reponses.csv"
    write_answers(source)
    output = tmp_path / "classes.csv"
    missing = run(runner, "--input", source, "--column", "texte", "--classes", 2, "--out", output)
    assert missing.exit_code == 1
    assert "texte" in missing.output and "Traceback" not in missing.output

    too_many = run(
        runner, "--input", source, "--column", "réponse", "--classes", 20, "--out", output
    )
    assert too_many.exit_code == 1
    assert "trop petit pour 20 classes" in too_many.output
    assert "il n'en permet que" in too_many.output

    same = tmp_path / "memes.csv"
    same.write_text("text\n" + "Le bus ne passe pas le soir.\n" * 20, encoding="utf-8")
    identical = run(runner, "--input", same, "--column", "text", "--classes", 2, "--out", output)
    assert identical.exit_code == 1 and "identiques" in identical.output

    duplicates = tmp_path / "doublons.csv"
    duplicates.write_text("id,text\n1,Le bus\n1,Le médecin\n", encoding="utf-8")
    twice = run(
        runner, "--input", duplicates, "--column", "text", "--id-column", "id",
        "--classes", 2, "--out", output,
    )  # fmt: skip
    assert twice.exit_code == 1 and "identifiant « 1 » déjà vu ligne 2" in twice.output
    assert not output.exists()


def test_the_double_classification_from_the_command(runner, tmp_path):
    source = tmp_path / "reponses.csv"
    write_answers(source)
    output = tmp_path / "classes.csv"
    result = run(
        runner, "--input", source, "--column", "réponse", "--classes", 2, "--out", output,
        "--double",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    classes = [row["class"] for row in read_output(output)]
    assert {classes[i] for i in range(30) if i % 10 < 5} != {
        classes[i] for i in range(30) if i % 10 >= 5
    }
    assert len(set(classes)) == 2
