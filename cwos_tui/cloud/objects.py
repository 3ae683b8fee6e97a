"""Object-level reads beyond the listing: everything HeadObject and GetObjectTagging say about one
object, with copyable snippets; a capped ranged read for previews; server-side copy."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.s3_models import DeleteFailure, ObjectVersion

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

PREVIEW_BYTES = 256 * 1024
CHECKSUM_FIELDS = ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1", "ChecksumSHA256")
MULTIPART_COPY_ABOVE = 5 * 1024**3  # CopyObject's limit; larger objects are copied part by part
COPY_PART_SIZE = 512 * 1024**2  # 10,000 parts of it cover S3's 5 TiB largest object


@dataclass(frozen=True)
class ObjectDetails:
    bucket: str
    key: str
    size: int
    last_modified: datetime | None
    etag: str
    content_type: str
    storage_class: str
    version_id: str
    metadata: dict[str, str]
    #: None when the tags could not be read (no permission, or the server does not keep them)
    tags: dict[str, str] | None
    checksums: dict[str, str] = field(default_factory=dict)
    presigned_get: str = ""
    endpoint_url: str = ""

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def aws_cp(self) -> str:
        """A shell-safe `aws s3 cp` line for this object."""
        name = self.key.rstrip("/").rpartition("/")[2] or "object"
        line = f"aws s3 cp {shlex.quote(self.url)} {shlex.quote('./' + name)}"
        return line + (f" --endpoint-url {shlex.quote(self.endpoint_url)}" if self.endpoint_url else "")


async def object_details(storage: StorageService, bucket: str, key: str, presign_seconds: int = 3600
                         ) -> ObjectDetails:
    head: dict[str, Any] = await storage.call_shaped("head_object", dict, Bucket=bucket, Key=key,
                                                     ChecksumMode="ENABLED")
    tags: dict[str, str] | None
    try:
        tagging = await storage.call_shaped("get_object_tagging", dict, Bucket=bucket, Key=key)
        tags = {t["Key"]: t["Value"] for t in tagging.get("TagSet", ())}
    except CloudError:
        tags = None
    presigned = await storage.presign_get(bucket, key, presign_seconds)
    return ObjectDetails(
        bucket, key, int(head.get("ContentLength", 0)), head.get("LastModified"), str(head.get("ETag", "")),
        str(head.get("ContentType", "")), str(head.get("StorageClass", "STANDARD")),
        str(head.get("VersionId", "") or ""), dict(head.get("Metadata", {})), tags,
        {name.removeprefix("Checksum"): str(head[name]) for name in CHECKSUM_FIELDS if head.get(name)},
        presigned, storage.endpoint_url,
    )


async def copy_object(storage: StorageService, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str,
                      size: int, *, multipart_above: int = MULTIPART_COPY_ABOVE,
                      part_size: int = COPY_PART_SIZE) -> None:
    """Server-side copy; above `multipart_above` (CopyObject's 5 GiB limit) part by part with
    UploadPartCopy, each part pinned to the source's ETag, its content type and metadata carried over.
    Any failure or cancel aborts the multipart upload, so no incomplete upload is left behind."""
    if size <= multipart_above:
        await storage.copy_object(src_bucket, src_key, dst_bucket, dst_key)
        return
    head: dict[str, Any] = await storage.call_shaped("head_object", dict, Bucket=src_bucket, Key=src_key)
    size, etag = int(head.get("ContentLength", size)), str(head.get("ETag", ""))
    extra: dict[str, Any] = {"Metadata": dict(head.get("Metadata", {}))}
    if head.get("ContentType"):
        extra["ContentType"] = head["ContentType"]
    upload = await storage.call_shaped("create_multipart_upload", dict, Bucket=dst_bucket, Key=dst_key, **extra)
    upload_id = upload["UploadId"]
    try:
        parts = []
        for number, start in enumerate(range(0, size, part_size), start=1):
            end = min(size, start + part_size) - 1
            result = await storage.call_shaped(
                "upload_part_copy", dict, Bucket=dst_bucket, Key=dst_key, UploadId=upload_id, PartNumber=number,
                CopySource={"Bucket": src_bucket, "Key": src_key}, CopySourceRange=f"bytes={start}-{end}",
                **({"CopySourceIfMatch": etag} if etag else {}))
            parts.append({"PartNumber": number, "ETag": result["CopyPartResult"]["ETag"]})
        await storage.call_shaped("complete_multipart_upload", dict, Bucket=dst_bucket, Key=dst_key,
                                  UploadId=upload_id, MultipartUpload={"Parts": parts})
    except BaseException:
        await asyncio.shield(storage.abort_multipart_upload(dst_bucket, dst_key, upload_id))
        raise


PRESIGN_MAX_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs live at most 7 days
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_expiry(text: str) -> int:
    """`15m`, `1h`, `7d` or seconds -> seconds; ValueError with a message for anything else."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:], 0) if value else 0
    number = value[:-1] if unit else value
    if not number.isdigit():
        raise ValueError(f"not a duration: {text!r} (try 15m, 1h, 24h or 7d)")
    seconds = int(number) * (unit or 1)
    if not 1 <= seconds <= PRESIGN_MAX_SECONDS:
        raise ValueError("a presigned URL lives from 1 second to 7 days")
    return seconds


def describe_seconds(seconds: int) -> str:
    for name, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size} {name}"
    return f"{seconds} s"


