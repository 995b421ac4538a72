"""YAML data files that remember where every value was written.

linkgate's data (the platform registry, policies, presets) is YAML written by
people. When such a file is wrong, its author should see *every* mistake in
one run, each with ``file:line:column``, the path of the value and what was
expected. This module gives the loaders the pieces for that:

``load`` / ``loads``
    Parse YAML into plain Python values (``dict``, ``list``, ``str``, ``int``,
    ``float``, ``bool``, ``None``, ``datetime``/``date``) and keep the source
    position of every mapping key, mapping value and sequence item. The result
    is a :class:`Document`; ask it ``doc.mark(path)`` for the position of any
    value (``path`` is a tuple of mapping keys and sequence indexes, e.g.
    ``("platforms", 2, "tier")``). Syntax errors raise :class:`DataFileError`
    at once with one :class:`Problem` at the error's position; duplicate keys,
    recursive aliases, unsupported tags and unparseable scalars are recorded
    as problems and loading goes on.

:class:`Problems`
    The collector every validator writes into. Each loaded document owns one
    (``doc.problems``); several documents may share one by passing
    ``problems=`` to ``load``. ``problems.raise_if_any()`` raises a single
    :class:`DataFileError` carrying all of them, sorted by position.

:class:`Node`
    A view of one value in a document (``doc.root()``, ``node.child(key)``)
    with small checking helpers (``mapping``, ``sequence``, ``string``,
    ``integer``, ``boolean``, ``choice``, ``strings``, ``regex``). Each helper
    returns the checked value, or ``None`` after recording a problem at the
    value's position, so a validator keeps going and reports everything.

A typical validator::

    doc = datafile.load(path)
    top = doc.root().mapping(required=("name",), optional=("rules",))
    if top is not None:
        name = top["name"].string() if "name" in top else None
        ...
    doc.problems.raise_if_any()

Nothing here knows what a registry or a policy is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Final, TypeVar

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YamlNode

from linkgate.errors import LinkgateError

__all__ = [
    "MISSING",
    "DataFileError",
    "Document",
    "Mark",
    "Node",
    "Path",
    "Problem",
    "Problems",
    "format_path",
    "load",
    "loads",
]

#: The address of a value inside a document: mapping keys and sequence indexes.
Path = tuple[Hashable, ...]

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MAP_TAGS: Final = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:omap"})
_SEQ_TAGS: Final = frozenset({"tag:yaml.org,2002:seq"})
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")

#: Deepest nesting of mappings and lists a data file may use.
MAX_DEPTH: Final = 100
#: Most values a loaded document may hold (aliases count once per use).
MAX_VALUES: Final = 100_000

T = TypeVar("T")


class _Missing:
    """The value of a :class:`Node` whose key is absent from its mapping."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


