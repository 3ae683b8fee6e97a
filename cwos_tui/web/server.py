"""The aiohttp app behind `cwos-tui serve`: the page, one dashboard process per websocket, downloads.

It speaks textual-serve's protocol and reuses its pieces (the xterm.js client in its static folder,
`AppService` for the framed pipe to a Textual app on the web driver, `DownloadManager` for
`deliver_binary`), with our own routes: access rules on every request (`access.py`), a websocket URL
taken from the request (so a remote bind works under any name), dashboards started without a shell in
their own process group, and every one of them stopped (by PID, killed if it does not exit) when the
server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from cwos_tui.web.access import Access, access_middleware
from cwos_tui.web.page import page

log = logging.getLogger(__name__)
STATIC = Path(textual_serve.__file__).resolve().parent / "static"
#: how long a dashboard may take to quit when its tab closes or the server stops, before it is killed
QUIT_GRACE = 5.0
#: each tab is a process: a page reloaded in a loop (or a visitor with the token) cannot start without end
MAX_DASHBOARDS = 16


class Dashboard(AppService):
    """One tab's dashboard process: started without a shell, in its own process group."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = list(argv)
        self.extra_env = dict(env)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        environment = {**self._build_environment(width=width, height=height), **self.extra_env}
        process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True,
        )
        self._process = process
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def finish(self) -> None:
        """Ask the dashboard to quit; kill its process group if it has not gone within QUIT_GRACE."""
        try:
            await asyncio.wait_for(self.stop(), QUIT_GRACE)
        except (TimeoutError, Exception) as exc:  # a hung or broken child must not keep the server up
            log.warning("dashboard %s did not quit (%s); killing it", self.pid, type(exc).__name__)
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None


class WebServer:
    """The routes and the live dashboards of one `cwos-tui serve`."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], access: Access, title: str = "cwos-tui") -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.access = access
        self.title = title
        self.downloads = DownloadManager()
        self.dashboards: set[Dashboard] = set()
        self.sockets: set[web.WebSocketResponse] = set()

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[access_middleware(self.access)])
        app.add_routes([
            web.get("/", self.index),
            web.get("/ws", self.websocket),
            web.get("/download/{key}", self.download),
            web.static("/static", STATIC),
        ])
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def index(self, request: web.Request) -> web.Response:
        scheme = "wss" if request.secure else "ws"
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        html = page(title=self.title, websocket_url=f"{scheme}://{request.host}/ws", font_size=font_size)
        return web.Response(text=html, content_type="text/html",
                            headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                     "Referrer-Policy": "no-referrer"})

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if len(self.dashboards) >= MAX_DASHBOARDS:
            return web.Response(status=503, text=f"{MAX_DASHBOARDS} dashboards are open; close a tab first.\n")
        socket = web.WebSocketResponse(heartbeat=15)
        await socket.prepare(request)
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        dashboard = Dashboard(self.argv, self.env, write_bytes=socket.send_bytes, write_str=socket.send_str,
                              close=socket.close, download_manager=self.downloads)
        self.sockets.add(socket)
        self.dashboards.add(dashboard)
        try:
            await dashboard.start(width, height)
            log.info("dashboard %s started for a tab", dashboard.pid)
            await self._pump(socket, dashboard)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("a dashboard session failed")
        finally:
            await dashboard.finish()
            self.dashboards.discard(dashboard)
            self.sockets.discard(socket)
            await socket.close()
        return socket

    async def _pump(self, socket: web.WebSocketResponse, dashboard: Dashboard) -> None:
        """The browser's messages to the dashboard: keys, size, focus, and pings answered here."""
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, *rest = json.loads(message.data)
            except (ValueError, TypeError):
                continue
            data = rest[0] if rest else None
            if kind == "stdin" and isinstance(data, str):
                await dashboard.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await dashboard.set_terminal_size(_size(data.get("width"), 80), _size(data.get("height"), 24))
            elif kind == "ping":
                await socket.send_json(["pong", data])
            elif kind == "blur":
                await dashboard.blur()
            elif kind == "focus":
                await dashboard.focus()

    async def download(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        try:
            meta = await self.downloads.get_download_metadata(key)
        except KeyError:
            return web.Response(status=404, text="This download is gone (each link works once).\n")
        response = web.StreamResponse()
        content_type = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        response.headers["Content-Type"] = content_type
        response.headers["Content-Disposition"] = disposition(
            "inline" if meta.open_method == "browser" else "attachment", meta.file_name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        await response.prepare(request)
        async for chunk in self.downloads.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def _on_shutdown(self, _app: web.Application) -> None:
        await self.close_all()

    async def close_all(self) -> None:
        """Stop every dashboard (by PID; killed after QUIT_GRACE) and close every websocket."""
        await asyncio.gather(*(d.finish() for d in list(self.dashboards)), return_exceptions=True)
        await asyncio.gather(*(s.close() for s in list(self.sockets)), return_exceptions=True)

    def pids(self) -> list[int]:
        return [pid for d in self.dashboards if (pid := d.pid) is not None]


def disposition(kind: str, file_name: str) -> str:
    """RFC 6266: an ASCII fallback name plus the exact UTF-8 name; quotes, controls and `;` cannot escape."""
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in file_name) or "download"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _size(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return max(10, min(number, 1000))
