"""SVG snapshots of every pane at 100x30 and the objects pane at 80x24, on demo sandboxes of their own.

Each picture is independent of the other tests and of their order: the Access keys and Policies panes
are drawn from `pristine_sandbox`, which no test changes (panes that use S3 would mint session keys
there), the others from this module's `private_sandbox`, where the only changes the other tests here make
(session keys minted by using S3) are not on these screens. Values that change from run to run (ports,
random IDs, timestamps) go through the app's display filter, and the countdown reads a ManualClock set
relative to the S3 key's expiry.
Each test waits for what its screen shows (the list, the identity, the permission verdicts and, on
panes that use S3, the S3 key), never for a timeout.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.ui_support import make_app, stable_filter, wait_for

#: panes whose first screen reads S3 (and so shows the S3 key's countdown in the status line)
USES_S3 = {"objects", "tokens"}


def stable(sandbox: SimpleNamespace):
    return stable_filter(sandbox)


def snapshot_app(sandbox: SimpleNamespace, pane: str, location: str = ""):
    clock = ManualClock()
    app = make_app(sandbox, clock=clock, display_filter=stable(sandbox), initial_pane=pane)

    async def prepare(pilot) -> None:
        if location:
            app.open_location(*location.split("/", 1))
        uses_s3 = pane in USES_S3
        await wait_for(pilot, lambda: app.pane().complete and app.principal and app.gate.verdicts
                       and (not uses_s3 or app.services.storage.credentials is not None),
                       f"{pane} listed, identity and verdicts known" + (", S3 key fetched" if uses_s3 else ""))
        credentials = app.services.storage.credentials
        if credentials is not None and credentials.expires_at is not None:
            clock.set(credentials.expires_at - timedelta(minutes=14, seconds=30))
        app.query_one(StatusLine).tick()
        await pilot.pause()

    return app, prepare


@pytest.mark.parametrize("pane", ["tokens", "keys", "policies", "buckets"])
def test_pane_snapshot_100x30(private_sandbox, pristine_sandbox, snap_compare, pane):
    app, prepare = snapshot_app(pristine_sandbox if pane in ("keys", "policies") else private_sandbox, pane)
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
