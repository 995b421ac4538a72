"""Content checks are small named classes; the registry admits only well-formed ones.

A check reads a :class:`~linkgate.checks.text.Prepared` text and returns a
:class:`Finding`: a score per category it knows and the rule matches behind
them. :meth:`CheckRegistry.register` verifies a check class before it can
be used: a unique lower-case ``name``, a ``layer`` (``rules`` or
``model``), ``categories`` drawn from the content categories, and a
``run`` method of its own. A malformed check fails at import, not at the
first text it meets.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final, TypeVar

from linkgate.checks.categories import CATEGORIES
from linkgate.checks.rules import RuleMatch
from linkgate.checks.text import Prepared

LAYERS: Final = ("rules", "model")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True, slots=True)
class Finding:
    """What one check found: ``scores[category]`` in 0-1 and the matches behind them.

    ``guarded`` names the categories the text only reports on or warns
    about (an ``unless`` phrase of the rules file matched).
    """

    check: str
    layer: str
    scores: Mapping[str, float]
    matches: tuple[RuleMatch, ...] = field(default=())
    guarded: frozenset[str] = frozenset()


class Check(ABC):
    """A content check. Subclasses set the class attributes and implement :meth:`run`."""

    name: ClassVar[str]
    layer: ClassVar[str]
    categories: ClassVar[tuple[str, ...]]
    summary: ClassVar[str]

    @abstractmethod
    def run(self, text: Prepared) -> Finding:
        """Score ``text``; never raises for any input string."""


class CheckRegistrationError(TypeError):
    """A check class does not satisfy the :class:`Check` contract."""


C = TypeVar("C", bound=type[Check])


class CheckRegistry:
    """Check classes by name, each validated when registered."""

    def __init__(self) -> None:
        self._checks: dict[str, type[Check]] = {}

    def register(self, cls: C) -> C:
        """Validate and add ``cls``; usable as a class decorator."""
        problems = check_problems(cls)
        name = getattr(cls, "name", None)
        if isinstance(name, str) and name in self._checks and self._checks[name] is not cls:
            problems.append(f"name {name!r} is already registered")
        if problems:
            raise CheckRegistrationError(f"{cls.__qualname__}: " + "; ".join(problems))
        self._checks[cls.name] = cls
        return cls

    def __getitem__(self, name: str) -> type[Check]:
        return self._checks[name]

    def __contains__(self, name: object) -> bool:
        return name in self._checks

    def __iter__(self) -> Iterator[type[Check]]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def names(self) -> tuple[str, ...]:
        return tuple(self._checks)


def check_problems(cls: object) -> list[str]:
    """Everything wrong with ``cls`` as a check class (empty when it is fine)."""
    if not inspect.isclass(cls) or not issubclass(cls, Check):
        return ["not a subclass of Check"]
    problems: list[str] = []
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        problems.append(f"name {name!r} is not a lower-case identifier")
    layer = getattr(cls, "layer", None)
    if layer not in LAYERS:
        problems.append(f"layer {layer!r} is not one of {', '.join(LAYERS)}")
    categories = getattr(cls, "categories", None)
    if not isinstance(categories, tuple) or not categories:
        problems.append("categories must be a non-empty tuple")
    else:
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            problems.append(f"unknown categories {unknown!r}")
    summary = getattr(cls, "summary", None)
    if not isinstance(summary, str) or not summary.strip():
        problems.append("summary must say what the check looks for")
    if inspect.isabstract(cls) or "run" not in {
        n for klass in cls.__mro__[:-1] if klass is not Check for n in vars(klass)
    }:
        problems.append("run() is not implemented")
    return problems


#: The checks linkgate ships.
CHECKS: Final = CheckRegistry()
