"""ControlPlaneClient against the real sandbox over HTTP: every method, its documented failures, retries.

Retries are proven with `FaultProxy`, a loopback proxy between the client and the sandbox that fails
the first N connections and then passes bytes through untouched.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.exceptions import ClientError

from cwos_tui.cloud import errors
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.models import BucketSettingsUpdate, KeyStatus, OrgPolicy, PolicyStatement
from tests.faultproxy import FaultProxy, free_port
from tests.helpers import grant, make_principal, s3_client

POLL_DEADLINE = 15.0


@pytest.fixture
async def admin(sandbox: Any) -> AsyncIterator[ControlPlaneClient]:
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token, timeout=10) as client:
        yield client


def client_for(sandbox: Any, token: str | None, **kwargs: Any) -> ControlPlaneClient:
    return ControlPlaneClient(sandbox.control_plane, token, timeout=10, **kwargs)


def upstream(sandbox: Any) -> tuple[str, int]:
    parts = urlsplit(sandbox.control_plane)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


class Sleeps:
    """An injected sleep that records each requested delay and yields without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


async def keys_of(client: ControlPlaneClient, principal_name: str) -> list[Any]:
    return [k async for k in client.iter_access_keys() if k.principal_name == principal_name]


async def s3_works(sandbox: Any, access_key_id: str, secret_key: str) -> str:
    """Poll ListBuckets with the key until it stops failing; returns 'ok' or the last S3 error code."""
    s3 = s3_client(sandbox, access_key_id, secret_key)
    deadline = time.monotonic() + POLL_DEADLINE
    code = ""
    while time.monotonic() < deadline:
        try:
            await asyncio.to_thread(s3.list_buckets)
            return "ok"
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
        await asyncio.sleep(0.2)
    return code


async def s3_rejects(sandbox: Any, access_key_id: str, secret_key: str) -> str:
    """Poll until S3 refuses the key; returns the S3 error code (or 'still works')."""
    s3 = s3_client(sandbox, access_key_id, secret_key)
    deadline = time.monotonic() + POLL_DEADLINE
    while time.monotonic() < deadline:
        try:
            await asyncio.to_thread(s3.list_buckets)
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        await asyncio.sleep(0.2)
    return "still works"


# ---- identity --------------------------------------------------------------------------------------


async def test_whoami_names_the_admin(sandbox: Any, admin: ControlPlaneClient) -> None:
    who = await admin.whoami()
    assert who.principal_name == sandbox.admin_principal
    assert who.org_uid == sandbox.org_id


async def test_can_i(admin: ControlPlaneClient) -> None:
    assert await admin.can_i(["cwobject:ListBucketInfo", "cwobject:CreateAccessKey"], ["*"]) is True
    assert await admin.can_i(["s3:GetObject"], ["training-data/README.md"]) is True
    with pytest.raises(errors.InvalidArgument, match="required"):
        await admin.can_i([], ["*"])


async def test_bad_revoked_and_expired_tokens_are_401(sandbox: Any) -> None:
    async with client_for(sandbox, "CW-SECRET-not-a-real-token") as client:
        with pytest.raises(errors.Unauthenticated) as bad:
            await client.whoami()
    assert (bad.value.status, bad.value.code, bad.value.operation) == (401, 16, "whoami")
    assert "invalid API access token" in bad.value.message
    assert "CW-SECRET-not-a-real-token" not in str(bad.value)

    user = make_principal(sandbox, admin=True)
    async with client_for(sandbox, user.token) as client:
        assert (await client.whoami()).principal_name == user.principal_name
        httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{user.token_id}").raise_for_status()
        with pytest.raises(errors.Unauthenticated, match="invalid API access token"):
            await client.whoami()

    short = make_principal(sandbox, admin=True, token_ttl=3)
    async with client_for(sandbox, short.token) as client:
        deadline = time.monotonic() + POLL_DEADLINE
        expired: errors.CloudError | None = None
        while expired is None and time.monotonic() < deadline:
            try:
                await client.list_bucket_info_page()
            except errors.CredentialsExpired as exc:
                expired = exc
            else:
                await asyncio.sleep(0.25)
    assert expired is not None, "a 3-second token never expired"
    assert expired.status == 401 and expired.needs_reauth
    assert "expired" in expired.message


