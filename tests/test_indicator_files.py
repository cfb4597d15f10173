"""Reading indicator files shaped like INSEE and CAF publications (tests/data/indicators)."""

from pathlib import Path

import pytest

from analyse.indicator_files import MISSING, SECRET, VALUE, Cell, parse_value, read_indicator_file

FILES = Path(__file__).parent / "data" / "indicators"


def read(name: str, code_column: str = "CODGEO", **options):
    return read_indicator_file((FILES / name).read_bytes(), name, code_column, **options)


def values(table, column):
    return {row.code: (row.cells[column].value, row.cells[column].status) for row in table.rows}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("136\u202f463", Cell(136463.0, VALUE)),
        ("38\u00a0250", Cell(38250.0, VALUE)),
        ("71 361", Cell(71361.0, VALUE)),
        ("21,5", Cell(21.5, VALUE)),
        ("-0,3", Cell(-0.3, VALUE)),
        ("\u22120,7", Cell(-0.7, VALUE)),
        ("1234.5", Cell(1234.5, VALUE)),
        (12, Cell(12.0, VALUE)),
        ("s", Cell(None, SECRET)),
        ("nd", Cell(None, MISSING)),
        ("", Cell(None, MISSING)),
        (None, Cell(None, MISSING)),
        ("0", Cell(0.0, VALUE)),
    ],
)
def test_values_in_french_notation(raw, expected):
    assert parse_value(raw) == expected


@pytest.mark.parametrize("raw", ["beaucoup", "12.345,6", "1 2", "1,2,3", "--4"])
def test_what_is_not_a_number_is_refused(raw):
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        parse_value(raw)


def test_an_insee_csv_with_bom_crlf_semicolons_and_no_final_newline():
    table = read("insee_communes.csv", year=2020)
    assert table.errors == [] and table.rejected == []
    assert table.level == "commune" and table.label_column == "LIBGEO"
    assert table.indicator_columns == ["P20_POP", "TP6020", "EVOL_POP"]
    assert table.attribute_columns == ["DEP"]
    assert values(table, "P20_POP") == {
        "37261": (136463.0, VALUE),
        "37122": (38250.0, VALUE),
        "01001": (779.0, VALUE),
        "2A004": (71361.0, VALUE),
        "97101": (-12.0, VALUE),
    }
    assert values(table, "TP6020")["37122"] == (None, SECRET)
    assert values(table, "TP6020")["01001"] == (None, MISSING)
    assert values(table, "EVOL_POP")["01001"] == (None, MISSING)  # empty, last on its line
    assert values(table, "EVOL_POP")["2A004"] == (-0.7, VALUE)
    assert [row.label for row in table.rows][:2] == ["Tours", "Joué-lès-Tours"]


def test_without_a_year_a_column_whose_name_has_none_is_an_error():
    table = read("insee_communes.csv")
    assert [str(problem) for problem in table.errors] == [
        "Ligne 1, colonne « TP6020 » : année inconnue : le nom de la colonne n'en contient "
        "pas, précisez l'année.",
        "Ligne 1, colonne « EVOL_POP » : année inconnue : le nom de la colonne n'en contient "
        "pas, précisez l'année.",
    ]


def test_a_caf_csv_in_cp1252_with_commas_and_a_total_line():
    table = read("caf_communes.csv", "Code commune")
    assert table.errors == []
    assert table.years == {"NB_ALLOC_2022": 2022, "TX_COUV_RSA_2022": 2022}
    assert [row.label for row in table.rows] == ["Tours", "La Riche", "Joué-lès-Tours"]
    assert values(table, "TX_COUV_RSA_2022") == {
        "37261": (8.4, VALUE),
        "37195": (6.1, VALUE),
        "37122": (None, SECRET),
    }
    assert [(problem.line, problem.column) for problem in table.rejected] == [(5, "Code commune")]
    assert "« Total » n'est pas un code de commune" in table.rejected[0].message


def test_the_encoding_and_separator_can_be_told():
    table = read("caf_communes.csv", "Code commune", sep=",", encoding="latin-1")
    assert table.errors == [] and table.rows[2].label == "Joué-lès-Tours"
    wrong = read("caf_communes.csv", "Code commune", encoding="utf-8")
    assert "n'est pas en utf-8" in str(wrong.errors[0])


def test_an_xlsx_with_a_documentation_sheet_and_title_lines_above_the_header():
    table = read("insee_base.xlsx", year=2020)
    assert table.errors == []
    assert [row.line for row in table.rows] == [5, 6, 7]
    assert values(table, "MED20") == {
        "37261": (21430.5, VALUE),
        "2B033": (21050.2, VALUE),
        "97411": (None, MISSING),
    }
    assert values(table, "P20_MEN")["2B033"] == (None, SECRET)
    assert [problem.line for problem in table.rejected] == [8]  # the footnote


def test_bad_input_is_listed_in_french_with_lines_and_columns():
    corrupt = read("corrupt.xlsx")
    assert "Le classeur XLSX est illisible" in str(corrupt.errors[0])
    assert (
        "Feuille « Données » absente du classeur ; ses feuilles : « Documentation », « COM »."
        in str(read("insee_base.xlsx", sheet="Données").errors[0])
    )
    assert "En-tête introuvable : aucune ligne ne contient la colonne « CODGEO »" in str(
        read("no_header.csv").errors[0]
    )
    assert [str(problem) for problem in read("bad_values.csv").errors] == [
        "Ligne 2, colonne « P20_POP » : « beaucoup » n'est pas un nombre.",
        "Ligne 3, colonne « P20_POP » : « 12.345,6 » n'est pas un nombre (virgule et point à la fois).",
        "Ligne 4, colonne « P20_POP » : « 1 2 » n'est pas un nombre (séparateurs de milliers mal placés).",
    ]
    assert [str(problem) for problem in read("duplicates.csv").errors] == [
        "Ligne 4, colonne « CODGEO » : le territoire 37261 figure déjà ligne 2 : une seule valeur "
        "par indicateur, territoire et année."
    ]
    no_code = read("no_code.csv")
    assert no_code.rows == [] and len(no_code.rejected) == 2
    assert "zéro en tête" in no_code.rejected[0].message
    assert str(no_code.errors[0]).startswith("Aucune ligne n'a un code de commune bien formé")


def test_a_level_that_cannot_be_guessed_must_be_told():
    content = "Code;P20_POP\n200054781;7000000\n".encode()
    table = read_indicator_file(content, "epci.csv", "Code")
    assert "ne se devine pas" in str(table.errors[0])
    told = read_indicator_file(content, "epci.csv", "Code", level="epci")
    assert told.errors == [] and told.rows[0].code == "200054781"
