"""The fuzz targets' invariants as hypothesis properties, on text shaped like their inputs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz.seeds import MESSAGES, POLICIES, URLS
from fuzz.targets import check_decide, check_extract, check_policy, check_urls

PIECES = ["http://", "https://", "//", "@", ":", "%", "%2e", "[::1]", ".", "/../", "?", "#", "\\"]
link_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.sampled_from(URLS), st.text(max_size=8)), max_size=8
).map("".join)
yaml_text = st.lists(
    st.one_of(
        st.sampled_from(POLICIES),
        st.sampled_from(
            ["\n", ": ", "- ", "{", "}", "[", "]", "&a ", "*a", "!!python/name:x ", "  "]
        ),
        st.text(max_size=8),
    ),
    max_size=12,
).map("".join)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=500, deadline=None)
@given(link_text)
def test_links_parse_and_canonicalise_idempotently(text: str) -> None:
    check_urls(_bytes(text))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 4), link_text)
def test_unparseable_links_are_blocked_as_invalid(channel: int, text: str) -> None:
    check_decide(bytes([channel]) + _bytes(text))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(link_text, st.sampled_from(MESSAGES), st.text(max_size=10))).map(" ".join)
)
def test_extracted_links_are_their_spans(text: str) -> None:
    check_extract(_bytes(text))


@settings(max_examples=300, deadline=None)
@given(yaml_text)
def test_any_yaml_gives_a_policy_or_located_problems(text: str) -> None:
    check_policy(_bytes(text))


def test_problems_in_a_policy_with_carriage_returns_are_located() -> None:
    """YAML counts a lone CR as a line break; problem lines follow it (found by fuzzing)."""
    from linkgate.datafile import DataFileError
    from linkgate.policy.loader import parse_policy

    with pytest.raises(DataFileError) as error:
        parse_policy(b"preset: compromise\r\r\rnope: 1\r", "<cr>")
    assert any(p.line == 4 and "nope" in p.message for p in error.value.problems)
    check_policy(b"preset: compromise\r\r\rnope: 1\r")


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        # Found by fuzzing: a duration past what timedelta holds raised OverflowError.
        ("violations: {ladder: [until_appeal, 99999999999999999999d]}", "out of range"),
        ("violations: {evasion: 9999999d}", "out of range"),
        # str.isdigit() admits superscripts that int() refuses.
        ("violations: {evasion: ²d}", "not a duration"),
        # An integer past the float range where a number is expected.
        ("reports: {restrict_weight: " + "9" * 400 + "}", "out of range"),
    ],
)
def test_out_of_range_values_are_located_problems(section: str, expected: str) -> None:
    from linkgate.datafile import DataFileError
    from linkgate.policy.loader import parse_policy

    text = POLICIES[0].replace(
        "settings: {allow: {}}",
        "settings: {allow: {}, deny: {}, commerce_only: {}, content_only: {}}",
    )
    with pytest.raises(DataFileError) as error:
        parse_policy(text + section + "\n", "<p>")
    problems = [p for p in error.value.problems if expected in p.message]
    assert problems and problems[0].line == text.count("\n") + 1, error.value
    check_policy((text + section + "\n").encode())
