"""`consultation pseudonymise IN.csv --column text --out OUT.csv` on real files."""

import json

import pytest

from analyse.csv_input import read_csv


def run(runner, *args):
    return runner.invoke(args=["pseudonymise", *map(str, args)])


def test_pseudonymises_the_column_and_leaves_the_others(runner, tmp_path):
    source = tmp_path / "reponses.csv"
    source.write_bytes(
        (
            "\ufeffid;commune;text\r\n"
            "1;Tours;Appelez Mme Dupont au 06 12 34 56 78 😀\r\n"
            "2;Saint-Pierre-des-Corps;\r\n"
            "3;Tours;I would like more buses to Tours, call Mme Smith at 06 11 22 33 44.\r\n"
            "4;Tours;"
            + "Le quartier manque de commerces. " * 310
            + "Écrire à paul.martin@free.fr\r\n"
        ).encode("utf-8")
    )
    output = tmp_path / "sortie.csv"
    result = run(
        runner, source, "--column", "text", "--out", output, "--spans", tmp_path / "spans.jsonl"
    )
    assert result.exit_code == 0, result.output
    assert "4 ligne(s) pseudonymisée(s), 5 identifiant(s) remplacé(s)" in result.output
    table = read_csv(output)
    assert (table.delimiter, table.has_bom) == (";", True)
    assert [row["commune"] for row in table.rows] == [
        "Tours",
        "Saint-Pierre-des-Corps",
        "Tours",
        "Tours",
    ]
    texts = [row["text"] for row in table.rows]
    assert texts[0] == "Appelez Mme [PERSONNE_1] au [TÉLÉPHONE] 😀"
    assert texts[1] == ""
    assert texts[2] == "I would like more buses to Tours, call Mme [PERSONNE_1] at [TÉLÉPHONE]."
    assert len(texts[3]) > 10_000 and texts[3].endswith("Écrire à [EMAIL]")
    spans = [
        json.loads(line)
        for line in (tmp_path / "spans.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert spans[0]["line"] == 2 and spans[0]["spans"][0]["original"] == "Dupont"


def test_latin1_file_and_broken_lines_reported_by_number(runner, tmp_path):
    source = tmp_path / "excel.csv"
    source.write_bytes(
        'id,text,public\n1,"Ma fille Inès, 17 ans",jeune\n2,trop,de,champs\n3,"Rien à dire",âgé\n'.encode(
            "cp1252"
        )
    )
    output = tmp_path / "sortie.csv"
    result = run(runner, source, "--column", "text", "--out", output, "--skip-malformed")
    assert result.exit_code == 0, result.output
    assert "ligne 3 : 3 colonnes attendues, 4 trouvées (ligne ignorée)" in result.output
    assert "1 ligne(s) mal formée(s) ignorée(s)" in result.output
    raw = output.read_bytes()
    assert "Inès".encode("utf-8") not in raw  # same encoding as the input
    table = read_csv(output)
    assert table.encoding == "cp1252"
    assert [row["text"] for row in table.rows] == ["Ma fille [PERSONNE_1], 17 ans", "Rien à dire"]
    assert [row["public"] for row in table.rows] == ["jeune", "âgé"]


def test_malformed_lines_stop_the_command_and_every_one_is_listed(runner, tmp_path):
    source = tmp_path / "reponses.csv"
    source.write_text(
        'id,text\n1,"Rappelez-moi demain\n2,Mme Dupont au 06 12 34 56 78\n3,Mme Martin : 06 11 22 33 44\n4,a,b\n',
        encoding="utf-8",
    )
    output = tmp_path / "sortie.csv"
    result = run(runner, source, "--column", "text", "--out", output)
    assert result.exit_code == 1
    assert "ligne 2 : ligne mal formée : guillemet ouvert jamais refermé" in result.output
    assert "ligne 5 : 2 colonnes attendues, 3 trouvées" in result.output
    assert "2 ligne(s) mal formée(s)" in result.output and "--skip-malformed" in result.output
    assert not output.exists()

    # Asked to go on: the lines after the unclosed quote are pseudonymised, not dropped.
    result = run(runner, source, "--column", "text", "--out", output, "--skip-malformed")
    assert result.exit_code == 0, result.output
    assert (
        "2 ligne(s) pseudonymisée(s)" in result.output
        and "2 ligne(s) mal formée(s) ignorée(s)" in result.output
    )
    table = read_csv(output)
    assert [row["id"] for row in table.rows] == ["2", "3"]
    assert all("[TÉLÉPHONE]" in row["text"] and "06" not in row["text"] for row in table.rows)


def test_missing_column_exits_1_and_writes_nothing(runner, tmp_path):
    source = tmp_path / "reponses.csv"
    source.write_text("id,reponse\n1,Mme Dupont\n", encoding="utf-8")
    output = tmp_path / "sortie.csv"
    result = run(runner, source, "--column", "text", "--out", output)
    assert result.exit_code == 1
    assert "colonne « text » absente" in result.output
    assert not output.exists()


@pytest.mark.parametrize("content", [None, b"", b"\x00\x01\x02binaire"])
def test_unreadable_file_exits_1(runner, tmp_path, content):
    source = tmp_path / "entree.csv"
    if content is not None:
        source.write_bytes(content)
    output = tmp_path / "sortie.csv"
    output.write_text("ancien contenu", encoding="utf-8")
    result = run(runner, source, "--column", "text", "--out", output)
    assert result.exit_code == 1
    assert result.output.startswith("Erreur :")
    assert output.read_text(encoding="utf-8") == "ancien contenu"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["sortie.csv"] + (["entree.csv"] if content is not None else [])
    )
