"""A loopback TCP proxy that fails the first N connections, then passes bytes through untouched.

Used to prove retry behaviour against the real sandbox: the faults are ones a healthy server
cannot be asked to produce (a gateway 503, a connection reset, a reply lost after the server acted).

Modes for a failing connection (the whole HTTP request is read first, so the client has sent it):
- "503" / "429": answer with that status, a gRPC-style JSON envelope and `Connection: close`.
- "reset": reset the connection (RST) without answering; the request never reaches the server.
- "reset-after-forward": forward the request, wait for the server's full answer, then reset the
  client connection: the server acted but the client never hears about it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from dataclasses import dataclass, field
from typing import Any, Literal, Self

FaultMode = Literal["503", "429", "reset", "reset-after-forward"]

_REASONS = {"503": (503, "Service Unavailable", 14), "429": (429, "Too Many Requests", 8)}
_MAX_HEAD = 64 * 1024


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 message (head + Content-Length body); enough for JSON requests and replies."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > _MAX_HEAD:
        raise ValueError("header block too large")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0 so the peer sees a TCP reset, not an orderly close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class LoopbackServer:
    """Start, stop and `async with` for the proxies below: a server on 127.0.0.1 (port 0 = any free one)."""

    port: int
    _server: asyncio.Server | None
    _writers: set[asyncio.StreamWriter]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def start(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


@dataclass
class FaultProxy(LoopbackServer):
    upstream_host: str
    upstream_port: int
    failures: int = 0
    mode: FaultMode = "503"
    retry_after: str | None = None
    #: Listen on this port (0 = any free port). A fixed port lets a test start the proxy late.
    port: int = 0
    connections: int = 0
    failed: int = 0
    _server: asyncio.Server | None = field(default=None, repr=False)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            if self.failed < self.failures:
                self.failed += 1
                await self._fail(reader, writer)
            else:
                await self._pass_through(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            writer.transport.abort()
        finally:
            self._writers.discard(writer)

    async def _fail(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await _read_message(reader)
        if self.mode == "reset":
            _reset(writer)
            return
        if self.mode == "reset-after-forward":
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            try:
                up_writer.write(request)
                await up_writer.drain()
                await _read_message(up_reader)
            finally:
                up_writer.close()
            _reset(writer)
            return
        status, reason, code = _REASONS[self.mode]
        body = json.dumps({"code": code, "message": f"injected fault: {reason.lower()}", "details": []}).encode()
        lines = [
            f"HTTP/1.1 {status} {reason}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        if self.retry_after is not None:
            lines.append(f"Retry-After: {self.retry_after}")
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        writer.close()

    async def _pass_through(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        self._writers.add(up_writer)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        try:
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        finally:
            self._writers.discard(up_writer)


def free_port() -> int:
    """A loopback port nothing listens on right now (connections to it are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ---- request-level faults, for the fault suite (tests/faults/) ----------------------------------------

#: what a request-level rule does to a matching request
RequestFault = Literal[
    "status",            # answer `status` with `body` / `content_type` (JSON envelope, S3 XML, HTML...)
    "slow",              # wait `delay` seconds, then pass the request through (beyond the client's timeout)
    "reset",             # read the request, reset the connection without an answer
    "reset-mid-request",  # read part of the request body, then reset (an upload cut off)
    "reset-mid-response",  # forward, send the head and half the body of the answer, then reset
    "truncate",          # forward, send the head and half the body, then close cleanly (a short read)
]


@dataclass
class Rule:
    """Fail the next `times` requests for which `match(method, target)` holds (times < 0: every one)."""

    fault: RequestFault
    match: Any = None  # Callable[[str, str], bool] | None (None: every request)
    times: int = 1
    status: int = 503
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hits: int = 0

    def wants(self, method: str, target: str) -> bool:
        if self.times >= 0 and self.hits >= self.times:
            return False
        return self.match is None or bool(self.match(method, target))


def s3_error(code: str, message: str, status: int) -> Rule:
    """An S3 XML error answer (SlowDown, InternalError, RequestTimeTooSkewed, ExpiredToken...)."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            "<RequestId>fault</RequestId></Error>").encode()
    return Rule("status", status=status, body=body, content_type="application/xml")


async def _read_head(reader: asyncio.StreamReader) -> tuple[bytes, dict[bytes, bytes]]:
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return head, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes], *, no_body: bool = False) -> bytes:
    if no_body:
        return b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        out = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            out += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            chunk = await reader.readexactly(size + 2)
            out += chunk
            if size == 0:
                return bytes(out)
    length = int(headers.get(b"content-length", b"0") or 0)
    return await reader.readexactly(length) if length else b""


@dataclass
class HttpFaultProxy(LoopbackServer):
    """A loopback HTTP/1.1 proxy that looks at every request (keep-alive included) and applies the first
    rule that wants it; everything else passes through to the upstream server untouched.

    `down = True` refuses service (every connection is reset at once), for "the server is down".
    """

    upstream_host: str
    upstream_port: int
    rules: list[Rule] = field(default_factory=list)
    down: bool = False
    port: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    _server: asyncio.Server | None = field(default=None, repr=False)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set, repr=False)

    @classmethod
    def to(cls, url: str) -> HttpFaultProxy:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, rule: Rule) -> Rule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()
        self.down = False

    def _rule_for(self, method: str, target: str) -> Rule | None:
        for rule in self.rules:
            if rule.wants(method, target):
                rule.hits += 1
                return rule
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            if self.down:
                _reset(writer)
                return
            while True:
                try:
                    head, headers = await _read_head(reader)
                except asyncio.IncompleteReadError:
                    return
                method, target = head.split(b" ", 2)[:2]
                self.requests.append((method.decode(), target.decode()))
                if headers.get(b"expect", b"").lower() == b"100-continue":  # the body is read here, then sent on
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await writer.drain()
                    head = b"\r\n".join(line for line in head.split(b"\r\n")
                                         if not line.lower().startswith(b"expect:"))
                rule = self._rule_for(method.decode(), target.decode())
                if rule is not None and rule.fault == "reset-mid-request":
                    await reader.read(min(int(headers.get(b"content-length", b"0") or 0) // 2 or 1, 65536))
                    _reset(writer)
                    return
                body = await _read_body(reader, headers)
                if rule is not None and rule.fault == "reset":
                    _reset(writer)
                    return
                if rule is not None and rule.fault == "status":
                    await self._answer(writer, rule)
                    continue
                if rule is not None and rule.fault == "slow":
                    await asyncio.sleep(rule.delay)
                if upstream is None:
                    upstream = await asyncio.open_connection(self.upstream_host, self.upstream_port)
                    self._writers.add(upstream[1])
                upstream[1].write(head + body)
                await upstream[1].drain()
                answer_head, answer_headers = await _read_head(upstream[0])
                status = int(answer_head.split(b" ", 2)[1])
                while 100 <= status < 200:  # an interim answer: the real one follows
                    answer_head, answer_headers = await _read_head(upstream[0])
                    status = int(answer_head.split(b" ", 2)[1])
                answer = await _read_body(upstream[0], answer_headers,
                                          no_body=method == b"HEAD" or status in (204, 304))
                if rule is not None and rule.fault in ("reset-mid-response", "truncate"):
                    writer.write(answer_head + answer[: max(1, len(answer) // 2)])
                    await writer.drain()
                    if rule.fault == "reset-mid-response":
                        _reset(writer)
                    else:
                        writer.close()
                    return
                writer.write(answer_head + answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            writer.transport.abort()
        finally:
            self._writers.discard(writer)
            if upstream is not None:
                upstream[1].transport.abort()
                self._writers.discard(upstream[1])

    async def _answer(self, writer: asyncio.StreamWriter, rule: Rule) -> None:
        reasons = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error",
                   502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 200: "OK"}
        lines = [f"HTTP/1.1 {rule.status} {reasons.get(rule.status, 'Fault')}",
                 f"Content-Type: {rule.content_type}", f"Content-Length: {len(rule.body)}",
                 *(f"{name}: {value}" for name, value in rule.headers.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + rule.body)
        await writer.drain()