async def test_token_can_be_swapped(sandbox: Any) -> None:
    async with client_for(sandbox, None) as client:
        with pytest.raises(errors.Unauthenticated, match="no API token"):
            await client.whoami()
        client.token = sandbox.token
        assert (await client.whoami()).principal_name == sandbox.admin_principal


# ---- permissions -----------------------------------------------------------------------------------


async def test_non_admin_is_denied_until_granted(sandbox: Any, admin: ControlPlaneClient) -> None:
    user = make_principal(sandbox, admin=False, name="non-admin")
    granted: list[str] = []
    try:
        async with client_for(sandbox, user.token) as client:
            with pytest.raises(errors.PermissionDenied) as denied:
                await client.list_bucket_info_page()
            assert (denied.value.status, denied.value.code) == (403, 7)
            assert "permission denied" in denied.value.message
            assert await client.can_i(["cwobject:ListBucketInfo"], ["*"]) is False
            with pytest.raises(errors.PermissionDenied):
                await client.create_access_key(60)

            granted.append(grant(sandbox, user.principal_name, ["cwobject:ListBucketInfo"], ["*"]))
            assert await client.can_i(["cwobject:ListBucketInfo"], ["*"]) is True
            names = [b.name async for b in client.iter_bucket_info()]
            assert {"training-data", "model-checkpoints"} <= set(names)
            with pytest.raises(errors.PermissionDenied):
                await client.create_access_key(60)

            granted.append(grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey"], ["*"]))
            key = await client.create_access_key(60)
            assert key.principal_name == user.principal_name
    finally:
        for name in granted:
            await admin.delete_policy(name)


# ---- access keys -----------------------------------------------------------------------------------


async def test_key_life(sandbox: Any, admin: ControlPlaneClient) -> None:
    """create -> get -> suspend -> FULL_SUSPENDED -> reactivate -> revoke, as S3 sees it too."""
    owner = make_principal(sandbox, admin=True, name="key-owner")
    grant(sandbox, owner.principal_name, ["s3:*"], ["*"])
    async with client_for(sandbox, owner.token) as client:
        before = datetime.now(UTC)
        key = await client.create_access_key(3600, {"team": "ml"})
        assert key.access_key_id.startswith("CW") and key.secret_key.startswith("cwo")
        assert key.secret_key not in repr(key)
        assert key.principal_name == owner.principal_name
        assert key.attributes == {"team": "ml"}
        assert key.expires_at is not None
        assert timedelta(seconds=3500) < key.expires_at - before <= timedelta(seconds=3700)
        assert await s3_works(sandbox, key.access_key_id, key.secret_key) == "ok"

        info = await admin.get_access_key(key.access_key_id)
        assert info.status is KeyStatus.ACTIVE
        assert (info.principal_name, info.attributes, info.org_id) == (
            owner.principal_name,
            {"team": "ml"},
            sandbox.org_id,
        )
        assert info.expires_at == key.expires_at

        await admin.set_principal_key_status(owner.principal_name, active=False)
        assert (await admin.get_access_key(key.access_key_id)).status is KeyStatus.FULL_SUSPENDED
        suspended = [k.access_key_id async for k in admin.iter_access_keys(status=KeyStatus.FULL_SUSPENDED)]
        assert key.access_key_id in suspended
        assert await s3_rejects(sandbox, key.access_key_id, key.secret_key) == "InvalidAccessKeyId"

        await admin.set_principal_key_status(owner.principal_name, active=True)
        assert (await admin.get_access_key(key.access_key_id)).status is KeyStatus.ACTIVE
        active = [k.access_key_id async for k in admin.iter_access_keys(status="ACTIVE")]
        assert key.access_key_id in active
        assert await s3_works(sandbox, key.access_key_id, key.secret_key) == "ok"

        await admin.revoke_access_key(key.access_key_id)
        assert (await admin.get_access_key(key.access_key_id)).status is KeyStatus.DELETED
        assert await s3_rejects(sandbox, key.access_key_id, key.secret_key) == "InvalidAccessKeyId"


async def test_permanent_key_never_expires(admin: ControlPlaneClient) -> None:
    key = await admin.create_access_key(0)
    try:
        assert key.expires_at is None
        assert (await admin.get_access_key(key.access_key_id)).expires_at is None
    finally:
        await admin.revoke_access_key(key.access_key_id)


async def test_revoke_all_keys_of_a_principal(sandbox: Any, admin: ControlPlaneClient) -> None:
    owner = make_principal(sandbox, admin=True, name="two-keys")
    async with client_for(sandbox, owner.token) as client:
        made = {(await client.create_access_key(600)).access_key_id for _ in range(2)}
    await admin.revoke_principal_keys(owner.principal_name)
    keys = await keys_of(admin, owner.principal_name)
    assert {k.access_key_id for k in keys} == made
    assert {k.status for k in keys} == {KeyStatus.DELETED}


async def test_listing_pages_agree_with_one_page(sandbox: Any, admin: ControlPlaneClient) -> None:
    one_page = [k.access_key_id for k in await admin.list_access_keys_page(limit=1000)]
    assert len(one_page) >= 4  # the demo seed's keys at least
    paged = [k.access_key_id async for k in admin.iter_access_keys(page_size=3)]
    assert paged == one_page
    suspended = await admin.list_access_keys_page(status="FULL_SUSPENDED")
    assert suspended and {k.status for k in suspended} == {KeyStatus.FULL_SUSPENDED}
    for key in await admin.list_access_keys_page():
        assert "secret" not in key.model_dump()


async def test_unknown_things_are_404(admin: ControlPlaneClient) -> None:
    with pytest.raises(errors.NotFound) as missing:
        await admin.get_access_key("CWNOSUCHKEY00000")
    assert (missing.value.status, missing.value.code) == (404, 5)
    assert "CWNOSUCHKEY00000" in missing.value.message
    with pytest.raises(errors.NotFound):
        await admin.revoke_access_key("CWNOSUCHKEY00000")
    with pytest.raises(errors.NotFound, match="no-such-bucket"):
        await admin.get_bucket_info("no-such-bucket")
    with pytest.raises(errors.NotFound, match="no-such-policy"):
        await admin.delete_policy("no-such-policy")


@pytest.mark.parametrize("limit", [0, 1001])
async def test_limit_out_of_range_is_400(admin: ControlPlaneClient, limit: int) -> None:
    with pytest.raises(errors.InvalidArgument) as bad:
        await admin.list_access_keys_page(limit=limit)
    assert (bad.value.status, bad.value.code) == (400, 3)
    assert f"limit must be between 1 and 1000, got {limit}" in bad.value.message
    with pytest.raises(errors.InvalidArgument, match="limit must be between 1 and 1000"):
        await admin.list_bucket_info_page(limit=limit)


# ---- org policies ----------------------------------------------------------------------------------


def _policy(name: str, **statement: Any) -> OrgPolicy:
    fields: dict[str, Any] = {
        "name": "s1",
        "effect": "Allow",
        "actions": ["s3:GetObject"],
        "resources": ["training-data/*"],
        "principals": ["role/Admin"],
    }
    fields.update(statement)
    return OrgPolicy(name=name, statements=[PolicyStatement(**fields)])


async def test_policy_upsert_list_delete(admin: ControlPlaneClient) -> None:
    name = f"cp-test-{uuid.uuid4().hex[:8]}"
    await admin.ensure_policy(_policy(name))
    listed = {p.name: p for p in await admin.list_policies()}
    assert listed[name].to_wire() == _policy(name).to_wire()
    assert "sandbox-admin-s3" in listed

    replacement = _policy(name, actions=["s3:ListBucket"], effect="Deny")
    await admin.ensure_policy(replacement)  # same name: replaced, not duplicated
    policies = [p for p in await admin.list_policies() if p.name == name]
    assert [p.to_wire() for p in policies] == [replacement.to_wire()]

    await admin.delete_policy(name)
    assert name not in {p.name for p in await admin.list_policies()}


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        (
            OrgPolicy(version="v2", name="bad-version", statements=_policy("x").statements),
            'version must be "v1alpha1"',
        ),
        (_policy("bad-effect", effect="allow"), "effect is case-sensitive"),
        (_policy("arn-principal", principals=["arn:aws:iam::ab1cd2:coreweave/u1"]), "is an ARN"),
    ],
)
async def test_invalid_policies_keep_the_server_message(
    admin: ControlPlaneClient, policy: OrgPolicy, words: str
) -> None:
    with pytest.raises(errors.InvalidArgument) as bad:
        await admin.ensure_policy(policy)
    assert bad.value.status == 400 and bad.value.operation == "ensure policy"
    assert bad.value.message.startswith("invalid policy:")
    assert words in bad.value.message
    assert policy.name not in {p.name for p in await admin.list_policies()}


