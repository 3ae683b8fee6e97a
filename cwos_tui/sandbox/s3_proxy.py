"""The sandbox's S3 endpoint: a streaming front to SeaweedFS that authorizes like CoreWeave.

With an `S3Authority` (as the sandbox runs it) every request is authenticated and judged by the
shared evaluator first (`s3_guard.py`); SeaweedFS, where every sandbox key has full rights, then
only stores and serves the bytes. Request and response bodies stream through untouched (method,
raw path, raw query and all headers, Host included, so SeaweedFS still checks each signature).
CreateBucket and DeleteBucket are looked at: CAIOS names and zones are enforced here, and the
sandbox's control plane learns about the bucket through hooks. Without an authority the front only
adds those bucket rules and leaves authorization to SeaweedFS (the data-plane tests use that).

Serve with uvicorn on 127.0.0.1 and `server_header=False, date_header=False`, so that the client
sees SeaweedFS's own `Server` and `Date` headers rather than duplicates.
"""

from __future__ import annotations

import inspect
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx

from cwos_tui.sandbox.s3_authority import S3Authority
from cwos_tui.sandbox.s3_guard import S3Guard
from cwos_tui.sandbox.s3_wire import (
    MAX_CONFIG_BODY,
    ClientGone,
    Receive,
    Scope,
    Send,
    TrackedReceive,
    body_length,
    bucket_name_problem,
    decode_aws_chunked,
    location_constraint,
    read_small_body,
    s3_error_response,
    send_response,
    stream_body,
)

__all__ = ["S3Proxy", "S3ProxyHooks", "bucket_name_problem", "make_s3_proxy", "s3_error_response"]

log = logging.getLogger(__name__)

# Hop-by-hop headers, and Expect (the proxy answers 100-continue itself). None of them is signed by SigV4 clients.
_DROP_REQUEST = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"upgrade",
                           b"transfer-encoding", b"expect"})
_DROP_RESPONSE = frozenset({b"connection", b"keep-alive", b"transfer-encoding"})


def _ignore(*_args: object) -> None:
    return None


async def _nothing_blocks(_bucket: str) -> str | None:
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
    #: why a bucket SeaweedFS would delete is not empty for CoreWeave (versions, delete markers,
    #: incomplete uploads), or None
    deletion_blocker: Callable[[str], Awaitable[str | None]] = _nothing_blocks


class S3Proxy:
    """Raw ASGI app. One shared httpx client, created on the first request, closed on shutdown."""

    def __init__(self, upstream_url: str, hooks: S3ProxyHooks, *, domain_names: Sequence[str] = ("localhost",),
                 max_connections: int = 256, authority: S3Authority | None = None) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.hooks = hooks
        self.guard = S3Guard(authority) if authority is not None else None
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
        raw_query = scope["query_string"].decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True)
        body: bytes | None = None
        if self.guard is not None and method != "OPTIONS":  # CORS preflights carry no credentials
            tracked = TrackedReceive(receive)
            try:
                verdict = await self.guard.check(scope, tracked, bucket, key, raw_query, query)
                if verdict.response is not None:
                    status, headers, content = verdict.response
                    if not tracked.done and not await _drain_small_body(scope, tracked):
                        headers = [*headers, (b"connection", b"close")]  # unread upload: start afresh
                    await send_response(send, status, headers, content, head=method == "HEAD")
                    return
            except ClientGone:
                return
            body = verdict.body
        bucket_level = bool(bucket) and not key and all(k == "x-id" for k, _ in query)
        if bucket_level and method == "PUT":
            await self._create_bucket(scope, receive, send, bucket)
        elif bucket_level and method == "DELETE":
            blocker = await self.hooks.deletion_blocker(bucket)
            if blocker:
                await self._error(scope, send, 409, "BucketNotEmpty", f"The bucket you tried to delete is not "
                                  f"empty: {blocker}", bucket)
                return
            await self._forward(scope, receive, send, after=self._deleted_hook(bucket))
        else:
            await self._forward(scope, receive, send, body=body)

    async def _create_bucket(self, scope: Scope, receive: Receive, send: Send, bucket: str) -> None:
        problem = bucket_name_problem(bucket)
        if problem:
            await self._error(scope, send, 400, "InvalidBucketName", f"The specified bucket is not valid. {problem}",
                              bucket)
            return
        try:
            body = await read_small_body(receive)
        except ClientGone:
            return
        if body is None:
            await self._error(scope, send, 400, "MalformedXML", "CreateBucketConfiguration is too large.", bucket)
            return
        zones = list(self.hooks.zones)
        try:
            # Zone names are matched case-insensitively (clients send us-east-04a too) and recorded upper-case.
            zone = location_constraint(decode_aws_chunked(body, scope["headers"])).upper()
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
            stream_body(receive) if has_body else b"")
        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        # "target" makes httpcore send the path as received: httpx would drop "." and ".." segments.
        request = httpx.Request(scope["method"], self.upstream_url + "/", headers=headers, content=content,
                                extensions={"target": target})
        try:
            response = await self._http().send(request, stream=True)
        except ClientGone:
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
        await send_response(send, *s3_error_response(status, code, message, bucket), head=scope["method"] == "HEAD")


def make_s3_proxy(upstream_url: str, hooks: S3ProxyHooks, *, domain_names: Sequence[str] = ("localhost",),
                  authority: S3Authority | None = None) -> S3Proxy:
    """The ASGI app for the sandbox's S3 endpoint in front of SeaweedFS at `upstream_url`."""
    return S3Proxy(upstream_url, hooks, domain_names=domain_names, authority=authority)


async def _drain_small_body(scope: Scope, receive: Receive) -> bool:
    """Read and drop a small unread request body so the connection stays usable; False if it is big."""
    size = body_length(scope["headers"])
    expects = any(k == b"expect" for k, _ in scope["headers"])
    if size is None or size > MAX_CONFIG_BODY or expects:
        return size == 0
    async for _ in stream_body(receive):
        pass
    return True


async def _call_hook(hook: Callable[..., Awaitable[None] | None], *args: str) -> None:
    result = hook(*args)
    if inspect.isawaitable(result):
        await result


