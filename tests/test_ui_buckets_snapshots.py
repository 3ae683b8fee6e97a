"""SVG snapshots at 80x24 of the bucket create dialog (an invalid name typed, its reasons shown) and the
lifecycle editor (malformed rules, the problems listed), drawn on a sandbox of this module's own (not the
session's pristine one: starting that early would age its seeded 5-minute key before the Keys pane's picture).
Neither picture touches S3 (the editor is opened on given text)."""

from __future__ import annotations

from cwos_tui.cloud.bucket_rules import check_lifecycle_text
from cwos_tui.ui.modals.bucket_editor import BucketEditorScreen
from cwos_tui.ui.modals.bucket_forms import BucketCreateScreen
from tests.ui_support import make_app, stable_filter, type_text, wait_for

RULES = """[
  {
    "ID": "expire-tmp",
    "Status": "Enabled",
    "Prefix": "tmp/",
    "Expiration": {"Days": 0}
  }
]"""


def listed_app(sandbox):
    app = make_app(sandbox, display_filter=stable_filter(sandbox), initial_pane="buckets")

    async def listed(pilot) -> None:
        pane = app.pane("buckets")
        await wait_for(pilot, lambda: pane.complete and app.principal and app.gate.verdicts, "buckets listed")

    return app, listed


def test_create_dialog_snapshot_80x24(private_sandbox, snap_compare):
    app, listed = listed_app(private_sandbox)

    async def prepare(pilot) -> None:
        await listed(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, BucketCreateScreen) and app.screen.is_mounted,
                       "create dialog")
        await type_text(pilot, "cw-Data_1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=prepare)


def test_lifecycle_editor_snapshot_80x24(private_sandbox, snap_compare):
    app, listed = listed_app(private_sandbox)

    async def never(_: object) -> str:
        raise AssertionError("nothing is applied in this picture")

    async def prepare(pilot) -> None:
        await listed(pilot)
        app.push_screen(BucketEditorScreen("Lifecycle rules of training-data", RULES, check_lifecycle_text, never,
                                           hint="[] removes them"))
        await wait_for(pilot, lambda: isinstance(app.screen, BucketEditorScreen) and app.screen.is_mounted,
                       "editor")
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=prepare)
