"""The simulator and the sandbox's S3 agree: generated (org policy, bucket policy, request) triples, each
applied to a sandbox of this module's own and tried with a real S3 request, decided in-process by the same
`authorize` the simulator uses over the live org policies."""

from __future__ import annotations

import json
import random
import uuid

import httpx
from botocore.exceptions import ClientError

from cwos_tui.cloud.policy import AccessRequest, OrgPolicy, authorize, parse_bucket_policy
from tests.helpers import admin_headers, grant, make_principal, new_key, s3_client

ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject")
KEYS = ("a/x", "b/y")


def generated(rng: random.Random, bucket: str, principal: str, org_id: str) -> tuple[list[dict], dict | None]:
    resources = [bucket, f"{bucket}/*", f"{bucket}/a/*", "*", "elsewhere/*"]
    statements = [{"name": f"s{i}", "effect": rng.choice(["Allow", "Allow", "Deny"]),
                   "actions": rng.sample([*ACTIONS, "s3:*", "s3:Get*"], rng.randint(1, 3)),
                   "resources": rng.sample(resources, rng.randint(1, 2)), "principals": [principal]}
                  for i in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        return statements, None
    who = rng.choice([{"CW": "*"}, {"CW": [f"arn:aws:iam::{org_id}:{principal}"]}, "*",
                      {"AWS": ["arn:aws:iam::someone-else:coreweave/nobody"]}])
    body: dict = {"Sid": "Gen", "Effect": rng.choice(["Allow", "Allow", "Deny"]), "Principal": who,
                  "Action": rng.sample([*ACTIONS, "s3:*"], rng.randint(1, 3)),
                  "Resource": rng.sample([f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*",
                                          f"arn:aws:s3:::{bucket}/b/*"], rng.randint(1, 2))}
    if rng.random() < 0.4:
        body["Condition"] = {"StringEquals": {"cw:PrincipalOrgID": [rng.choice([org_id, "other-org"])]}}
    return statements, {"Version": "2012-10-17", "Statement": [body]}


def attempt(s3, action: str, bucket: str, key: str) -> bool:
    calls = {"s3:GetObject": lambda: s3.get_object(Bucket=bucket, Key=key),
             "s3:PutObject": lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"x"),
             "s3:ListBucket": lambda: s3.list_objects_v2(Bucket=bucket),
             "s3:DeleteObject": lambda: s3.delete_object(Bucket=bucket, Key=key)}
    try:
        calls[action]()
    except ClientError as exc:
        return exc.response["Error"]["Code"] not in ("AccessDenied", "403")
    return True


def test_simulator_and_sandbox_s3_agree_on_generated_pairs(private_sandbox):
    sb = private_sandbox
    admin_key = new_key(sb, sb.token)
    admin = s3_client(sb, admin_key["accessKeyId"], admin_key["secretKey"])
    bucket = f"agree-{uuid.uuid4().hex[:8]}"
    admin.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": sb.zone})
    user = make_principal(sb)
    grant(sb, user.principal_name, ["cwobject:CreateAccessKey"], ["*"], name="agree-mint")
    key = new_key(sb, user.token)
    s3 = s3_client(sb, key["accessKeyId"], key["secretKey"])
    rng = random.Random(20261130)
    outcomes = set()
    for trial in range(16):
        statements, bucket_policy = generated(rng, bucket, user.principal_name, sb.org_id)
        policy = {"version": "v1alpha1", "name": "agree-trial", "statements": statements}
        httpx.post(f"{sb.control_plane}/v1/cwobject/access-policy", json={"policy": policy},
                   headers=admin_headers(sb)).raise_for_status()
        admin.delete_bucket_policy(Bucket=bucket)  # the admin seeds the objects with no bucket policy in the way
        for name in KEYS:
            admin.put_object(Bucket=bucket, Key=name, Body=b"seed")
        if bucket_policy is not None:
            admin.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy))
        live = httpx.get(f"{sb.control_plane}/v1/cwobject/access-policy", headers=admin_headers(sb)).json()
        org_policies = [OrgPolicy.model_validate(p) for p in live["policies"]]
        parsed = parse_bucket_policy(json.dumps(bucket_policy), bucket) if bucket_policy else None
        for action in ACTIONS:
            name = rng.choice(KEYS)
            resource = bucket if action == "s3:ListBucket" else f"{bucket}/{name}"
            decision = authorize(AccessRequest((user.principal_name,), action, resource, org_id=sb.org_id),
                                 org_policies, parsed)
            actual = attempt(s3, action, bucket, name)
            outcomes.add((decision.allowed, decision.step))
            assert decision.allowed == actual, (trial, action, resource, statements, bucket_policy, decision)
    assert {allowed for allowed, _ in outcomes} == {True, False}, "the generator reaches both answers"
    assert len({step for _, step in outcomes}) >= 4, outcomes
