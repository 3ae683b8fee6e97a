"""The `/` filter on big lists: off the UI thread, debounced, applied by message (no server needed)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cwos_tui.ui.widgets.row_list import FILTER_IN_THREAD, Column, Row, RowList
from tests.ui_support import wait_for

MILLION = 1_000_000


def synthetic_rows(count: int) -> list[Row]:
    """Keys like a big prefix listing; every 1000th object is tagged "special" in its second cell."""
    return [Row((f"key-{i:07d}", "special" if i % 1000 == 0 else "plain"), i) for i in range(count)]


class ListApp(App[None]):
    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.initial_rows = rows
        self.filtered_messages = 0

    def compose(self) -> ComposeResult:
        yield RowList([Column("Key"), Column("Tag", 10)], id="rows")

    def on_mount(self) -> None:
        self.query_one(RowList).set_rows(self.initial_rows)

    def on_row_list_filtered(self, _: RowList.Filtered) -> None:
        self.filtered_messages += 1


def shown_values(rows: RowList) -> list[int]:
    return [row.value for row in (rows.row_at(i) for i in range(rows.count)) if row is not None]


async def test_typing_a_filter_at_a_million_rows_runs_in_a_worker_and_finds_the_right_rows():
    app = ListApp(synthetic_rows(MILLION))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.query_one(RowList)
        assert rows.count == MILLION
        # five keystrokes in a row: each returns at once, the list still shows everything meanwhile
        for typed in ("s", "sp", "spe", "spec", "speci"):
            rows.set_filter(typed)
            assert rows.filter_pending and rows.count == MILLION and rows.filter_text == ""
        # the list applies the result, then tells the app with a message: await both
        await wait_for(pilot, lambda: not rows.filter_pending and app.filtered_messages >= 1, "filter result",
                       timeout=60)
        # one background scan for the whole burst (debounced), the result arrived as a message
        assert rows.filter_path == "thread" and rows.filter_thread_runs == 1 and app.filtered_messages == 1
        assert rows.filter_text == "speci"
        assert shown_values(rows) == list(range(0, MILLION, 1000))
        assert rows.cursor == 0 and rows.selected is not None and rows.selected.cells[0] == "key-0000000"

        # a narrower filter on the key column, then clearing it (instant: no scan needed)
        rows.set_filter("key-099999")
        await wait_for(pilot, lambda: not rows.filter_pending, "second filter result", timeout=60)
        assert shown_values(rows) == list(range(999_990, MILLION))
        rows.set_filter("")
        assert not rows.filter_pending and rows.count == MILLION and rows.filter_path == "inline"


async def test_rows_arriving_while_a_background_filter_runs_are_filtered_too():
    app = ListApp(synthetic_rows(FILTER_IN_THREAD + 5_000))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.query_one(RowList)
        rows.set_filter("special")
        assert rows.filter_pending
        more = [Row((f"late-{i}", "special"), -i) for i in range(1, 4)]
        rows.append_rows(more)  # a listing page lands before the filter result
        await wait_for(pilot, lambda: not rows.filter_pending, "filter result", timeout=60)
        expected = list(range(0, FILTER_IN_THREAD + 5_000, 1000)) + [-1, -2, -3]
        assert shown_values(rows) == expected


async def test_small_lists_filter_at_once_on_the_ui_thread():
    app = ListApp(synthetic_rows(2_000))
    async with app.run_test(size=(80, 24)):
        rows = app.query_one(RowList)
        rows.set_filter("SPECIAL")  # case-insensitive
        assert not rows.filter_pending and rows.filter_path == "inline"
        assert shown_values(rows) == [0, 1000]


async def test_reordering_a_filtered_list_keeps_the_cursor_on_the_same_row():
    app = ListApp(synthetic_rows(50))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.query_one(RowList)
        rows.set_filter("key-000004")  # shows key-0000040 … key-0000049
        await wait_for(pilot, lambda: not rows.filter_pending, "filter")
        rows.go_to(3)
        assert rows.selected.value == 43
        rows.set_rows(list(reversed(rows.rows)))  # a new sort order, filter still on
        assert rows.select_value(43) and rows.selected.value == 43
        assert shown_values(rows) == list(range(49, 39, -1))
        assert not rows.select_value(7)  # filtered out: the cursor stays put
        assert rows.selected.value == 43
