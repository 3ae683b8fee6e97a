"""The sandbox orchestrator: SeaweedFS, the S3 front proxy and the control plane, started and stopped together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import uvicorn

from cwos_tui.sandbox.control_plane import build_app
from cwos_tui.sandbox.emulator import Emulator
from cwos_tui.sandbox.idp import OIDC_ISSUER
from cwos_tui.sandbox.process import make_temp_dir, watch_lifeline
from cwos_tui.sandbox.s3_authority import SandboxS3Authority
from cwos_tui.sandbox.s3_proxy import S3Proxy, S3ProxyHooks, make_s3_proxy
from cwos_tui.sandbox.seaweed import IdentityChange, SeaweedFS
from cwos_tui.sandbox.seed import seed_admin, seed_demo_control_plane, seed_demo_objects
from cwos_tui.sandbox.state import ZONES, State

log = logging.getLogger(__name__)
DEFAULT_ZONE = ZONES[0]
SWEEP_SECONDS = 0.25
USAGE_CACHE_SECONDS = 5.0
USAGE_MAX_KEYS = 200_000


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the sandbox."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _listen(port: int) -> socket.socket:
    # IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections (no 40 ms delayed-ACK stalls).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


@dataclass
class SandboxOptions:
    port: int = 0
    s3_port: int = 0
    data_dir: Path | None = None
    seed: Literal["demo", "empty"] = "demo"


class Sandbox:
    """A local CAIOS: `await start()`, use `info()`, `await stop()`."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self._temp_dir: Path | None = None
        self._servers: list[_QuietServer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._applied: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self._sync_lock = asyncio.Lock()
        self._usage_cache: dict[str, tuple[float, tuple[int, int]]] = {}
        self.seaweed: SeaweedFS | None = None
        self._admin_s3: Any = None
        self._proxy: S3Proxy | None = None
        self.emulator: Emulator | None = None
        self.control_plane_url = ""
        self.s3_url = ""

    # -- lifecycle --------------------------------------------------------------------------------------
    async def start(self) -> dict[str, Any]:
        try:
            return await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> dict[str, Any]:
        # its own boto clients never read the user's AWS files (a malformed ~/.aws/credentials must not matter)
        os.environ.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        data_dir = self.options.data_dir
        if data_dir is None:
            self._temp_dir = data_dir = make_temp_dir()  # stale folders of killed sandboxes go first
        data_dir.mkdir(parents=True, exist_ok=True)
        state_file = data_dir / "state.json"
        fresh = not state_file.exists()
        state = State.new() if fresh else State.load(state_file)
        emu = self.emulator = Emulator(state, state_file)

        # a temporary folder is removed on stop: weed need not flush it first (its SIGTERM takes 1-11 s)
        self.seaweed = SeaweedFS(data_dir / "seaweedfs", state.s3_admin_key, state.s3_admin_secret,
                                 disposable=self._temp_dir is not None)
        await self.seaweed.start()

        cp_sock, s3_sock = _listen(self.options.port), _listen(self.options.s3_port)
        self.control_plane_url = f"http://127.0.0.1:{cp_sock.getsockname()[1]}"
        self.s3_url = f"http://127.0.0.1:{s3_sock.getsockname()[1]}"
        hooks = S3ProxyHooks(zones=list(emu.zones), on_bucket_created=self._bucket_created,
                             on_bucket_deleted=self._bucket_deleted, deletion_blocker=self._deletion_blocker)
        self._proxy = make_s3_proxy(self.seaweed.s3_url, hooks, authority=SandboxS3Authority(emu))
        await self._serve(self._proxy, s3_sock, quiet_headers=True)
        await self._serve(build_app(emu, self.info), cp_sock)

        objects = None
        if fresh:
            await seed_admin(emu)
            if self.options.seed == "demo":
                await seed_demo_control_plane(emu)
                objects = asyncio.to_thread(seed_demo_objects, self.seaweed.admin_client())
        emu.on_change = self.sync_identities
        emu.usage = self._usage
        # Objects go in with the sandbox's own identity, so they need not wait for the keys' identities.
        await asyncio.gather(self.sync_identities(), *([objects] if objects else []))
        self._tasks.append(asyncio.create_task(self._sweep(), name="sandbox-sweeper"))
        return self.info()

    async def _serve(self, app: Any, sock: socket.socket, *, quiet_headers: bool = False) -> None:
        # The S3 proxy passes SeaweedFS's own Server and Date headers through; uvicorn must not add twins.
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=30, h11_max_incomplete_event_size=1 << 20,
                                server_header=not quiet_headers, date_header=not quiet_headers)
        server = _QuietServer(config)
        self._servers.append(server)
        self._tasks.append(asyncio.create_task(server.serve(sockets=[sock])))
        deadline = time.monotonic() + 10
        while not server.started:
            if self._tasks[-1].done():
                self._tasks[-1].result()
                raise RuntimeError("the sandbox HTTP server stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox HTTP server did not start within 10 s")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        for task in self._tasks:
            if not task.done() and task.get_name() == "sandbox-sweeper":
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)
        self._tasks.clear()
        self._servers.clear()
        if self._proxy is not None:
            await self._proxy.aclose()
            self._proxy = None
        if self.seaweed is not None:
            await self.seaweed.stop()
            self.seaweed = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    @staticmethod
    @contextlib.contextmanager
    def stop_on_signals() -> Generator[asyncio.Event, None, None]:
        """An event set by SIGINT or SIGTERM, or when the parent's lifeline breaks (`--demo`: the dashboard
        is gone, however it ended); install it before announcing readiness so no signal is lost."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        watch_lifeline(lambda: loop.call_soon_threadsafe(stop.set))
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            yield stop
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    # -- facts -------------------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        assert self.emulator is not None
        state = self.emulator.state
        admin = state.principals.get(state.admin_uid)
        return {
            "control_plane": self.control_plane_url,
            "s3": self.s3_url,
            "token": state.admin_token,
            "org_id": state.org_id,
            "zone": DEFAULT_ZONE,
            "zones": list(self.emulator.zones),
            "admin_principal": admin.principal_name if admin else "",
            "oidc_issuer": OIDC_ISSUER,
            "saml_config_id": state.saml_config_id,
            "data_plane_pid": self.seaweed.pid if self.seaweed else None,
            # SeaweedFS itself, behind the S3 front: for overhead benchmarks only (it authorizes nothing)
            "data_plane_direct": self.seaweed.s3_url if self.seaweed and self.seaweed.pid else "",
            "data_dir": str(self.options.data_dir or self._temp_dir or ""),
        }

    # -- data plane --------------------------------------------------------------------------------------
    async def sync_identities(self) -> None:
        """Make SeaweedFS's identities match the usable keys (each with full rights: the S3 front decides)."""
        if self.emulator is None or self.seaweed is None:
            return
        async with self._sync_lock:
            desired = self.emulator.desired_identities()
            changes: list[IdentityChange] = []
            for name in self._applied.keys() - desired.keys():
                changes.append(IdentityChange.delete(name))
            for name, (akid, secret, actions) in desired.items():
                if self._applied.get(name) != (akid, secret, actions):
                    changes.append(IdentityChange.put(name, akid, secret, list(actions)))
            if not changes:
                return
            await self.seaweed.apply_identities(changes)
            self._applied = desired

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sync_identities()
            except Exception:  # keep sweeping; the next round retries
                log.exception("identity sync failed")

    async def _bucket_created(self, name: str, zone: str) -> None:
        assert self.emulator is not None
        self.emulator.record_bucket(name, zone)
        await self.emulator.changed()

    async def _bucket_deleted(self, name: str) -> None:
        assert self.emulator is not None
        self.emulator.forget_bucket(name)
        await self.emulator.changed()

    async def _admin_client(self) -> Any:
        """The sandbox's own S3 client, made once (building a boto3 client takes a few hundred milliseconds)."""
        assert self.seaweed is not None
        if self._admin_s3 is None:
            self._admin_s3 = await asyncio.to_thread(self.seaweed.admin_client)
        return self._admin_s3

    async def _deletion_blocker(self, bucket: str) -> str | None:
        """Object versions, delete markers or incomplete multipart uploads keep a bucket from being deleted
        (SeaweedFS would drop them with the bucket; README, sandbox table)."""
        client = await self._admin_client()

        def look() -> str | None:
            versions = client.list_object_versions(Bucket=bucket, MaxKeys=1)
            if versions.get("Versions") or versions.get("DeleteMarkers"):
                return "it still holds object versions or delete markers"
            if client.list_multipart_uploads(Bucket=bucket, MaxUploads=1).get("Uploads"):
                return "it has incomplete multipart uploads; abort them first"
            return None

        try:
            return await asyncio.to_thread(look)
        except Exception:  # a missing bucket and the like: SeaweedFS answers the DELETE itself
            return None

    async def _usage(self, bucket: str) -> tuple[int, int]:
        cached = self._usage_cache.get(bucket)
        if cached and time.monotonic() - cached[0] < USAGE_CACHE_SECONDS:
            return cached[1]
        client = await self._admin_client()

        def count() -> tuple[int, int]:
            size = n = 0
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for obj in page.get("Contents", []):
                    size += obj["Size"]
                    n += 1
                if n >= USAGE_MAX_KEYS:
                    break
            return size, n

        try:
            result = await asyncio.to_thread(count)
        except Exception:
            log.exception("usage of %s failed", bucket)
            result = (0, 0)
        self._usage_cache[bucket] = (time.monotonic(), result)
        return result
