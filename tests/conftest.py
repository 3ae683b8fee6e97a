"""Shared fixtures: one real sandbox (control plane over HTTP + SeaweedFS over S3) per test session."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest

from cwos_tui.sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SimpleNamespace]:
    """The seeded demo sandbox, started through `cwos-tui sandbox --json` like a user would."""
    proc = SandboxProcess("--seed", "demo")
    ready = proc.start()
    try:
        info = httpx.get(f"{ready['control_plane']}/sandbox/info", timeout=10).json()
        yield SimpleNamespace(**info, process=proc)
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[SimpleNamespace]:
    """A demo sandbox for one test module, so snapshots never show other tests' keys and principals."""
    proc = SandboxProcess("--seed", "demo")
    ready = proc.start()
    try:
        yield SimpleNamespace(control_plane=ready["control_plane"], s3=ready["s3"], token=ready["token"],
                              org_id=ready["org_id"], zone=ready["zone"])
    finally:
        proc.stop()
