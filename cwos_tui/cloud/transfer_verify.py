"""Checking a download against its ETag: a plain ETag is the object's MD5; a multipart ETag
(`md5-of-the-parts'-md5s-N`) is checked part by part once the part size is known.

The part size is learned with `HeadObject(PartNumber=1)` (its length is the first part's; S3 and
SeaweedFS answer it). Uploaders cut every part but the last to one size; when the object's size does not
fit that (parts of different sizes), it cannot be checked from one answer, and only the size is checked.
Ranged downloads are cut at multiples of the part size, so each range hashes whole parts as it streams.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from cwos_tui.cloud.errors import CloudError

READ_CHUNK = 1024 * 1024


class VerifyError(CloudError):
    """What arrived is not what the server said it sent (size or checksum)."""


def _hex(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def plain_md5(etag: str) -> str:
    """The ETag as an MD5 hex digest when it is one (single-part uploads), else ""."""
    value = etag.strip().strip('"').lower()
    return value if _hex(value) else ""


def multipart_etag(etag: str) -> tuple[str, int] | None:
    """(MD5 of the parts' MD5s, number of parts) of a multipart ETag, else None."""
    value, dash, count = etag.strip().strip('"').lower().rpartition("-")
    if not dash or not _hex(value) or not count.isdigit() or int(count) < 1:
        return None
    return value, int(count)


def learn_part_size(client: Any, bucket: str, key: str, etag: str, size: int, version_id: str = "") -> int:
    """The part size of a multipart object (or of one version of it), when all parts but the last have it;
    0 when it cannot be learned (the server does not answer PartNumber, or the parts differ in size).
    Blocking."""
    parsed = multipart_etag(etag)
    if parsed is None or size <= 0:
        return 0
    extra = {"VersionId": version_id} if version_id else {}
    try:
        head = client.head_object(Bucket=bucket, Key=key, PartNumber=1, IfMatch=etag, **extra)
    except Exception:  # an older server: fall back to checking the size only
        return 0
    first = int(head.get("ContentLength", 0) or 0)
    count = int(head.get("PartsCount", parsed[1]) or parsed[1])
    if first <= 0 or count != parsed[1] or -(-size // first) != count:
        return 0
    return first


class PartHasher:
    """MD5s of whole object parts, fed the bytes of one range (which starts at a part boundary) in order."""

    def __init__(self, part_size: int, offset: int, size: int) -> None:
        self.part_size, self.position, self.size = part_size, offset, size
        self.digests: dict[int, bytes] = {}
        self._md5 = hashlib.md5(usedforsecurity=False)

    def update(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            room = self.part_size - self.position % self.part_size
            taken = view[:room]
            self._md5.update(taken)
            self.position += len(taken)
            view = view[len(taken):]
            if self.position % self.part_size == 0 or self.position == self.size:
                self.digests[-(-self.position // self.part_size)] = self._md5.digest()
                self._md5 = hashlib.md5(usedforsecurity=False)


def check_parts(digests: dict[int, bytes], etag: str) -> None:
    """Raise VerifyError unless the parts' MD5s give the multipart ETag."""
    parsed = multipart_etag(etag)
    if parsed is None:
        return
    expected, count = parsed
    if sorted(digests) != list(range(1, count + 1)):
        raise VerifyError(f"got {len(digests)} of the object's {count} parts")
    combined = hashlib.md5(b"".join(digests[n] for n in range(1, count + 1)), usedforsecurity=False).hexdigest()
    if combined != expected:
        raise VerifyError(f"the parts' MD5s give {combined}-{count}, not the ETag {expected}-{count}")


def check_file_md5(fd: int, size: int, expected: str) -> None:
    """Read the written file back and compare its MD5 with a plain ETag (ranged downloads of single-part
    objects: their ranges arrive out of order, so they are hashed once complete)."""
    digest = hashlib.md5(usedforsecurity=False)
    position = 0
    while position < size:
        chunk = os.pread(fd, min(READ_CHUNK * 8, size - position), position)
        if not chunk:
            break
        digest.update(chunk)
        position += len(chunk)
    if digest.hexdigest() != expected:
        raise VerifyError(f"MD5 {digest.hexdigest()} does not match the ETag {expected}")
