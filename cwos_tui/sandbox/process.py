"""Run the sandbox as a child process (`cwos-tui sandbox --json`) and stop it by PID.

Used by `cwos-tui --demo` and by the test suite, so both exercise the same entry point.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

READY_TIMEOUT = 60.0


class SandboxProcess:
    """A sandbox child process and the facts from its ready line."""

    def __init__(self, *extra_args: str, ready_timeout: float = READY_TIMEOUT) -> None:
        self.extra_args = extra_args
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}
        #: the child's stderr goes to a file, never a pipe nobody reads (a full pipe would hang it)
        self.errors: IO[bytes] | None = None

    def start(self) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "cwos_tui", "sandbox", "--json", *self.extra_args]
        if "--port" not in self.extra_args:
            cmd += ["--port", "0"]
        if "--s3-port" not in self.extra_args:
            cmd += ["--s3-port", "0"]
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.errors, text=True, start_new_session=True)
        assert self.proc.stdout is not None
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
        self.ready = json.loads(line)
        return self.ready

    def error_text(self) -> str:
        """What the child wrote to stderr so far."""
        if self.errors is None:
            return ""
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")

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
