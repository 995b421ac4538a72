"""Build the compiled share counter; everything else about the package is in pyproject.toml.

The extension is optional: where it cannot be compiled, linkgate counts shares with the
pure-Python windows of :mod:`linkgate.enforcement.counters`, which give the same counts.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "linkgate.enforcement._windows",
            ["src/linkgate/enforcement/_windows.c"],
            optional=True,
        )
    ]
)
