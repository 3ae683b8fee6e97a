"""AuthCanI and S3 agree: for generated org and bucket policies, the control plane's verdict for an
(action, resource) is exactly what the S3 front then does with a key of the same principal.

One sandbox (the session's), one principal and one bucket; each generated scenario replaces the
principal's org policy and the bucket's policy, then asks AuthCanI and performs the S3 call for
every request of the batch. Seeded, so a failure names a reproducible scenario.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.helpers import admin_headers, grant, make_principal, new_key, s3_client

API = "/v1/cwobject"
SCENARIOS, SEED = 44, 10

# (action, short resource, S3 call) for the bucket B; keys under a/ and b/ exist.
Request = tuple[str, str, Callable[[Any, str], object]]
REQUESTS: list[Request] = [
    ("s3:GetObject", "{b}/a/1.txt", lambda s3, b: s3.get_object(Bucket=b, Key="a/1.txt")),
    ("s3:GetObject", "{b}/b/2.txt", lambda s3, b: s3.head_object(Bucket=b, Key="b/2.txt")),
    ("s3:PutObject", "{b}/a/new.txt", lambda s3, b: s3.put_object(Bucket=b, Key="a/new.txt", Body=b"n")),
    ("s3:PutObject", "{b}/c/new.txt", lambda s3, b: s3.put_object(Bucket=b, Key="c/new.txt", Body=b"n")),
    ("s3:DeleteObject", "{b}/b/gone.txt", lambda s3, b: s3.delete_object(Bucket=b, Key="b/gone.txt")),
    ("s3:ListBucket", "{b}", lambda s3, b: s3.list_objects_v2(Bucket=b)),
    ("s3:GetBucketVersioning", "{b}", lambda s3, b: s3.get_bucket_versioning(Bucket=b)),
    ("s3:GetBucketLocation", "{b}", lambda s3, b: s3.get_bucket_location(Bucket=b)),
    ("s3:GetObjectTagging", "{b}/a/1.txt", lambda s3, b: s3.get_object_tagging(Bucket=b, Key="a/1.txt")),
    ("s3:GetBucketPolicy", "{b}", lambda s3, b: _policy_or_none(s3, b)),
    ("s3:ListAllMyBuckets", "*", lambda s3, b: s3.list_buckets()),
    ("s3:ListBucketVersions", "{b}", lambda s3, b: s3.list_object_versions(Bucket=b)),
]
ACTIONS = ["s3:*", "s3:Get*", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:List*",
           "s3:ListAllMyBuckets", "s3:GetBucket*", "s3:*Object", "s3:GetObjectTagging"]
ORG_RESOURCES = ["*", "{b}", "{b}/*", "{b}/a/*", "{b}/b/*", "{b}*", "other-bucket/*"]
BUCKET_RESOURCES = ["{arn}", "{arn}/*", "{arn}/a/*", "{arn}/b/*", "{arn}*"]


def _policy_or_none(s3: Any, bucket: str) -> object:
    try:
        return s3.get_bucket_policy(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucketPolicy":  # allowed, there is just none
            return None
        raise


def org_statements(rng: random.Random, principal: str, bucket: str) -> list[dict[str, Any]]:
    out = []
    for i in range(rng.randint(1, 3)):
        out.append({"name": f"s{i}", "effect": "Deny" if rng.random() < 0.25 else "Allow",
                    "actions": rng.sample(ACTIONS, rng.randint(1, 3)),
                    "resources": [r.format(b=bucket) for r in rng.sample(ORG_RESOURCES, rng.randint(1, 2))],
                    "principals": [rng.choice([principal, principal[:-3] + "*"])]})
    return out


def bucket_policy(rng: random.Random, principal_arn: str, org_id: str, bucket: str) -> str | None:
    if rng.random() < 0.3:
        return None
    statements = []
    for i in range(rng.randint(1, 3)):
        stmt: dict[str, Any] = {
            "Sid": f"S{i}", "Effect": "Deny" if rng.random() < 0.3 else "Allow",
            "Principal": rng.choice(["*", {"CW": [principal_arn]}, {"AWS": "*"},
                                     {"CW": [f"arn:aws:iam::{org_id}:coreweave/someone-else"]}]),
            "Action": rng.sample(ACTIONS[:7], rng.randint(1, 3)),
            "Resource": [r.format(arn=f"arn:aws:s3:::{bucket}") for r in rng.sample(BUCKET_RESOURCES, 2)],
        }
        if rng.random() < 0.35:
            orgs = rng.choice([[org_id], ["ff00ee"], [org_id, "ff00ee"]])
            stmt["Condition"] = {rng.choice(["StringEquals", "StringNotEquals"]): {"cw:PrincipalOrgID": orgs}}
        statements.append(stmt)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture(scope="module")
def world(sandbox: Any) -> Iterator[dict[str, Any]]:
    admin_key = new_key(sandbox, sandbox.token, 3600)
    admin = s3_client(sandbox, admin_key["accessKeyId"], admin_key["secretKey"])
    bucket = f"canI-{uuid.uuid4().hex[:8]}".lower()
    admin.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    for key in ("a/1.txt", "b/2.txt"):
        admin.put_object(Bucket=bucket, Key=key, Body=b"x")
    user = make_principal(sandbox)
    grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey"])
    key = new_key(sandbox, user.token, 3600)
    try:
        yield {"admin": admin, "bucket": bucket, "user": user,
               "s3": s3_client(sandbox, key["accessKeyId"], key["secretKey"])}
    finally:
        admin.delete_bucket_policy(Bucket=bucket)
        for obj in admin.list_objects_v2(Bucket=bucket).get("Contents", []):
            admin.delete_object(Bucket=bucket, Key=obj["Key"])
        admin.delete_bucket(Bucket=bucket)


def s3_allows(call: Callable[[], object]) -> bool:
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("AccessDenied", "403"):
            return False
        raise
    return True


def test_auth_can_i_agrees_with_s3_on_generated_policies(sandbox: Any, world: dict[str, Any]) -> None:
    rng = random.Random(SEED)
    bucket, user, admin = world["bucket"], world["user"], world["admin"]
    principal_arn = f"arn:aws:iam::{sandbox.org_id}:{user.principal_name}"
    policy_name = f"cani-{uuid.uuid4().hex[:8]}"
    compared, disagreements, verdicts = 0, [], set()
    with httpx.Client(base_url=sandbox.control_plane, timeout=15) as cp:
        try:
            for scenario in range(SCENARIOS):
                statements = org_statements(rng, user.principal_name, bucket)
                cp.post(f"{API}/access-policy", headers=admin_headers(sandbox), json={"policy": {
                    "version": "v1alpha1", "name": policy_name, "statements": statements}}).raise_for_status()
                bp = bucket_policy(rng, principal_arn, sandbox.org_id, bucket)
                if bp is None:
                    admin.delete_bucket_policy(Bucket=bucket)
                else:
                    admin.put_bucket_policy(Bucket=bucket, Policy=bp)  # org policies alone judge this
                for action, resource, call in REQUESTS:
                    target = resource.format(b=bucket)
                    r = cp.post(f"{API}/auth/can-i", json={"actions": [action], "resources": [target]},
                                headers={"Authorization": f"Bearer {user.token}"})
                    verdict = r.json()["verdict"]
                    actual = s3_allows(lambda c=call: c(world["s3"], bucket))
                    verdicts.add(verdict)
                    compared += 1
                    if verdict != actual:
                        disagreements.append((scenario, action, target, verdict, actual, statements, bp))
        finally:
            cp.delete(f"{API}/access-policy/{policy_name}", headers=admin_headers(sandbox))
    assert compared >= 500 and verdicts == {True, False}
    assert disagreements == []
