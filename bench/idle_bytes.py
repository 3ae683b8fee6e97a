"""Bytes an idle dashboard writes to its terminal, per second (budget: ≤ 300 B/s while countdowns tick).

Runs `cwos-tui --demo` in a pseudo-terminal at 80x24 (a fresh HOME, so nothing of yours is read), waits for
the sandbox and the first listing, switches to a pane, lets it settle, then counts what the app writes for
SECONDS while nobody types. Prints one line per pane. Usage: python bench/idle_bytes.py [SECONDS]
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import tempfile
import termios
import time

#: the objects pane first, so an S3 key is in use and the status line counts down too
PANES = {"buckets": b"4", "objects": b":b training-data/\r", "keys": b"2", "tokens": b"1"}


def drain(fd: int, seconds: float) -> int:
    """Read whatever the app writes for `seconds`; return the byte count."""
    total, deadline = 0, time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    exe = os.path.join(os.path.dirname(sys.executable), "cwos-tui")
    env = {**os.environ, "HOME": tempfile.mkdtemp(), "TERM": "xterm-256color"}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(exe, [exe, "--demo"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        drain(fd, 12.0)  # the sandbox starts and the first pane lists
        for name, key in PANES.items():
            os.write(fd, key)
            drain(fd, 4.0)  # the pane loads and settles
            written = drain(fd, seconds)
            print(f"{name:8s} {written / seconds:7.0f} B/s idle ({written} bytes in {seconds:.0f} s)")
    finally:
        os.write(fd, b"\x11")  # Ctrl+Q
        drain(fd, 2.0)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
