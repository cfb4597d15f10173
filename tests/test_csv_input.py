"""CSV files as people have them: Excel's cp1252 with `;`, UTF-8 with a BOM, broken lines."""
import pytest

from analyse.csv_input import CsvReadError, read_csv, write_csv_atomic


def test_utf8_with_bom_and_comma(tmp_path):
    path = tmp_path / "reponses.csv"
    path.write_bytes("\ufeffid,text\n1,Le bus passe trop peu à Rochepinard\n".encode("utf-8"))
    table = read_csv(path, required_columns=["text"])
    assert table.ok
    assert table.columns == ["id", "text"]  # the BOM is not glued to the first column name
    assert table.rows == [{"id": "1", "text": "Le bus passe trop peu à Rochepinard"}]
    assert (table.encoding, table.delimiter, table.has_bom) == ("utf-8", ",", True)


def test_cp1252_semicolon_as_excel_writes_it(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("id;text;commune\r\n7;Très isolée depuis l'été, « personne » ne passe;Tours\r\n".encode("cp1252"))
    table = read_csv(path, required_columns=["text"])
    assert table.ok
    assert table.delimiter == ";"
    assert table.encoding == "cp1252"
    assert table.rows[0]["text"] == "Très isolée depuis l'été, « personne » ne passe"
    assert table.rows[0]["commune"] == "Tours"


def test_broken_lines_are_reported_by_number_and_good_rows_kept(tmp_path):
    path = tmp_path / "casse.csv"
    path.write_text(
        "id,text,public\n"
        "1,bonjour,jeune\n"
        '2,"réponse sur\ndeux lignes",âgé\n'
        "3,trop,de,colonnes,ici\n"
        "4,court\n"
        "5,dernier,jeune\n",
        encoding="utf-8",
    )
    table = read_csv(path)
    assert [row["id"] for row in table.rows] == ["1", "2", "5"]
    assert table.rows[1]["text"] == "réponse sur\ndeux lignes"
    assert table.problem_messages == [
        "ligne 5 : 3 colonnes attendues, 5 trouvées",
        "ligne 6 : 3 colonnes attendues, 2 trouvées",
    ]
    assert table.row_lines == [2, 3, 7]


def test_missing_required_column_is_named(tmp_path):
    path = tmp_path / "sans_texte.csv"
    path.write_text("id,reponse\n1,oui\n", encoding="utf-8")
    table = read_csv(path, required_columns=["text"])
    assert "colonne « text » absente" in table.problem_messages


@pytest.mark.parametrize(
    "content, message",
    [(b"", "fichier vide"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "contenu binaire")],
)
def test_unreadable_files_raise_a_french_error(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CsvReadError, match=message):
        read_csv(path)


def test_missing_file(tmp_path):
    with pytest.raises(CsvReadError, match="introuvable"):
        read_csv(tmp_path / "absent.csv")


def test_atomic_write_round_trip_keeps_encoding_and_delimiter(tmp_path):
    path = tmp_path / "sortie.csv"
    rows = [{"id": "1", "text": "Aïcha 😀 ; virgule, guillemet \" fin"}, {"id": "2", "text": ""}]
    write_csv_atomic(path, ["id", "text"], rows, delimiter=";", encoding="utf-8", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read_csv(path)
    assert table.rows == rows
    assert table.delimiter == ";"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_atomic_write_failure_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "sortie.csv"
    path.write_text("id,text\n1,ancien\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_csv_atomic(path, ["id", "text"], [{"id": "1", "text": "emoji 😀"}], encoding="cp1252")
    assert path.read_text(encoding="utf-8") == "id,text\n1,ancien\n"
    assert list(tmp_path.iterdir()) == [path]


def test_stray_and_unclosed_quotes_are_reported_by_line_and_reading_goes_on(tmp_path):
    path = tmp_path / "guillemets.csv"
    path.write_text('id,text\n1,"il a dit "non" au bus"\n2,bien\n3,"guillemet jamais fermé\n4,perdu ?\n',
                    encoding="utf-8")
    table = read_csv(path, required_columns=["id", "text"])
    assert [row["id"] for row in table.rows] == ["2"]
    messages = table.problem_messages
    assert any(message.startswith("ligne 2 : ") and "guillemet mal placé" in message for message in messages)
    assert any(message.startswith("ligne 4 : ") and "jamais refermé" in message for message in messages)
