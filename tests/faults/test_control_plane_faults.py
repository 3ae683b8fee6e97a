"""Control-plane faults through the loopback proxy: for each, no crash (a CloudError of the right kind), a
clear message, and the same client working again once the fault ends."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from cwos_tui.cloud import errors
from cwos_tui.cloud.control_plane import ControlPlaneClient
from tests.faultproxy import HttpFaultProxy, Rule
from tests.faults.conftest import TIMEOUT


def envelope(code: int, message: str) -> bytes:
    return json.dumps({"code": code, "message": message, "details": []}).encode()


async def fails_then_recovers(cp: ControlPlaneClient, proxy: HttpFaultProxy, kind: type[errors.CloudError],
                              *words: str) -> errors.CloudError:
    with pytest.raises(kind) as caught:
        await cp.whoami()
    message = str(caught.value)
    assert message and "Traceback" not in message and "\n" not in message
    for word in words:
        assert word in message, message
    proxy.clear()
    assert (await cp.whoami()).principal_name  # recovered: the same client works again
    return caught.value


async def test_control_plane_down(sandbox: Any) -> None:
    proxy = HttpFaultProxy.to(sandbox.control_plane)
    proxy.down = True
    async with proxy, ControlPlaneClient(proxy.url, sandbox.token, timeout=TIMEOUT, max_retries=0) as cp:
        await fails_then_recovers(cp, proxy, errors.NetworkError, "cannot reach the control plane")


async def test_control_plane_refusing_connections(sandbox: Any) -> None:
    from tests.faultproxy import free_port

    async with ControlPlaneClient(f"http://127.0.0.1:{free_port()}", sandbox.token, timeout=TIMEOUT,
                                  max_retries=0) as cp:
        with pytest.raises(errors.NetworkError, match="cannot reach the control plane: ConnectError"):
            await cp.whoami()


async def test_control_plane_slower_than_the_timeout(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("slow", delay=TIMEOUT * 2, times=1))
    await fails_then_recovers(cp, cp_proxy, errors.NetworkError, f"timed out after {TIMEOUT:g} s")


async def test_429_with_retry_after_is_waited_for_then_retried(cp, cp_proxy, sleeps) -> None:
    cp_proxy.add(Rule("status", status=429, body=envelope(8, "slow down"), headers={"Retry-After": "2"}))
    assert (await cp.whoami()).principal_name
    assert 2.0 in sleeps.asked  # the server's Retry-After was honoured


async def test_429_that_never_ends_says_so(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("status", status=429, body=envelope(8, "slow down"), headers={"Retry-After": "1"}, times=-1))
    error = await fails_then_recovers(cp, cp_proxy, errors.RateLimited, "slow down")
    assert isinstance(error, errors.RateLimited) and error.retry_after == 1


@pytest.mark.parametrize("status, kind", [(500, errors.ServerError), (502, errors.Unavailable),
                                          (503, errors.Unavailable), (504, errors.Unavailable)])
async def test_server_errors(cp, cp_proxy, status, kind) -> None:
    cp_proxy.add(Rule("status", status=status, body=envelope(13 if status == 500 else 14, f"injected {status}"),
                      times=-1))
    await fails_then_recovers(cp, cp_proxy, kind, f"injected {status}")


async def test_a_transient_503_is_retried_transparently(cp, cp_proxy, sleeps) -> None:
    cp_proxy.add(Rule("status", status=503, body=envelope(14, "busy"), times=1))
    assert (await cp.whoami()).principal_name and sleeps.asked


async def test_malformed_json(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("status", status=200, body=b'{"principal": {"name": ', times=-1))
    await fails_then_recovers(cp, cp_proxy, errors.ProtocolError)


async def test_wrong_content_type(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("status", status=200, body=b"<html><body>captive portal</body></html>",
                      content_type="text/html", times=-1))
    await fails_then_recovers(cp, cp_proxy, errors.ProtocolError)


async def test_an_html_error_page_from_a_gateway(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("status", status=502, body=b"<html>Bad Gateway</html>", content_type="text/html", times=-1))
    await fails_then_recovers(cp, cp_proxy, errors.Unavailable, "502")


async def test_connection_reset_mid_response(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("reset-mid-response", times=-1))
    await fails_then_recovers(cp, cp_proxy, errors.CloudError)


async def test_connection_reset_before_the_answer(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("reset", times=-1))
    await fails_then_recovers(cp, cp_proxy, errors.NetworkError, "cannot reach the control plane")


async def test_a_truncated_answer(cp, cp_proxy) -> None:
    cp_proxy.add(Rule("truncate", times=-1))
    await fails_then_recovers(cp, cp_proxy, errors.CloudError)


class FailingTransport(httpx.AsyncBaseTransport):
    """What httpx raises when TLS or DNS fails, without a network: the transport raises it."""

    def __init__(self, error: Exception) -> None:
        self.error: Exception | None = error
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.error is not None:
            raise self.error
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("error, words", [
    (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "CERTIFICATE_VERIFY_FAILED"),
    (httpx.ConnectError("[Errno -2] Name or service not known"), "Name or service not known"),
])
async def test_tls_and_dns_failures(sandbox: Any, error: Exception, words: str) -> None:
    transport = FailingTransport(error)
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token, timeout=TIMEOUT, max_retries=0,
                                  transport=transport) as cp:
        with pytest.raises(errors.NetworkError) as caught:
            await cp.whoami()
        assert "cannot reach the control plane" in str(caught.value) and words in str(caught.value)
        transport.error = None
        assert (await cp.whoami()).principal_name


async def test_a_failed_mutation_is_not_repeated_blindly(cp, cp_proxy, sandbox) -> None:
    """Creating a key is not idempotent: a reset after the server acted must not mint a second key silently."""
    cp_proxy.add(Rule("reset-mid-response", match=lambda method, target: method == "POST", times=1))
    with pytest.raises(errors.CloudError):
        await cp.create_access_key(900)
    cp_proxy.clear()
    key = await cp.create_access_key(900)
    await cp.revoke_access_key(key.access_key_id)
