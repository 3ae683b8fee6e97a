"""StorageService against the sandbox's real S3 (SeaweedFS behind the sandbox proxy).

Every test uses keys minted by the sandbox control plane, so authentication, org-policy grants,
bucket policies, revocation and key refresh are the real thing.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import JwtKeySource, RefreshEvent
from cwos_tui.cloud.errors import (
    AlreadyExists,
    CloudError,
    Conflict,
    InvalidAccessKey,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    SignatureMismatch,
)
from cwos_tui.cloud.storage import StorageService, fast_timestamp, map_error
from tests.helpers import admin_headers, grant, make_principal, new_key, s3_client, storage_service

DEMO_BUCKETS = {"training-data", "model-checkpoints"}


async def _until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll an async condition with a deadline (the sandbox applies some changes asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


async def _drop_bucket(storage: StorageService, bucket: str) -> None:
    for _ in range(100):
        page = await storage.list_object_versions(bucket)
        if not page.versions:
            break
        for version in page.versions:
            await storage.delete_object(bucket, version.key, version.version_id)
    for upload in await storage.list_multipart_uploads(bucket):
        await storage.abort_multipart_upload(bucket, upload.key, upload.upload_id)
    await storage.delete_bucket(bucket)


@pytest.fixture
async def bucket(storage: StorageService, sandbox: Any) -> AsyncIterator[str]:
    name = f"t-{uuid.uuid4().hex[:12]}"
    await storage.create_bucket(name, sandbox.zone)
    yield name
    await _drop_bucket(storage, name)


@pytest.fixture
async def control_plane(sandbox: Any) -> AsyncIterator[ControlPlaneClient]:
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as client:
        yield client


@pytest.fixture
def localhost_subdomains(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make `<bucket>.localhost` resolve to 127.0.0.1 in this process; returns the names looked up."""
    real = socket.getaddrinfo
    seen: list[str] = []

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host  # anyio passes IDNA-encoded bytes
        if isinstance(name, str) and name.endswith(".localhost"):
            seen.append(name)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return seen


# --- no network ---


