"""The sandbox's S3 endpoint: a streaming pass-through to SeaweedFS that adds CAIOS bucket rules.

SeaweedFS checks signatures, so every request goes upstream byte for byte (method, raw path, raw
query, all headers including Host). Only CreateBucket and DeleteBucket are looked at: CAIOS names
and zones are enforced here, and the sandbox's control plane learns about the bucket through hooks.

Serve with uvicorn on 127.0.0.1 and `server_header=False, date_header=False`, so that the client
sees SeaweedFS's own `Server` and `Date` headers rather than duplicates.
"""

from __future__ import annotations

import inspect
import logging
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import httpx

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

RESERVED_PREFIXES = ("cw-", "vip-", "log-stitcher-ch-")
RESERVED_NAMES = frozenset({"int"})
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_MAX_CONFIG_BODY = 64 * 1024
# Hop-by-hop headers, and Expect (the proxy answers 100-continue itself). None of them is signed by SigV4 clients.
_DROP_REQUEST = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"upgrade",
                           b"transfer-encoding", b"expect"})
_DROP_RESPONSE = frozenset({b"connection", b"keep-alive", b"transfer-encoding"})


def _ignore(*_args: object) -> None:
    return None


@dataclass
class S3ProxyHooks:
    """What the proxy needs from the sandbox: its zones and where to report bucket changes.

    The callbacks may be plain functions or coroutines; they run before the client sees the
    response, so the control plane already knows the bucket when the client's call returns.
    """

    zones: Sequence[str]
    on_bucket_created: Callable[[str, str], Awaitable[None] | None] = _ignore
    on_bucket_deleted: Callable[[str], Awaitable[None] | None] = _ignore


class _ClientGone(Exception):
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


Headers = list[tuple[bytes, bytes]]


def s3_error_response(status: int, code: str, message: str, bucket: str = "") -> tuple[int, Headers, bytes]:
    """Status, headers and body of an S3 XML error, shaped like the real service's."""
    request_id = secrets.token_hex(8).upper()
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><BucketName>{escape(bucket)}</BucketName>"
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    headers = [(b"content-type", b"application/xml"), (b"content-length", str(len(body)).encode()),
               (b"x-amz-request-id", request_id.encode())]
    return status, headers, body


