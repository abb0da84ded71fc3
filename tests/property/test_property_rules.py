"""The rule engine is total over text and record kinds; fingerprints are deterministic."""

from __future__ import annotations

import re

from _property_support import (
    MARKER_LINES,
    json_objects,
    jsonish_bytes,
    property_settings,
)
from hypothesis import given
from hypothesis import strategies as st

from testtriage.core.findings import UNKNOWN_RULE, fingerprint, normalize_message
from testtriage.core.records import (
    ErrorInfo,
    LogFields,
    Record,
    build_record,
    log_match_text,
    normalize_log,
)
from testtriage.core.rules.model import RecordKind
from testtriage.core.session import build_engine

ENGINE = build_engine()
RULE_EXAMPLES = [example.line for rule in ENGINE.rules for example in rule.examples_match]
"""Lines the built-in rules are written to match: the engine's busiest paths."""

texts = st.one_of(
    st.text(max_size=300),
    st.sampled_from(RULE_EXAMPLES),
    st.sampled_from(MARKER_LINES),
    st.builds(
        lambda example, noise, at: example[:at] + noise + example[at:],
        st.sampled_from(RULE_EXAMPLES),
        st.text(max_size=20),
        st.integers(0, 200),
    ),
    st.lists(st.sampled_from(RULE_EXAMPLES), min_size=2, max_size=4).map("\n".join),
)
levels = st.none() | st.integers(-(2**70), 2**70)
kinds = st.sampled_from(list(RecordKind))


@property_settings(300)
@given(text=texts, level=levels, kind=kinds)
def test_rule_engine_match_never_raises_for_any_text_level_and_kind(
    text: str, level: int | None, kind: RecordKind
) -> None:
    """Arbitrary text (rule examples, mutated, joined, random), any level, any kind: `match`
    returns None or a match whose rule exists and whose matched text is in the record."""
    record = Record(source="s", line=1, raw=text, text=text, level=level)
    found = ENGINE.match(record, kind)
    if found is not None:
        assert found.rule.id in ENGINE.by_id
        assert found.matched in text
        assert kind in found.rule.applies_to


@property_settings(200)
@given(obj=json_objects, error=st.none() | st.builds(ErrorInfo, st.text(max_size=20),
       st.text(max_size=40), st.text(max_size=40), st.text(max_size=10)), kind=kinds)  # fmt: skip
def test_rule_engine_match_never_raises_on_json_log_records(
    obj: dict[str, object], error: ErrorInfo | None, kind: RecordKind
) -> None:
    """Records of normalized JSON logs (any fields, any error object, codes included)."""
    log = normalize_log(obj)
    if error is not None:
        log = LogFields(log.level, log.level_name, log.time, log.message, error, log.extra)
    text = log_match_text(log)
    record = Record(source="s", line=3, raw=text, text=text, log=log, level=log.level)
    ENGINE.match(record, kind)


@property_settings(200)
@given(data=jsonish_bytes, kind=kinds)
def test_rule_engine_match_never_raises_on_records_built_from_any_bytes(
    data: bytes, kind: RecordKind
) -> None:
    ENGINE.match(build_record("s", 1, data), kind)


@property_settings(300)
@given(text=texts)
def test_normalize_message_is_total_deterministic_bounded_and_stable(text: str) -> None:
    """Same input, same shape; at most 240 characters, on one line; normalizing a shape
    again keeps its placeholders."""
    shape = normalize_message(text)
    assert shape == normalize_message(text)
    assert len(shape) <= 240
    assert "\n" not in shape


@property_settings(300)
@given(
    message=texts,
    fields=st.dictionaries(st.sampled_from(["port", "host", "table", "x"]), st.text(max_size=20)),
    rule_index=st.integers(0, len(ENGINE.rules)),
)
def test_fingerprint_is_total_and_deterministic(
    message: str, fields: dict[str, str], rule_index: int
) -> None:
    """For any rule (built-in or the unknown pseudo-rule), fields and message: the same
    fingerprint every time, `rule-id:16 hex digits`."""
    rule = ENGINE.rules[rule_index] if rule_index < len(ENGINE.rules) else UNKNOWN_RULE
    first = fingerprint(rule, fields, message)
    assert first == fingerprint(rule, dict(fields), message)
    assert re.fullmatch(re.escape(rule.id) + r":[0-9a-f]{16}", first)