def test_importing_storage_does_not_import_boto3() -> None:
    code = (
        "import sys, cwos_tui.cloud.storage, cwos_tui.cloud.credentials;"
        "loaded = [m for m in ('boto3', 'botocore') if m in sys.modules];"
        "print(','.join(loaded) or 'clean')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "clean"


def test_fast_timestamp_parser_keeps_aware_utc() -> None:
    listed = fast_timestamp("2026-05-01T12:00:00.000Z")
    header = fast_timestamp("Fri, 01 May 2026 12:00:00 GMT")
    assert listed == header and listed.tzinfo is UTC and header.tzinfo is UTC
    assert fast_timestamp("2026-05-01T12:00:00").tzinfo is UTC


def test_unknown_s3_codes_become_plain_cloud_errors() -> None:
    from botocore.exceptions import ClientError

    odd = ClientError(
        {"Error": {"Code": "WeirdThing", "Message": "the server said no"},
         "ResponseMetadata": {"HTTPStatusCode": 418}}, "GetObject",
    )  # fmt: skip
    mapped = map_error(odd)
    assert type(mapped) is CloudError
    assert (str(mapped), mapped.code, mapped.status, mapped.operation) == (
        "the server said no", "WeirdThing", 418, "GetObject",
    )  # fmt: skip
    slow = ClientError(
        {"Error": {"Code": "SlowDown", "Message": "reduce your rate"},
         "ResponseMetadata": {"HTTPStatusCode": 503, "HTTPHeaders": {"retry-after": "7"}}}, "PutObject",
    )  # fmt: skip
    throttled = map_error(slow)
    assert isinstance(throttled, RateLimited) and throttled.retry_after == 7 and throttled.transient


# --- buckets ---


async def test_lists_the_demo_buckets(storage: StorageService) -> None:
    buckets = await storage.list_buckets()
    assert DEMO_BUCKETS <= {b.name for b in buckets}
    assert all(b.created_at is not None and b.created_at.tzinfo is UTC for b in buckets)


async def test_create_bucket_in_a_zone_then_delete_it(
    storage: StorageService, sandbox: Any, control_plane: ControlPlaneClient
) -> None:
    zone = next(z for z in sandbox.zones if z != sandbox.zone)
    name = f"t-zone-{uuid.uuid4().hex[:8]}"
    await storage.create_bucket(name, zone)
    try:
        assert name in {b.name for b in await storage.list_buckets()}
        await storage.head_bucket(name)
        assert (await control_plane.get_bucket_info(name)).location == zone
        with pytest.raises(AlreadyExists):
            await storage.create_bucket(name, zone)
        await storage.put_object(name, "keep.txt", b"x")
        with pytest.raises(Conflict):  # the sandbox refuses to delete a non-empty bucket
            await storage.delete_bucket(name)
        await storage.delete_object(name, "keep.txt")
    finally:
        await storage.delete_bucket(name)
    with pytest.raises(NotFound):
        await storage.head_bucket(name)


# --- objects ---


async def test_object_round_trip(storage: StorageService, bucket: str) -> None:
    body = b"0123456789abcdef" * 64
    etag = await storage.put_object(bucket, "docs/a.bin", body, "application/x-test", {"team": "ml"})
    head = await storage.head_object(bucket, "docs/a.bin")
    assert (head.size, head.etag, head.content_type, head.metadata) == (
        len(body), etag, "application/x-test", {"team": "ml"},
    )  # fmt: skip
    assert head.last_modified is not None and head.last_modified.tzinfo is UTC
    assert await storage.get_object_range(bucket, "docs/a.bin", 10, 19) == body[10:20]
    await storage.copy_object(bucket, "docs/a.bin", bucket, "docs/b.bin")
    assert (await storage.head_object(bucket, "docs/b.bin")).size == len(body)
    await storage.delete_object(bucket, "docs/a.bin")
    with pytest.raises(NotFound):
        await storage.head_object(bucket, "docs/a.bin")
    with pytest.raises(NotFound) as missing:
        await storage.get_object_range(bucket, "docs/a.bin", 0, 1)
    assert missing.value.code == "NoSuchKey" and missing.value.operation == "GetObject"


async def test_batch_delete_goes_in_batches_of_1000(storage: StorageService, bucket: str) -> None:
    real = [f"del/{i}" for i in range(5)]
    for key in real:
        await storage.put_object(bucket, key, b"x")
    names = real + [f"del/missing-{i:04d}" for i in range(1000)]  # S3 reports missing keys as deleted
    deleted, errors = await storage.delete_objects(bucket, names)
    assert errors == [] and sorted(deleted) == sorted(names)
    for key in real:
        with pytest.raises(NotFound):
            await storage.head_object(bucket, key)


async def test_paging_with_small_pages_across_common_prefixes(storage: StorageService, bucket: str) -> None:
    keys = ["a.txt", "b.txt", "c.txt"] + [f"{p}/{i}" for p in ("logs", "runs", "tmp") for i in range(2)]
    for key in keys:
        await storage.put_object(bucket, key, b"x")
    pages = [page async for page in storage.iter_pages(bucket, "", "/", page_size=2)]
    assert len(pages) >= 3 and all(len(p.objects) + len(p.prefixes) <= 2 for p in pages)
    assert [o.key for p in pages for o in p.objects] == ["a.txt", "b.txt", "c.txt"]
    assert [x for p in pages for x in p.prefixes] == ["logs/", "runs/", "tmp/"]
    assert pages[-1].next_token is None and not pages[-1].is_truncated
    inside = await storage.list_page(bucket, "runs/", max_keys=1)
    assert [o.key for o in inside.objects] == ["runs/0"] and inside.next_token
    rest = await storage.list_page(bucket, "runs/", continuation_token=inside.next_token, max_keys=1)
    assert [o.key for o in rest.objects] == ["runs/1"]


async def test_streams_a_demo_bucket_page_by_page(storage: StorageService) -> None:
    pages = [page async for page in storage.iter_pages("model-checkpoints", "", "", page_size=25)]
    keys = [o.key for p in pages for o in p.objects]
    assert len(pages) > 2 and all(len(p.objects) <= 25 for p in pages)
    assert keys == sorted(set(keys))
    whole = await storage.list_page("model-checkpoints", delimiter="")
    assert keys == [o.key for o in whole.objects]  # pages add up to the same listing, nothing lost
    first = pages[0].objects[0]
    assert first.size > 0 and first.etag and first.storage_class
    assert first.last_modified is not None and first.last_modified.tzinfo is UTC  # fast parser, not dateutil


# --- bucket configuration ---


async def test_bucket_policy_put_get_delete(storage: StorageService, bucket: str) -> None:
    assert await storage.get_bucket_policy(bucket) is None
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "NoDeletes", "Effect": "Deny", "Principal": {"AWS": "*"},
                       "Action": ["s3:DeleteObject"], "Resource": [f"arn:aws:s3:::{bucket}/keep/*"]}],
    }  # fmt: skip
    await storage.put_bucket_policy(bucket, policy)
    stored = json.loads(await storage.get_bucket_policy(bucket) or "{}")
    assert stored["Statement"][0]["Sid"] == "NoDeletes"
    await storage.delete_bucket_policy(bucket)
    assert await storage.get_bucket_policy(bucket) is None


