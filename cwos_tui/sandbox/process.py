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
import time
from typing import Any

READY_TIMEOUT = 60.0


class SandboxProcess:
    """A sandbox child process and the facts from its ready line."""

    def __init__(self, *extra_args: str, ready_timeout: float = READY_TIMEOUT) -> None:
        self.extra_args = extra_args
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "cwos_tui", "sandbox", "--json", *self.extra_args]
        if "--port" not in self.extra_args:
            cmd += ["--port", "0"]
        if "--s3-port" not in self.extra_args:
            cmd += ["--s3-port", "0"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
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
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"the sandbox did not start: {err.strip()[-1500:] or 'no output'}")
        self.ready = json.loads(line)
        return self.ready

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