# ---- buckets and org settings ----------------------------------------------------------------------


async def test_bucket_info(sandbox: Any, admin: ControlPlaneClient) -> None:
    buckets = {b.name: b async for b in admin.iter_bucket_info(page_size=1)}
    assert buckets["training-data"].location == "US-EAST-04A"
    assert buckets["model-checkpoints"].location == "US-CENTRAL-05A"
    info = await admin.get_bucket_info("training-data")
    assert info.org_id == sandbox.org_id and info.creation_time is not None
    by_type = {u.measurement_type: u for u in info.usage}
    assert by_type["MEASUREMENT_TYPE_OBJECT_COUNT"].value and by_type["MEASUREMENT_TYPE_OBJECT_COUNT"].value > 100
    assert (by_type["MEASUREMENT_TYPE_STANDARD_BYTES"].value or 0) > 0


async def test_bucket_settings_partial_updates(admin: ControlPlaneClient) -> None:
    bucket = "model-checkpoints"
    settings = await admin.set_bucket_settings(
        bucket, BucketSettingsUpdate(archive_enabled=True, archive_after_last_access_days=90)
    )
    assert (settings.archive_enabled, settings.archive_after_last_access_days) == (True, 90)

    big = 2**60 + 1  # beyond float precision: must travel as a string
    settings = await admin.set_bucket_settings(bucket, BucketSettingsUpdate(capacity_cap_bytes=big))
    assert settings.capacity_cap_bytes == big and settings.configured_capacity_cap_bytes == big
    assert (settings.archive_enabled, settings.archive_after_last_access_days) == (True, 90)  # unchanged
    assert (await admin.get_bucket_info(bucket)).settings.capacity_cap_bytes == big

    with pytest.raises(errors.InvalidArgument, match="must be >= 60"):
        await admin.set_bucket_settings(bucket, BucketSettingsUpdate(archive_after_last_access_days=30))
    with pytest.raises(errors.InvalidArgument, match="bucket settings are required"):
        await admin.set_bucket_settings(bucket, BucketSettingsUpdate())
    with pytest.raises(errors.NotFound):
        await admin.set_bucket_settings("no-such-bucket", BucketSettingsUpdate(archive_enabled=False))
    settings = await admin.set_bucket_settings(bucket, BucketSettingsUpdate(archive_enabled=False))
    assert settings.archive_enabled is False


