"""Helpers for the `cwos-tui serve` tests: a served dashboard as a child process, tabs over its websocket,
the process tree below it, and the text of what a tab was sent (escape sequences removed)."""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp

_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
START_TIMEOUT = 90.0


def terminal_text(raw: str) -> str:
    """What a terminal shows of `raw`, roughly: escape sequences out, the characters in order."""
    return _ESCAPES.sub("", raw)


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def token(self) -> str | None:
        return parse_qs(urlsplit(self.url).query).get("token", [None])[0]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def serve(*args: str, cwd: Path | None = None) -> Served:
    """`cwos-tui serve --port 0 ARGS`, returned once it printed its URL."""
    proc = subprocess.Popen([sys.executable, "-m", "cwos_tui", "serve", "--port", "0", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=cwd)
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    output = b""
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as sel:  # raw reads: a buffered readline would hide ready lines
        sel.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline and b"Ctrl+C" not in output:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                output += chunk
    text = output.decode(errors="replace")
    match = re.search(r"served at (http://\S+)", text)
    if b"Ctrl+C" in output and match:
        _drain(proc)
        return Served(proc, match.group(1), text.splitlines(keepends=True))
    proc.terminate()  # SIGTERM: the server stops the sandbox it may have started (SIGKILL would orphan it)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    raise AssertionError("cwos-tui serve did not start:\n" + text)


def _drain(proc: subprocess.Popen[str]) -> None:
    """Keep reading the server's output in a thread (a full pipe would block it)."""
    import threading

    def read() -> None:
        assert proc.stdout is not None
        while os.read(proc.stdout.fileno(), 65536):
            pass

    threading.Thread(target=read, daemon=True).start()


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid` (by parent PID, through new sessions too): pid -> command line."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents[int(entry.name)] = int(fields[1])
        commands[int(entry.name)] = cmdline
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Tab:
    """A browser tab without the browser: the page's websocket, keys in, the terminal's text out."""

    def __init__(self, session: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.session = session
        self.socket = socket
        self.raw = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    @classmethod
    async def open(cls, served: Served, *, width: int = 120, height: int = 32) -> Tab:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        if served.token:
            async with session.get(f"{served.base}/?token={served.token}", allow_redirects=False) as response:
                assert response.status == 303
        socket = await session.ws_connect(f"{served.base.replace('http', 'ws', 1)}/ws?width={width}&height={height}",
                                          origin=served.base)
        return cls(session, socket)

    @property
    def text(self) -> str:
        return terminal_text(self.raw)

    async def wait_for(self, *texts: str, since: int = 0, timeout: float = 60.0) -> str:
        """Read frames until every text appeared (after `since`, a `mark()`); the terminal text so far."""
        async def until() -> str:
            while not all(t in self.since(since) for t in texts):
                message = await self.socket.receive()
                if message.type == aiohttp.WSMsgType.BINARY:
                    self.raw += self._decoder.decode(message.data)
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    raise AssertionError(f"the tab closed before {texts!r} arrived:\n{self.text[-2000:]}")
            return self.text

        try:
            return await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"{texts!r} did not arrive; the tab shows:\n{self.text[-3000:]}") from None

    def mark(self) -> int:
        return len(self.raw)

    def since(self, mark: int) -> str:
        return terminal_text(self.raw[mark:])

    async def press(self, keys: str) -> None:
        await self.socket.send_json(["stdin", keys])

    async def close(self) -> None:
        await self.socket.close()
        await self.session.close()


def cookie_jar_has_token(session: aiohttp.ClientSession) -> bool:
    return any(c.key.startswith("cwos-tui-token-") for c in session.cookie_jar)


def env_without_display() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
