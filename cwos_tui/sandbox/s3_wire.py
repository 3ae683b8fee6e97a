"""S3 wire helpers for the sandbox's S3 front: names, XML errors and bodies, small request bodies."""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

RESERVED_PREFIXES = ("cw-", "vip-", "log-stitcher-ch-")
RESERVED_NAMES = frozenset({"int"})
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_CONFIG_BODY = 1024 * 1024  # configuration documents and DeleteObjects lists, never object data
S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


class ClientGone(Exception):
    """The client disconnected while its request body was still streaming."""


def bucket_name_problem(name: str) -> str | None:
    """Why `name` is not a valid CAIOS bucket name, or None if it is."""
    if not 3 <= len(name) <= 63:
        return "Bucket names must be 3 to 63 characters long."
    if not _BUCKET_RE.match(name):
        return ("Bucket names may contain only lowercase letters, digits and hyphens, "
                "and must start and end with a letter or digit.")
    if name.startswith("xn--"):
        return "Bucket names must not start with 'xn--'."
    if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES):
        return f"The bucket name '{name}' is reserved (reserved: 'int' and names starting with " \
               f"{', '.join(repr(p) for p in RESERVED_PREFIXES)})."
    return None


def new_request_id() -> str:
    return secrets.token_hex(8).upper()


def s3_error_response(status: int, code: str, message: str, bucket: str = "", *,
                      resource: str = "") -> tuple[int, Headers, bytes]:
    """Status, headers and body of an S3 XML error, shaped like the real service's."""
    request_id = new_request_id()
    extra = f"<Resource>{escape(resource)}</Resource>" if resource else ""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><BucketName>{escape(bucket)}</BucketName>{extra}"
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    headers = [(b"content-type", b"application/xml"), (b"content-length", str(len(body)).encode()),
               (b"x-amz-request-id", request_id.encode())]
    return status, headers, body


async def send_response(send: Send, status: int, headers: Headers, body: bytes, *, head: bool = False) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


def ok_headers(content_type: str, body: bytes) -> Headers:
    return [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
            (b"x-amz-request-id", new_request_id().encode())]


class TrackedReceive:
    """`receive` that remembers whether the request body has been read to its end."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.done = False

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            self.done = True
        return message


def body_length(headers: Sequence[tuple[bytes, bytes]]) -> int | None:
    """Content-Length, 0 for a request without a body, None when it is chunked (unknown)."""
    if any(k == b"transfer-encoding" for k, _ in headers):
        return None
    for k, v in headers:
        if k == b"content-length":
            return int(v) if v.isdigit() else None
    return 0


async def stream_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        if chunk := message.get("body", b""):
            yield chunk
        if not message.get("more_body", False):
            return


async def read_small_body(receive: Receive) -> bytes | None:
    """The whole request body, or None once it passes `MAX_CONFIG_BODY` bytes."""
    parts: list[bytes] = []
    size = 0
    async for chunk in stream_body(receive):
        size += len(chunk)
        if size > MAX_CONFIG_BODY:
            return None
        parts.append(chunk)
    return b"".join(parts)


def decode_aws_chunked(body: bytes, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    """The payload of a `STREAMING-...` (aws-chunked) signed body; other bodies as they are."""
    sha = next((v for k, v in headers if k == b"x-amz-content-sha256"), b"")
    encoding = next((v for k, v in headers if k == b"content-encoding"), b"")
    if not sha.startswith(b"STREAMING-") and b"aws-chunked" not in encoding:
        return body
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        size = int(body[pos:end].split(b";", 1)[0] or b"0", 16)
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def location_constraint(body: bytes) -> str:
    """LocationConstraint from a CreateBucketConfiguration body ("" when absent)."""
    if not body.strip():
        return ""
    root = ET.fromstring(body)
    for element in root.iter():
        if _local(element.tag) == "LocationConstraint":
            return (element.text or "").strip()
    return ""


def delete_keys(body: bytes) -> list[str]:
    """Object keys named in a DeleteObjects (`POST ?delete`) body."""
    root = ET.fromstring(body)
    return [(el.text or "") for obj in root if _local(obj.tag) == "Object"
            for el in obj if _local(el.tag) == "Key"]
