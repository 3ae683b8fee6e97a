"""Object-level reads beyond the listing: everything HeadObject and GetObjectTagging say about one
object, with copyable snippets; a capped ranged read for previews; server-side copy."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cwos_tui.cloud.errors import CloudError

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

PREVIEW_BYTES = 256 * 1024
CHECKSUM_FIELDS = ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1", "ChecksumSHA256")
MULTIPART_COPY_ABOVE = 5 * 1024**3  # CopyObject's limit; larger objects are copied part by part


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


async def read_head(storage: StorageService, bucket: str, key: str, size: int, cap: int = PREVIEW_BYTES) -> bytes:
    """At most `cap` bytes from the start of an object (nothing is asked of an empty one)."""
    if size <= 0:
        return b""
    return await storage.get_object_range(bucket, key, 0, min(size, cap) - 1)


async def copy_object(storage: StorageService, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str,
                      size: int) -> None:
    """Server-side copy; above 5 GiB part by part (UploadPartCopy), as CopyObject refuses those."""
    if size <= MULTIPART_COPY_ABOVE:
        await storage.copy_object(src_bucket, src_key, dst_bucket, dst_key)
        return
    part = 512 * 1024**2
    upload = await storage.call_shaped("create_multipart_upload", dict, Bucket=dst_bucket, Key=dst_key)
    upload_id = upload["UploadId"]
    try:
        parts = []
        for number, start in enumerate(range(0, size, part), start=1):
            end = min(size, start + part) - 1
            result = await storage.call_shaped(
                "upload_part_copy", dict, Bucket=dst_bucket, Key=dst_key, UploadId=upload_id, PartNumber=number,
                CopySource={"Bucket": src_bucket, "Key": src_key}, CopySourceRange=f"bytes={start}-{end}")
            parts.append({"PartNumber": number, "ETag": result["CopyPartResult"]["ETag"]})
        await storage.call_shaped("complete_multipart_upload", dict, Bucket=dst_bucket, Key=dst_key,
                                  UploadId=upload_id, MultipartUpload={"Parts": parts})
    except BaseException:
        await storage.abort_multipart_upload(dst_bucket, dst_key, upload_id)
        raise