async def test_versioning_and_versions(storage: StorageService, bucket: str) -> None:
    assert await storage.get_bucket_versioning(bucket) is None
    await storage.put_bucket_versioning(bucket, True)
    assert await storage.get_bucket_versioning(bucket) == "Enabled"
    await storage.put_object(bucket, "model.bin", b"v1")
    await storage.put_object(bucket, "model.bin", b"v2-longer")
    page = await storage.list_object_versions(bucket, "model.bin")
    assert [v.size for v in page.versions] == [9, 2]  # newest first
    assert [v.is_latest for v in page.versions] == [True, False]
    old = page.versions[1]
    assert (await storage.head_object(bucket, "model.bin", version_id=old.version_id)).size == 2
    await storage.delete_object(bucket, "model.bin")
    after = await storage.list_object_versions(bucket, "model.bin")
    markers = [v for v in after.versions if v.is_delete_marker]
    assert len(markers) == 1 and markers[0].is_latest and len(after.versions) == 3
    await storage.put_bucket_versioning(bucket, False)
    assert await storage.get_bucket_versioning(bucket) == "Suspended"


async def test_demo_bucket_shows_readme_revisions(storage: StorageService) -> None:
    page = await storage.list_object_versions("training-data", "README.md")
    assert len([v for v in page.versions if v.key == "README.md"]) >= 3


async def test_lifecycle_put_get_delete(storage: StorageService, bucket: str) -> None:
    assert await storage.get_bucket_lifecycle(bucket) is None
    rule = {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}
    await storage.put_bucket_lifecycle(bucket, [rule])
    rules = await storage.get_bucket_lifecycle(bucket)
    assert rules is not None and rules[0]["ID"] == "expire-tmp" and rules[0]["Expiration"]["Days"] == 7
    await storage.delete_bucket_lifecycle(bucket)
    assert await storage.get_bucket_lifecycle(bucket) is None


async def test_cors_put_get_delete(storage: StorageService, bucket: str) -> None:
    assert await storage.get_bucket_cors(bucket) is None
    rule = {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}
    await storage.put_bucket_cors(bucket, [rule])
    rules = await storage.get_bucket_cors(bucket)
    assert rules is not None and rules[0]["AllowedMethods"] == ["GET"] and rules[0]["MaxAgeSeconds"] == 3000
    await storage.delete_bucket_cors(bucket)
    assert await storage.get_bucket_cors(bucket) is None


async def test_bucket_tagging(storage: StorageService, bucket: str) -> None:
    assert await storage.get_bucket_tagging(bucket) == {}
    await storage.put_bucket_tagging(bucket, {"team": "ml", "cost-center": "42"})
    assert await storage.get_bucket_tagging(bucket) == {"team": "ml", "cost-center": "42"}
    await storage.delete_bucket_tagging(bucket)
    assert await storage.get_bucket_tagging(bucket) == {}


