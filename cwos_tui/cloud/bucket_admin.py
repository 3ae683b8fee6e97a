"""Bucket administration over S3: create and wait until the bucket answers, count what a bucket holds,
empty it, and delete it with its incomplete multipart uploads aborted first.

A new CoreWeave bucket takes about a minute to answer everywhere (DNS propagation, reference §5.2): until
then HeadBucket may say 400 (a collapsed InvalidRegion), NoSuchBucket or NotFound. `wait_until_ready`
polls with backoff and reports each attempt, up to five minutes by default (what Terraform allows).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cwos_tui.cloud.errors import CloudError, NotFound, PermissionDenied

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

#: S3 codes that mean "the new bucket is not reachable yet" (reference §5.4)
PROPAGATION_CODES = frozenset({"InvalidRegion", "NoSuchBucket", "NotFound", "NoSuchTagSet", "400", "404",
                               "BadRequest"})
READY_TIMEOUT = 300.0
COUNT_LIMIT = 100_000
_BATCH = 1000


@dataclass(frozen=True)
class WaitProgress:
    """One HeadBucket attempt while a new bucket propagates."""

    attempt: int
    elapsed: float
    ready: bool
    code: str = ""


def is_propagating(error: BaseException) -> bool:
    return isinstance(error, CloudError) and str(error.code or "") in PROPAGATION_CODES


async def wait_until_ready(
    storage: StorageService, name: str, *, on_progress: Callable[[WaitProgress], None] | None = None,
    timeout: float = READY_TIMEOUT, first_delay: float = 0.5, max_delay: float = 5.0,
) -> int:
    """HeadBucket until it answers; returns the number of attempts. Raises the last error after `timeout`."""
    started = time.monotonic()
    delay = first_delay
    for attempt in range(1, 10_000):
        try:
            await storage.head_bucket(name)
        except CloudError as exc:
            elapsed = time.monotonic() - started
            if not is_propagating(exc) or elapsed >= timeout:
                raise
            if on_progress is not None:
                on_progress(WaitProgress(attempt, elapsed, False, str(exc.code or "")))
            await asyncio.sleep(min(delay, max(timeout - elapsed, 0.0)))
            delay = min(delay * 1.6, max_delay)
            continue
        if on_progress is not None:
            on_progress(WaitProgress(attempt, time.monotonic() - started, True))
        return attempt
    raise AssertionError("unreachable")


async def create_bucket(
    storage: StorageService, name: str, zone: str, *, on_progress: Callable[[WaitProgress], None] | None = None,
    timeout: float = READY_TIMEOUT,
) -> int:
    """CreateBucket with `LocationConstraint` = zone, then wait until the bucket answers. Returns the number
    of checks, or 0 when the keys may create the bucket but not check it (HeadBucket needs s3:ListBucket)."""
    await storage.create_bucket(name, zone)
    try:
        return await wait_until_ready(storage, name, on_progress=on_progress, timeout=timeout)
    except PermissionDenied:
        return 0


@dataclass(frozen=True)
class BucketContents:
    """What stands between a bucket and its deletion. `complete` is False when counting stopped early."""

    objects: int = 0
    versions: int = 0
    delete_markers: int = 0
    size: int = 0
    uploads: int = 0
    complete: bool = True

    @property
    def empty(self) -> bool:
        return self.complete and self.objects == 0 and self.versions == 0 and self.delete_markers == 0

    def describe(self) -> str:
        more = "" if self.complete else " or more"
        parts = [f"{self.objects:,}{more} object{'s' * (self.objects != 1)}"]
        if self.versions:
            parts.append(f"{self.versions:,} older version{'s' * (self.versions != 1)}")
        if self.delete_markers:
            parts.append(f"{self.delete_markers:,} delete marker{'s' * (self.delete_markers != 1)}")
        if self.uploads:
            parts.append(f"{self.uploads:,} incomplete upload{'s' * (self.uploads != 1)}")
        return ", ".join(parts)


async def count_contents(storage: StorageService, bucket: str, limit: int = COUNT_LIMIT) -> BucketContents:
    """Objects (current versions), older versions, delete markers and incomplete uploads, up to `limit`."""
    objects = versions = markers = size = 0
    key_marker: str | None = None
    version_marker: str | None = None
    complete = True
    while True:
        page = await storage.list_object_versions(bucket, key_marker=key_marker, version_id_marker=version_marker)
        for v in page.versions:
            if v.is_delete_marker:
                markers += 1
            elif v.is_latest:
                objects += 1
                size += v.size
            else:
                versions += 1
        if not page.is_truncated or not page.next_key_marker:
            break
        if objects + versions + markers >= limit:
            complete = False
            break
        key_marker, version_marker = page.next_key_marker, page.next_version_id_marker
    uploads = len(await storage.list_multipart_uploads(bucket))
    return BucketContents(objects, versions, markers, size, uploads, complete)


async def abort_uploads(storage: StorageService, bucket: str) -> int:
    """Abort every incomplete multipart upload (they keep costing money); returns how many."""
    uploads = await storage.list_multipart_uploads(bucket)
    for upload in uploads:
        try:
            await storage.abort_multipart_upload(bucket, upload.key, upload.upload_id)
        except NotFound:
            continue  # finished or aborted meanwhile
    return len(uploads)


async def empty_bucket(storage: StorageService, bucket: str,
                       on_progress: Callable[[int], None] | None = None, stop: threading.Event | None = None) -> int:
    """Delete every object version and delete marker, in batches of 1,000; returns how many were deleted.
    Incomplete uploads are aborted first. A per-key failure raises (nothing is reported done that is not).
    `stop`, once set, ends the job after the batch in flight (the caller tells emptied from stopped by it)."""
    await abort_uploads(storage, bucket)
    deleted = 0
    while True:
        if stop is not None and stop.is_set():
            return deleted
        page = await storage.list_object_versions(bucket, max_keys=_BATCH)
        batch = [{"Key": v.key, "VersionId": v.version_id} for v in page.versions]
        if not batch:
            return deleted

        def shape(result: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
            return len(result.get("Deleted", ())), list(result.get("Errors", ()))

        done, errors = await storage.call_shaped(
            "delete_objects", shape, Bucket=bucket, Delete={"Objects": batch, "Quiet": False})
        if errors:
            first = errors[0]
            raise CloudError(f"could not delete {first.get('Key', '?')!r}: {first.get('Message') or first.get('Code')}"
                             f" ({len(errors)} failed in this batch)", code=first.get("Code"),
                             operation="DeleteObjects")
        if done == 0:
            raise CloudError("the server deleted nothing in a batch; stopping", operation="DeleteObjects")
        deleted += done
        if on_progress is not None:
            on_progress(deleted)


async def delete_bucket(storage: StorageService, bucket: str) -> int:
    """Abort incomplete uploads, then DeleteBucket (the server refuses a bucket that still holds objects);
    returns the number of uploads aborted."""
    aborted = await abort_uploads(storage, bucket)
    await storage.delete_bucket(bucket)
    return aborted
