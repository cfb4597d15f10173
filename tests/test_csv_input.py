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
    path.write_bytes(
        "id;text;commune\r\n7;Très isolée depuis l'été, « personne » ne passe;Tours\r\n".encode(
            "cp1252"
        )
    )
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
    rows = [{"id": "1", "text": 'Aïcha 😀 ; virgule, guillemet " fin'}, {"id": "2", "text": ""}]
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
    path.write_text(
        'id,text\n1,"il a dit "non" au bus"\n2,bien\n3,"guillemet jamais fermé\n4,perdu ?\n',
        encoding="utf-8",
    )
    table = read_csv(path, required_columns=["id", "text"])
    # The line after the unclosed quote is read for itself, not swallowed into line 4's text.
    assert [row["id"] for row in table.rows] == ["2", "4"]
    assert table.row_lines == [3, 5]
    messages = table.problem_messages
    assert len(messages) == 2
    assert any(
        message.startswith("ligne 2 : ") and "guillemet mal placé" in message
        for message in messages
    )
    assert any(
        message.startswith("ligne 4 : ") and "jamais refermé" in message for message in messages
    )


# --- every kind of malformed line: reported by its number, and no valid line lost ----------------


def _read(tmp_path, content: str | bytes):
    path = tmp_path / "entree.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return read_csv(path, required_columns=["id", "text"])


def _problems_by_line(table) -> dict[int, str]:
    return {problem.line: problem.message for problem in table.problems}


def test_unclosed_quote_on_line_2_does_not_swallow_lines_3_and_4(tmp_path):
    table = _read(
        tmp_path, 'id,text\n1,"Rappelez-moi demain\n2,Mme Dupont au 06 12 34 56 78\n3,fin\n'
    )
    assert [row["id"] for row in table.rows] == ["2", "3"]
    assert table.rows[0]["text"] == "Mme Dupont au 06 12 34 56 78"
    assert table.row_lines == [3, 4]
    assert list(_problems_by_line(table)) == [2]
    assert "guillemet ouvert jamais refermé" in _problems_by_line(table)[2]


def test_unclosed_quote_in_the_middle_of_a_long_file_costs_one_line(tmp_path):
    lines = [f"{n},réponse {n}" for n in range(1, 200)]
    lines[49] = '50,"ouvert ici'
    table = _read(tmp_path, "id,text\n" + "\n".join(lines) + "\n")
    assert len(table.rows) == 198
    assert "50" not in [row["id"] for row in table.rows]
    assert list(_problems_by_line(table)) == [51]


def test_stray_quote_inside_an_unquoted_field_is_reported(tmp_path):
    table = _read(tmp_path, 'id,text\n1,il a dit "non" au bus\n2,bien\n')
    assert [row["id"] for row in table.rows] == ["2"]
    assert list(_problems_by_line(table)) == [2]
    assert "guillemet isolé" in _problems_by_line(table)[2]


def test_doubled_quotes_inside_a_quoted_field_are_text(tmp_path):
    table = _read(tmp_path, 'id,text\n1,"il a dit ""non"" au bus"\n2,"sur\r\ndeux ""lignes"""\n')
    assert table.ok, table.problem_messages
    assert [row["text"] for row in table.rows] == ['il a dit "non" au bus', 'sur\r\ndeux "lignes"']


def test_quote_misplaced_after_a_closing_quote_is_reported(tmp_path):
    table = _read(tmp_path, 'id,text\n1,"il a dit "non" au bus"\n2,bien\n')
    assert [row["id"] for row in table.rows] == ["2"]
    assert "guillemet mal placé" in _problems_by_line(table)[2]


@pytest.mark.parametrize(
    "line, found", [("1,trop,de,colonnes", 4), ("1", 1), ("1,deux;trois,x", 3)]
)
def test_wrong_number_of_columns_is_reported(tmp_path, line, found):
    table = _read(tmp_path, f"id,text\n{line}\n2,bien\n")
    assert [row["id"] for row in table.rows] == ["2"]
    assert _problems_by_line(table) == {2: f"2 colonnes attendues, {found} trouvées"}


def test_a_multiline_record_with_wrong_columns_gives_back_the_lines_it_took(tmp_path):
    table = _read(tmp_path, 'id,text\n1,"sur\n2,deux lignes",en trop\n3,bien\n')
    # Line 2 opens a text that ends on line 3 with a column too many: line 2 is reported, line 3
    # (the end of that text, with its closing quote) too, and line 4 is kept.
    assert [row["id"] for row in table.rows] == ["3"]
    problems = _problems_by_line(table)
    assert problems[2] == "2 colonnes attendues, 3 trouvées"
    assert "guillemet isolé" in problems[3]


def test_blank_lines_are_skipped_and_numbering_kept(tmp_path):
    table = _read(tmp_path, "id,text\n1,un\n\n   \n2,deux\r\n\r\n3,trois\n\n")
    assert table.ok
    assert [row["id"] for row in table.rows] == ["1", "2", "3"]
    assert table.row_lines == [2, 5, 7]


def test_byte_order_mark_at_the_start_is_not_a_problem_but_one_inside_is(tmp_path):
    table = _read(tmp_path, "\ufeffid,text\n1,un\n\ufeffid,text\n2,deux\n")
    assert table.columns == ["id", "text"] and table.has_bom
    assert [row["id"] for row in table.rows] == ["1", "2"]
    assert list(_problems_by_line(table)) == [3]
    assert "bout à bout" in _problems_by_line(table)[3]


def test_a_line_in_another_encoding_is_reported_and_the_others_keep_their_accents(tmp_path):
    content = (
        "id,text\n1,Très isolée\n".encode("utf-8")
        + "2,Hébergé chez sa sœur\n".encode("cp1252")
        + "3,Déménagement prévu\n".encode("utf-8")
    )
    table = _read(tmp_path, content)
    assert table.encoding == "utf-8"
    assert [row["text"] for row in table.rows] == ["Très isolée", "Déménagement prévu"]
    assert list(_problems_by_line(table)) == [3]
    assert "UTF-8" in _problems_by_line(table)[3]


def test_a_whole_file_in_latin_1_is_read_as_such(tmp_path):
    table = _read(tmp_path, "id,text\n1,Très isolée\n2,Ça va\n".encode("latin-1"))
    assert table.ok
    assert [row["text"] for row in table.rows] == ["Très isolée", "Ça va"]


def test_a_nul_character_far_in_the_file_is_reported_by_line(tmp_path):
    rows = "".join(
        f"{n},réponse assez longue pour remplir le début du fichier {n}\n" for n in range(1, 1500)
    )
    table = _read(tmp_path, "id,text\n" + rows + "1500,abî\x00mé\n1501,fin\n")
    assert len(table.rows) == 1500
    assert list(_problems_by_line(table)) == [1501]
    assert "caractère nul" in _problems_by_line(table)[1501]


def test_old_mac_line_endings(tmp_path):
    table = _read(tmp_path, 'id,text\r1,un\r2,"deux\rlignes"\r')
    assert table.ok
    assert [row["text"] for row in table.rows] == ["un", "deux\rlignes"]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    table = _read(tmp_path, 'id,text\n1,"jamais fermé\n2,a "b"\n3,x,y\n4,bien\n5,"fin\n')
    assert [row["id"] for row in table.rows] == ["4"]
    assert list(_problems_by_line(table)) == [2, 3, 4, 6]
