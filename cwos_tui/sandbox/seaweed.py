"""Run one SeaweedFS `weed mini` as the sandbox's real S3 server and keep its identities in step.

The sandbox issues access keys on its control plane; every key must work on S3 at once and stop
working when revoked. `weed shell` `s3.configure` is the mechanism measured to take effect within
milliseconds, so changes are batched into one shell run and followed by a probe request proving
that the S3 gateway has seen the whole batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from cwos_tui.sandbox.seaweed_helpers import (
    COMPONENTS,
    GRPC_OFFSET,
    LIVE_PIDS,
    SOCKET_DIR,
    SeaweedError,
    SeaweedStartError,
    find_weed_binary,
    parent_death_preexec,
    pick_ports,
    pid_alive,
    redact,
    sign_list_buckets,
    unix_socket_listening,
)
from cwos_tui.sandbox.seaweed_identities import (
    PROBE_NAME,
    IdentityChange,
    KnownIdentity,
    WeedShell,
    parse_export,
    plan_changes,
    validate_changes,
)

# Helpers and identity planning live in seaweed_helpers / seaweed_identities; they stay importable from here.
__all__ = [
    "DEFAULT_REGION", "GRPC_OFFSET", "SOCKET_DIR", "IdentityChange", "SeaweedError", "SeaweedFS", "SeaweedStartError",
    "find_weed_binary", "pick_ports", "pid_alive", "redact", "sign_list_buckets",
]

log = logging.getLogger(__name__)

DEFAULT_REGION = "US-EAST-04A"


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
        disposable: bool = False,
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
        self.disposable = disposable  # the data goes with the sandbox: stop kills weed instead of waiting
        self._proc: asyncio.subprocess.Process | None = None
        self._ports: dict[str, int] = {}
        self._log_offset = 0
        self._http: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._shell: WeedShell | None = None
        self._known: dict[str, KnownIdentity] | None = None
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
                        for c in COMPONENTS]

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
                start_new_session=True,
                preexec_fn=parent_death_preexec(signal.SIGKILL if self.disposable else signal.SIGTERM),
            )
        LIVE_PIDS.add(self._proc.pid)

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
        """SIGTERM by PID, SIGKILL after `stop_timeout` (at once for disposable data), then remove sockets
        weed left behind."""
        if self._shell is not None:  # first: it talks to weed's master
            await self._shell.close()
            self._shell = None
        if self._proc is not None and self._proc.returncode is None and not self.disposable:
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
            if path.exists() and not unix_socket_listening(path):
                path.unlink(missing_ok=True)

    async def _reap(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        LIVE_PIDS.discard(proc.pid)

    # -- identities -------------------------------------------------------------------------------

    async def apply_identities(self, changes: Sequence[IdentityChange]) -> None:
        """Apply all changes in one `weed shell` run; return once the S3 gateway enforces them."""
        async with self._lock:
            if self._known is None:
                self._known = await self._export_identities()
            validate_changes(self._known, changes, reserved_names=(self.admin_name, PROBE_NAME),
                             reserved_keys=(self.admin_access_key, self._probe_key))
            probe_secret = secrets.token_hex(20)
            batch = [*changes, IdentityChange.put(PROBE_NAME, self._probe_key, probe_secret, [])]
            lines, wanted = plan_changes(self._known, batch)
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
                    for name, k in self._known.items() if name != PROBE_NAME}

    async def _run_shell(self, lines: Sequence[str], secret_values: Sequence[str]) -> str:
        """Run `lines` in this instance's long-lived `weed shell` (see `WeedShell`)."""
        if self.pid is None:
            raise SeaweedError("SeaweedFS is not running")
        if self._shell is None:
            self._shell = WeedShell(self._weed_binary or find_weed_binary(), self._ports["master"],
                                    self._ports["filer"], self.data_dir, parent_death_preexec(signal.SIGKILL))
        return await self._shell.run(lines, secret_values)

    async def _export_identities(self) -> dict[str, KnownIdentity]:
        return parse_export(await self._run_shell(["s3.iam.export"], []), self.admin_name)

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
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"},
                          max_pool_connections=16),  # seeding puts from 16 threads
        )
