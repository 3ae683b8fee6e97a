"""SVG snapshots (80x24) of the detail view and of the open command line, in harness apps."""

from __future__ import annotations

from typing import Any

from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.widgets.command_bar import Mode
from tests.ui_support import wait_for
from tests.widget_harness import SAMPLE_FIELDS, BarHarness, DetailHarness, numbered_rows


def test_snapshot_detail_view(snap_compare: Any) -> None:
    app = DetailHarness("Access key CWABCDEFGHIJKLMN", SAMPLE_FIELDS)

    async def ready(pilot: Any) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.query(".-selected"),
                       "detail view")
        await pilot.press("down", "down")

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_snapshot_command_line_with_candidates(snap_compare: Any) -> None:
    def completer(mode: Mode, text: str) -> list[str]:
        buckets = ["b training-data/", "b training-logs/", "b training-checkpoints/"]
        return [bucket for bucket in buckets if bucket.startswith(text)]

    app = BarHarness(numbered_rows(100), completer=completer)

    async def ready(pilot: Any) -> None:
        await pilot.press("down", "down", "colon", "b", "space", "t", "tab", "tab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
