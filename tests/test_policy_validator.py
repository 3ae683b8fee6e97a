"""The policy validator: every rule with its position in the source text, and never an exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwos_tui.cloud.policy import BucketPolicyError, Severity, lint_text, parse_bucket_policy, validate_bucket_policy
from cwos_tui.cloud.policy.actions import lookup


def org(*statements: dict, wrap: bool = True, **top: object) -> str:
    policy = {"version": "v1alpha1", "name": "p", "statements": list(statements), **top}
    return json.dumps({"policy": policy} if wrap else policy, indent=2)


def stmt(**fields: object) -> dict:
    base = {"name": "s", "effect": "Allow", "actions": ["s3:GetObject"], "resources": ["b/*"],
            "principals": ["coreweave/u1"]}
    return {**base, **fields}


def bucket(*statements: dict, **top: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements), **top}, indent=2)


def bstmt(**fields: object) -> dict:
    base = {"Sid": "Read", "Effect": "Allow", "Principal": {"CW": ["arn:aws:iam::org1:coreweave/u1"]},
            "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
    return {**base, **fields}


def only(text: str, rule: str, **kw: object):
    """The one finding of `rule`, checked to point at the line/column where its value starts."""
    report = lint_text(text, **kw)
    found = [f for f in report.findings if f.rule == rule]
    assert len(found) == 1, report.findings
    return found[0]


def position_of(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def test_documented_examples_are_clean():
    full = ('{"policy":{"version":"v1alpha1","name":"full-s3-api-access","statements":[{"name":"allow-all",'
            '"effect":"Allow","actions":["s3:*"],"resources":["*"],"principals":["role/Admin"]}]}}')
    assert lint_text(full).findings == ()
    read = ('{"Version":"2012-10-17","Statement":[{"Sid":"AllowGetObject","Principal":{"AWS":"*"},"Effect":"Allow",'
            '"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],'
            '"Condition":{"StringEquals":{"cw:PrincipalOrgID":["org1"]}}}]}')
    report = lint_text(read, bucket="b")
    assert report.kind == "bucket" and report.findings == ()


def test_json_syntax_error_has_the_parsers_position():
    finding = only('{\n  "version": "v1alpha1",\n  "name": "p",,\n}', "json-syntax")
    assert finding.severity is Severity.ERROR and (finding.line, finding.column) == (3, 15)  # the second comma


@pytest.mark.parametrize(("statement", "rule", "needle", "severity"), [
    (stmt(effect="allow"), "effect", '"allow"', Severity.ERROR),
    (stmt(actions=["GetObject"]), "action-syntax", '"GetObject"', Severity.ERROR),
    (stmt(actions=["s3:GetObjct"]), "unknown-action", '"s3:GetObjct"', Severity.WARNING),
    (stmt(actions=["cwobject:CreateAccessKey"]), "global-action-resource", '[\n          "b/*"', Severity.WARNING),
    (stmt(resources=["arn:aws:s3:::b"]), "resource-arn", '"arn:aws:s3:::b"', Severity.ERROR),
    (stmt(principals=["arn:aws:iam::o1:coreweave/u9"]), "principal-arn", '"arn:aws:iam', Severity.ERROR),
    (stmt(principals=["group/admins"]), "console-group", '"group/admins"', Severity.ERROR),
    (stmt(principals=["user/x"]), "principal-form", '"user/x"', Severity.WARNING),
    (stmt(conditions={"a": 1}), "org-condition", '{\n          "a"', Severity.ERROR),
    (stmt(sid="x"), "unknown-field", '"x"', Severity.WARNING),
    (stmt(actions=[]), "actions", "[]", Severity.ERROR),
    (stmt(principals=["*"], actions=["s3:*"], resources=["*"]), "allow-everyone-everything", '{\n        "name"',
     Severity.SUGGESTION),
])
def test_org_rules_with_positions(statement, rule, needle, severity):
    text = org(statement)
    finding = only(text, rule)
    assert finding.severity is severity
    assert (finding.line, finding.column) == position_of(text, needle)
    assert finding.path.startswith("policy.statements[0]")


def test_typo_suggests_the_nearest_action_and_arn_shows_the_short_form():
    assert "did you mean 's3:GetObject'" in only(org(stmt(actions=["s3:GetObjct"])), "unknown-action").message
    cw = only(org(stmt(actions=["cwobject:CreateAccesKey"], resources=["*"])), "unknown-action")
    assert "cwobject:CreateAccessKey" in cw.message
    assert "'coreweave/u9'" in only(org(stmt(principals=["arn:aws:iam::o1:coreweave/u9"])), "principal-arn").message
    assert lookup("s3:Get*").known and not lookup("s3:Nothing*").known
    assert lookup("cwobject:createaccesskeysaml").known  # case-insensitive, as the service matches


def test_org_policy_level_rules_bare_and_wrapped():
    bare = org(stmt(), wrap=False, version="v2")
    finding = only(bare, "version")
    assert finding.path == "version" and (finding.line, finding.column) == position_of(bare, '"v2"')
    dup = org(stmt(), stmt())
    assert only(dup, "statement-name").path == "policy.statements[1].name"
    assert only(org(), "statements").severity is Severity.ERROR
    assert only(org(stmt(), name="bad name"), "policy-name").path == "policy.name"
    assert only("[1]", "policy-type").line == 1


@pytest.mark.parametrize(("statement", "rule", "needle", "severity"), [
    (bstmt(Sid="read-all"), "sid", '"read-all"', Severity.ERROR),
    (bstmt(Effect="Permit"), "effect", '"Permit"', Severity.ERROR),
    (bstmt(Principal={"Users": "*"}), "principal", '"*"', Severity.ERROR),
    (bstmt(Principal={"CW": ["coreweave/u1"]}), "principal-arn", '"coreweave/u1"', Severity.ERROR),
    (bstmt(Action=["cwobject:CreateAccessKey"]), "action-service", '"cwobject:', Severity.ERROR),
    (bstmt(Action="GetObject"), "action-syntax", '"GetObject"', Severity.ERROR),
    (bstmt(Action="s3:GetObjekt"), "unknown-action", '"s3:GetObjekt"', Severity.WARNING),
    (bstmt(Resource="arn:aws:s3:::other/*"), "resource", '"arn:aws:s3:::other/*"', Severity.ERROR),
    (bstmt(Condition={"StringEquals": {"aws:username": "x"}}), "condition", '"x"', Severity.ERROR),
    (bstmt(Condition={"NumericLessThan": {"s3:prefix": "1"}}), "condition", '"1"', Severity.ERROR),
    (bstmt(Principal="*"), "public-bucket", '"*"', Severity.WARNING),
    (bstmt(NotPrincipal="*"), "unknown-field", '"*"', Severity.ERROR),
])
def test_bucket_rules_with_positions(statement, rule, needle, severity):
    text = bucket(statement)
    finding = only(text, rule, bucket="b")
    assert finding.severity is severity
    assert (finding.line, finding.column) == position_of(text, needle)
    assert finding.path.startswith("Statement[0]")


def test_bucket_document_rules():
    assert only(bucket(bstmt(), Version="2020-01-01"), "version").path == "Version"
    assert only(bucket(bstmt(), bstmt()), "sid").message.startswith("Sid 'Read' is used twice")
    assert only(bucket(), "statements").severity is Severity.ERROR
    both = bstmt(NotAction="s3:PutObject")
    assert only(bucket(both), "action").path == "Statement[0]"
    two = bucket(bstmt(), bstmt(Sid="Other", Resource="arn:aws:s3:::c/*"))
    assert only(two, "resource-bucket").severity is Severity.WARNING  # no bucket given: advice only
    assert only('{"Version": "2012-10-17", "Statement": [], "Version": "2008-10-17"}', "duplicate-key").line == 1


def test_kind_detection():
    assert lint_text(bucket(bstmt())).kind == "bucket"
    assert lint_text(org(stmt())).kind == "org"
    assert lint_text(org(stmt(), wrap=False)).kind == "org"
    assert lint_text("not json").kind == "org"


# ---- properties: never raise, and the bucket validator agrees with the parser the sandbox uses ----

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_words = st.sampled_from(["Version", "Statement", "Sid", "Effect", "Principal", "Action", "NotAction", "Resource",
                          "Condition", "Allow", "Deny", "*", "AWS", "CW", "s3:GetObject", "s3:*", "cwobject:X",
                          "arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:s3:::c", "arn:aws:iam::o:coreweave/u",
                          "2012-10-17", "StringEquals", "cw:PrincipalOrgID", "IpAddress", "aws:SourceIp",
                          "10.0.0.0/8", "policy", "version", "v1alpha1", "name", "statements", "effect", "actions",
                          "resources", "principals", "A1", ""])
_policyish = st.recursive(
    st.none() | st.booleans() | st.integers() | _words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_words, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_lint_never_raises_on_any_text(text):
    report = lint_text(text)
    assert all(f.line >= 1 and f.column >= 1 for f in report.findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json | _policyish, st.sampled_from([None, "org", "bucket"]))
def test_lint_never_raises_on_any_json(value, kind):
    text = json.dumps(value, indent=1)
    report = lint_text(text, kind=kind)
    lines = text.split("\n")
    for f in report.findings:
        assert 1 <= f.line <= len(lines) and 1 <= f.column <= len(lines[f.line - 1]) + 1


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_policyish)
def test_bucket_validator_errors_exactly_when_the_parser_refuses(value):
    doc = {"Version": "2012-10-17", "Statement": value} if not isinstance(value, dict) else value
    text = json.dumps(doc)
    errors = [f for f in validate_bucket_policy(doc, "b") if f.severity is Severity.ERROR]
    try:
        parse_bucket_policy(text, "b")
    except BucketPolicyError:
        assert errors, doc
    else:
        assert not errors, (doc, errors)