@dataclass(frozen=True, slots=True, order=True)
class Mark:
    """A position in a source file; ``line`` and ``column`` count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_path(path: Path) -> str:
    """``("platforms", 2, "tier")`` -> ``platforms[2].tier``; the empty path is ``(document)``."""
    if not path:
        return "(document)"
    out: list[str] = []
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out.append(f"[{part}]")
        elif isinstance(part, str) and _PLAIN_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a data file, at the position of the offending key or value."""

    file: str
    line: int
    column: int
    path: str
    message: str
    expected: str | None = None

    @property
    def mark(self) -> Mark:
        return Mark(self.file, self.line, self.column)

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class DataFileError(LinkgateError):
    """A data file (or several) could not be used; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        count = len(self.problems)
        if count == 1:
            return str(self.problems[0])
        lines = [f"{count} problems:"]
        lines.extend(f"  {p}" for p in self.problems)
        return "\n".join(lines)


class Problems:
    """Collects problems from loading and validation; raises them all at once."""

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._items: list[Problem] = list(problems)

    def add(self, problem: Problem) -> None:
        self._items.append(problem)

    def at(
        self,
        mark: Mark,
        path: Path | str,
        message: str,
        expected: str | None = None,
    ) -> None:
        """Record ``message`` about the value at ``path``, written at ``mark``."""
        shown = path if isinstance(path, str) else format_path(path)
        self._items.append(Problem(mark.file, mark.line, mark.column, shown, message, expected))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._items.extend(problems)

    def sorted(self) -> list[Problem]:
        """The problems in file order (stable for problems at the same position)."""
        return sorted(self._items, key=lambda p: (p.file, p.line, p.column))

    def raise_if_any(self) -> None:
        """Raise one :class:`DataFileError` carrying every recorded problem, if any."""
        if self._items:
            raise DataFileError(self.sorted())

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)


class Document:
    """Plain values loaded from one YAML file, plus the position of each of them.

    ``data`` is the document's top-level value (``None`` for an empty file).
    ``mark(path)`` is where the value at ``path`` starts; ``key_mark(path)``
    is where its mapping key was written (the same as ``mark`` for sequence
    items and the top level). A path that does not exist resolves to its
    nearest existing ancestor, which is where a "missing key" belongs.
    """

    __slots__ = ("_key_marks", "_value_marks", "data", "file", "problems")

    def __init__(
        self,
        file: str,
        data: object,
        value_marks: dict[Path, Mark],
        key_marks: dict[Path, Mark],
        problems: Problems,
    ) -> None:
        self.file = file
        self.data = data
        self._value_marks = value_marks
        self._key_marks = key_marks
        self.problems = problems

    def has(self, path: Path) -> bool:
        return path in self._value_marks

    def mark(self, path: Path = ()) -> Mark:
        marks = self._value_marks
        while path not in marks and path:
            path = path[:-1]
        return marks.get(path, Mark(self.file, 1, 1))

    def key_mark(self, path: Path) -> Mark:
        found = self._key_marks.get(path)
        return found if found is not None else self.mark(path)

    def problem(
        self,
        path: Path,
        message: str,
        expected: str | None = None,
        *,
        at_key: bool = False,
    ) -> None:
        """Record a problem about the value at ``path`` (or about its key)."""
        mark = self.key_mark(path) if at_key else self.mark(path)
        self.problems.at(mark, path, message, expected)

    def root(self) -> Node:
        return Node(self, (), self.data)


class Node:
    """One value of a :class:`Document`, with checks that report where it was written.

    Every check returns the checked value or ``None``; on ``None`` a problem
    has been recorded in ``doc.problems`` (except for an absent optional
    value, which is simply ``None``).
    """

    __slots__ = ("doc", "path", "value")

    def __init__(self, doc: Document, path: Path, value: object) -> None:
        self.doc = doc
        self.path = path
        self.value = value

    def __repr__(self) -> str:
        return f"Node({format_path(self.path)}={self.value!r})"

    @property
    def present(self) -> bool:
        return self.value is not MISSING

    @property
    def mark(self) -> Mark:
        return self.doc.mark(self.path)

    @property
    def where(self) -> str:
        """``file:line:column`` of this value, for messages and ``source`` fields."""
        return str(self.mark)

    def problem(self, message: str, expected: str | None = None, *, at_key: bool = False) -> None:
        self.doc.problem(self.path, message, expected, at_key=at_key)

    def child(self, key: Hashable) -> Node:
        value = self.value
        if isinstance(value, dict):
            return Node(self.doc, (*self.path, key), value.get(key, MISSING))
        if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            return Node(self.doc, (*self.path, key), value[key])
        return Node(self.doc, (*self.path, key), MISSING)

    # -- containers ---------------------------------------------------------

    def mapping(
        self,
        *,
        required: Collection[str] = (),
        optional: Collection[str] = (),
        any_keys: bool = False,
    ) -> dict[str, Node] | None:
        """Check this is a mapping with string keys; return its entries as nodes.

        Unless ``any_keys``, keys outside ``required`` and ``optional`` are
        reported (at the key) and left out; each absent ``required`` key is
        reported at the mapping.
        """
        value = self.value
        if not isinstance(value, dict):
            self._wrong_type("a mapping")
            return None
        allowed = set(required) | set(optional)
        out: dict[str, Node] = {}
        for key, item in value.items():
            path = (*self.path, key)
            if not isinstance(key, str):
                self.doc.problem(path, f"key {key!r} is not a string", at_key=True)
                continue
            if not any_keys and key not in allowed:
                self.doc.problem(
                    path,
                    f"unknown key {key!r}",
                    "one of " + ", ".join(sorted(allowed)) if allowed else "no keys",
                    at_key=True,
                )
                continue
            out[key] = Node(self.doc, path, item)
        for key in required:
            if key not in value:
                self.problem(f"missing required key {key!r}")
        return out

    def sequence(self, *, min_items: int = 0, max_items: int | None = None) -> list[Node] | None:
        """Check this is a list (within the size bounds); return its items as nodes."""
        value = self.value
        if not isinstance(value, list):
            self._wrong_type("a list")
            return None
        if len(value) < min_items:
            self.problem(f"has {len(value)} items", f"at least {min_items}")
        if max_items is not None and len(value) > max_items:
            self.problem(f"has {len(value)} items", f"at most {max_items}")
        return [Node(self.doc, (*self.path, i), item) for i, item in enumerate(value)]

    # -- scalars ------------------------------------------------------------

    def string(
        self,
        *,
        pattern: re.Pattern[str] | None = None,
        expected: str | None = None,
        allow_empty: bool = False,
    ) -> str | None:
        """Check this is a string (non-empty unless allowed, matching ``pattern`` if given)."""
        value = self.value
        if not isinstance(value, str):
            self._wrong_type(expected or "a string")
            return None
        if not value and not allow_empty:
            self.problem("is empty", expected or "a non-empty string")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.problem(f"{value!r} is not valid", expected or f"a match for {pattern.pattern}")
            return None
        return value

    def integer(self, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self.value
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong_type("an integer")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            low = "" if minimum is None else f">= {minimum}"
            high = "" if maximum is None else f"<= {maximum}"
            self.problem(f"{value} is out of range", " and ".join(x for x in (low, high) if x))
            return None
        return value

    def number(self, *, minimum: float | None = None, maximum: float | None = None) -> float | None:
        value = self.value
        if not isinstance(value, int | float) or isinstance(value, bool):
            self._wrong_type("a number")
            return None
        try:
            number = float(value)
        except OverflowError:  # an integer past the float range
            self.problem(f"{value} is out of range", "a number a float can hold")
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            low = "" if minimum is None else f">= {minimum}"
            high = "" if maximum is None else f"<= {maximum}"
            self.problem(f"{value} is out of range", " and ".join(x for x in (low, high) if x))
            return None
        return number

    def boolean(self) -> bool | None:
        value = self.value
        if not isinstance(value, bool):
            self._wrong_type("true or false")
            return None
        return value

    def choice(self, options: Sequence[str]) -> str | None:
        """Check this is one of ``options``."""
        value = self.value
        if not isinstance(value, str) or value not in options:
            shown = repr(value) if self.present else "nothing"
            self.problem(f"{shown} is not allowed", "one of " + ", ".join(options))
            return None
        return value

    def regex(self, flags: int = 0) -> re.Pattern[str] | None:
        """Check this is a string that compiles as a Python regular expression."""
        text = self.string()
        if text is None:
            return None
        try:
            return re.compile(text, flags)
        except re.error as exc:
            where = f" at position {exc.pos}" if exc.pos is not None else ""
            self.problem(f"bad regular expression: {exc.msg}{where}", "a valid regular expression")
            return None

    def strings(
        self,
        *,
        choices: Sequence[str] | None = None,
        unique: bool = True,
        max_items: int | None = None,
    ) -> list[str] | None:
        """Check this is a list of strings (from ``choices`` if given, without repeats)."""
        items = self.sequence(max_items=max_items)
        if items is None:
            return None
        out: list[str] = []
        seen: set[str] = set()
        ok = True
        for item in items:
            value = item.choice(choices) if choices is not None else item.string()
            if value is None:
                ok = False
                continue
            if unique and value in seen:
                item.problem(f"{value!r} is listed twice")
                ok = False
                continue
            seen.add(value)
            out.append(value)
        return out if ok else None

    def each(self, check: Callable[[Node], T | None]) -> list[T] | None:
        """Run ``check`` on every item of a list; ``None`` if any item failed."""
        items = self.sequence()
        if items is None:
            return None
        results = [check(item) for item in items]
        if any(r is None for r in results):
            return None
        return [r for r in results if r is not None]

    def _wrong_type(self, expected: str) -> None:
        if self.value is MISSING:
            self.problem("is missing", expected)
        else:
            self.problem(f"is {_describe(self.value)}", expected)


def _describe(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    return f"a {type(value).__name__} ({value!r})"


# -- loading ------------------------------------------------------------------


def load(path: str | os.PathLike[str], problems: Problems | None = None) -> Document:
    """Load a YAML file; see :func:`loads`. An unreadable file is one problem."""
    name = os.fspath(path)
    try:
        raw = FilePath(name).read_bytes()
    except OSError as exc:
        collector = problems if problems is not None else Problems()
        collector.at(Mark(name, 1, 1), (), f"cannot read file: {exc.strerror or exc}")
        raise DataFileError(collector.sorted()) from None
    return loads(raw, name, problems)


def loads(text: str | bytes, file: str = "<string>", problems: Problems | None = None) -> Document:
    """Parse one YAML document into plain values with positions.

    Raises :class:`DataFileError` when the text is not YAML at all (bad UTF-8,
    syntax error, several documents); everything else is recorded in the
    returned document's ``problems`` (shared with ``problems`` if given).
    """
    collector = problems if problems is not None else Problems()
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line, column = _line_column_of_byte(raw, exc.start)
            collector.at(Mark(file, line, column), (), "the file is not valid UTF-8")
            raise DataFileError(collector.sorted()) from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line, column = _line_column_of_char(text, exc.start)
        collector.at(Mark(file, line, column), (), "the text contains an unpaired surrogate")
        raise DataFileError(collector.sorted()) from None
    try:
        too_deep = _nesting_beyond(text, MAX_DEPTH)
        if too_deep is not None:
            at = Mark(file, too_deep[0] + 1, too_deep[1] + 1)
            collector.at(at, (), f"YAML nesting is deeper than {MAX_DEPTH} levels")
            raise DataFileError(collector.sorted())
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        at = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        if "maximum nesting depth" in message:
            # PyYAML's own scanner limit, met while looking ahead past our limit.
            message = f"YAML nesting is deeper than {MAX_DEPTH} levels"
            collector.at(at, (), message)
            raise DataFileError(collector.sorted()) from None
        collector.at(at, (), f"YAML syntax error: {message}")
        raise DataFileError(collector.sorted()) from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_column_of_char(text, exc.position)
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        collector.at(Mark(file, line, column), (), f"character {shown} is not allowed in YAML")
        raise DataFileError(collector.sorted()) from None
    except yaml.YAMLError as exc:
        collector.at(Mark(file, 1, 1), (), f"YAML error: {exc}")
        raise DataFileError(collector.sorted()) from None
    except RecursionError:
        collector.at(Mark(file, 1, 1), (), "YAML nesting is too deep")
        raise DataFileError(collector.sorted()) from None
    builder = _Builder(file, collector)
    data: object = None
    if root is not None:
        builder.value_marks[()] = builder.mark(root)
        try:
            data = builder.build(root, ())
        except RecursionError:
            collector.at(builder.mark(root), (), "YAML nesting is too deep")
            raise DataFileError(collector.sorted()) from None
        except _TooLarge:
            collector.at(
                builder.mark(root), (), f"more than {MAX_VALUES} values (alias expansion?)"
            )
            raise DataFileError(collector.sorted()) from None
    return Document(file, data, builder.value_marks, builder.key_marks, collector)


def _nesting_beyond(text: str, limit: int) -> tuple[int, int] | None:
    """Where (0-based line, column) collections first nest deeper than ``limit``.

    Read from the event stream, which the parser produces without recursion:
    the C composer recurses once per level without a depth check, so deeply
    nested input must be refused before it is composed.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                mark = event.start_mark
                return (mark.line, mark.column) if mark is not None else (0, 0)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _compose(text: str) -> YamlNode | None:
    loader = _SafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _line_column_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    column = len(before[start:].decode("utf-8", errors="replace")) + 1
    return line, column


