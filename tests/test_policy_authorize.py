"""Unit tests for CoreWeave's whole evaluation order, bucket policies, conditions and the S3 catalogue."""

from __future__ import annotations

import json

import pytest

from cwos_tui.cloud.policy import (
    AccessRequest,
    BucketPolicyError,
    OrgPolicy,
    Step,
    authorize,
    org_resource,
    parse_bucket_policy,
    s3_operation,
    validate_org_policy,
)

ORG, OTHER_ORG, USER = "ab1cd2", "ff00ee", "coreweave/u1"


def org(*statements: dict) -> list[OrgPolicy]:
    return [OrgPolicy.model_validate({"version": "v1alpha1", "name": "p", "statements": list(statements)})]


def stmt(effect="Allow", actions=("s3:*",), resources=("*",), principals=(USER,), name="s") -> dict:
    return {"name": name, "effect": effect, "actions": list(actions), "resources": list(resources),
            "principals": list(principals)}


def bucket_policy(*statements: dict, bucket: str = "b"):
    return parse_bucket_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), bucket)


def req(action: str, resource: str, principals=(USER,), context=None) -> AccessRequest:
    return AccessRequest(list(principals), action, resource, ORG, context=context or {})


ORG_WIDE = {"Sid": "OrgWide", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"StringEquals": {"cw:PrincipalOrgID": [ORG]}}}


def test_the_documented_order_step_by_step():
    everything = org(stmt())
    assert authorize(req("s3:GetObject", "arn:aws:s3:::b/k"), []).step is Step.NO_ORG_ALLOW
    denied = org(stmt(), stmt("Deny", ["s3:GetObject"], ["b/k"], name="no"))
    decision = authorize(req("s3:GetObject", "b/k"), denied)
    assert decision.step is Step.ORG_DENY and decision.deciding is not None and decision.deciding.statement == "no"
    assert authorize(req("s3:GetObject", "b/k"), everything).step is Step.NO_BUCKET_POLICY
    deny = {"Sid": "NoRead", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*"}
    decision = authorize(req("s3:GetObject", "b/k"), everything, bucket_policy(ORG_WIDE, deny))
    assert decision.step is Step.BUCKET_DENY and [m.statement for m in decision.bucket_statements] == ["OrgWide",
                                                                                                      "NoRead"]
    decision = authorize(req("s3:GetObject", "b/k"), everything, bucket_policy(ORG_WIDE))
    assert decision.allowed and decision.step is Step.BUCKET_ALLOW and "OrgWide" in decision.explain()
    decision = authorize(req("s3:PutObject", "b/k"), everything, bucket_policy(ORG_WIDE))
    assert not decision.allowed and decision.step is Step.BUCKET_NO_MATCH and "implicit" in decision.explain()


def test_bucket_policy_cannot_grant_what_org_policies_do_not():
    assert authorize(req("s3:GetObject", "b/k"), [], bucket_policy(ORG_WIDE)).step is Step.NO_ORG_ALLOW


def test_bucket_policy_actions_are_judged_by_org_policies_only():
    lock_out = {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}
    policy = bucket_policy(lock_out)
    for action in ("s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"):
        assert authorize(req(action, "b"), org(stmt()), policy).step is Step.ORG_ALLOW
    assert authorize(req("s3:PutBucketPolicy", "b"), org(stmt(actions=["s3:GetObject"])), policy).step is (
        Step.NO_ORG_ALLOW)
    assert not authorize(req("s3:GetObject", "b/k"), org(stmt()), policy).allowed


def test_global_actions_need_star_and_skip_bucket_policies():
    scoped = org(stmt(actions=["s3:ListAllMyBuckets", "s3:ListBucket"], resources=["b"]))
    assert not authorize(req("s3:ListAllMyBuckets", "*"), scoped).allowed
    assert authorize(req("s3:ListAllMyBuckets", "*"), org(stmt(actions=["s3:ListAllMyBuckets"]))).allowed


def test_principal_forms_cw_aws_arns_and_saml_aliases():
    user_and_group = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                      "Principal": {"CW": [f"arn:aws:iam::{ORG}:coreweave/u1"],
                                    "AWS": [f"arn:aws:iam::{ORG}:saml/eng"]}}
    policy = bucket_policy(user_and_group)
    everyone = org(stmt(principals=["*"]))
    assert authorize(req("s3:GetObject", "b/k"), everyone, policy).allowed
    assert authorize(req("s3:GetObject", "b/k", ["saml/eng", "role/eng"]), everyone, policy).allowed
    assert not authorize(req("s3:GetObject", "b/k", ["coreweave/u2"]), everyone, policy).allowed


def test_conditions_org_id_prefix_and_source_ip():
    everything = org(stmt())
    cross_org = dict(ORG_WIDE, Condition={"StringEquals": {"cw:PrincipalOrgID": [OTHER_ORG]}})
    assert not authorize(req("s3:GetObject", "b/k"), everything, bucket_policy(cross_org)).allowed
    prefix = {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
              "Condition": {"StringLike": {"s3:prefix": ["home/*"]}}}
    policy = bucket_policy(prefix)
    assert authorize(req("s3:ListBucket", "b", context={"s3:prefix": "home/me/"}), everything, policy).allowed
    assert not authorize(req("s3:ListBucket", "b", context={"s3:prefix": "etc/"}), everything, policy).allowed
    assert not authorize(req("s3:ListBucket", "b"), everything, policy).allowed  # key absent: positive op fails
    ip = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
          "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}, "StringNotEquals": {"s3:prefix": "x"}}}
    assert authorize(req("s3:GetObject", "b/k", context={"aws:SourceIp": "127.0.0.1"}), everything,
                     bucket_policy(ip)).allowed
    assert not authorize(req("s3:GetObject", "b/k", context={"aws:SourceIp": "10.0.0.1"}), everything,
                         bucket_policy(ip)).allowed


