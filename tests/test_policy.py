"""Unit tests for the shared org-policy validator and evaluator."""

from cwos_tui.cloud.policy import (
    OrgPolicy,
    Outcome,
    Severity,
    errors_only,
    evaluate,
    validate_org_policy,
)


def policy(*statements: dict, name: str = "p") -> OrgPolicy:
    return OrgPolicy.model_validate({"version": "v1alpha1", "name": name, "statements": list(statements)})


def stmt(effect="Allow", actions=("s3:*",), resources=("*",), principals=("*",), name="s") -> dict:
    return {"name": name, "effect": effect, "actions": list(actions), "resources": list(resources),
            "principals": list(principals)}


def test_default_deny_without_policies():
    d = evaluate([], ["coreweave/u1"], "s3:GetObject", "bucket/key")
    assert not d.allowed and d.outcome is Outcome.DEFAULT_DENY


def test_allow_names_the_deciding_statement():
    d = evaluate([policy(stmt(name="read-all"), name="reads")], ["coreweave/u1"], "s3:GetObject", "b/k")
    assert d.allowed and d.policy == "reads" and d.statement == "read-all"


def test_explicit_deny_wins_over_allow_in_any_order():
    allow = policy(stmt(name="all"), name="a")
    deny = policy(stmt("Deny", ["s3:DeleteObject"], ["data/*"], name="no-delete"), name="d")
    for order in ([allow, deny], [deny, allow]):
        d = evaluate(order, ["coreweave/u1"], "s3:DeleteObject", "data/x")
        assert not d.allowed and d.outcome is Outcome.EXPLICIT_DENY and d.statement == "no-delete"
    assert evaluate([allow, deny], ["coreweave/u1"], "s3:DeleteObject", "other/x").allowed


def test_actions_match_case_insensitively_and_with_wildcards():
    p = policy(stmt(actions=["cwobject:CreateAccessKeySaml", "s3:Get*"]))
    assert evaluate([p], ["x"], "cwobject:CreateAccessKeySAML").allowed
    assert evaluate([p], ["x"], "s3:GetObjectTagging", "b/k").allowed
    assert not evaluate([p], ["x"], "s3:PutObject", "b/k").allowed


def test_cwobject_actions_need_star_resource():
    scoped = policy(stmt(actions=["cwobject:CreateAccessKey"], resources=["my-bucket", "my-bucket/*"]))
    assert not evaluate([scoped], ["u"], "cwobject:CreateAccessKey", "*").allowed
    glob = policy(stmt(actions=["cwobject:CreateAccessKey"], resources=["*"]))
    assert evaluate([glob], ["u"], "cwobject:CreateAccessKey", "*").allowed


def test_resource_patterns():
    p = policy(stmt(resources=["logs-*", "data/*"]))
    assert evaluate([p], ["u"], "s3:GetObject", "logs-2026/a").allowed
    assert evaluate([p], ["u"], "s3:GetObject", "data/x/y").allowed
    assert not evaluate([p], ["u"], "s3:ListBucket", "data").allowed


def test_principal_prefix_wildcard_and_multiple_identities():
    p = policy(stmt(principals=["role/https://hub.example.com*"]))
    assert evaluate([p], ["role/https://hub.example.com:svc"], "s3:GetObject", "b").allowed
    assert not evaluate([p], ["role/https://other.example.com:svc"], "s3:GetObject", "b").allowed
    saml = policy(stmt(principals=["role/ops"]))
    assert evaluate([saml], ["saml/ops", "role/ops"], "s3:GetObject", "b").allowed


def test_admin_role_grants_cwobject_but_not_s3():
    assert evaluate([], ["coreweave/admin"], "cwobject:ListAccessKeyInfo", is_admin=True).allowed
    assert not evaluate([], ["coreweave/admin"], "s3:ListBucket", "b", is_admin=True).allowed


def test_lower_case_effect_is_ignored_by_evaluation():
    p = policy(stmt(effect="allow"))
    assert not evaluate([p], ["u"], "s3:GetObject", "b").allowed


def test_validator_accepts_documented_example():
    doc = {"version": "v1alpha1", "name": "full-s3-api-access", "statements": [
        {"name": "allow-full-s3-api-access-to-all", "effect": "Allow", "actions": ["s3:*"],
         "resources": ["*"], "principals": ["role/Admin"]}]}
    assert validate_org_policy(doc) == []


def test_validator_reports_each_problem_with_its_position():
    bad = {"version": "v1", "name": "x y", "statements": [
        {"name": "a", "effect": "allow", "actions": ["s3:GetObject", "GetObject"], "resources": [],
         "principals": ["arn:aws:iam::ab1cd2:coreweave/u1"]},
        {"name": "a", "effect": "Allow", "actions": ["cwobject:CreateAccessKey"], "resources": ["b"],
         "principals": ["*"]}]}
    findings = {f.path: f for f in validate_org_policy(bad)}
    assert "v1alpha1" in findings["version"].message
    assert "name" in findings
    assert "case-sensitive" in findings["statements[0].effect"].message
    assert "statements[0].actions[1]" in findings
    assert "statements[0].resources" in findings
    assert "ARN" in findings["statements[0].principals[0]"].message
    assert "used twice" in findings["statements[1].name"].message
    assert findings["statements[1].resources"].severity is Severity.WARNING
    assert all(f.severity is Severity.ERROR for f in errors_only(list(findings.values())))


def test_validator_rejects_non_object_and_empty_statements():
    assert validate_org_policy([])[0].path == "policy"
    assert validate_org_policy({"version": "v1alpha1", "name": "p", "statements": []})[0].path == "statements"
