"""Roman numerals: convert between integers and their Roman form."""

from numerals.roman import from_roman, to_roman

__all__ = ["from_roman", "to_roman"]
