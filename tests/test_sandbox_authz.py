"""The sandbox's S3 front authorizes every request the way CoreWeave documents, over real HTTP and real S3."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.helpers import admin_headers, grant, make_principal, new_key, s3_client

API = "/v1/cwobject"


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def arn(bucket: str, key: str = "") -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key else "")


def policy_doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def admin_s3(sandbox: Any) -> Any:
    key = new_key(sandbox, sandbox.token, 3600)
    return s3_client(sandbox, key["accessKeyId"], key["secretKey"])


@pytest.fixture
def bucket(sandbox: Any, admin_s3: Any) -> Iterator[str]:
    name = f"authz-{uuid.uuid4().hex[:10]}"
    admin_s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    yield name
    admin_s3.delete_bucket_policy(Bucket=name)  # always possible for the owners: judged by org policies only
    for obj in admin_s3.list_objects_v2(Bucket=name).get("Contents", []):
        admin_s3.delete_object(Bucket=name, Key=obj["Key"])
    admin_s3.delete_bucket(Bucket=name)


@pytest.fixture
def user(sandbox: Any) -> Any:
    """A principal without any S3 rights yet, with a working key (`user.s3`)."""
    who = make_principal(sandbox)
    grant(sandbox, who.principal_name, ["cwobject:CreateAccessKey"])
    key = new_key(sandbox, who.token, 3600)
    who.key = key
    who.s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    who.arn = f"arn:aws:iam::{sandbox.org_id}:{who.principal_name}"
    return who


def test_narrow_allows_and_denies_per_action_and_prefix(sandbox: Any, admin_s3: Any, bucket: str, user: Any) -> None:
    admin_s3.put_object(Bucket=bucket, Key="locked/secret.txt", Body=b"s")
    admin_s3.put_object(Bucket=bucket, Key="open/a.txt", Body=b"a")
    grant(sandbox, user.principal_name, ["s3:PutObject"], [f"{bucket}/up/*"])
    grant(sandbox, user.principal_name, ["s3:GetObject", "s3:ListBucket"], [bucket, f"{bucket}/*"])
    grant(sandbox, user.principal_name, ["s3:GetObject", "s3:PutObject"], [f"{bucket}/locked/*"], effect="Deny")
    s3 = user.s3
    s3.put_object(Bucket=bucket, Key="up/new.txt", Body=b"n")
    assert code_of(lambda: s3.put_object(Bucket=bucket, Key="elsewhere.txt", Body=b"x")) == "AccessDenied"
    assert code_of(lambda: s3.put_object(Bucket=bucket, Key="locked/x", Body=b"x")) == "AccessDenied"
    assert code_of(lambda: s3.delete_object(Bucket=bucket, Key="up/new.txt")) == "AccessDenied"  # Put is not Delete
    assert s3.get_object(Bucket=bucket, Key="open/a.txt")["Body"].read() == b"a"
    assert code_of(lambda: s3.get_object(Bucket=bucket, Key="locked/secret.txt")) == "AccessDenied"
    assert code_of(lambda: s3.head_object(Bucket=bucket, Key="locked/secret.txt")) == "403"
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} >= {"open/a.txt", "up/new.txt"}
    assert code_of(lambda: s3.get_bucket_versioning(Bucket=bucket)) == "AccessDenied"


def test_list_buckets_needs_list_all_my_buckets_and_grants_nothing_else(sandbox: Any, bucket: str, user: Any) -> None:
    grant(sandbox, user.principal_name, ["s3:ListBucket"], [bucket])
    assert code_of(user.s3.list_buckets) == "AccessDenied"  # ListBucket on one bucket is not ListBuckets
    grant(sandbox, user.principal_name, ["s3:ListAllMyBuckets"], ["*"])
    assert bucket in {b["Name"] for b in user.s3.list_buckets()["Buckets"]}
    assert code_of(lambda: user.s3.list_objects_v2(Bucket="model-checkpoints")) == "AccessDenied"


def test_put_bucket_policy_on_a_bucket_is_not_admin_of_it(sandbox: Any, admin_s3: Any, bucket: str,
                                                          user: Any) -> None:
    admin_s3.put_object(Bucket=bucket, Key="k", Body=b"k")
    grant(sandbox, user.principal_name, ["s3:PutBucketPolicy", "s3:GetBucketPolicy"], [bucket])
    mine = policy_doc({"Effect": "Allow", "Principal": {"CW": [user.arn]}, "Action": "s3:GetObject",
                       "Resource": arn(bucket, "*")})
    user.s3.put_bucket_policy(Bucket=bucket, Policy=mine)
    assert json.loads(user.s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(mine)
    assert code_of(lambda: user.s3.delete_bucket(Bucket=bucket)) == "AccessDenied"
    assert code_of(lambda: user.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
        "Status": "Enabled"})) == "AccessDenied"
    assert code_of(lambda: user.s3.get_object(Bucket=bucket, Key="k")) == "AccessDenied"  # a bucket policy alone
    assert code_of(lambda: user.s3.delete_bucket_policy(Bucket=bucket)) == "AccessDenied"


def test_org_wide_and_cross_org_read_examples(sandbox: Any, admin_s3: Any, bucket: str, user: Any) -> None:
    admin_s3.put_object(Bucket=bucket, Key="data.txt", Body=b"d")
    grant(sandbox, user.principal_name, ["s3:*"], [bucket, f"{bucket}/*"])

    def read_example(*orgs: str) -> str:
        return policy_doc({"Sid": "AllowGetObject", "Principal": {"AWS": "*"}, "Effect": "Allow",
                           "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [arn(bucket), arn(bucket, "*")],
                           "Condition": {"StringEquals": {"cw:PrincipalOrgID": list(orgs)}}})

    admin_s3.put_bucket_policy(Bucket=bucket, Policy=read_example(sandbox.org_id))
    assert user.s3.get_object(Bucket=bucket, Key="data.txt")["Body"].read() == b"d"
    assert user.s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    # The org policy allows s3:*, but the bucket has a policy now and nothing in it allows a put: implicit deny.
    assert code_of(lambda: user.s3.put_object(Bucket=bucket, Key="new", Body=b"n")) == "AccessDenied"
    admin_s3.put_bucket_policy(Bucket=bucket, Policy=read_example(sandbox.org_id, "ff00ee"))  # cross-org
    assert user.s3.get_object(Bucket=bucket, Key="data.txt")["Body"].read() == b"d"
    admin_s3.put_bucket_policy(Bucket=bucket, Policy=read_example("ff00ee"))  # only the other org
    assert code_of(lambda: user.s3.get_object(Bucket=bucket, Key="data.txt")) == "AccessDenied"


def test_specific_user_and_saml_group_example(sandbox: Any, admin_s3: Any, bucket: str, user: Any) -> None:
    admin_s3.put_object(Bucket=bucket, Key="team.txt", Body=b"t")
    other = make_principal(sandbox)
    grant(sandbox, other.principal_name, ["cwobject:CreateAccessKey"])
    for who in (user.principal_name, other.principal_name, "role/ml-engineers"):
        grant(sandbox, who, ["s3:GetObject"], [f"{bucket}/*"])
    saml = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"}).json()
    saml_key = httpx.post(f"{sandbox.control_plane}{API}/temporary-credentials/saml", json={
        "durationSeconds": 900, "orgId": sandbox.org_id, "samlResponse": saml["samlResponse"]}).json()
    admin_s3.put_bucket_policy(Bucket=bucket, Policy=policy_doc({
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": arn(bucket, "*"),
        "Principal": {"CW": [user.arn], "AWS": [f"arn:aws:iam::{sandbox.org_id}:saml/ml-engineers"]}}))
    assert user.s3.get_object(Bucket=bucket, Key="team.txt")["Body"].read() == b"t"
    saml_s3 = s3_client(sandbox, saml_key["accessKeyId"], saml_key["secretKey"])
    assert saml_s3.get_object(Bucket=bucket, Key="team.txt")["Body"].read() == b"t"
    other_key = new_key(sandbox, other.token, 600)
    other_s3 = s3_client(sandbox, other_key["accessKeyId"], other_key["secretKey"])
    assert code_of(lambda: other_s3.get_object(Bucket=bucket, Key="team.txt")) == "AccessDenied"


def test_no_lock_out_through_a_bucket_policy(sandbox: Any, admin_s3: Any, bucket: str) -> None:
    admin_s3.put_object(Bucket=bucket, Key="k", Body=b"k")
    deny_all = policy_doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                           "Resource": [arn(bucket), arn(bucket, "*")]})
    admin_s3.put_bucket_policy(Bucket=bucket, Policy=deny_all)
    assert code_of(lambda: admin_s3.get_object(Bucket=bucket, Key="k")) == "AccessDenied"
    assert json.loads(admin_s3.get_bucket_policy(Bucket=bucket)["Policy"]) == json.loads(deny_all)
    admin_s3.put_bucket_policy(Bucket=bucket, Policy=deny_all)  # still allowed: org policies only
    admin_s3.delete_bucket_policy(Bucket=bucket)
    assert admin_s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"k"
    assert code_of(lambda: admin_s3.get_bucket_policy(Bucket=bucket)) == "NoSuchBucketPolicy"


def test_malformed_bucket_policies_are_refused(admin_s3: Any, bucket: str) -> None:
    unsupported = policy_doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                              "Resource": arn(bucket, "*"), "Condition": {"StringEquals": {"aws:Referer": "x"}}})
    with pytest.raises(ClientError) as info:
        admin_s3.put_bucket_policy(Bucket=bucket, Policy=unsupported)
    assert info.value.response["Error"]["Code"] == "MalformedPolicy"
    assert "unsupported condition key" in info.value.response["Error"]["Message"]
    assert code_of(lambda: admin_s3.get_bucket_policy(Bucket=bucket)) == "NoSuchBucketPolicy"


def test_denials_are_s3_xml_with_request_id_and_signatures_are_still_checked(sandbox: Any, bucket: str,
                                                                               user: Any) -> None:
    with pytest.raises(ClientError) as info:
        user.s3.get_object(Bucket=bucket, Key="nothing")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["ResponseMetadata"]["RequestId"]
    assert "no org policy statement allows it" in info.value.response["Error"]["Message"]  # the sandbox's hint
    secret = user.key["secretKey"]
    wrong = secret[:-1] + ("y" if secret.endswith("x") else "x")  # always differs from the real secret
    forged = s3_client(sandbox, user.key["accessKeyId"], wrong)
    assert code_of(lambda: forged.get_object(Bucket=bucket, Key="nothing")) == "SignatureDoesNotMatch"
    anonymous = httpx.get(f"{sandbox.s3}/{bucket}/nothing")
    assert anonymous.status_code == 403 and "<Code>AccessDenied</Code>" in anonymous.text
    assert "<RequestId>" in anonymous.text and anonymous.headers["x-amz-request-id"]


def test_copy_needs_read_on_the_source_and_batch_delete_checks_every_key(sandbox: Any, admin_s3: Any, bucket: str,
                                                                          user: Any) -> None:
    admin_s3.put_object(Bucket=bucket, Key="src/a", Body=b"a")
    admin_s3.put_object(Bucket=bucket, Key="keep/b", Body=b"b")
    grant(sandbox, user.principal_name, ["s3:PutObject", "s3:DeleteObject"], [f"{bucket}/dst/*", f"{bucket}/src/*"])
    source = {"Bucket": bucket, "Key": "src/a"}
    assert code_of(lambda: user.s3.copy_object(Bucket=bucket, Key="dst/a", CopySource=source)) == "AccessDenied"
    grant(sandbox, user.principal_name, ["s3:GetObject"], [f"{bucket}/src/*"])
    user.s3.copy_object(Bucket=bucket, Key="dst/a", CopySource=source)
    both = {"Objects": [{"Key": "dst/a"}, {"Key": "keep/b"}]}
    assert code_of(lambda: user.s3.delete_objects(Bucket=bucket, Delete=both)) == "AccessDenied"
    assert admin_s3.head_object(Bucket=bucket, Key="dst/a")["ContentLength"] == 1  # nothing was deleted
    user.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "dst/a"}, {"Key": "src/a"}]})
    assert [o["Key"] for o in admin_s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep/b"]


def test_bucket_location_zone_case_inventory_and_unemulated_requests(sandbox: Any, admin_s3: Any) -> None:
    name = f"zone-{uuid.uuid4().hex[:8]}"
    admin_s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-01a"})
    try:
        assert admin_s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "US-WEST-01A"
        info = httpx.get(f"{sandbox.control_plane}{API}/bucket-info/{name}", headers=admin_headers(sandbox))
        assert info.json()["info"]["location"] == "US-WEST-01A"
        config = {"Id": "weekly", "IsEnabled": True, "IncludedObjectVersions": "Current",
                  "Destination": {"S3BucketDestination": {"Bucket": arn(name), "Format": "CSV"}},
                  "Schedule": {"Frequency": "Weekly"}}
        admin_s3.put_bucket_inventory_configuration(Bucket=name, Id="weekly", InventoryConfiguration=config)
        got = admin_s3.get_bucket_inventory_configuration(Bucket=name, Id="weekly")["InventoryConfiguration"]
        assert got["Id"] == "weekly" and got["Schedule"]["Frequency"] == "Weekly"
        listed = admin_s3.list_bucket_inventory_configurations(Bucket=name)["InventoryConfigurationList"]
        assert [c["Id"] for c in listed] == ["weekly"]
        admin_s3.delete_bucket_inventory_configuration(Bucket=name, Id="weekly")
        assert code_of(lambda: admin_s3.get_bucket_inventory_configuration(Bucket=name, Id="weekly")) == (
            "NoSuchConfiguration")
        assert code_of(lambda: admin_s3.get_bucket_website(Bucket=name)) == "NotImplemented"
    finally:
        admin_s3.delete_bucket(Bucket=name)


def test_workload_identity_keys_are_never_permanent_and_saml_config_id_is_optional(sandbox: Any) -> None:
    tok = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "wif-zero"}).json()
    oidc = httpx.post(f"{sandbox.control_plane}{API}/temporary-credentials/oidc", json={
        "durationSeconds": 0, "orgId": sandbox.org_id, "oidcToken": tok["token"]}).json()
    saml = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"}).json()
    r = httpx.post(f"{sandbox.control_plane}{API}/temporary-credentials/saml", json={
        "durationSeconds": 0, "orgId": sandbox.org_id, "samlResponse": saml["samlResponse"]})
    assert r.status_code == 200, r.text
    for key in (oidc, r.json()):
        expiry = datetime.fromisoformat(key["expiry"].replace("Z", "+00:00"))
        assert 0 < (expiry - datetime.now(UTC)).total_seconds() <= 900 + 5  # chosen: 15 minutes


def test_suspension_covers_existing_keys_only(sandbox: Any, user: Any) -> None:
    status = {"principalName": user.principal_name, "status": "ACCESS_KEY_STATUS_SUSPENDED"}
    httpx.put(f"{sandbox.control_plane}{API}/access-key-status", json=status,
              headers=admin_headers(sandbox)).raise_for_status()
    grant(sandbox, user.principal_name, ["s3:ListAllMyBuckets"])
    assert code_of(user.s3.list_buckets) == "InvalidAccessKeyId"
    later = new_key(sandbox, user.token, 600)
    info = httpx.get(f"{sandbox.control_plane}{API}/access-key/{later['accessKeyId']}",
                     headers=admin_headers(sandbox)).json()["info"]
    assert info["status"] == "ACTIVE"
    assert s3_client(sandbox, later["accessKeyId"], later["secretKey"]).list_buckets()["Buckets"]


def test_org_policy_conditions_are_rejected_not_dropped(sandbox: Any) -> None:
    policy = {"version": "v1alpha1", "name": "with-condition", "statements": [{
        "name": "s", "effect": "Allow", "actions": ["s3:*"], "resources": ["*"], "principals": ["*"],
        "condition": {"StringEquals": {"cw:PrincipalOrgID": "x"}}}]}
    r = httpx.post(f"{sandbox.control_plane}{API}/access-policy", json={"policy": policy},
                   headers=admin_headers(sandbox))
    assert r.status_code == 400 and "no conditions" in r.json()["message"]
