"""Shared helpers for the UI tests: build the app on a sandbox and wait for conditions (with deadlines)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.css.query import NoMatches
from textual.keys import _character_to_key

from cwos_tui.cloud.clock import Clock
from cwos_tui.session import connection_from_sandbox
from cwos_tui.ui.app import CwosApp


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
        try:
            # the app holds keys while a pushed screen settles (key_order.py): a screen that holds is not
            # composed yet, so what a test does next (query its fields, press keys) waits for it too
            if condition() and getattr(pilot.app, "_held_keys", None) is None:
                return
        except NoMatches:  # a screen that is pushed but not composed yet
            pass
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


async def type_text(pilot: Any, text: str) -> None:
    """Type `text` as a fast typist's terminal sends it: every key queued at once, then the UI awaited.

    `pilot.press` waits for the app to go idle after each key (about 40-120 ms a key), which made typing a
    path the slowest part of some tests. The keys take the same route as `pilot.press` sends them (the
    app's queue, then the focused widget), in order; named keys (enter, tab) still go through `press`.
    """
    app = pilot.app
    for char in text:
        key = events.Key(char if char.isalnum() else _character_to_key(char), char)
        key.set_sender(app)
        app.post_message(key)
    await pilot._wait_for_screen()  # the app has routed every key; the pause lets the widgets handle them
    await pilot.pause()


async def run_command(pilot: Any, line: str, *, end: str = "enter") -> None:
    """`:` then `line` (typed with `type_text`) then `end`, the way a user runs a command."""
    await pilot.press("colon")
    await type_text(pilot, line)
    await pilot.press(end)


async def wait_checks_done(pilot: Any, app: CwosApp) -> None:
    """Wait until the app knows who it is *and* its permission checks (AuthCanI calls) are over.

    The identity arrives first and the checks run after it in the same worker; a token revoked while they
    run makes one of them fail with 401, which opens the re-authentication modal at that moment, and a key
    the test presses next goes into the modal. Tests that revoke credentials wait for this first.
    """
    await wait_for(pilot, lambda: app.principal and app.gate.verdicts, "identity and permission checks done")


def notices(app: CwosApp) -> list[str]:
    """Texts of the toasts shown so far."""
    return [str(n.message) for n in app._notifications]


def visible_cells(app: CwosApp, pane: str | None = None) -> list[str]:
    """First cell of every visible (filtered) row of a pane's list."""
    rows = app.pane(pane).row_list
    return [row.cells[0] for row in (rows.row_at(i) for i in range(rows.count)) if row is not None]


#: values that change from run to run, replaced in snapshots by the app's display filter
VOLATILE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\bCW[A-Z0-9]{14}\b"), "CW" + "X" * 14),
    (re.compile(r"coreweave/u[a-z0-9]{15}"), "coreweave/u" + "x" * 15),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"), "YYYY-MM-DD hh:mm"),
    (re.compile(r"CW-SECRET-\*{4}\w{4}"), "CW-SECRET-****xxxx"),
    # countdown cells of the Keys/Tokens lists: relative to keys minted at run time (tests/test_ui_keys.py
    # snapshots them with an anchored clock instead)
    (re.compile(r"^(\d+d \d+h|\d+h \d\dm|\d+m \d\ds|\d+s)$"), "(live)"),
]


def stable_filter(sandbox: Any, *, keep_countdowns: bool = False, extra: list[tuple[re.Pattern[str], str]] = ()):
    """A display filter that hides ports, ids, timestamps and the org id (and live countdowns unless kept)."""
    patterns = list(extra) + [(p, r) for p, r in VOLATILE if not (keep_countdowns and r == "(live)")]

    def display_filter(text: str) -> str:
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        return text.replace(sandbox.org_id, "ORG")

    return display_filter