async def test_multipart_uploads_list_and_abort(
    storage: StorageService, bucket: str, sandbox: Any, admin_key: dict[str, Any]
) -> None:
    raw = s3_client(sandbox, admin_key["accessKeyId"], admin_key["secretKey"])
    upload_id = raw.create_multipart_upload(Bucket=bucket, Key="big/file.bin")["UploadId"]
    uploads = await storage.list_multipart_uploads(bucket)
    assert [(u.key, u.upload_id) for u in uploads] == [("big/file.bin", upload_id)]
    await storage.abort_multipart_upload(bucket, "big/file.bin", upload_id)
    assert await storage.list_multipart_uploads(bucket) == []


async def test_presigned_get_and_put_work_with_plain_http(storage: StorageService, bucket: str) -> None:
    await storage.put_object(bucket, "shared.txt", b"hello from a presigned url")
    url = await storage.presign_get(bucket, "shared.txt", expires_in=300)
    async with httpx.AsyncClient() as http:
        got = await http.get(url)
        assert got.status_code == 200 and got.content == b"hello from a presigned url"
        tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
        assert (await http.get(tampered)).status_code == 403
        put_url = await storage.presign_put(bucket, "upload.txt", expires_in=300)
        assert (await http.put(put_url, content=b"uploaded")).status_code == 200
    assert (await storage.head_object(bucket, "upload.txt")).size == len(b"uploaded")


# --- authorization and authentication failures ---


async def test_second_identity_is_denied_until_granted_and_bucket_policy_denies(
    sandbox: Any, storage: StorageService, bucket: str
) -> None:
    other = make_principal(sandbox, admin=True, name="storage-tester")
    key = new_key(sandbox, other.token)
    async with storage_service(sandbox, key) as theirs:
        with pytest.raises(PermissionDenied) as denied:  # no org policy gives it S3 access
            await theirs.list_page("training-data")
        assert denied.value.code == "AccessDenied" and denied.value.status == 403
        policy_name = grant(sandbox, other.principal_name, ["s3:*"], [bucket, f"{bucket}/*"])
        try:
            await storage.put_object(bucket, "public/a.txt", b"open")
            await storage.put_object(bucket, "private/b.txt", b"closed")
            assert await theirs.get_object_range(bucket, "public/a.txt", 0, 3) == b"open"
            await storage.put_bucket_policy(bucket, {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"CW": "*"}, "Action": ["s3:*"],
                     "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                     "Condition": {"StringEquals": {"cw:PrincipalOrgID": sandbox.org_id}}},
                    {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject"],
                     "Resource": [f"arn:aws:s3:::{bucket}/private/*"]}],
            })  # fmt: skip
            with pytest.raises(PermissionDenied):
                await theirs.get_object_range(bucket, "private/b.txt", 0, 3)
            assert await theirs.get_object_range(bucket, "public/a.txt", 0, 3) == b"open"
            with pytest.raises(PermissionDenied):  # still no access outside the granted bucket
                await theirs.list_page("model-checkpoints")
        finally:
            httpx.delete(
                f"{sandbox.control_plane}/v1/cwobject/access-policy/{policy_name}", headers=admin_headers(sandbox)
            ).raise_for_status()


async def test_revoked_key_fails_with_invalid_access_key(
    sandbox: Any, control_plane: ControlPlaneClient
) -> None:
    key = new_key(sandbox, sandbox.token)
    async with storage_service(sandbox, key) as service:
        assert DEMO_BUCKETS <= {b.name for b in await service.list_buckets()}
        await control_plane.revoke_access_key(key["accessKeyId"])

        async def rejected() -> bool:
            try:
                await service.list_buckets()
            except InvalidAccessKey as exc:
                return exc.code == "InvalidAccessKeyId" and exc.needs_reauth
            return False

        assert await _until(rejected)


async def test_wrong_secret_is_a_signature_mismatch(sandbox: Any, admin_key: dict[str, Any]) -> None:
    wrong = dict(admin_key, secretKey=admin_key["secretKey"][:-4] + "XXXX")
    async with storage_service(sandbox, wrong) as service:
        with pytest.raises(SignatureMismatch) as failed:
            await service.list_buckets()
    assert failed.value.code == "SignatureDoesNotMatch" and failed.value.needs_reauth
    assert wrong["secretKey"] not in repr(failed.value) + str(failed.value)


