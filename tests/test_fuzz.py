"""Fuzzing with hypothesis: parsers and validators never crash on hostile input, and the safe-text renderer
never lets an escape byte or a bidi control reach the terminal.

A few hundred examples per target in the normal suite; set CWOS_FUZZ_EXAMPLES (e.g. 10000) for a long run.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cwos_tui.cloud.policy import lint_text, parse_bucket_policy, validate_bucket_policy, validate_org_policy
from cwos_tui.cloud.policy.bucket_policy import BucketPolicyError
from cwos_tui.cloud.policy.findings import Finding
from cwos_tui.config.errors import ConfigError
from cwos_tui.config.settings import Settings, read_toml
from cwos_tui.sandbox.s3_wire import bucket_name_problem
from cwos_tui.secrecy import forget_all, redact, remember, token_problem
from cwos_tui.ui.modals.create_key import MAX_DURATION, parse_attributes, parse_duration
from cwos_tui.ui.text import safe_lines, safe_text, typeable

EXAMPLES = int(os.environ.get("CWOS_FUZZ_EXAMPLES", "200"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: what must never reach a terminal: C0 controls (ESC, BEL, CR, LF, ...), DEL, C1, bidi controls
TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)
policy_words = st.sampled_from(["version", "name", "statements", "effect", "actions", "resources", "principals",
                                "conditions", "Version", "Statement", "Effect", "Action", "Resource",
                                "Principal", "Condition", "Sid", "CW", "AWS", "Allow", "Deny", "s3:*",
                                "s3:GetObject", "arn:aws:s3:::b/*", "*", "v1alpha1"])
policy_like = st.recursive(json_leaf | policy_words, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(policy_words | st.text(max_size=6), inner, max_size=6), max_leaves=30)


def findings_are_sane(found: list[Finding]) -> None:
    assert isinstance(found, list)
    for finding in found:
        assert isinstance(finding.message, str) and finding.message


@fuzz
@given(policy_like)
def test_org_policy_validator_never_crashes(value: Any) -> None:
    findings_are_sane(validate_org_policy(value))


@fuzz
@given(policy_like, st.none() | st.text(max_size=20))
def test_bucket_policy_validator_never_crashes(value: Any, bucket: str | None) -> None:
    findings_are_sane(validate_bucket_policy(value, bucket))


@fuzz
@given(st.one_of(st.text(max_size=300), policy_like.map(json.dumps)))
def test_policy_lint_and_parser_never_crash(text: str) -> None:
    report = lint_text(text)
    assert isinstance(report.ok, bool)
    try:
        parse_bucket_policy(text, "bucket")
    except BucketPolicyError as exc:
        assert str(exc)


@fuzz
@given(st.dictionaries(st.sampled_from(["active_profile", "profiles", "theme", "read_only", "keymap",
                                        "refresh_margin_seconds", "principals", "log_level", "other"]),
                       json_value, max_size=5))
def test_settings_from_any_data_validate_or_explain(data: dict[str, Any]) -> None:
    try:
        Settings.from_data(data)
    except ValidationError as exc:
        assert exc.errors()


_toml_dir = Path(tempfile.mkdtemp(prefix="cwos-fuzz-"))


@fuzz
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_settings_file_is_read_or_named_with_its_line(raw: bytes) -> None:
    path = _toml_dir / "config.toml"
    path.write_bytes(raw)
    try:
        read_toml(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


@fuzz
@given(st.text(max_size=70))
def test_bucket_name_check_never_crashes(name: str) -> None:
    problem = bucket_name_problem(name)
    if problem is None:
        assert 3 <= len(name) <= 63 and name.isascii()


@fuzz
@given(st.text(max_size=200))
def test_key_attribute_check_accepts_or_explains(text: str) -> None:
    try:
        attributes = parse_attributes(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert all(len(value) <= 63 for value in attributes.values())


@fuzz
@given(st.text(max_size=40) | st.integers(min_value=-(2**70), max_value=2**70).map(str)
       | st.tuples(st.integers(0, 2**40), st.sampled_from(["s", "m", "h", "d", ""])).map(lambda t: f"{t[0]}{t[1]}"))
def test_duration_parsing_gives_a_bounded_number_or_a_message(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        assert str(exc) and len(str(exc)) < 200
    else:
        assert 0 < seconds <= MAX_DURATION


@fuzz
@given(st.text())
def test_safe_text_never_lets_a_control_or_bidi_character_through(text: str) -> None:
    shown = safe_text(text)
    assert not TERMINAL_UNSAFE.search(shown)
    assert "\n" not in shown
    for line in safe_lines(text).split("\n"):
        assert not TERMINAL_UNSAFE.search(line)


@fuzz
@given(st.text())
def test_a_typeable_phrase_is_shown_as_it_is_typed(text: str) -> None:
    if typeable(text):
        assert safe_text(text) == text == text.strip()


@fuzz
@given(st.text(min_size=1, max_size=80))
def test_token_messages_never_contain_the_token(token: str) -> None:
    problem = token_problem("CW-SECRET-" + token)
    if problem is not None and len(token) >= 4:
        assert token not in problem or token in "the API token contains"


@fuzz
@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=60),
       st.text(max_size=60), st.text(max_size=60))
def test_redaction_removes_every_remembered_secret(secret: str, before: str, after: str) -> None:
    remember(secret)
    try:
        assert secret not in redact(before + secret + after)
    finally:
        forget_all()  # random "secrets" must not mask text in later tests
