"""Bucket administration against the real sandbox (control plane over HTTP, SeaweedFS behind the S3 front):
create (valid and each invalid-name reason), wait until a propagating bucket answers, delete (empty,
non-empty -> emptied with counts, with incomplete uploads), settings with the control plane's validation,
versioning, lifecycle, CORS and tag round trips, and the documented limits checked on both sides."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from cwos_tui.cloud import bucket_admin
from cwos_tui.cloud.bucket_rules import (
    bucket_name_problems,
    check_cors_text,
    check_lifecycle_text,
    check_tags_text,
    parse_capacity,
)
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import StaticKeySource
from cwos_tui.cloud.errors import Conflict, InvalidArgument, PermissionDenied
from cwos_tui.cloud.models import BucketSettingsUpdate
from cwos_tui.cloud.storage import StorageService
from tests.helpers import new_key, s3_client

#: one name per documented reason, with words the reason must contain
INVALID_NAMES = {
    "ab": "3 to 63",
    "a" * 64: "3 to 63",
    "My-Bucket": "lowercase",
    "my_bucket": "'_'",
    "my.bucket": "'.'",
    "-bucket": "start and end",
    "bucket-": "start and end",
    "xn--bucket": "xn--",
    "int": "reserved name",
    "cw-mine": "'cw-'",
    "vip-mine": "'vip-'",
    "log-stitcher-ch-x": "'log-stitcher-ch-'",
}


def unique(prefix: str = "ba") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def control_plane(sandbox: Any) -> AsyncIterator[ControlPlaneClient]:
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as client:
        yield client


@pytest.fixture(scope="module")
def raw(sandbox: Any, admin_key: dict[str, Any]) -> Any:
    return s3_client(sandbox, admin_key["accessKeyId"], admin_key["secretKey"])


# ---- names ---------------------------------------------------------------------------------------------


def test_valid_names_have_no_problem():
    for name in ("abc", "my-bucket-01", "0" * 63, "a1b2"):
        assert bucket_name_problems(name) == [], name


@pytest.mark.parametrize("name", list(INVALID_NAMES))
def test_each_invalid_name_is_refused_with_its_reason_here_and_by_the_sandbox(sandbox, raw, name):
    problems = bucket_name_problems(name)
    assert any(INVALID_NAMES[name] in p for p in problems), problems
    with pytest.raises(ClientError) as caught:
        raw.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    assert caught.value.response["Error"]["Code"] == "InvalidBucketName"


# ---- create and wait -----------------------------------------------------------------------------------


async def test_create_in_a_zone_waits_until_the_bucket_answers(sandbox, storage, control_plane):
    name = unique()
    steps: list[bucket_admin.WaitProgress] = []
    zone = sandbox.zones[1]
    await bucket_admin.create_bucket(storage, name, zone, on_progress=steps.append)
    assert steps[-1].ready
    info = await control_plane.get_bucket_info(name)
    assert info.location == zone
    await bucket_admin.delete_bucket(storage, name)


async def test_a_zone_the_service_does_not_have_is_refused(storage):
    with pytest.raises(InvalidArgument, match="location-constraint"):
        await storage.create_bucket(unique(), "MARS-NORTH-01A")


async def test_a_propagating_bucket_is_waited_for_with_progress(sandbox, storage):
    base = sandbox.control_plane
    httpx.put(f"{base}/sandbox/settings", json={"bucketPropagationSeconds": 2}).raise_for_status()
    name = unique()
    steps: list[bucket_admin.WaitProgress] = []
    try:
        await bucket_admin.create_bucket(storage, name, sandbox.zone, on_progress=steps.append)
    finally:
        httpx.put(f"{base}/sandbox/settings", json={"bucketPropagationSeconds": 0}).raise_for_status()
    assert steps[0].ready is False and steps[0].code == "400"  # HEAD: a bare 400, as CoreWeave answers
    assert steps[-1].ready and steps[-1].attempt > 1
    await bucket_admin.delete_bucket(storage, name)


# ---- delete --------------------------------------------------------------------------------------------


async def test_delete_an_empty_bucket(sandbox, storage):
    name = unique()
    await bucket_admin.create_bucket(storage, name, sandbox.zone)
    assert (await bucket_admin.count_contents(storage, name)).empty
    assert await bucket_admin.delete_bucket(storage, name) == 0
    assert name not in {b.name for b in await storage.list_buckets()}


async def test_a_non_empty_bucket_is_refused_then_emptied_with_counts_and_deleted(sandbox, storage, raw):
    name = unique()
    await bucket_admin.create_bucket(storage, name, sandbox.zone)
    await storage.put_bucket_versioning(name, True)
    for i in range(3):
        await storage.put_object(name, f"k{i}", b"abc")
    await storage.put_object(name, "k0", b"new")  # k0's first version becomes an older version
    await storage.delete_object(name, "k1")  # a delete marker over k1
    raw.create_multipart_upload(Bucket=name, Key="big.bin")
    with pytest.raises(Conflict, match="not empty"):
        await storage.delete_bucket(name)
    contents = await bucket_admin.count_contents(storage, name)
    assert (contents.objects, contents.versions, contents.delete_markers, contents.uploads) == (2, 2, 1, 1)
    assert contents.describe() == "2 objects, 2 older versions, 1 delete marker, 1 incomplete upload"
    progress: list[int] = []
    assert await bucket_admin.empty_bucket(storage, name, progress.append) == 5
    assert progress == [5]
    assert (await bucket_admin.count_contents(storage, name)).empty
    await bucket_admin.delete_bucket(storage, name)
    assert name not in {b.name for b in await storage.list_buckets()}


async def test_incomplete_uploads_block_deletion_until_aborted(sandbox, storage, raw):
    name = unique()
    await bucket_admin.create_bucket(storage, name, sandbox.zone)
    raw.create_multipart_upload(Bucket=name, Key="a.bin")
    raw.create_multipart_upload(Bucket=name, Key="b.bin")
    with pytest.raises(Conflict, match="incomplete multipart uploads"):
        await storage.delete_bucket(name)
    assert await bucket_admin.delete_bucket(storage, name) == 2  # aborted first, then deleted
    assert name not in {b.name for b in await storage.list_buckets()}


# ---- settings and versioning -----------------------------------------------------------------------------


@pytest.fixture
async def bucket(sandbox, storage) -> AsyncIterator[str]:
    name = unique()
    await bucket_admin.create_bucket(storage, name, sandbox.zone)
    yield name
    await bucket_admin.empty_bucket(storage, name)
    await bucket_admin.delete_bucket(storage, name)


async def test_settings_round_trip_and_the_control_planes_validation(control_plane, bucket):
    applied = await control_plane.set_bucket_settings(
        bucket, BucketSettingsUpdate(archive_enabled=True, archive_after_last_access_days=90,
                                     capacity_cap_bytes=parse_capacity("2GiB")))
    assert applied.archive_enabled and applied.archive_after_last_access_days == 90
    info = await control_plane.get_bucket_info(bucket)
    assert info.settings.archive_after_last_access_days == 90
    assert info.settings.configured_capacity_cap_bytes == 2 * 2**30
    with pytest.raises(InvalidArgument, match=">= 60"):
        await control_plane.set_bucket_settings(bucket, BucketSettingsUpdate(archive_after_last_access_days=30))
    with pytest.raises(InvalidArgument, match="required when archive is enabled"):
        await control_plane.set_bucket_settings(bucket, BucketSettingsUpdate(archive_enabled=True))
    info = await control_plane.get_bucket_info(bucket)
    assert info.settings.archive_after_last_access_days == 90  # refused changes changed nothing


async def test_audit_logging_needs_the_org_switch_first(sandbox, control_plane, bucket):
    from cwos_tui.cloud.errors import CloudError

    with pytest.raises(CloudError, match="audit logging is not enabled for the organization"):
        await control_plane.set_bucket_settings(bucket, BucketSettingsUpdate(audit_logging_enabled=True))


async def test_versioning_enable_and_suspend(storage, bucket):
    assert await storage.get_bucket_versioning(bucket) is None
    await storage.put_bucket_versioning(bucket, True)
    assert await storage.get_bucket_versioning(bucket) == "Enabled"
    await storage.put_bucket_versioning(bucket, False)
    assert await storage.get_bucket_versioning(bucket) == "Suspended"


# ---- lifecycle, CORS, tags -------------------------------------------------------------------------------

LIFECYCLE = [
    {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}},
    {"ID": "old-versions", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 30}},
    {"ID": "uploads", "Status": "Disabled", "Filter": {"Prefix": ""},
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
]


async def test_lifecycle_round_trip_of_the_three_actions(storage, bucket):
    checked = check_lifecycle_text(json.dumps({"Rules": LIFECYCLE}))
    assert checked.ok, checked.problems
    await storage.put_bucket_lifecycle(bucket, checked.value)
    rules = {r["ID"]: r for r in await storage.get_bucket_lifecycle(bucket) or []}
    assert rules["expire-tmp"]["Expiration"] == {"Days": 7}
    assert rules["old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rules["uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}
    assert rules["uploads"]["Status"] == "Disabled"


@pytest.fixture(scope="module")
def lifecycle_bucket(sandbox, raw):
    name = unique("lc")
    raw.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    yield name
    raw.delete_bucket(Bucket=name)


@pytest.mark.parametrize(("rules", "client_says", "server_code"), [
    ([{"ID": "a", "Status": "Enabled", "Prefix": "x/", "Expiration": {"Days": 3}}], "top-level", "InvalidRequest"),
    ([{"ID": "a", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]}],
     "transitions are not supported", "NotImplemented"),
    ([{"ID": f"r{i}", "Status": "Enabled", "Filter": {"Prefix": f"p{i}/"}, "Expiration": {"Days": 1}}
      for i in range(1001)], "at most 1000", "InvalidRequest"),
    ([{"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}},
      {"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 2}}], "unique", "InvalidArgument"),
    ([{"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}], "above 0", "InvalidArgument"),
    ([{"ID": "a", "Status": "Enabled", "Filter": {}}], "needs an action", "InvalidRequest"),
])
def test_the_documented_lifecycle_limits_are_checked_here_and_by_the_sandbox(raw, lifecycle_bucket, rules,
                                                                             client_says, server_code):
    checked = check_lifecycle_text(json.dumps(rules))
    assert any(client_says in p for p in checked.problems), checked.problems
    with pytest.raises(ClientError) as caught:
        raw.put_bucket_lifecycle_configuration(Bucket=lifecycle_bucket, LifecycleConfiguration={"Rules": rules})
    assert caught.value.response["Error"]["Code"] == server_code


def test_malformed_editor_text_gets_a_position():
    checked = check_lifecycle_text('[{"ID": "a",, }]')
    assert not checked.ok and "line 1, column 13" in checked.problems[0]
    assert "expected a JSON list" in check_cors_text('{"nope": 1}').problems[0]


async def test_cors_round_trip_and_checks(storage, bucket):
    rules = [{"AllowedOrigins": ["https://example.com"], "AllowedMethods": ["GET", "HEAD"],
              "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]
    checked = check_cors_text(json.dumps({"CORSRules": rules}))
    assert checked.ok, checked.problems
    await storage.put_bucket_cors(bucket, checked.value)
    back = await storage.get_bucket_cors(bucket)
    assert back is not None and back[0]["AllowedOrigins"] == ["https://example.com"]
    assert back[0]["MaxAgeSeconds"] == 3000
    bad = check_cors_text(json.dumps([{"AllowedOrigins": [], "AllowedMethods": ["PATCH"], "MaxAgeSeconds": -1}]))
    assert len(bad.problems) == 3 and "PATCH not allowed" in bad.problems[0]
    await storage.delete_bucket_cors(bucket)
    assert await storage.get_bucket_cors(bucket) is None


async def test_tags_round_trip_and_checks(storage, bucket, raw):
    checked = check_tags_text("# comment\nteam=ml\ncost-center = 42\n\n")
    assert checked.ok and checked.value == {"team": "ml", "cost-center": "42"}
    await storage.put_bucket_tagging(bucket, checked.value)
    assert await storage.get_bucket_tagging(bucket) == {"team": "ml", "cost-center": "42"}
    bad = check_tags_text("team=a\nteam=b\naws:x=1\nno-equals\n")
    assert [p.split(":")[0] for p in bad.problems] == ["line 2", "line 3", "line 4"]
    with pytest.raises(ClientError) as caught:  # the sandbox refuses what the editor refuses
        raw.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "1"},
                                                                  {"Key": "a", "Value": "2"}]})
    assert caught.value.response["Error"]["Code"] == "InvalidTag"
    assert await storage.get_bucket_tagging(bucket) == {"team": "ml", "cost-center": "42"}


def test_capacity_sizes():
    assert parse_capacity("0") == 0
    assert parse_capacity("1.5 KiB") == 1536
    assert parse_capacity("2TB") == 2 * 10**12
    with pytest.raises(ValueError, match="not a size"):
        parse_capacity("lots")


async def test_a_principal_who_may_only_create_gets_its_bucket_but_no_check_and_no_delete(sandbox, storage):
    """HeadBucket needs s3:ListBucket: without it the create still succeeds (0 checks); the gate allows what it
    does not know, so a delete reaches the S3 front, which refuses it naming the action."""
    from tests.helpers import grant, make_principal

    name = unique()
    user = make_principal(sandbox)
    grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey", "s3:CreateBucket",
                                         "s3:ListBucketMultipartUploads"])
    key = new_key(sandbox, user.token)
    source = StaticKeySource(key["accessKeyId"], key["secretKey"])
    async with StorageService(sandbox.s3, source, zone=sandbox.zone, addressing_style="path") as theirs:
        assert await bucket_admin.create_bucket(theirs, name, sandbox.zone) == 0
        with pytest.raises(PermissionDenied, match="s3:DeleteBucket"):
            await bucket_admin.delete_bucket(theirs, name)
    await bucket_admin.delete_bucket(storage, name)
