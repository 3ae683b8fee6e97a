"""The demo sandbox never outlives the dashboard, never hangs on its output, never reads the user's AWS files,
and the temporary folder of a killed sandbox is removed at the next start (issue 16)."""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import httpx

from cwos_tui.sandbox.process import OWNER_FILE, SandboxProcess, remove_stale_temp_dirs
from tests.test_sandbox_process import pid_alive, wait_gone


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _poll(condition, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {what}")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_kill_9_of_the_dashboard_takes_the_sandbox_and_seaweedfs_with_it():
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    dashboard = subprocess.Popen([sys.executable, "-m", "cwos_tui", "--demo"], stdin=slave, stdout=slave,
                                 stderr=slave, env=env, start_new_session=True)
    os.close(slave)

    screen = bytearray()

    def drain() -> None:  # the dashboard's screen output: read so the terminal never fills
        try:
            while chunk := os.read(master, 65536):
                screen.extend(chunk[-4096:])
                del screen[:-65536]
        except OSError:
            pass

    threading.Thread(target=drain, daemon=True).start()
    try:
        sandbox = _poll(lambda: next((p for p in _children(dashboard.pid) if " sandbox " in _cmdline(p)), None),
                        "the sandbox process")
        weed = _poll(lambda: next((p for p in _children(sandbox) if "weed" in _cmdline(p)), None), "SeaweedFS")
        _poll(lambda: b"training-data" in screen, "the dashboard showing the demo's buckets")
        data_dir = next(part.split("=", 1)[1] for part in _cmdline(weed).split() if part.startswith("-dir="))
        os.kill(dashboard.pid, signal.SIGKILL)
        dashboard.wait(timeout=10)
        assert wait_gone(sandbox, timeout=20), "the sandbox outlived the dashboard"
        assert wait_gone(weed, timeout=10), "SeaweedFS outlived the dashboard"
        root = next(p for p in (Path(data_dir), *Path(data_dir).parents) if p.name.startswith("cwos-sandbox-"))
        _poll(lambda: not root.exists(), "the sandbox's temporary folder removed", 10)
    finally:
        if dashboard.poll() is None:
            os.killpg(dashboard.pid, signal.SIGKILL)
            dashboard.wait()
        os.close(master)


def test_a_killed_sandboxs_folder_goes_at_next_start_and_user_aws_files_are_never_read(hermetic, caplog):
    aws = hermetic / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("this is not [an ini file\n")
    (aws / "config").write_text("[profile x\nregion\n")
    first = SandboxProcess("--seed", "empty")
    ready = first.start()  # before: "the sandbox did not start: … Unable to parse config file"
    info = httpx.get(f"{ready['control_plane']}/sandbox/info", timeout=10).json()
    folder = Path(info["data_dir"])
    assert (folder / OWNER_FILE).read_text().strip() == str(first.proc.pid)
    assert first.proc is not None
    os.kill(first.proc.pid, signal.SIGKILL)  # no clean-up can run
    first.proc.wait(timeout=10)
    assert wait_gone(info["data_plane_pid"], timeout=15)
    assert folder.is_dir()  # left behind, as a SIGKILL leaves it

    caplog.set_level(logging.INFO, logger="cwos_tui.sandbox.child")
    second = SandboxProcess("--seed", "empty")
    ready = second.start()
    try:
        assert not folder.exists(), "the stale folder of the killed sandbox is still there"
        port = int(ready["control_plane"].rsplit(":", 1)[1])
        for _ in range(300):  # malformed requests make the server write warnings to its stderr
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        assert httpx.get(f"{ready['control_plane']}/sandbox/health", timeout=10).status_code == 200
        _poll(lambda: any("stderr:" in r.getMessage() for r in caplog.records), "stderr lines in the log", 20)
    finally:
        second.stop()


def test_only_marked_folders_of_dead_processes_are_removed(tmp_path):
    dead, alive = tmp_path / "cwos-sandbox-dead", tmp_path / "cwos-sandbox-alive"
    unmarked, other = tmp_path / "cwos-sandbox-unmarked", tmp_path / "something-else"
    for folder in (dead, alive, unmarked, other):
        folder.mkdir()
    (dead / OWNER_FILE).write_text(f"{_dead_pid()}\n")
    (alive / OWNER_FILE).write_text(f"{os.getpid()}\n")
    (other / OWNER_FILE).write_text(f"{_dead_pid()}\n")
    assert remove_stale_temp_dirs(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and unmarked.exists() and other.exists()
    assert pid_alive(os.getpid())
