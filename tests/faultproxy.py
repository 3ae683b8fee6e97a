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
from typing import Literal, Self

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


@dataclass
class FaultProxy:
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
