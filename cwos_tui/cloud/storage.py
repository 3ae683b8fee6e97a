"""S3 through boto3, run in a bounded thread pool, with results as small typed records.

boto3 is imported on first use (never at import time) so the first frame is not delayed by it.
One boto3 Session is kept and one client per region is cached. Listing speed is decided here: the
response parser gets a fast ISO timestamp parser instead of dateutil.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Literal, TypeVar, cast

from cwos_tui.cloud.boto_credentials import boto_session
from cwos_tui.cloud.bucket_settings import BucketSettingsOperations
from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.credentials import (
    CredentialSource,
    RefreshCallback,
    RefreshEvent,
    S3Credentials,
    botocore_credentials,
)
from cwos_tui.cloud.errors import CloudError, InvalidAccessKey, PermissionDenied, ProtocolError
from cwos_tui.cloud.s3_models import (
    BucketEntry,
    DeleteFailure,
    ListPage,
    MultipartUpload,
    ObjectEntry,
    ObjectHead,
    ObjectVersion,
    VersionPage,
    fast_timestamp,
    map_error,
    object_entry,
    refuse_non_s3_answer,
    version_page,
)

# The records and the error mapping live in s3_models; they stay importable from here.
__all__ = [
    "DELETE_BATCH", "BucketEntry", "DeleteFailure", "ListPage", "MultipartUpload", "ObjectEntry", "ObjectHead",
    "ObjectVersion", "StorageService", "VersionPage", "fast_timestamp", "map_error",
]

T = TypeVar("T")
DELETE_BATCH = 1000
_MAX_PAGES = 100_000  # bound on any internal paging loop
_FRESH_KEY_ATTEMPTS = 9  # about 10 s of backoff at most, even with a clock that never moves


class StorageService(BucketSettingsOperations):
    """Bucket and object operations for one S3 endpoint and one credential source.

    Bucket configuration (policy, versioning, lifecycle, CORS, tags) comes from `BucketSettingsOperations`.
    """

    def __init__(
        self,
        endpoint_url: str,
        credentials_source: CredentialSource,
        *,
        zone: str,
        addressing_style: Literal["virtual", "path"] = "virtual",
        max_workers: int = 16,
        clock: Clock | None = None,
        verify: bool | str = True,
        refresh_margin: float = 120.0,
        checksum_when_required: bool = False,
        on_refresh: RefreshCallback | None = None,
        fresh_key_grace: float = 15.0,
        on_retry: Callable[[CloudError, int], None] | None = None,
    ) -> None:
        """`fresh_key_grace`: for keys this service minted (refreshable sources), AccessDenied and
        InvalidAccessKeyId are retried this many seconds after minting, because CAIOS takes a few
        seconds to accept a new key; `on_retry(error, attempt)` reports each such retry."""
        self.endpoint_url = endpoint_url
        self.source = credentials_source
        self.zone = zone or "notempty"  # S3 only needs a non-empty region outside CreateBucket
        self.addressing_style = addressing_style
        self.clock = clock or SystemClock()
        self.verify = verify
        self.refresh_margin = refresh_margin
        self.checksum_when_required = checksum_when_required
        self.on_refresh = on_refresh
        self.max_workers = max_workers
        self.fresh_key_grace = fresh_key_grace
        self.on_retry = on_retry
        self._minted_at: datetime | None = None
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="cwos-s3")
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        #: The key pair in use (updated on every refresh), for expiry countdowns.
        self.credentials: S3Credentials | None = None

    # --- plumbing ---

    async def _in_thread(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def _refreshed(self, event: RefreshEvent) -> None:
        if event.ok and event.credentials is not None:
            self.credentials = event.credentials
            self._minted_at = self.clock.now()
        if self.on_refresh is not None:
            self.on_refresh(event)

    def _new_client(self, region: str) -> Any:
        from botocore.config import Config

        options: dict[str, Any] = {
            "region_name": region,
            "signature_version": "s3v4",
            "s3": {"addressing_style": self.addressing_style},
            "max_pool_connections": self.max_workers,
            "retries": {"mode": "standard", "max_attempts": 3},
            "connect_timeout": 10,
            "read_timeout": 60,
        }
        if self.checksum_when_required:
            options["request_checksum_calculation"] = "when_required"
            options["response_checksum_validation"] = "when_required"
        client = self._session.client("s3", endpoint_url=self.endpoint_url, verify=self.verify,
                                      config=Config(**options))
        client.meta.events.register("before-parse.s3", refuse_non_s3_answer)
        return client

    async def _client(self, region: str | None = None) -> Any:
        region = region or self.zone
        client = self._clients.get(region)
        if client is not None:
            return client
        async with self._lock:
            if self._session is None:
                await self._in_thread(lambda: __import__("boto3"))  # the slow import, off the loop
                try:
                    first = await self.source.fetch()
                    credentials = await botocore_credentials(
                        self.source, first=first, clock=self.clock, refresh_margin=self.refresh_margin,
                        on_refresh=self._refreshed,
                    )
                except Exception as exc:
                    raise map_error(exc) from exc
                self.credentials = first
                self._minted_at = self.clock.now()
                self._session = await self._in_thread(lambda: boto_session(credentials, fast_timestamp))
            if region not in self._clients:
                self._clients[region] = await self._in_thread(lambda: self._new_client(region))
            return self._clients[region]

    async def _run(self, operation: str, fn: Callable[[Any], T], region: str | None = None) -> T:
        """Run one S3 call; a key that stopped working (revoked) is replaced once from a refreshable source."""
        try:
            return await self._attempts(operation, fn, region)
        except InvalidAccessKey as exc:
            if not self.source.refreshable or self._session is None:
                raise
            await self.close_clients()
            result = await self._attempts(operation, fn, region)  # the next client fetches a fresh key
            self._refreshed(RefreshEvent(True, self.source.describe(), self.credentials, error=exc))
            return result

    async def _attempts(self, operation: str, fn: Callable[[Any], T], region: str | None = None) -> T:
        client = await self._client(region)
        for attempt in range(1, _FRESH_KEY_ATTEMPTS + 1):
            try:
                return await self._in_thread(lambda: fn(client))
            except Exception as exc:
                mapped = map_error(exc, operation)
                if attempt < _FRESH_KEY_ATTEMPTS and self._may_be_propagating(mapped):
                    assert isinstance(mapped, CloudError)
                    if self.on_retry is not None:
                        self.on_retry(mapped, attempt)
                    await asyncio.sleep(min(0.25 * 2 ** (attempt - 1), 2.0))
                    continue
                if mapped is exc:
                    raise
                raise mapped from exc
        raise AssertionError("unreachable")

    def _may_be_propagating(self, error: BaseException) -> bool:
        """A denial right after this service minted its key may only mean the key is not live yet."""
        if not isinstance(error, PermissionDenied | InvalidAccessKey) or self._minted_at is None:
            return False
        if not self.source.refreshable:
            return False
        return (self.clock.now() - self._minted_at).total_seconds() < self.fresh_key_grace

    async def _call(self, operation: str, region: str | None = None, **params: Any) -> dict[str, Any]:
        result = await self._run(operation, lambda c: getattr(c, operation)(**params), region)
        return cast(dict[str, Any], result)

    async def run_with_client(self, operation: str, fn: Callable[[Any], T]) -> T:
        """Run `fn(client)` in an S3 thread (with the usual error mapping and fresh-key retries)."""
        return await self._run(operation, fn)

    async def call_shaped(self, operation: str, shape: Callable[[dict[str, Any]], T], **params: Any) -> T:
        """Call `operation` and run `shape` on its result in the S3 thread (big results stay off the loop)."""
        return await self._run(operation, lambda c: shape(getattr(c, operation)(**params)))

    async def close_clients(self) -> None:
        """Forget the session and its clients (and so its keys); the next call starts afresh."""
        async with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._session = None

    async def close(self) -> None:
        await self.close_clients()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self) -> StorageService:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- buckets ---

    async def list_buckets(self) -> list[BucketEntry]:
        buckets: list[BucketEntry] = []
        params: dict[str, Any] = {"MaxBuckets": 1000}
        for _ in range(_MAX_PAGES):
            result = await self._call("list_buckets", **params)
            buckets += [BucketEntry(b["Name"], b.get("CreationDate")) for b in result.get("Buckets", [])]
            token = result.get("ContinuationToken")
            if not token or token == params.get("ContinuationToken"):
                break
            params["ContinuationToken"] = token
        return buckets

    async def create_bucket(self, name: str, zone: str) -> None:
        """CAIOS requires LocationConstraint = the zone, signed for that zone as the region."""
        await self._call(
            "create_bucket", region=zone, Bucket=name, CreateBucketConfiguration={"LocationConstraint": zone}
        )

    async def head_bucket(self, name: str) -> str | None:
        """Raise NotFound / PermissionDenied, else return the region header when the server sends one."""
        result = await self._call("head_bucket", Bucket=name)
        return cast(str | None, result.get("BucketRegion"))

    async def delete_bucket(self, name: str) -> None:
        await self._call("delete_bucket", Bucket=name)

    # --- listing ---

    async def list_page(
        self, bucket: str, prefix: str = "", delimiter: str = "/", continuation_token: str | None = None,
        max_keys: int = 1000,
    ) -> ListPage:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": max_keys}
        if delimiter:
            params["Delimiter"] = delimiter
        if continuation_token:
            params["ContinuationToken"] = continuation_token
        result = await self._call("list_objects_v2", **params)
        truncated = bool(result.get("IsTruncated"))
        return ListPage(
            objects=[object_entry(item) for item in result.get("Contents", ())],
            prefixes=[p["Prefix"] for p in result.get("CommonPrefixes", ())],
            next_token=result.get("NextContinuationToken") if truncated else None,
            is_truncated=truncated,
        )

    async def iter_pages(
        self, bucket: str, prefix: str = "", delimiter: str = "/", page_size: int = 1000
    ) -> AsyncIterator[ListPage]:
        """Pages as they arrive, so the UI can show the first one while the rest stream in."""
        token: str | None = None
        for _ in range(_MAX_PAGES):
            page = await self.list_page(bucket, prefix, delimiter, token, page_size)
            yield page
            if not page.is_truncated or not page.next_token:
                return
            if page.next_token == token:
                raise ProtocolError("the server repeated a continuation token", operation="ListObjectsV2")
            token = page.next_token

    # --- objects ---

    async def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectHead:
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        r = await self._call("head_object", **params)
        return ObjectHead(
            key, r.get("ContentLength", 0), r.get("LastModified"), r.get("ETag", ""), r.get("ContentType"),
            dict(r.get("Metadata", {})), r.get("StorageClass", "STANDARD"), r.get("VersionId"),
        )

    async def get_object_range(self, bucket: str, key: str, start: int, end: int,
                               version_id: str | None = None) -> bytes:
        """Bytes start..end inclusive (HTTP Range semantics) of the object, or of one version of it."""
        extra = {"VersionId": version_id} if version_id else {}

        def read(client: Any) -> bytes:
            body = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end}", **extra)["Body"]
            with body:
                return cast(bytes, body.read())

        return await self._run("get_object", read)

    async def put_object(
        self, bucket: str, key: str, data: bytes, content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Upload a small object in one request; returns its ETag."""
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": data}
        if content_type:
            params["ContentType"] = content_type
        if metadata:
            params["Metadata"] = dict(metadata)
        return cast(str, (await self._call("put_object", **params)).get("ETag", ""))

    async def copy_object(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> None:
        await self._call(
            "copy_object", Bucket=dst_bucket, Key=dst_key, CopySource={"Bucket": src_bucket, "Key": src_key}
        )

    async def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> None:
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        await self._call("delete_object", **params)

    async def delete_objects(self, bucket: str, keys: Iterable[str]) -> tuple[list[str], list[DeleteFailure]]:
        """Delete in batches of 1000; per-key failures come back instead of raising."""
        deleted: list[str] = []
        errors: list[DeleteFailure] = []
        pending = list(keys)
        for start in range(0, len(pending), DELETE_BATCH):
            batch = [{"Key": key} for key in pending[start : start + DELETE_BATCH]]
            request = {"Objects": batch, "Quiet": False}
            result = await self._call("delete_objects", Bucket=bucket, Delete=request)
            deleted += [item["Key"] for item in result.get("Deleted", ())]
            errors += [
                DeleteFailure(e.get("Key", ""), e.get("Code", ""), e.get("Message", ""))
                for e in result.get("Errors", ())
            ]
        return deleted, errors

    # --- versions and multipart ---

    async def list_object_versions(
        self, bucket: str, prefix: str = "", delimiter: str = "", key_marker: str | None = None,
        version_id_marker: str | None = None, max_keys: int = 1000,
    ) -> VersionPage:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": max_keys}
        if delimiter:
            params["Delimiter"] = delimiter
        if key_marker:
            params["KeyMarker"] = key_marker
            if version_id_marker:
                params["VersionIdMarker"] = version_id_marker
        r = await self._call("list_object_versions", **params)
        return version_page(r)

    async def list_multipart_uploads(self, bucket: str, prefix: str = "") -> list[MultipartUpload]:
        """Unfinished uploads (they hold storage until completed or aborted)."""
        uploads: list[MultipartUpload] = []
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        for _ in range(_MAX_PAGES):
            r = await self._call("list_multipart_uploads", **params)
            found = r.get("Uploads", ())
            uploads += [MultipartUpload(u["Key"], u["UploadId"], u.get("Initiated")) for u in found]
            if not r.get("IsTruncated") or not r.get("NextKeyMarker"):
                break
            params.update(KeyMarker=r["NextKeyMarker"], UploadIdMarker=r.get("NextUploadIdMarker", ""))
        return uploads

    async def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        await self._call("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id)

    # --- presigned URLs ---

    async def presign_get(self, bucket: str, key: str, expires_in: int = 3600) -> str:
        return await self._presign("get_object", {"Bucket": bucket, "Key": key}, expires_in)

    async def presign_put(
        self, bucket: str, key: str, expires_in: int = 3600, content_type: str | None = None
    ) -> str:
        params = {"Bucket": bucket, "Key": key}
        if content_type:
            params["ContentType"] = content_type
        return await self._presign("put_object", params, expires_in)

    async def _presign(self, method: str, params: dict[str, str], expires_in: int) -> str:
        """Signed locally, but in a worker: signing may trigger a credential refresh."""
        return await self._run(
            method, lambda c: cast(str, c.generate_presigned_url(method, Params=params, ExpiresIn=expires_in))
        )


