"""Fixtures of the fault suite: a request-level fault proxy in front of the real sandbox's control plane and
S3, and clients with small timeouts and fast retries (so every scenario takes well under a few seconds)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import ApiTokenExchangeSource
from cwos_tui.cloud.storage import StorageService
from tests.faultproxy import HttpFaultProxy

#: the control-plane timeout of every scenario (a "slow" fault waits longer); roomy for a loaded machine
TIMEOUT = 2.0


class Sleeps:
    """The retry policy's sleep: records what it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


@pytest.fixture
async def cp_proxy(sandbox: Any) -> AsyncIterator[HttpFaultProxy]:
    async with HttpFaultProxy.to(sandbox.control_plane) as proxy:
        yield proxy


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def cp(sandbox: Any, cp_proxy: HttpFaultProxy, sleeps: Sleeps) -> AsyncIterator[ControlPlaneClient]:
    """The control-plane client, through the proxy: 2 s timeout, 2 retries, sleeps recorded not slept."""
    async with ControlPlaneClient(cp_proxy.url, sandbox.token, timeout=TIMEOUT, max_retries=2,
                                  sleep=sleeps) as client:
        yield client


@pytest.fixture
async def s3_proxy(sandbox: Any) -> AsyncIterator[HttpFaultProxy]:
    async with HttpFaultProxy.to(sandbox.s3) as proxy:
        yield proxy


@pytest.fixture
async def direct_cp(sandbox: Any) -> AsyncIterator[ControlPlaneClient]:
    """A control-plane client that bypasses the proxy (keys are minted normally while S3 fails)."""
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as client:
        yield client


@pytest.fixture
async def storage(sandbox: Any, s3_proxy: HttpFaultProxy,
                  direct_cp: ControlPlaneClient) -> AsyncIterator[StorageService]:
    """S3 through the proxy with 15-minute keys from the API-token exchange (refreshable, like the app)."""
    service = StorageService(s3_proxy.url, ApiTokenExchangeSource(direct_cp), zone=sandbox.zone,
                             addressing_style="path", fresh_key_grace=0.0)
    try:
        yield service
    finally:
        await service.close()


@pytest.fixture(scope="module")
async def bucket(sandbox: Any) -> AsyncIterator[str]:
    """One bucket per module with three small objects under dir/, made and removed directly (no proxy), so the
    session's sandbox is left as it was (its bucket listing computes usage bucket by bucket)."""
    name = f"fault-{uuid.uuid4().hex[:10]}"
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as client:
        direct = StorageService(sandbox.s3, ApiTokenExchangeSource(client), zone=sandbox.zone,
                                addressing_style="path")
        try:
            await direct.create_bucket(name, sandbox.zone)
            for index in range(3):
                await direct.put_object(name, f"dir/object-{index}.txt", f"content {index}\n".encode() * 50)
            yield name
            for upload in await direct.list_multipart_uploads(name):
                await direct.abort_multipart_upload(name, upload.key, upload.upload_id)
            keys = [entry.key async for page in direct.iter_pages(name, delimiter="") for entry in page.objects]
            if keys:
                await direct.delete_objects(name, keys)
            await direct.delete_bucket(name)
        finally:
            await direct.close()
