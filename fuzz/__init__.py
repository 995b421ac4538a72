"""Fuzz harnesses for linkgate's parsers: ``python -m fuzz.run TARGET --inputs N``."""
