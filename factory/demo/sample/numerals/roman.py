"""Conversion between integers (1..3999) and Roman numerals."""

_SYMBOLS = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(number: int) -> str:
    """Return the Roman numeral for `number` (1..3999)."""
    if not 0 < number < 4000:
        raise ValueError(f"{number} is out of range (1..3999)")
    parts = []
    for value, symbol in _SYMBOLS:
        count, number = divmod(number, value)
        parts.append(symbol * count)
    return "".join(parts)


def from_roman(numeral: str) -> int:
    """Return the integer value of a Roman numeral such as 'MCMXCIV'."""
    if not numeral or any(ch not in _VALUES for ch in numeral.upper()):
        raise ValueError(f"{numeral!r} is not a Roman numeral")
    total = 0
    for ch in numeral.upper():
        total += _VALUES[ch]
    return total
