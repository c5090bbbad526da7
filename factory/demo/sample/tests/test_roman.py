import pytest

from numerals import from_roman, to_roman


@pytest.mark.parametrize(
    ("number", "numeral"),
    [(1, "I"), (3, "III"), (4, "IV"), (9, "IX"), (14, "XIV"), (1994, "MCMXCIV"), (3999, "MMMCMXCIX")],
)
def test_to_roman(number, numeral):
    assert to_roman(number) == numeral


@pytest.mark.parametrize(("numeral", "number"), [("I", 1), ("III", 3), ("VIII", 8), ("MDCLXVI", 1666)])
def test_from_roman_additive(numeral, number):
    assert from_roman(numeral) == number


def test_from_roman_rejects_garbage():
    with pytest.raises(ValueError):
        from_roman("ABC")


def test_to_roman_rejects_zero():
    with pytest.raises(ValueError):
        to_roman(0)
