"""Shared helpers for the UI tests: build the app on a sandbox and wait for conditions (with deadlines)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cwos_tui.cloud.clock import Clock
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.launch import connection_from_sandbox


def make_app(sandbox: Any, *, token: str | None = None, read_only: bool = False, clock: Clock | None = None,
             settings: Any = None, **kwargs: Any) -> CwosApp:
    ready = {"control_plane": sandbox.control_plane, "s3": sandbox.s3, "token": token or sandbox.token,
             "org_id": sandbox.org_id, "zone": sandbox.zone}
    return CwosApp(connection_from_sandbox(ready, read_only=read_only), clock=clock, settings=settings,
                   **kwargs)


async def wait_for(pilot: Any, condition: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    """Poll a condition between UI pauses until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


def notices(app: CwosApp) -> list[str]:
    """Texts of the toasts shown so far."""
    return [str(n.message) for n in app._notifications]


def visible_cells(app: CwosApp, pane: str | None = None) -> list[str]:
    """First cell of every visible (filtered) row of a pane's list."""
    rows = app.pane(pane).row_list
    return [row.cells[0] for row in (rows.row_at(i) for i in range(rows.count)) if row is not None]
