"""Records on the hot path: built quickly, and the cached ones kept from the collector.

A frozen dataclass's generated ``__init__`` sets every field through
``object.__setattr__`` (plain assignment is what ``frozen`` forbids), which
costs about 0.1 µs a field: for a record of twenty fields built once per
decision, that is a sizeable share of the decision. :func:`slot_builder`
returns a function that takes every field positionally, in field order, and
returns the same object the class would build, several times faster. It is
meant for the few records built once per link or decision (``ParsedUrl``,
``UrlFacts``, ``Situation``, ``Decision``); everything else uses the class as
usual.

How: where the install has a C compiler, the builder is compiled
(``linkgate._slots.Builder``, :data:`COMPILED_BUILDERS`): one call that allocates the
instance and writes each value where the class's own slot descriptor says it lives.
Otherwise it is generated Python: it fills an instance of a private *twin* class that has
the very same slots but is not frozen, so each field is one plain slot store,
then turns the instance into the dataclass by assigning ``__class__`` (which
Python allows between classes of identical layout). From then on it is an
ordinary instance of the dataclass: frozen, compared, hashed, printed and
pickled by the dataclass's own methods. Where that is not possible the
builder writes each slot through its descriptor instead (the same result, at
half the class's cost), and for a class it cannot build at all (not a slotted
dataclass of its own fields, or with a ``__post_init__``) it is the class
itself, which takes the same positional arguments.

The builder applies no defaults and runs no ``__post_init__``: every field
the class's ``__init__`` takes is passed. A field outside ``__init__``
(``field(init=False, default=...)``) gets its plain default, as the class
would give it; one with a default factory or none makes the class unbuildable
here.

:func:`untracked` takes a record the link core caches out of the cyclic garbage
collector's passes (see its description below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar, cast

__all__ = ["UNTRACKED", "slot_builder", "untracked"]

T = TypeVar("T")


def _identity(record: T) -> T:
    return record


def _untracked() -> Callable[[T], T]:
    try:
        from linkgate._untracked import untracked as compiled
    except ImportError:  # not built here (no C compiler at install)
        return _identity
    return compiled


untracked: Callable[[T], T] = _untracked()
"""``untracked(record)`` is ``record``, kept out of the cyclic garbage collector's passes.

For the records the link core caches as traffic arrives (a link's and a host's facts): tens
of thousands of frozen containers that every collection of their generation would walk,
though none can be part of a reference cycle (each is built once from strings, numbers and
records made before it, and never changes). Reference counting still frees each as soon as
its last reference goes. Compiled (``linkgate._untracked``) where the install has a C
compiler; elsewhere the record is returned as it is, tracked, with the same behaviour and the
collector's walks as their cost. Never for an object that could take part in a cycle: the
collector would not free that cycle.
"""

UNTRACKED: bool = untracked is not _identity
"""Whether :func:`untracked` takes records out of the collector here (compiled)."""

_SlotsBuilder: Callable[[type, tuple[str, ...], tuple[tuple[str, Any], ...]], Any] | None
try:
    from linkgate._slots import Builder as _SlotsBuilder
except ImportError:  # not built here (no C compiler at install): the generated builders
    _SlotsBuilder = None

COMPILED_BUILDERS: bool = _SlotsBuilder is not None
"""Whether :func:`slot_builder` builds in one compiled call here (``linkgate._slots``)."""


def tuple_builder(cls: type[T]) -> Callable[..., T]:
    """``build(field_1, ..., field_n)``, equal to the named tuple ``cls(field_1, ..., field_n)``.

    One compiled call where it is built (``linkgate._slots.Builder`` in its tuple mode:
    about 50 ns for six fields, against 166 for the named tuple's ``__new__``); otherwise
    the named tuple itself.
    """
    names = getattr(cls, "_fields", None)
    if _SlotsBuilder is None or not isinstance(names, tuple) or not issubclass(cls, tuple):
        return cls
    return cast(Callable[..., T], _SlotsBuilder(cls, names, ()))


def slot_builder(cls: type[T], *expected: str) -> Callable[..., T]:
    """``build(field_1, ..., field_n)``, equal to ``cls(field_1, ..., field_n)``.

    The fields are those ``cls.__init__`` takes. ``expected``, when given, are
    the field names the caller passes, in order; a class whose fields differ
    raises ``TypeError`` at once (at import, for a module-level builder), so a
    field added to the class cannot shift the caller's positional arguments
    silently.
    """
    if not is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    every = fields(cls)
    slots = tuple(f.name for f in every)
    names = tuple(f.name for f in every if f.init)
    if expected and names != expected:
        raise TypeError(f"{cls.__name__} fields are {', '.join(names)}, not {', '.join(expected)}")
    if (
        hasattr(cls, "__post_init__")
        or getattr(cls, "__slots__", None) != slots
        or cls.__bases__ != (object,)
        or any(name.startswith("_") for name in slots)  # the generated code's own names
        or any(not f.init and f.default is MISSING for f in every)
    ):
        return cls
    if _SlotsBuilder is not None:
        defaults = tuple((f.name, f.default) for f in every if not f.init)
        compiled = cast(Callable[..., T], _SlotsBuilder(cls, names, defaults))
        if type(compiled(*(None for _ in names))) is cls:
            return compiled
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": slots})
    build = _compile(cls, names, twin)
    try:
        probe = build(*(None for _ in names))
    except TypeError:
        build = _compile(cls, names, None)
    else:
        if type(probe) is not cls:
            build = _compile(cls, names, None)
    return build


def _compile(cls: type[T], names: tuple[str, ...], twin: type | None) -> Callable[..., T]:
    """The builder's source, one line per field (a loop would cost most of what it saves).

    ``names`` are the parameters (the fields ``__init__`` takes, in order); the
    other fields are set to their defaults.
    """
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_twin": twin}
    values = {name: name for name in names}
    for f in fields(cast(Any, cls)):
        if f.name not in values:
            namespace[f"_default_{f.name}"] = f.default
            values[f.name] = f"_default_{f.name}"
    function = f"build_{cls.__name__}"
    lines = [f"def {function}({', '.join(names)}):"]
    if twin is not None:
        lines.append("    _obj = _new(_twin)")
        lines.extend(f"    _obj.{name} = {value}" for name, value in values.items())
        lines.append("    _obj.__class__ = _cls")
    else:
        lines.append("    _obj = _new(_cls)")
        for name, value in values.items():
            namespace[f"_set_{name}"] = getattr(cls, name).__set__
            lines.append(f"    _set_{name}(_obj, {value})")
    lines.append("    return _obj")
    # The source is made above from the dataclass's own field names only.
    exec("\n".join(lines), namespace)
    build: Callable[..., T] = namespace[function]
    build.__doc__ = f"A new {cls.__name__} from all its fields, positionally, in field order."
    return build
