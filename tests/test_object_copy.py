"""Server-side copy above the multipart threshold (UploadPartCopy) against the sandbox's real SeaweedFS:
the bytes, content type and metadata arrive, and no incomplete multipart upload is left behind, also when
the source changes mid-copy (a real failure) or the copy is cancelled."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.objects import copy_object
from cwos_tui.cloud.storage import StorageService

MIB = 1024 * 1024
SMALL = {"multipart_above": 5 * MIB, "part_size": 5 * MIB}  # 12 MiB: three parts, the last one 2 MiB


@pytest.fixture
async def bucket(storage: StorageService, sandbox: Any) -> AsyncIterator[str]:
    name = f"t-copy-{uuid.uuid4().hex[:10]}"
    await storage.create_bucket(name, sandbox.zone)
    yield name
    async for page in storage.iter_pages(name, delimiter=""):
        for entry in page.objects:
            await storage.delete_object(name, entry.key)
    for upload in await storage.list_multipart_uploads(name):
        await storage.abort_multipart_upload(name, upload.key, upload.upload_id)
    await storage.delete_bucket(name)


class Paused:
    """The storage service, with the n-th UploadPartCopy held until `go` is set (after `hook` ran)."""

    def __init__(self, storage: StorageService, at: int) -> None:
        self.storage, self.at, self.calls = storage, at, 0
        self.reached, self.go = asyncio.Event(), asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    async def call_shaped(self, operation: str, shape: Any, **params: Any) -> Any:
        if operation == "upload_part_copy":
            self.calls += 1
            if self.calls == self.at:
                self.reached.set()
                await self.go.wait()
        return await self.storage.call_shaped(operation, shape, **params)


async def test_a_copy_above_the_threshold_goes_part_by_part_and_arrives_whole(
        storage: StorageService, bucket: str) -> None:
    data = os.urandom(12 * MIB)
    await storage.put_object(bucket, "src/model.bin", data, content_type="application/x-weights",
                             metadata={"run": "42"})
    counting = Paused(storage, at=0)
    await copy_object(counting, bucket, "src/model.bin", bucket, "dst/model.bin", len(data), **SMALL)
    assert counting.calls == 3  # 5 + 5 + 2 MiB, each an UploadPartCopy
    copied = await storage.get_object_range(bucket, "dst/model.bin", 0, len(data) + 10)
    assert hashlib.sha256(copied).hexdigest() == hashlib.sha256(data).hexdigest()
    head = await storage.head_object(bucket, "dst/model.bin")
    assert head.content_type == "application/x-weights" and head.metadata == {"run": "42"}
    assert head.etag.strip('"').endswith("-3")  # a multipart object of three parts
    assert await storage.list_multipart_uploads(bucket) == []


async def test_a_source_changed_mid_copy_fails_and_leaves_no_incomplete_upload(
        storage: StorageService, bucket: str) -> None:
    await storage.put_object(bucket, "src.bin", os.urandom(12 * MIB))
    paused = Paused(storage, at=2)
    copy = asyncio.create_task(copy_object(paused, bucket, "src.bin", bucket, "dst.bin", 12 * MIB, **SMALL))
    await paused.reached.wait()
    await storage.put_object(bucket, "src.bin", os.urandom(12 * MIB))  # another writer replaces the source
    paused.go.set()
    with pytest.raises(CloudError) as failed:
        await copy  # the parts are pinned to the first ETag: a mix of two objects is never completed
    assert failed.value.status == 412, failed.value
    assert await storage.list_multipart_uploads(bucket) == []
    assert [o.key async for p in storage.iter_pages(bucket, delimiter="") for o in p.objects] == ["src.bin"]


async def test_a_cancelled_copy_leaves_no_incomplete_upload(storage: StorageService, bucket: str) -> None:
    await storage.put_object(bucket, "src.bin", os.urandom(12 * MIB))
    paused = Paused(storage, at=2)
    copy = asyncio.create_task(copy_object(paused, bucket, "src.bin", bucket, "dst.bin", 12 * MIB, **SMALL))
    await paused.reached.wait()
    assert len(await storage.list_multipart_uploads(bucket)) == 1  # under way
    copy.cancel()
    with pytest.raises(asyncio.CancelledError):
        await copy
    assert await storage.list_multipart_uploads(bucket) == []
