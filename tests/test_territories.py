"""The form of territory codes by level, their nesting and the level a file's codes are at."""

import pytest

from analyse.territories import (
    COMMUNE,
    DEPARTEMENT,
    EPCI,
    FRANCE,
    IRIS,
    REGION,
    code_error,
    guess_level,
    parent_code,
)


@pytest.mark.parametrize(
    "level, code",
    [
        (COMMUNE, "37261"),
        (COMMUNE, "01001"),
        (COMMUNE, "2A004"),
        (COMMUNE, "29083"),  # Finistère: 21 to 29 are départements too
        (DEPARTEMENT, "21"),
        (COMMUNE, "2b033"),
        (COMMUNE, "97101"),
        (COMMUNE, "97611"),
        (IRIS, "372610101"),
        (IRIS, "2A0040101"),
        (EPCI, "200054781"),
        (DEPARTEMENT, "01"),
        (DEPARTEMENT, "2A"),
        (DEPARTEMENT, "974"),
        (REGION, "24"),
        (FRANCE, "FR"),
    ],
)
def test_well_formed_codes_are_accepted(level, code):
    assert code_error(code, level) is None


@pytest.mark.parametrize(
    "level, code, said",
    [
        (COMMUNE, "1001", "zéro en tête"),
        (COMMUNE, "20004", "n'est pas un code de commune"),
        (COMMUNE, "97801", "n'est pas un code de commune"),
        (COMMUNE, "Total", "n'est pas un code de commune"),
        (IRIS, "37261", "n'est pas un code d'IRIS"),
        (EPCI, "24370055", "SIREN"),
        (DEPARTEMENT, "20", "2A, 2B"),
        (DEPARTEMENT, "96", "01 à 95"),
        (REGION, "ABC", "2 chiffres"),
        (COMMUNE, "  ", "vide"),
    ],
)
def test_malformed_codes_say_why_in_french(level, code, said):
    assert said in code_error(code, level)


def test_a_code_says_which_territory_it_lies_in():
    assert parent_code("372610101", IRIS) == (COMMUNE, "37261")
    assert parent_code("37261", COMMUNE) == (DEPARTEMENT, "37")
    assert parent_code("2A004", COMMUNE) == (DEPARTEMENT, "2A")
    assert parent_code("97101", COMMUNE) == (DEPARTEMENT, "971")
    assert parent_code("37", DEPARTEMENT) == (FRANCE, "FR")
    assert parent_code("FR", FRANCE) is None


def test_the_level_comes_from_the_column_name_or_from_codes_that_fit_only_communes():
    assert guess_level("DEP", ["37", "2A"]) == DEPARTEMENT
    assert guess_level("IRIS", ["372610101"]) == IRIS
    assert guess_level("Code commune", ["37261", "2A004", "Total"]) == COMMUNE
    # Nine digits: an IRIS or an EPCI; two digits: a département or a région.
    assert guess_level("Code", ["200054781"]) is None
    assert guess_level("Code", ["11", "24"]) is None
