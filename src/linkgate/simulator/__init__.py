"""The policy simulator: share traffic replayed through policies, and what it shows.

An edge over the decision core; it stores nothing and enforces nothing.

- ``schema``: the traffic format (``ShareEvent``, ``TrafficReader``), one JSON line per share.
- ``traffic`` (with ``links`` and ``rng``): generated share traffic, the same for a seed.
- ``replay``: every share decided by one or more policies at its own time, counted by
  decision class.
- ``simulate``: traffic files or iterables in, a ``results.Simulation`` out.
- ``results``, ``report``, ``charts``, ``html``: aggregates, A-vs-B differences, presets
  compared; Rich tables, JSON and self-contained HTML.
- ``parity``, ``parity_report``: equal treatment for equal risk, and the rules behind
  each disparity.
- ``inputs``: credit scores per platform.
"""