async def test_org_settings_gate_bucket_audit_logging(admin: ControlPlaneClient) -> None:
    await admin.set_org_settings(bucket_audit_logging_enabled=False)
    with pytest.raises(errors.InvalidArgument, match="audit logging is not enabled for the organization") as bad:
        await admin.set_bucket_settings("training-data", BucketSettingsUpdate(audit_logging_enabled=True))
    assert bad.value.code == 9  # FAILED_PRECONDITION
    await admin.set_org_settings(control_plane_audit_logging_enabled=True, bucket_audit_logging_enabled=True)
    settings = await admin.set_bucket_settings("training-data", BucketSettingsUpdate(audit_logging_enabled=True))
    assert settings.audit_logging_enabled is True
    with pytest.raises(errors.InvalidArgument, match="organization settings are required"):
        await admin.set_org_settings()


# ---- credential exchanges ----------------------------------------------------------------------------


async def test_api_token_exchange_gives_a_15_minute_key(sandbox: Any, admin: ControlPlaneClient) -> None:
    before = datetime.now(UTC)
    key = await admin.exchange_api_token()
    assert key.expires_at is not None
    assert timedelta(minutes=14) < key.expires_at - before <= timedelta(minutes=16)
    info = await admin.get_access_key(key.access_key_id)
    assert info.principal_name == sandbox.admin_principal
    assert await s3_works(sandbox, key.access_key_id, key.secret_key) == "ok"


