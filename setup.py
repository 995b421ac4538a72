"""Build the compiled parts; everything else about the package is in pyproject.toml.

Every extension is optional: where they cannot be compiled, linkgate counts shares with the
pure-Python windows of :mod:`linkgate.enforcement.counters`, which give the same counts, cuts
parsed links into their components in Python (:mod:`linkgate.urls.parse`) and matches
registrable domains with the publicsuffixlist package alone (:mod:`linkgate.domains.psl`),
with the same results, leaves its cached records to the garbage collector and builds its hot
records with generated Python (:mod:`linkgate.records`).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "linkgate.enforcement._windows",
            ["src/linkgate/enforcement/_windows.c"],
            optional=True,
        ),
        Extension(
            "linkgate.urls._split",
            ["src/linkgate/urls/_split.c"],
            optional=True,
        ),
        Extension(
            "linkgate._untracked",
            ["src/linkgate/_untracked.c"],
            optional=True,
        ),
        Extension(
            "linkgate._slots",
            ["src/linkgate/_slots.c"],
            optional=True,
        ),
        Extension(
            "linkgate.domains._suffix",
            ["src/linkgate/domains/_suffix.c"],
            optional=True,
        ),
        Extension(
            "linkgate.urls._lookup",
            ["src/linkgate/urls/_lookup.c"],
            libraries=["crypto"],
            optional=True,
        ),
    ]
)
