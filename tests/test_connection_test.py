"""The connection test against the sandbox: what passes, and how each failure is explained (401, 403,
wrong endpoint, wrong secret, missing bucket). The network classifier is unit-tested on built exceptions,
since DNS and TLS failures cannot be produced on loopback."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cwos_tui.cloud import errors
from cwos_tui.cloud.connection_test import (
    ProblemKind,
    check_control_plane,
    check_storage,
    explain,
    network_reason,
)
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import ApiTokenExchangeSource, CredentialSource, StaticKeySource
from cwos_tui.cloud.storage import StorageService
from tests.helpers import make_principal, new_key


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
async def admin(sandbox: Any) -> AsyncIterator[ControlPlaneClient]:
    client = ControlPlaneClient(sandbox.control_plane, sandbox.token, max_retries=0)
    yield client
    await client.aclose()


def storage_factory(sandbox: Any, endpoint: str | None = None) -> Any:
    def make(source: CredentialSource) -> StorageService:
        return StorageService(endpoint or sandbox.s3, source, zone=sandbox.zone, addressing_style="path")

    return make


async def test_admin_token_passes_whoami_can_i_and_a_read(sandbox: Any, admin: ControlPlaneClient) -> None:
    result = await check_control_plane(admin)
    assert result.ok and result.problem is None
    assert result.principal == sandbox.admin_principal
    assert result.steps[0].name == "whoami" and sandbox.admin_principal in result.steps[0].detail
    assert [s.ok for s in result.steps] == [True] * len(result.steps)


async def test_revoked_token_is_a_401_with_the_tokens_page(sandbox: Any) -> None:
    person = make_principal(sandbox, admin=True, name="revoked-ct")
    httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{person.token_id}").raise_for_status()
    async with ControlPlaneClient(sandbox.control_plane, person.token, max_retries=0) as client:
        result = await check_control_plane(client)
    assert not result.ok and result.problem is not None
    assert result.problem.kind is ProblemKind.UNAUTHENTICATED
    assert "401" in result.problem.summary and "console.coreweave.com/tokens" in result.problem.fix
    assert person.token not in repr(result)


async def test_non_admin_token_is_a_403_naming_the_missing_actions(sandbox: Any) -> None:
    person = make_principal(sandbox, admin=False, name="no-role-ct")
    async with ControlPlaneClient(sandbox.control_plane, person.token, max_retries=0) as client:
        result = await check_control_plane(client)
    assert result.problem is not None and result.problem.kind is ProblemKind.FORBIDDEN
    assert result.steps[0].ok  # whoami worked: the token is fine, the permissions are not
    assert "cwobject:ListAccessKeyInfo" in result.problem.summary
    assert person.principal_name in result.problem.fix and "Object Storage Admin" in result.problem.fix


async def test_closed_port_is_a_wrong_endpoint(sandbox: Any) -> None:
    async with ControlPlaneClient(closed_port_url(), sandbox.token, max_retries=0) as client:
        result = await check_control_plane(client)
    assert result.problem is not None and result.problem.kind is ProblemKind.ENDPOINT
    assert "connection refused" in result.problem.summary


async def test_s3_endpoint_given_as_control_plane_is_not_caios(sandbox: Any) -> None:
    async with ControlPlaneClient(sandbox.s3, sandbox.token, max_retries=0) as client:
        result = await check_control_plane(client)
    assert result.problem is not None and result.problem.kind is ProblemKind.ENDPOINT
    assert "control-plane URL" in result.problem.fix


async def test_token_exchange_storage_passes_with_list_buckets(sandbox: Any, admin: ControlPlaneClient) -> None:
    result = await check_storage(ApiTokenExchangeSource(admin), storage_factory(sandbox), s3_url=sandbox.s3,
                                 client=admin)
    assert result.ok, result
    assert [s.name for s in result.steps][0] == "whoami"
    assert result.steps[-1].name == "ListBuckets" and "training-data" in result.steps[-1].detail


async def test_wrong_secret_is_a_credentials_problem(sandbox: Any) -> None:
    key = new_key(sandbox, sandbox.token, duration=600)
    source = StaticKeySource(key["accessKeyId"], key["secretKey"][:-4] + "XXXX")
    result = await check_storage(source, storage_factory(sandbox), s3_url=sandbox.s3, credential="access key")
    assert result.problem is not None and result.problem.kind is ProblemKind.CREDENTIALS
    assert "secret key is wrong" in result.problem.summary


async def test_missing_bucket_for_head_bucket_is_named(sandbox: Any) -> None:
    key = new_key(sandbox, sandbox.token, duration=600)
    source = StaticKeySource(key["accessKeyId"], key["secretKey"])
    result = await check_storage(source, storage_factory(sandbox), s3_url=sandbox.s3, bucket="no-such-bucket-ct")
    assert result.problem is not None and result.problem.kind is ProblemKind.NOT_FOUND
    assert result.steps[-1].name == "HeadBucket no-such-bucket-ct"


async def test_closed_s3_port_is_a_wrong_endpoint(sandbox: Any) -> None:
    key = new_key(sandbox, sandbox.token, duration=600)
    source = StaticKeySource(key["accessKeyId"], key["secretKey"])
    url = closed_port_url()
    result = await check_storage(source, storage_factory(sandbox, url), s3_url=url)
    assert result.problem is not None and result.problem.kind is ProblemKind.ENDPOINT
    assert "S3 endpoint" in result.problem.fix


# ---- the classifier on faults loopback cannot produce ----------------------------------------------------


def _wrapped(inner: BaseException) -> errors.NetworkError:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError:
        try:
            raise errors.NetworkError("whoami: cannot reach the control plane") from None
        except errors.NetworkError as final:
            return final


@pytest.mark.parametrize(("inner", "reason"), [
    (ConnectionRefusedError(111, "Connection refused"), "refused"),
    (socket.gaierror(-2, "Name or service not known"), "dns"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "tls"),
    (TimeoutError("timed out"), "timeout"),
    (OSError("All connection attempts failed"), "other"),
])
def test_network_reason_reads_the_hidden_cause(inner: BaseException, reason: str) -> None:
    assert network_reason(_wrapped(inner)) == reason


def test_network_reason_looks_inside_exception_groups() -> None:
    group = ExceptionGroup("attempts", [ConnectionRefusedError(111, "Connection refused")])
    assert network_reason(_wrapped(OSError("All connection attempts failed")).with_traceback(None)) == "other"
    try:
        raise OSError("All connection attempts failed") from group
    except OSError as exc:
        assert network_reason(_wrapped(exc)) == "refused"


def test_dns_and_tls_explanations_say_what_to_check() -> None:
    dns = explain(_wrapped(socket.gaierror(-2, "Name or service not known")), stage="whoami",
                  url="https://api.corewave.com")
    assert dns.kind is ProblemKind.ENDPOINT and "does not resolve" in dns.summary
    tls = explain(_wrapped(ssl.SSLCertVerificationError(1, "CERTIFICATE_VERIFY_FAILED")), stage="s3",
                  url="https://proxy.example")
    assert tls.kind is ProblemKind.ENDPOINT and "TLS" in tls.summary and "S3 endpoint" in tls.fix
    slow = explain(_wrapped(TimeoutError("timed out")), stage="whoami", url="https://api.coreweave.com")
    assert slow.kind is ProblemKind.NETWORK
