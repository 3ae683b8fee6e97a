"""`cwos-tui serve`: check the bind address, start the shared demo sandbox, serve, stop everything.

Every browser tab gets its own dashboard process (`python -m cwos_tui.ui.web_app`), told by its
environment that it is served (`CWOS_WEB=1`), whether every visitor is read-only, and, with `--demo`,
where the one sandbox of this server is (`CWOS_WEB_DEMO`: a 0600 JSON file in a 0700 directory that is
removed when the server stops). The sandbox starts before the first request and stops after the last
dashboard has gone.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cwos_tui.web import APP_MODULE, DEMO_ENV, READ_ONLY_ENV, SERVED_ENV
from cwos_tui.web.access import TOKEN_PARAM, Access, is_loopback, new_token, url_host


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    profile: str | None = None
    demo: bool = False
    read_only: bool = False
    allow_remote: bool = False


def refusal(options: ServeOptions) -> str | None:
    """Why these options cannot be served, or None."""
    if options.demo and options.profile:
        return "--demo and --profile exclude each other (the demo runs on its own sandbox)"
    if not (0 <= options.port <= 65535):
        return f"--port {options.port} is not a port number (0 picks a free one)"
    if not is_loopback(options.host) and not options.allow_remote:
        return (f"refusing to serve on {options.host}: every visitor would act with your tokens, keys and "
                "profiles. Serve on 127.0.0.1 (the default), or add --allow-remote to require an access token")
    return None


def dashboard_argv(options: ServeOptions) -> list[str]:
    argv = [sys.executable, "-m", APP_MODULE]
    if options.profile:
        argv += ["--profile", options.profile]
    if options.read_only:
        argv.append("--read-only")
    return argv


def check_profile(options: ServeOptions) -> str | None:
    """A profile that cannot be resolved is said before serving, not in every tab."""
    if options.demo:
        return None
    from cwos_tui.config.errors import ConfigError
    from cwos_tui.config.profiles import resolve_profile
    from cwos_tui.config.settings import load_settings

    try:
        resolve_profile(load_settings(), options.profile, os.environ)
    except ConfigError as exc:
        return f"{exc} (run `cwos-tui setup` first, or serve the demo with --demo)"
    return None


def public_url(host: str, port: int, token: str | None) -> str:
    name = socket.gethostname() if host in ("0.0.0.0", "::", "") else url_host(host)
    return f"http://{name}:{port}/" + (f"?{TOKEN_PARAM}={token}" if token else "")


class DemoSandbox:
    """The one sandbox every tab of a `serve --demo` shares."""

    def __init__(self) -> None:
        from cwos_tui.sandbox.process import SandboxProcess

        self.process = SandboxProcess("--seed", "demo")
        self.directory: Path | None = None

    def start(self) -> Path:
        """Blocking: start the sandbox and write its ready line where the dashboards read it."""
        ready: dict[str, Any] = self.process.start()
        self.directory = Path(tempfile.mkdtemp(prefix="cwos-tui-serve-"))  # 0700
        state = self.directory / "sandbox.json"
        fd = os.open(state, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(ready, handle)
        return state

    @property
    def pid(self) -> int | None:
        proc = self.process.proc
        return None if proc is None else proc.pid

    def stop(self) -> None:
        self.process.stop()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


async def serve(options: ServeOptions, out: IO[str]) -> None:
    from aiohttp import web

    from cwos_tui.web.server import WebServer

    env = {SERVED_ENV: "1"}
    if options.read_only:
        env[READ_ONLY_ENV] = "1"
    sandbox = DemoSandbox() if options.demo else None
    stop = _stop_event()
    try:
        if sandbox is not None:
            print("Starting the demo sandbox…", file=out, flush=True)
            env[DEMO_ENV] = str(await asyncio.to_thread(sandbox.start))
        remote = options.allow_remote or not is_loopback(options.host)
        access = Access(token=new_token() if remote else None, loopback_only=not remote)
        server = WebServer(dashboard_argv(options), env, access)
        runner = web.AppRunner(server.make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, options.host, options.port)
            await site.start()
            access.port = _bound_port(runner, options.port)
            _announce(options, access, sandbox, out)
            await stop.wait()
            print("Stopping: closing every dashboard…", file=out, flush=True)
        finally:
            await server.close_all()
            await runner.cleanup()
    finally:
        if sandbox is not None:
            await asyncio.to_thread(sandbox.stop)


def _announce(options: ServeOptions, access: Access, sandbox: DemoSandbox | None, out: IO[str]) -> None:
    lines = [f"cwos-tui is served at {public_url(options.host, access.port, access.token)}"]
    if access.token:
        lines.append("  Anyone with this URL acts with your tokens and keys: it is shown only this once.")
    if options.read_only:
        lines.append("  Read-only for every visitor.")
    if sandbox is not None:
        lines.append(f"  Every tab shares one demo sandbox (pid {sandbox.pid}).")
    lines.append("  Open it in a browser; press Ctrl+C here to stop (every dashboard and the sandbox stop too).")
    print("\n".join(lines), file=out, flush=True)


def _bound_port(runner: Any, asked: int) -> int:
    for site_server in getattr(runner, "sites", ()):
        server = getattr(site_server, "_server", None)
        for sock in getattr(server, "sockets", None) or ():
            return int(sock.getsockname()[1])
    return asked


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    return stop


def run_serve(options: ServeOptions, out: IO[str] | None = None) -> int:
    """The command: 2 for refused options, 1 when serving fails, 0 after a clean stop."""
    out = out or sys.stdout
    problem = refusal(options) or check_profile(options)
    if problem:
        print(f"cwos-tui serve: {problem}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(options, out))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, the address is not ours
        print(f"cwos-tui serve: cannot serve on {options.host}:{options.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    except RuntimeError as exc:  # the demo sandbox did not start
        print(f"cwos-tui serve: {exc}", file=sys.stderr)
        return 1
    return 0
