"""Transparency reports in the form operators publish: what was done about links,
domains and accounts in a period, what users reported and appealed, per day.

:func:`~linkgate.transparency.report.build_report` turns the counts read from
the store (:func:`linkgate.storage.transparency.read_transparency`) into the
report; :mod:`linkgate.transparency.render` writes it as HTML (with charts),
JSON and CSV.
"""
