"""Run the sandbox as a child process (`cwos-tui sandbox --json`) and stop it by PID.

Used by `cwos-tui --demo` and by the test suite, so both exercise the same entry point.

The child never outlives its parent, on every platform: its standard input is a *lifeline* pipe whose
only writer is the parent. The child watches it (`watch_lifeline`) and stops when it reads end-of-file,
which happens however the parent ends (quit, crash, `kill -9`). Its stdout and stderr are read by
threads into the log, so no pipe can fill and hang it. It never reads the user's AWS files.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from cwos_tui.sandbox.seaweed_helpers import pid_alive

log = logging.getLogger(__name__)

READY_TIMEOUT = 60.0
#: set in the child's environment when its stdin is the lifeline pipe
LIFELINE_ENV = "CWOS_SANDBOX_LIFELINE"
#: after the lifeline breaks, how long a graceful stop may take before the child exits hard
LIFELINE_GRACE = 30.0
TEMP_PREFIX = "cwos-sandbox-"
OWNER_FILE = "owner.pid"
_KEPT_ERROR_LINES = 200


def without_user_aws(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` for a sandbox: the user's AWS config and credentials files are never read (a malformed
    ~/.aws/credentials has nothing to do with the sandbox), nor are AWS_* keys or profiles."""
    env = {k: v for k, v in environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def watch_lifeline(on_broken: Callable[[], object], grace: float = LIFELINE_GRACE) -> bool:
    """In the sandbox: when started with a lifeline, call `on_broken` once the parent is gone (EOF on
    stdin), and exit hard if the graceful stop takes longer than `grace`. False when there is no lifeline."""
    if os.environ.get(LIFELINE_ENV) != "stdin":
        return False

    def watch() -> None:
        fd = sys.stdin.fileno()  # the raw fd: a daemon thread blocked in a buffered read aborts the exit
        try:
            while os.read(fd, 4096):
                pass
        except (OSError, ValueError):
            pass
        log.warning("the parent process is gone; stopping the sandbox")
        on_broken()
        time.sleep(grace)
        os._exit(1)  # the graceful stop hung; SeaweedFS has its own parent-death signal

    threading.Thread(target=watch, name="sandbox-lifeline", daemon=True).start()
    return True


def remove_stale_temp_dirs(root: Path | None = None) -> list[Path]:
    """Temporary data folders of sandboxes whose process is gone (a SIGKILL leaves them): removed."""
    removed = []
    base = Path(root or tempfile.gettempdir())
    for folder in base.glob(f"{TEMP_PREFIX}*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue
            owner = int((folder / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            continue  # not ours, or not marked: left alone
        if owner != os.getpid() and not pid_alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def make_temp_dir() -> Path:
    """A fresh temporary data folder marked with this process's PID, after removing stale ones."""
    for stale in remove_stale_temp_dirs():
        log.info("removed %s, left behind by a sandbox that is gone", stale)
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    (folder / OWNER_FILE).write_text(f"{os.getpid()}\n")
    return folder




def _drain(stream: IO[str], name: str, keep: collections.deque[str] | None = None) -> None:
    """Read a child's output until it closes: every line to the log (and the last ones to `keep`)."""
    child = logging.getLogger("cwos_tui.sandbox.child")
    try:
        for line in stream:
            if keep is not None:
                keep.append(line)
            child.info("%s: %s", name, line.rstrip())
    except (OSError, ValueError):
        pass


class SandboxProcess:
    """A sandbox child process and the facts from its ready line."""

    def __init__(self, *extra_args: str, ready_timeout: float = READY_TIMEOUT) -> None:
        self.extra_args = extra_args
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}
        #: the last lines the child wrote to stderr (all of them go to the log, read by a thread)
        self.errors: collections.deque[str] = collections.deque(maxlen=_KEPT_ERROR_LINES)
        self._drains: list[threading.Thread] = []

    def start(self) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "cwos_tui", "sandbox", "--json", *self.extra_args]
        if "--port" not in self.extra_args:
            cmd += ["--port", "0"]
        if "--s3-port" not in self.extra_args:
            cmd += ["--s3-port", "0"]
        env = {**without_user_aws(os.environ), LIFELINE_ENV: "stdin"}
        # stdin is the lifeline: only this process holds its write end, so the child sees EOF when we end
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._drain(self.proc.stderr, "stderr", self.errors)
        line = ""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + self.ready_timeout
            while not line and time.monotonic() < deadline:
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    line = self.proc.stdout.readline()
                    if not line:
                        break
        if not line:
            self.stop()
            err = self.error_text()
            raise RuntimeError(f"the sandbox did not start: {err.strip()[-1500:] or 'no output'}")
        self._drain(self.proc.stdout, "stdout")
        self.ready = json.loads(line)
        return self.ready

    def _drain(self, stream: IO[str], name: str, keep: collections.deque[str] | None = None) -> None:
        thread = threading.Thread(target=_drain, args=(stream, name, keep), name=f"sandbox-{name}", daemon=True)
        thread.start()
        self._drains.append(thread)

    def error_text(self) -> str:
        """The last lines the child wrote to stderr (waits briefly for a child that has exited)."""
        for thread in self._drains[:1]:
            if self.proc is not None and self.proc.poll() is not None:
                thread.join(timeout=2)
        return "".join(self.errors)

    def stop_in_background(self, timeout: float = 20.0) -> int | None:
        """Ask the sandbox to stop and return at once; a detached watchdog kills its process group if
        it is still there after `timeout` seconds. Returns the sandbox's PID, or None if none runs."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return None
        proc.send_signal(signal.SIGTERM)
        subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(proc.pid), str(timeout)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
        return proc.pid

    def stop(self, timeout: float = 20.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


#: Runs detached after the app has gone: waits for the sandbox to exit, kills its group if it hangs.
_WATCHDOG = """
import os, signal, sys, time
pid, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(0)
    time.sleep(0.2)
try:
    os.killpg(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
"""