async def test_oidc_exchanges(sandbox: Any, admin: ControlPlaneClient) -> None:
    idp = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "svc-ingest"}).json()
    async with client_for(sandbox, None) as anonymous:
        key = await anonymous.exchange_oidc(sandbox.org_id, idp["token"], duration_seconds=600)
        assert key.principal_name == idp["principalName"] == f"role/{sandbox.oidc_issuer}:svc-ingest"
        assert key.expires_at is not None
        assert (await admin.get_access_key(key.access_key_id)).status is KeyStatus.ACTIVE

        container = await anonymous.exchange_container_oidc(sandbox.org_id, idp["token"])
        assert container.access_key_id.startswith("CW") and container.secret_key
        assert container.expires_at is not None
        info = await admin.get_access_key(container.access_key_id)
        assert info.principal_name == idp["principalName"]

        with pytest.raises(errors.InvalidArgument) as bad:
            await anonymous.exchange_oidc(sandbox.org_id, "not.a.jwt")
        assert bad.value.message == "invalid request sent to auth endpoint, Invalid token"
        with pytest.raises(errors.InvalidArgument, match="Invalid token"):
            await anonymous.exchange_container_oidc(sandbox.org_id, "not.a.jwt")
        with pytest.raises(errors.InvalidArgument, match="between 0 and 43200"):
            await anonymous.exchange_oidc(sandbox.org_id, idp["token"], duration_seconds=43201)


async def test_saml_exchange(sandbox: Any, admin: ControlPlaneClient) -> None:
    idp = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"}).json()
    async with client_for(sandbox, None) as anonymous:
        key = await anonymous.exchange_saml(sandbox.org_id, idp["configId"], idp["samlResponse"], 1800)
        assert key.principal_name == "saml/ml-engineers"
        assert (await admin.get_access_key(key.access_key_id)).principal_name == "saml/ml-engineers"
        with pytest.raises(errors.InvalidArgument, match="invalid SAML response"):
            await anonymous.exchange_saml(sandbox.org_id, idp["configId"], "bm90IHNhbWw=")


# ---- retries through a failing proxy -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["503", "reset"])
async def test_idempotent_calls_retry_then_succeed(sandbox: Any, mode: Any) -> None:
    host, port = upstream(sandbox)
    sleeps = Sleeps()
    async with FaultProxy(host, port, failures=2, mode=mode) as proxy:
        async with ControlPlaneClient(proxy.url, sandbox.token, sleep=sleeps, timeout=10) as client:
            assert (await client.whoami()).principal_name == sandbox.admin_principal
    assert proxy.failed == 2 and proxy.connections == 3
    assert len(sleeps.delays) == 2