@pytest.mark.parametrize("statement, text", [
    ({"Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}, "unsupported condition operator"),
    ({"Condition": {"StringEquals": {"aws:username": "x"}}}, "unsupported condition key"),
    ({"Condition": {"IpAddress": {"aws:SourceIp": "not-an-ip"}}}, "CIDR"),
    ({"Principal": {"Federated": "x"}}, "principal type"),
    ({"Principal": {"CW": "coreweave/u1"}}, "invalid principal"),
    ({"Action": "cwobject:CreateAccessKey"}, "only S3"),
    ({"Resource": "arn:aws:s3:::other-bucket/*"}, "not a resource of bucket"),
    ({"Effect": "allow"}, "Effect"),
    ({"NotPrincipal": "*"}, "unsupported field"),
    ({"Sid": "has space"}, "Sid"),
])
def test_malformed_bucket_policies_say_why(statement, text):
    base = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    with pytest.raises(BucketPolicyError, match=text):
        bucket_policy(dict(base, **statement))


def test_statement_may_be_an_object_and_version_is_checked():
    one = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"CW": "*"},
                                                  "NotAction": "s3:Delete*", "Resource": "arn:aws:s3:::b*"}}
    policy = parse_bucket_policy(json.dumps(one), "b")
    assert authorize(req("s3:GetObject", "b/k"), org(stmt()), policy).allowed
    assert not authorize(req("s3:DeleteObject", "b/k"), org(stmt()), policy).allowed
    with pytest.raises(BucketPolicyError, match="Version"):
        parse_bucket_policy(json.dumps(dict(one, Version="2020-01-01")), "b")


def test_org_policy_conditions_are_refused_not_dropped():
    doc = {"version": "v1alpha1", "name": "p", "statements": [dict(stmt(), condition={"x": "y"})]}
    assert any("no conditions" in f.message for f in validate_org_policy(doc))


@pytest.mark.parametrize("method, bucket, key, query, headers, name, action, resource", [
    ("GET", "", "", {}, {}, "ListBuckets", "s3:ListAllMyBuckets", "*"),
    ("GET", "b", "", {"list-type": "2", "prefix": "a/"}, {}, "ListObjects", "s3:ListBucket", "arn:aws:s3:::b"),
    ("HEAD", "b", "", {}, {}, "HeadBucket", "s3:ListBucket", "arn:aws:s3:::b"),
    ("GET", "b", "", {"location": ""}, {}, "GetBucketLocation", "s3:GetBucketLocation", "arn:aws:s3:::b"),
    ("GET", "b", "", {"versions": ""}, {}, "ListObjectVersions", "s3:ListBucketVersions", "arn:aws:s3:::b"),
    ("PUT", "b", "", {}, {}, "CreateBucket", "s3:CreateBucket", "arn:aws:s3:::b"),
    ("PUT", "b", "", {"policy": ""}, {}, "PutBucketPolicy", "s3:PutBucketPolicy", "arn:aws:s3:::b"),
    ("DELETE", "b", "", {"cors": ""}, {}, "DeleteBucketCors", "s3:PutBucketCORS", "arn:aws:s3:::b"),
    ("PUT", "b", "", {"inventory": "", "id": "x"}, {}, "PutBucketInventoryConfiguration",
     "s3:PutInventoryConfiguration", "arn:aws:s3:::b"),
    ("GET", "b", "k/1", {"x-id": "GetObject"}, {}, "GetObject", "s3:GetObject", "arn:aws:s3:::b/k/1"),
    ("GET", "b", "k", {"versionId": "v"}, {}, "GetObject", "s3:GetObjectVersion", "arn:aws:s3:::b/k"),
    ("PUT", "b", "k", {"partNumber": "1", "uploadId": "u"}, {}, "UploadPart", "s3:PutObject", "arn:aws:s3:::b/k"),
    ("DELETE", "b", "k", {"uploadId": "u"}, {}, "AbortMultipartUpload", "s3:AbortMultipartUpload",
     "arn:aws:s3:::b/k"),
    ("POST", "b", "", {"delete": ""}, {}, "DeleteObjects", "s3:DeleteObject", "arn:aws:s3:::b/*"),
    ("PUT", "b", "k", {"tagging": ""}, {}, "PutObjectTagging", "s3:PutObjectTagging", "arn:aws:s3:::b/k"),
    ("GET", "b", "", {"website": ""}, {}, "Unknown", "", "arn:aws:s3:::b"),
])
def test_s3_operation_catalogue(method, bucket, key, query, headers, name, action, resource):
    op = s3_operation(method, bucket, key, query, headers)
    assert (op.name, op.action, op.resource) == (name, action, resource)


def test_copy_needs_read_on_the_source_too():
    op = s3_operation("PUT", "dst", "new", {}, {"x-amz-copy-source": "/src/a%3Fb.txt?versionId=3"})
    assert op.checks() == [("s3:PutObject", "arn:aws:s3:::dst/new"),
                           ("s3:GetObjectVersion", "arn:aws:s3:::src/a?b.txt")]
    assert org_resource(op.resource) == "dst/new"
