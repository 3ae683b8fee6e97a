"""Start the dashboard for a profile, for the setup wizard or for the demo sandbox: what `cwos-tui`,
`cwos-tui setup` and `--demo` call. The only module of `ui/` that reaches `cwos_tui.sandbox`.

Logging goes to a file in the platformdirs log dir: the terminal belongs to the TUI. Every way out
says why on the terminal after the TUI is gone (a skipped wizard, a config error, the demo stopping).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from typing import Any

from cwos_tui.config.paths import ensure_private_dir, log_dir
from cwos_tui.config.profiles import ConfigError, resolve_profile
from cwos_tui.config.settings import Settings, load_settings
from cwos_tui.secrecy import RedactingFilter
from cwos_tui.session import Connection, connection_from_sandbox, pending_connection

LOG_FILE = "cwos-tui.log"
DEMO_STARTING = "Starting the demo sandbox…"


def setup_logging(level: str = "WARNING") -> None:
    """Send every log record to the log file, none to the terminal."""
    directory = ensure_private_dir(log_dir())
    handler = logging.FileHandler(directory / LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())  # the one redaction function, on every record and traceback
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


class DemoStartup:
    """Runs the demo sandbox for the app: started in a worker thread, stopped exactly once on exit.

    `stop()` may come before, during or after `run()` (Ctrl+Q while starting, a crash): a start that
    finishes after a stop stops its sandbox again, so no sandbox outlives the app.
    """

    reason = DEMO_STARTING

    def __init__(self, *, read_only: bool = False, seed: str = "demo") -> None:
        from cwos_tui.sandbox.process import SandboxProcess

        self.read_only = read_only
        self.sandbox = SandboxProcess("--seed", seed)
        self._lock = threading.Lock()
        self._stopped = False

    def run(self) -> Connection:
        """Blocking: start the sandbox and return its connection. Raises RuntimeError on failure."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("the app is closing")
        ready: Mapping[str, Any] = self.sandbox.start()
        with self._lock:
            stopped = self._stopped
        if stopped:
            self.sandbox.stop()
            raise RuntimeError("the app is closing")
        return connection_from_sandbox(ready, read_only=self.read_only)

    def stop(self) -> None:
        """Stop and wait (signals, crashes)."""
        with self._lock:
            self._stopped = True
        self.sandbox.stop()

    def stop_in_background(self) -> int | None:
        """Ask the sandbox to stop without waiting (a normal quit gives the shell back at once)."""
        with self._lock:
            self._stopped = True
        return self.sandbox.stop_in_background()


def _settings() -> tuple[Settings, str]:
    """The user's settings, or the defaults and why (a broken file is named with its line)."""
    try:
        return load_settings(), ""
    except ConfigError as exc:
        return Settings.from_data({}), f"{exc}; using default settings"


def _start_logging(settings: Settings) -> None:
    try:
        setup_logging(settings.log_level)
    except OSError as exc:
        print(f"cwos-tui: cannot write logs ({exc}); continuing without", file=sys.stderr)


def run_connection(connection: Connection, settings: Settings, startup: DemoStartup | None = None,
                   first_run: Any = None, note: str = "", served: bool = False) -> int:
    from cwos_tui.ui.app import CwosApp

    app = CwosApp(connection, settings=settings, startup=startup, first_run=first_run, note=note, served=served)
    app.run()
    if note:  # shown in the dashboard too, but the terminal keeps it
        print(f"cwos-tui: {note}", file=sys.stderr)
    if app.stopped_pid is not None:
        print(f"cwos-tui: the demo sandbox (pid {app.stopped_pid}) is stopping in the background.", file=sys.stderr)
    return app.return_code or 0


def run_app(
    *, demo: bool = False, profile_name: str | None = None, read_only: bool = False,
    environ: Mapping[str, str] | None = None,
) -> int:
    """`cwos-tui [--demo] [--profile NAME] [--read-only]`; returns the process exit code."""
    settings, problem = _settings()
    _start_logging(settings)
    if demo:  # the demo needs nothing from the settings file: it says what is wrong and goes on
        return _run_demo(settings, read_only, problem)
    if problem:
        print(f"cwos-tui: {problem.removesuffix('; using default settings')}", file=sys.stderr)
        return 2
    from cwos_tui.config.secrets import default_secret_store
    from cwos_tui.session import connection_from_profile
    from cwos_tui.ui.wizard import needs_setup

    if profile_name is None and needs_setup(settings):  # the first run opens the setup wizard
        return run_setup(settings=settings, read_only=read_only, environ=environ)
    try:
        profile = resolve_profile(settings, profile_name, os.environ if environ is None else environ)
        store = default_secret_store() if profile.api_token is None or profile.secret_key_name else None
        connection = connection_from_profile(profile, store=store, read_only=read_only)
    except ConfigError as exc:
        print(f"cwos-tui: {exc}", file=sys.stderr)
        return 2
    return run_connection(connection, settings, note="; ".join(profile.warnings))


def run_setup(*, settings: Settings | None = None, profile_name: str | None = None, read_only: bool = False,
              environ: Mapping[str, str] | None = None) -> int:
    """`cwos-tui setup [--profile NAME]` and the first run: the wizard, then the dashboard on the saved profile."""
    from cwos_tui.config.secrets import default_secret_store
    from cwos_tui.ui.wizard import SETUP_WAITING, FirstRun, make_state

    if settings is None:
        settings, problem = _settings()
        _start_logging(settings)
        if problem:
            print(f"cwos-tui: {problem.removesuffix('; using default settings')}", file=sys.stderr)
            return 2
    env = os.environ if environ is None else environ
    try:
        store = default_secret_store(env)
        state = make_state(env, profile_name=profile_name, store=store)
    except ConfigError as exc:
        print(f"cwos-tui: {exc}", file=sys.stderr)
        return 2
    first_run = FirstRun(state, store, env, read_only=read_only)
    return run_connection(pending_connection("setup", SETUP_WAITING, read_only=read_only), settings,
                          first_run=first_run)


def _run_demo(settings: Settings, read_only: bool, note: str = "") -> int:
    """The dashboard appears at once; the sandbox starts in a worker thread after the first paint."""
    startup = DemoStartup(read_only=read_only)
    previous = _stop_on_signals(startup)
    stopped_cleanly = False
    try:
        code = run_connection(pending_connection("demo", startup.reason, read_only=read_only), settings, startup,
                              note=note)
        stopped_cleanly = True  # the app asked the sandbox to stop as it closed
        return code
    finally:
        if not stopped_cleanly:
            startup.stop()  # a crash or Ctrl+C: wait for it, so nothing outlives us
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_signals(startup: DemoStartup) -> dict[int, Any]:
    """A closed terminal (SIGHUP, an SSH drop) or SIGTERM ends the process without `finally`: stop the
    sandbox first, then die of the same signal."""

    def stop_then_die(signum: int, _frame: object) -> None:
        startup.stop()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous: dict[int, Any] = {}
    for signum in (signal.SIGHUP, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, stop_then_die)
        except (ValueError, OSError):  # not the main thread, or a platform without the signal
            pass
    return previous
