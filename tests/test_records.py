"""slot_builder: records built field by field are the very objects their classes build."""

from __future__ import annotations

import dataclasses
import pickle
import sys
import weakref
from datetime import UTC, datetime
from typing import Any

import pytest

from linkgate import records
from linkgate.facts import UrlFacts
from linkgate.policy.decision import Constraint, Decision
from linkgate.policy.evaluator import Situation
from linkgate.records import _compile, slot_builder
from linkgate.urls.model import ParsedUrl
from tests.services import compiled_or_skip

AT = datetime(2021, 12, 1, 4, 0, tzinfo=UTC)

SAMPLES: list[tuple[type[Any], tuple[Any, ...]]] = [
    (
        ParsedUrl,
        (
            "HTTPS://a.com/x",
            "https://a.com/x",
            "https",
            "",
            "",
            "a.com",
            "",
            "/x",
            "",
            "",
            "domain",
            False,
        ),
    ),
    (
        UrlFacts,
        (
            *("a.com/x", True, None, "http://a.com/x", "http", "a.com", "a.com", "a.com", False),
            *(None, "other", ("userinfo",), None, None),
        ),
    ),
    (Situation, ("group_chat", AT, "alice", None, "deny", True, (), {})),
    (
        Decision,
        (
            *("d1", "a.com", "http://a.com/", "moments", AT, "plain_page", (), {}, "warn", ("x",)),
            *(None, (Constraint("tier", "tiers.unknown", None, "x"),), (), "rev", 60, None),
            *("other", (), None, {"en": "x"}, "a.com"),
        ),
    ),
]


@pytest.mark.parametrize(("cls", "values"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_built_records_equal_what_the_class_builds(cls: type[Any], values: tuple[Any, ...]) -> None:
    build = slot_builder(cls)
    assert build is not cls, f"{cls.__name__} is built by its own __init__"
    built = build(*values)
    made = cls(*values)
    assert type(built) is cls
    assert built == made
    assert _hash(built) == _hash(made)
    assert repr(built) == repr(made)
    assert pickle.loads(pickle.dumps(built)) == made
    assert dataclasses.astuple(built) == dataclasses.astuple(made)
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, first, None)
    assert dataclasses.replace(built) == made


@pytest.mark.parametrize(("cls", "values"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_descriptor_fallback_builds_the_same(cls: type[Any], values: tuple[Any, ...]) -> None:
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    built = _compile(cls, names, None)(*values)
    assert type(built) is cls
    assert built == cls(*values)


def _hash(value: object) -> int | str:
    try:
        return hash(value)
    except TypeError as exc:  # a Decision holds dictionaries: unhashable either way
        return str(exc)


def test_expected_field_names_are_checked() -> None:
    with pytest.raises(TypeError, match="fields are"):
        slot_builder(Situation, "at", "channel")
    assert slot_builder(Situation, *(f.name for f in dataclasses.fields(Situation))) is not None


def test_classes_it_cannot_build_are_used_as_they_are() -> None:
    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    assert slot_builder(Plain) is Plain
    assert slot_builder(Checked) is Checked
    with pytest.raises(TypeError, match="not a dataclass"):
        slot_builder(int)


def test_fields_outside_init_get_their_default() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Memo:
        a: int
        memo: tuple[int, ...] | None = dataclasses.field(
            default=None, init=False, compare=False, repr=False
        )

    build = slot_builder(Memo, "a")
    assert build is not Memo
    built = build(1)
    assert type(built) is Memo and built == Memo(1) and built.memo is None
    fallback = _compile(Memo, ("a",), None)(2)
    assert type(fallback) is Memo and fallback.memo is None
    with pytest.raises(TypeError, match="fields are"):
        slot_builder(Memo, "a", "memo")

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: int
        memo: list[int] = dataclasses.field(default_factory=list, init=False)

    assert slot_builder(Factory) is Factory


@pytest.mark.parametrize(("cls", "values"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_generated_twin_builder_builds_the_same(
    cls: type[Any], values: tuple[Any, ...]
) -> None:
    """Without the compiled builder, the generated one (a twin class, then ``__class__``)."""
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    slots = tuple(f.name for f in dataclasses.fields(cls))
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": slots})
    built = _compile(cls, names, twin)(*values)
    assert type(built) is cls
    assert built == cls(*values)


def compiled_builder() -> Any:
    compiled_or_skip(records.COMPILED_BUILDERS, "linkgate._slots")
    from linkgate._slots import Builder

    return Builder


def test_the_compiled_builder_is_what_slot_builder_returns() -> None:
    builder = compiled_builder()
    for cls, _ in SAMPLES:
        assert isinstance(slot_builder(cls), builder)


def test_the_compiled_builder_holds_each_value_once_and_lets_it_go() -> None:
    builder = compiled_builder()

    @dataclasses.dataclass(frozen=True, slots=True)
    class Pair:
        a: object
        b: object
        memo: object = dataclasses.field(default=None, init=False)

    marker, default = object(), object()
    build = builder(Pair, ("a", "b"), (("memo", default),))
    before = sys.getrefcount(marker), sys.getrefcount(default)
    built = build(marker, marker)
    assert (built.a, built.b, built.memo) == (marker, marker, default)
    assert sys.getrefcount(marker) == before[0] + 2
    kept = weakref.ref(built) if hasattr(built, "__weakref__") else None
    del built
    assert (sys.getrefcount(marker), sys.getrefcount(default)) == before
    assert kept is None or kept() is None


def test_the_compiled_builder_refuses_what_is_not_a_plain_slot() -> None:
    builder = compiled_builder()

    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Child(Base):
        b: int

    with pytest.raises(TypeError, match="no slot"):
        builder(Base, ("nope",), ())
    with pytest.raises(TypeError, match="no slot"):
        builder(Child, ("a", "b"), ())  # the base's slot: not in Child's own namespace
    with pytest.raises(TypeError, match="not a slot"):
        builder(Base, ("__repr__",), ())
    with pytest.raises(ValueError, match="named twice"):
        builder(Base, ("a",), (("a", 1),))
    with pytest.raises(TypeError):
        builder(int, (), ())  # no slots at all: only a class of no names passes
    build = builder(Base, ("a",), ())
    with pytest.raises(TypeError, match="takes 1 positional"):
        build()
    with pytest.raises(TypeError, match="takes 1 positional"):
        build(a=1)


def test_tuple_builder_builds_the_named_tuple() -> None:
    from typing import NamedTuple

    from linkgate.records import COMPILED_BUILDERS, tuple_builder

    class Pair(NamedTuple):
        left: str
        right: int

    build = tuple_builder(Pair)
    assert (build is Pair) is not COMPILED_BUILDERS
    made = build("a", 1)
    assert type(made) is Pair and made == Pair("a", 1) and made.right == 1
    # Not a named tuple: the class itself.
    assert tuple_builder(int) is int  # type: ignore[arg-type]
