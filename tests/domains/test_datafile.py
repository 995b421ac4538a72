"""linkgate.datafile: YAML with positions, problems collected and raised at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkgate import datafile
from linkgate.datafile import DataFileError, Mark, Problem, Problems, format_path

TEXT = """\
name: demo
rules:
  - id: first
    hosts: [a.com, 中文.com, c.com]
  - id: second
    limit: 3
when: 2021-09-17T00:00:00+08:00
"""


def test_values_are_plain_python() -> None:
    doc = datafile.loads(TEXT, "demo.yaml")
    assert doc.data == {
        "name": "demo",
        "rules": [
            {"id": "first", "hosts": ["a.com", "中文.com", "c.com"]},
            {"id": "second", "limit": 3},
        ],
        "when": dt.datetime(2021, 9, 17, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    }
    assert not doc.problems


def test_every_value_key_and_item_has_its_position() -> None:
    doc = datafile.loads(TEXT, "demo.yaml")
    assert doc.mark(()) == Mark("demo.yaml", 1, 1)
    assert doc.mark(("name",)) == Mark("demo.yaml", 1, 7)
    assert doc.key_mark(("name",)) == Mark("demo.yaml", 1, 1)
    assert doc.mark(("rules", 0)) == Mark("demo.yaml", 3, 5)
    assert doc.mark(("rules", 0, "hosts", 0)) == Mark("demo.yaml", 4, 13)
    # columns count characters, not bytes
    assert doc.mark(("rules", 0, "hosts", 2)) == Mark("demo.yaml", 4, 28)
    assert doc.key_mark(("rules", 1, "limit")) == Mark("demo.yaml", 6, 5)
    assert doc.mark(("rules", 1, "limit")) == Mark("demo.yaml", 6, 12)
    assert str(doc.mark(("when",))) == "demo.yaml:7:7"


def test_missing_path_falls_back_to_nearest_ancestor() -> None:
    doc = datafile.loads(TEXT, "demo.yaml")
    assert not doc.has(("rules", 1, "hosts"))
    assert doc.mark(("rules", 1, "hosts")) == doc.mark(("rules", 1))
    assert doc.mark(("nowhere", 3)) == doc.mark(())


def test_duplicate_keys_are_problems_and_loading_goes_on() -> None:
    doc = datafile.loads("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "dup.yaml")
    assert doc.data == {"a": 1, "b": {"c": 1}}
    assert [str(p) for p in doc.problems] == [
        "dup.yaml:4:3: b.c: duplicate key 'c' (first written at line 3)",
        "dup.yaml:5:1: a: duplicate key 'a' (first written at line 1)",
    ]


def test_merge_keys_override_without_duplicate_problem() -> None:
    doc = datafile.loads("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n")
    assert doc.data == {"base": {"x": 1, "y": 2}, "use": {"x": 1, "y": 3}}
    assert not doc.problems


def test_syntax_error_is_one_problem_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("ok: 1\nlist: [1, 2\nnext: 3\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        datafile.load(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == (str(path), 3)
    assert problem.message.startswith("YAML syntax error")


def test_tab_indentation_error_position() -> None:
    with pytest.raises(DataFileError) as info:
        datafile.loads("a:\n\tb: 1\n", "tab.yaml")
    assert str(info.value).startswith("tab.yaml:2:1: (document): YAML syntax error")


def test_not_utf8_reports_the_position() -> None:
    with pytest.raises(DataFileError) as info:
        datafile.loads(b"a: ok\nb: caf\xe9\n", "latin1.yaml")
    assert str(info.value) == "latin1.yaml:2:7: (document): the file is not valid UTF-8"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: b\x00", "1:5: (document): character U+0000 is not allowed in YAML"),
        ("a: \ud800", "1:4: (document): the text contains an unpaired surrogate"),
        ("--- 1\n--- 2\n", "2:1: (document): YAML syntax error"),
    ],
)
def test_unusable_text_raises_with_position(text: str, message: str) -> None:
    with pytest.raises(DataFileError) as info:
        datafile.loads(text, "x.yaml")
    assert str(info.value).startswith("x.yaml:" + message)


@pytest.mark.parametrize("depth", [101, 1_000_000])
def test_deep_nesting_is_refused_not_crashed(depth: int) -> None:
    with pytest.raises(DataFileError, match="nesting is deeper than 100 levels"):
        datafile.loads("[" * depth + "]" * depth, "deep.yaml")
    with pytest.raises(DataFileError, match="nesting is deeper than 100 levels"):
        datafile.loads("- " * depth + "x", "deep.yaml")
    assert datafile.loads("[" * 100 + "]" * 100).data is not None


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(DataFileError, match="more than 100000 values"):
        datafile.loads("\n".join(lines), "bomb.yaml")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read file"):
        datafile.load(tmp_path / "absent.yaml")


def test_value_problems_are_recorded_not_raised() -> None:
    doc = datafile.loads("a: &x [*x]\nb: !custom 1\nc: 2021-13-45\n? [k]\n: v\n", "odd.yaml")
    assert doc.data == {"a": [None], "b": "1", "c": "2021-13-45"}
    messages = [f"{p.line}:{p.column}: {p.path}: {p.message}" for p in doc.problems.sorted()]
    # an alias is reported where the node it refers to was written
    assert messages[0] == "1:4: a[0]: recursive alias"
    assert messages[1].startswith("2:4: b: cannot read value")
    assert messages[2].startswith("3:4: c: cannot read value '2021-13-45'")
    assert messages[3] == "4:3: (document): a mapping key must be a plain value"


def test_empty_document_is_none() -> None:
    assert datafile.loads("").data is None
    assert datafile.loads("# only a comment\n").data is None


def test_problem_str_and_error_lists_all() -> None:
    first = Problem("f.yaml", 3, 5, "platforms[0].tier", "'gold' is not allowed", "one of a, b")
    second = Problem("f.yaml", 9, 1, "(document)", "missing required key 'x'")
    assert (
        str(first) == "f.yaml:3:5: platforms[0].tier: 'gold' is not allowed (expected one of a, b)"
    )
    assert str(second) == "f.yaml:9:1: (document): missing required key 'x'"
    problems = Problems([second, first])
    with pytest.raises(DataFileError) as info:
        problems.raise_if_any()
    assert info.value.problems == (first, second)
    assert str(info.value).splitlines() == ["2 problems:", f"  {first}", f"  {second}"]
    Problems().raise_if_any()


def test_format_path() -> None:
    assert format_path(()) == "(document)"
    assert format_path(("platforms", 2, "tier")) == "platforms[2].tier"
    assert format_path(("a", "b c", 0)) == "a['b c'][0]"
    assert format_path((1, "x")) == "[1].x"


NODE_TEXT = """\
top:
  name: ""
  count: "3"
  ratio: 1.5
  flag: yes
  tier: gold
  tags: [a, b, a]
  pattern: "a(("
  extra: 1
