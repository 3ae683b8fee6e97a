"""SVG snapshots of every pane at 100x30 and the objects pane at 80x24, on a private demo sandbox.

A private sandbox keeps other tests' keys and principals out of the pictures. Values that change
from run to run (ports, random IDs, timestamps) go through the app's display filter, and the
countdown reads a ManualClock set relative to the S3 key's expiry, so the pictures are stable.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.sandbox.process import SandboxProcess
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.ui_support import make_app

_VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\bCW[A-Z0-9]{14}\b"), "CW" + "X" * 14),
    (re.compile(r"coreweave/u[a-z0-9]{15}"), "coreweave/u" + "x" * 15),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"), "YYYY-MM-DD hh:mm"),
    (re.compile(r"CW-SECRET-\*{4}\w{4}"), "CW-SECRET-****xxxx"),
    # countdown cells of the Keys/Tokens lists: relative to keys minted at run time (tests/test_ui_keys.py
    # snapshots them with an anchored clock instead)
    (re.compile(r"^(\d+d \d+h|\d+h \d\dm|\d+m \d\ds|\d+s)$"), "(live)"),
]


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[SimpleNamespace]:
    proc = SandboxProcess("--seed", "demo")
    ready = proc.start()
    try:
        yield SimpleNamespace(control_plane=ready["control_plane"], s3=ready["s3"], token=ready["token"],
                              org_id=ready["org_id"], zone=ready["zone"])
    finally:
        proc.stop()


def stable(sandbox: SimpleNamespace):
    def display_filter(text: str) -> str:
        for pattern, replacement in _VOLATILE:
            text = pattern.sub(replacement, text)
        return text.replace(sandbox.org_id, "ORG")

    return display_filter


def snapshot_app(sandbox: SimpleNamespace, pane: str, location: str = ""):
    clock = ManualClock()
    app = make_app(sandbox, clock=clock, display_filter=stable(sandbox), initial_pane=pane)

    async def prepare(pilot) -> None:
        if location:
            app.open_location(*location.split("/", 1))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            credentials = app.services.storage.credentials
            if app.pane().complete and app.principal and app.gate.verdicts and credentials is not None:
                break
            await pilot.pause(0.05)
        assert app.pane().complete, f"{pane} did not load: {app.pane().state_text}"
        credentials = app.services.storage.credentials
        if credentials is not None and credentials.expires_at is not None:
            clock.set(credentials.expires_at - timedelta(minutes=14, seconds=30))
        app.query_one(StatusLine).tick()
        await pilot.pause()

    return app, prepare


@pytest.mark.parametrize("pane", ["tokens", "keys", "policies", "buckets"])
def test_pane_snapshot_100x30(private_sandbox, snap_compare, pane):
    app, prepare = snapshot_app(private_sandbox, pane)
    if pane == "tokens":  # the S3 key row appears once storage has been used
        app_prepare = prepare

        async def prepare(pilot) -> None:  # noqa: F811
            await app.services.storage.list_buckets()
            app.pane().reload()
            await app_prepare(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=prepare)


def test_objects_snapshot_100x30(private_sandbox, snap_compare):
    app, prepare = snapshot_app(private_sandbox, "objects", "model-checkpoints/llama-8b/step-001000/")
    assert snap_compare(app, terminal_size=(100, 30), run_before=prepare)


def test_objects_snapshot_80x24(private_sandbox, snap_compare):
    app, prepare = snapshot_app(private_sandbox, "objects", "training-data/")
    assert snap_compare(app, terminal_size=(80, 24), run_before=prepare)


def test_help_snapshot_80x24(private_sandbox, snap_compare):
    app, prepare = snapshot_app(private_sandbox, "objects", "training-data/")
    assert snap_compare(app, terminal_size=(80, 24), run_before=prepare, press=["f1"])