class S3Proxy:
    """Raw ASGI app. One shared httpx client, created on the first request, closed on shutdown."""

    def __init__(self, upstream_url: str, hooks: S3ProxyHooks, *, domain_names: Sequence[str] = ("localhost",),
                 max_connections: int = 256) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.hooks = hooks
        self.domain_names = tuple(d.lower() for d in domain_names)
        self._limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=64)
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                limits=self._limits, trust_env=False, follow_redirects=False,
                timeout=httpx.Timeout(connect=5.0, read=600.0, write=600.0, pool=60.0),
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._handle(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _bucket_and_key(self, scope: Scope) -> tuple[str, str]:
        """Bucket and key from `<bucket>.<domain>` Host (virtual-hosted) or from the path."""
        host = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").lower().rsplit(":", 1)[0] if b"]" not in value else ""
        path = scope["path"]  # already percent-decoded by the server
        for domain in self.domain_names:
            if host.endswith("." + domain):
                return host[: -len(domain) - 1], path.lstrip("/")
        bucket, _, key = path.lstrip("/").partition("/")
        return bucket, key

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        bucket, key = self._bucket_and_key(scope)
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        bucket_level = bool(bucket) and not key and all(k == "x-id" for k, _ in query)
        if bucket_level and method == "PUT":
            await self._create_bucket(scope, receive, send, bucket)
        elif bucket_level and method == "DELETE":
            await self._forward(scope, receive, send, after=self._deleted_hook(bucket))
        else:
            await self._forward(scope, receive, send)

    async def _create_bucket(self, scope: Scope, receive: Receive, send: Send, bucket: str) -> None:
        problem = bucket_name_problem(bucket)
        if problem:
            await self._error(scope, send, 400, "InvalidBucketName", f"The specified bucket is not valid. {problem}",
                              bucket)
            return
        try:
            body = await _read_small_body(receive)
        except _ClientGone:
            return
        if body is None:
            await self._error(scope, send, 400, "MalformedXML", "CreateBucketConfiguration is too large.", bucket)
            return
        zones = list(self.hooks.zones)
        try:
            zone = _location_constraint(_decode_aws_chunked(body, scope["headers"]))
        except (ET.ParseError, ValueError):  # ValueError: a broken aws-chunked frame
            await self._error(scope, send, 400, "MalformedXML",
                              "The XML you provided was not well-formed or did not validate.", bucket)
            return
        choice = f"Create the bucket in one of this sandbox's zones: {', '.join(zones)}."
        if not zone:
            await self._error(scope, send, 400, "InvalidLocationConstraint",
                              f"A LocationConstraint is required (CreateBucketConfiguration). {choice}", bucket)
            return
        if zone not in zones:
            await self._error(scope, send, 400, "InvalidLocationConstraint",
                              f"The specified location-constraint '{zone}' is not valid. {choice}", bucket)
            return

        async def created(status: int) -> None:
            if status == 200:
                await _call_hook(self.hooks.on_bucket_created, bucket, zone)

        await self._forward(scope, receive, send, body=body, after=created)

    def _deleted_hook(self, bucket: str) -> Callable[[int], Awaitable[None]]:
        async def deleted(status: int) -> None:
            if status == 204:
                await _call_hook(self.hooks.on_bucket_deleted, bucket)

        return deleted

    async def _forward(self, scope: Scope, receive: Receive, send: Send, *, body: bytes | None = None,
                       after: Callable[[int], Awaitable[None]] | None = None) -> None:
        """Send the request upstream unchanged and stream the answer back as it arrives."""
        headers = [(k, v) for k, v in scope["headers"] if k not in _DROP_REQUEST]
        has_body = any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])
        content: bytes | AsyncIterator[bytes] = body if body is not None else (
            _stream_body(receive) if has_body else b"")
        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        # "target" makes httpcore send the path as received: httpx would drop "." and ".." segments.
        request = httpx.Request(scope["method"], self.upstream_url + "/", headers=headers, content=content,
                                extensions={"target": target})
        try:
            response = await self._http().send(request, stream=True)
        except _ClientGone:
            return
        except httpx.TransportError as exc:
            log.warning("S3 upstream %s unreachable: %s", self.upstream_url, type(exc).__name__)
            await self._error(scope, send, 503, "ServiceUnavailable",
                              "The sandbox's S3 server is not reachable; please retry.", "")
            return
        try:
            if after is not None:
                try:
                    await after(response.status_code)
                except Exception:
                    log.exception("sandbox bucket hook failed")
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(k.lower(), v) for k, v in response.headers.raw
                                    if k.lower() not in _DROP_RESPONSE]})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.TransportError as exc:
            log.warning("S3 upstream broke off a response: %s", type(exc).__name__)
        finally:
            await response.aclose()

    async def _error(self, scope: Scope, send: Send, status: int, code: str, message: str, bucket: str) -> None:
        status, headers, body = s3_error_response(status, code, message, bucket)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def make_s3_proxy(upstream_url: str, hooks: S3ProxyHooks, *, domain_names: Sequence[str] = ("localhost",)) -> S3Proxy:
    """The ASGI app for the sandbox's S3 endpoint in front of SeaweedFS at `upstream_url`."""
    return S3Proxy(upstream_url, hooks, domain_names=domain_names)


async def _call_hook(hook: Callable[..., Awaitable[None] | None], *args: str) -> None:
    result = hook(*args)
    if inspect.isawaitable(result):
        await result


async def _stream_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        if chunk := message.get("body", b""):
            yield chunk
        if not message.get("more_body", False):
            return


async def _read_small_body(receive: Receive) -> bytes | None:
    """The whole request body, or None once it passes `_MAX_CONFIG_BODY` bytes."""
    parts: list[bytes] = []
    size = 0
    async for chunk in _stream_body(receive):
        size += len(chunk)
        if size > _MAX_CONFIG_BODY:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _decode_aws_chunked(body: bytes, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    """The payload of a `STREAMING-...` (aws-chunked) signed body; other bodies as they are."""
    sha = next((v for k, v in headers if k == b"x-amz-content-sha256"), b"")
    if not sha.startswith(b"STREAMING-"):
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


def _location_constraint(body: bytes) -> str:
    """LocationConstraint from a CreateBucketConfiguration body ("" when absent)."""
    if not body.strip():
        return ""
    root = ET.fromstring(body)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "LocationConstraint":
            return (element.text or "").strip()
    return ""