async def delete_prefix(storage: StorageService, bucket: str, prefix: str,
                        progress: Callable[[int, int], None] | None = None
                        ) -> tuple[int, list[DeleteFailure]]:
    """Delete every key under `prefix`, a listed page (up to 1000 keys) per DeleteObjects request.

    Lists with StartAfter the last key of the previous page, so keys that fail to delete are not
    listed again. `progress(deleted, failed)` is called after each batch. Returns (deleted, failures).
    """
    from cwos_tui.cloud.listing import page_chunk

    deleted, failures = 0, list[DeleteFailure]()
    after = ""
    while True:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": 1000}
        if after:
            params["StartAfter"] = after
        keys: list[str] = await storage.call_shaped(
            "list_objects_v2", lambda r: [c.key(i) for c in [page_chunk(r, "")] for i in range(len(c))], **params)
        if not keys:
            return deleted, failures
        done, failed = await storage.delete_objects(bucket, keys)
        deleted += len(done)
        failures += failed
        after = keys[-1]
        if progress is not None:
            progress(deleted, len(failures))


async def count_prefix(storage: StorageService, bucket: str, prefix: str) -> int:
    from cwos_tui.cloud.listing import iter_listing

    total = 0
    async for page in iter_listing(storage, bucket, prefix, "", 1000):
        total += len(page.chunk)
    return total


async def key_versions(storage: StorageService, bucket: str, key: str, max_pages: int = 20) -> list[ObjectVersion]:
    """Every version and delete marker of one key, the latest first (ListObjectVersions by prefix)."""
    found: list[ObjectVersion] = []
    marker: str | None = None
    version_marker: str | None = None
    for _ in range(max_pages):
        page = await storage.list_object_versions(bucket, key, key_marker=marker, version_id_marker=version_marker)
        found += [v for v in page.versions if v.key == key]
        if not page.is_truncated or not page.next_key_marker or page.next_key_marker > key:
            break
        marker, version_marker = page.next_key_marker, page.next_version_id_marker
    return found


async def restore_version(storage: StorageService, bucket: str, key: str, version_id: str) -> None:
    """Make an old version the current one again: a server-side copy of it onto its own key."""
    await storage.call_shaped("copy_object", dict, Bucket=bucket, Key=key,
                              CopySource={"Bucket": bucket, "Key": key, "VersionId": version_id})