"""


def test_node_checks_report_every_mistake_with_position() -> None:
    doc = datafile.loads(NODE_TEXT, "n.yaml")
    fields = (
        doc.root()
        .child("top")
        .mapping(
            required=("name", "count", "ratio", "flag", "tier", "tags", "pattern", "missing"),
        )
    )
    assert fields is not None
    assert fields["name"].string() is None
    assert fields["count"].integer() is None
    assert fields["ratio"].number(maximum=1.0) is None
    assert fields["flag"].boolean() is True
    assert fields["tier"].choice(("bronze", "silver")) is None
    assert fields["tags"].strings() is None
    assert fields["pattern"].regex() is None
    assert doc.root().child("top").child("absent").string() is None
    assert [str(p) for p in doc.problems.sorted()] == [
        "n.yaml:2:3: top: missing required key 'missing'",
        "n.yaml:2:3: top.absent: is missing (expected a string)",
        "n.yaml:2:9: top.name: is empty (expected a non-empty string)",
        "n.yaml:3:10: top.count: is a string ('3') (expected an integer)",
        "n.yaml:4:10: top.ratio: 1.5 is out of range (expected <= 1.0)",
        "n.yaml:6:9: top.tier: 'gold' is not allowed (expected one of bronze, silver)",
        "n.yaml:7:16: top.tags[2]: 'a' is listed twice",
        "n.yaml:8:12: top.pattern: bad regular expression: missing ), unterminated subpattern"
        " at position 2 (expected a valid regular expression)",
        "n.yaml:9:3: top.extra: unknown key 'extra' (expected one of count, flag, missing, name,"
        " pattern, ratio, tags, tier)",
    ]


def test_node_sequence_bounds_and_each() -> None:
    doc = datafile.loads("xs: [1, 2, x]\n", "s.yaml")
    node = doc.root().child("xs")
    assert node.sequence(max_items=2) is not None
    assert node.each(lambda item: item.integer()) is None
    assert [str(p) for p in doc.problems] == [
        "s.yaml:1:5: xs: has 3 items (expected at most 2)",
        "s.yaml:1:12: xs[2]: is a string ('x') (expected an integer)",
    ]


def test_shared_collector_across_documents() -> None:
    problems = Problems()
    first = datafile.loads("a: 1\na: 2\n", "one.yaml", problems)
    second = datafile.loads("b: 1\nb: 2\n", "two.yaml", problems)
    assert first.problems is second.problems is problems
    with pytest.raises(DataFileError) as info:
        problems.raise_if_any()
    assert [p.file for p in info.value.problems] == ["one.yaml", "two.yaml"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_raises_datafile_error(text: str) -> None:
    try:
        doc = datafile.loads(text, "fuzz.yaml")
    except DataFileError as exc:
        assert exc.problems
        assert all(p.line >= 1 and p.column >= 1 for p in exc.problems)
    else:
        assert all(p.line >= 1 and p.column >= 1 for p in doc.problems)