def _line_column_of_char(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


class _TooLarge(Exception):
    """Building the document would exceed ``MAX_VALUES`` values."""


class _Builder:
    """Turns composed YAML nodes into plain values and records their marks."""

    def __init__(self, file: str, problems: Problems) -> None:
        self.file = file
        self.problems = problems
        self.value_marks: dict[Path, Mark] = {}
        self.key_marks: dict[Path, Mark] = {}
        self._constructor = _SafeLoader("")
        self._active: set[int] = set()
        self._count = 0

    def mark(self, node: YamlNode) -> Mark:
        m = node.start_mark
        return Mark(self.file, m.line + 1, m.column + 1)

    def build(self, node: YamlNode, path: Path) -> object:
        self._count += 1
        if self._count > MAX_VALUES:
            raise _TooLarge
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            self.problems.at(self.mark(node), path, "recursive alias")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self._active.discard(id(node))
        self.problems.at(self.mark(node), path, "unsupported YAML node")
        return None

    def _scalar(self, node: ScalarNode, path: Path) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            detail = getattr(exc, "problem", None) or str(exc)
            self.problems.at(self.mark(node), path, f"cannot read value: {detail}")
        except (ValueError, TypeError, OverflowError) as exc:
            self.problems.at(self.mark(node), path, f"cannot read value {node.value!r}: {exc}")
        return node.value

    def _sequence(self, node: SequenceNode, path: Path) -> list[object]:
        if node.tag not in _SEQ_TAGS:
            self.problems.at(self.mark(node), path, f"unsupported YAML tag {node.tag}")
        out: list[object] = []
        for index, item in enumerate(node.value):
            item_path = (*path, index)
            self.value_marks[item_path] = self.mark(item)
            out.append(self.build(item, item_path))
        return out

    def _mapping(self, node: MappingNode, path: Path) -> dict[Hashable, object]:
        if node.tag not in _MAP_TAGS:
            self.problems.at(self.mark(node), path, f"unsupported YAML tag {node.tag}")
        own = sum(1 for key, _ in node.value if key.tag != _MERGE_TAG)
        try:
            self._constructor.flatten_mapping(node)
        except yaml.YAMLError as exc:
            detail = getattr(exc, "problem", None) or str(exc)
            self.problems.at(self.mark(node), path, f"bad merge key: {detail}")
            node.value = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        pairs = node.value
        merged_count = len(pairs) - own
        out: dict[Hashable, object] = {}
        own_keys: dict[Hashable, Mark] = {}
        for index, (key_node, value_node) in enumerate(pairs):
            if not isinstance(key_node, ScalarNode):
                self.problems.at(self.mark(key_node), path, "a mapping key must be a plain value")
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, Hashable) or isinstance(key, list | dict):
                self.problems.at(self.mark(key_node), path, "a mapping key must be a plain value")
                continue
            key_path = (*path, key)
            key_mark = self.mark(key_node)
            if index >= merged_count:
                first = own_keys.get(key)
                if first is not None:
                    self.problems.at(
                        key_mark,
                        key_path,
                        f"duplicate key {key!r} (first written at line {first.line})",
                    )
                    continue
                own_keys[key] = key_mark
            self.key_marks[key_path] = key_mark
            self.value_marks[key_path] = self.mark(value_node)
            out[key] = self.build(value_node, key_path)
        return out