async def test_unreachable_endpoint_is_a_network_error(admin_key: dict[str, Any], sandbox: Any) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with storage_service(sandbox, admin_key, endpoint=f"http://127.0.0.1:{port}") as service:
        with pytest.raises(NetworkError) as failed:
            await service.list_buckets()
    assert failed.value.transient
    # one short line that names the host first (botocore's own text ends in a URL that a pane line cuts off)
    assert failed.value.message == (f"cannot reach 127.0.0.1:{port}: connection failed "
                                    "(check the S3 endpoint and the network)")


async def test_a_just_minted_key_is_given_time_to_become_live(sandbox: Any) -> None:
    """CAIOS denies a new key for a few seconds; here the permission arrives while the call waits."""
    other = make_principal(sandbox, admin=True, name="late-grant")
    retried = asyncio.Event()
    attempts: list[int] = []

    def on_retry(error: CloudError, attempt: int) -> None:
        attempts.append(attempt)
        assert isinstance(error, PermissionDenied)
        retried.set()

    clock = ManualClock(datetime.now(UTC))
    async with ControlPlaneClient(sandbox.control_plane, other.token) as theirs_cp:
        source = JwtKeySource(theirs_cp, duration_seconds=300)
        options = {"zone": sandbox.zone, "addressing_style": "path", "clock": clock, "on_retry": on_retry}
        async with StorageService(sandbox.s3, source, **options) as theirs:  # type: ignore[arg-type]
            call = asyncio.create_task(theirs.list_page("model-checkpoints", max_keys=3))
            await asyncio.wait_for(retried.wait(), timeout=15)
            policy_name = grant(sandbox, other.principal_name, ["s3:*"], ["model-checkpoints", "model-checkpoints/*"])
            try:
                page = await call
                assert page.prefixes or page.objects
                clock.advance(60)  # past the grace period a denial is final at once
                attempts.clear()
                with pytest.raises(PermissionDenied):
                    await theirs.list_page("training-data")
                assert attempts == []
            finally:
                httpx.delete(
                    f"{sandbox.control_plane}/v1/cwobject/access-policy/{policy_name}",
                    headers=admin_headers(sandbox),
                ).raise_for_status()


# --- addressing and refresh ---


async def test_virtual_hosted_addressing(
    sandbox: Any, admin_key: dict[str, Any], localhost_subdomains: list[str]
) -> None:
    endpoint = sandbox.s3.replace("127.0.0.1", "localhost")
    async with storage_service(sandbox, admin_key, endpoint=endpoint, addressing_style="virtual") as service:
        page = await service.list_page("training-data", max_keys=5)
        assert page.objects or page.prefixes
        name = f"t-vh-{uuid.uuid4().hex[:8]}"
        await service.create_bucket(name, sandbox.zone)
        await service.put_object(name, "k.txt", b"virtual")
        assert await service.get_object_range(name, "k.txt", 0, 6) == b"virtual"
        url = await service.presign_get(name, "k.txt")
        assert url.startswith(f"http://{name}.localhost:")
        async with httpx.AsyncClient() as http:
            assert (await http.get(url)).content == b"virtual"
        await _drop_bucket(service, name)
    assert "training-data.localhost" in localhost_subdomains and f"{name}.localhost" in localhost_subdomains


async def test_short_lived_keys_are_refreshed_before_they_expire(
    sandbox: Any, control_plane: ControlPlaneClient
) -> None:
    events: list[RefreshEvent] = []
    source = JwtKeySource(control_plane, duration_seconds=4)
    async with StorageService(
        sandbox.s3, source, zone=sandbox.zone, addressing_style="path", refresh_margin=3, on_refresh=events.append
    ) as service:
        assert DEMO_BUCKETS <= {b.name for b in await service.list_buckets()}
        assert service.credentials is not None
        first = service.credentials.access_key_id

        async def rotated() -> bool:
            await service.list_buckets()  # must keep succeeding while keys rotate underneath
            return service.credentials is not None and service.credentials.access_key_id != first

        assert await _until(rotated, timeout=20)
    assert events and all(e.ok for e in events)
    assert events[-1].credentials is not None and events[-1].credentials.access_key_id != first