async def test_retry_after_is_honoured(sandbox: Any) -> None:
    host, port = upstream(sandbox)
    sleeps = Sleeps()
    async with FaultProxy(host, port, failures=1, mode="429", retry_after="2") as proxy:
        async with ControlPlaneClient(proxy.url, sandbox.token, sleep=sleeps) as client:
            assert len(await client.list_policies()) >= 1
    assert sleeps.delays == [2.0]


async def test_too_long_retry_after_is_not_waited_for(sandbox: Any) -> None:
    host, port = upstream(sandbox)
    sleeps = Sleeps()
    async with FaultProxy(host, port, failures=1, mode="429", retry_after="3600") as proxy:
        async with ControlPlaneClient(proxy.url, sandbox.token, sleep=sleeps) as client:
            with pytest.raises(errors.RateLimited) as limited:
                await client.list_policies()
    assert limited.value.retry_after == 3600.0 and limited.value.status == 429
    assert sleeps.delays == [] and proxy.connections == 1


async def test_retries_give_up_after_max_retries(sandbox: Any) -> None:
    host, port = upstream(sandbox)
    sleeps = Sleeps()
    async with FaultProxy(host, port, failures=100, mode="503") as proxy:
        async with ControlPlaneClient(proxy.url, sandbox.token, sleep=sleeps, max_retries=2) as client:
            with pytest.raises(errors.Unavailable) as down:
                await client.get_bucket_info("training-data")
    assert proxy.connections == 3 and len(sleeps.delays) == 2
    assert down.value.message == "injected fault: service unavailable" and down.value.status == 503


async def test_create_is_not_retried_on_503(sandbox: Any, admin: ControlPlaneClient) -> None:
    owner = make_principal(sandbox, admin=True, name="no-retry-503")
    host, port = upstream(sandbox)
    sleeps = Sleeps()
    async with FaultProxy(host, port, failures=1, mode="503") as proxy:
        async with ControlPlaneClient(proxy.url, owner.token, sleep=sleeps) as client:
            with pytest.raises(errors.Unavailable):
                await client.create_access_key(600)
            assert proxy.connections == 1 and sleeps.delays == []
            key = await client.create_access_key(600)  # the user's own retry passes through
    assert [k.access_key_id for k in await keys_of(admin, owner.principal_name)] == [key.access_key_id]


async def test_create_is_not_retried_when_the_answer_is_lost(sandbox: Any, admin: ControlPlaneClient) -> None:
    """The server minted a key but the connection died before the answer: a retry would mint a second."""
    owner = make_principal(sandbox, admin=True, name="no-retry-reset")
    host, port = upstream(sandbox)
    sleeps = Sleeps()
    async with FaultProxy(host, port, failures=1, mode="reset-after-forward") as proxy:
        async with ControlPlaneClient(proxy.url, owner.token, sleep=sleeps) as client:
            with pytest.raises(errors.NetworkError):
                await client.create_access_key(600)
    assert proxy.connections == 1 and sleeps.delays == []
    assert len(await keys_of(admin, owner.principal_name)) == 1  # exactly the one the server made


async def test_create_is_retried_when_the_connection_was_refused(sandbox: Any, admin: ControlPlaneClient) -> None:
    """Connection refused: the request provably never left, so even a create may be retried."""
    owner = make_principal(sandbox, admin=True, name="retry-refused")
    host, port = upstream(sandbox)
    proxy = FaultProxy(host, port, port=free_port())
    delays: list[float] = []

    async def start_proxy_then_continue(delay: float) -> None:
        delays.append(delay)
        await proxy.start()

    try:
        async with ControlPlaneClient(proxy.url, owner.token, sleep=start_proxy_then_continue) as client:
            key = await client.create_access_key(600)
    finally:
        await proxy.stop()
    assert len(delays) == 1 and proxy.connections == 1
    assert [k.access_key_id for k in await keys_of(admin, owner.principal_name)] == [key.access_key_id]
