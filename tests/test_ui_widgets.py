"""RowList keys and reloads, and CountdownRowList ticks, in harness apps (no dashboard, no server)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.ui.widgets.countdown import CountdownRowList
from cwos_tui.ui.widgets.row_list import Column, Row
from tests.widget_harness import ListHarness, TerminalTap, cursor_line, numbered_rows


async def test_arrow_and_page_keys_move_the_cursor_and_the_view_follows_in_a_long_list():
    app = ListHarness(numbered_rows(1_000))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.row_list
        body = rows.body_height
        assert body == 22  # 24 lines - footer - header
        assert cursor_line(rows) == (1, cursor_line(rows)[1]) and "item-00000" in cursor_line(rows)[1]

        await pilot.press("down", "down", "j")
        await pilot.pause()
        assert rows.cursor == 3 and rows.top_index == 0
        line, text = cursor_line(rows)
        assert line == 4 and "item-00003" in text

        for _ in range(25):  # past the bottom of the screen: the view scrolls, the cursor stays visible
            await pilot.press("down")
        await pilot.pause()
        line, text = cursor_line(rows)
        assert rows.cursor == 28 and "item-00028" in text and line == body

        await pilot.press("pagedown")
        await pilot.pause()
        line, text = cursor_line(rows)
        assert rows.cursor == 28 + body and f"item-{28 + body:05d}" in text and line == body

        await pilot.press("pageup", "pageup")
        await pilot.pause()
        line, text = cursor_line(rows)
        assert rows.cursor == 28 - body and f"item-{28 - body:05d}" in text

        await pilot.press("end")
        await pilot.pause()
        line, text = cursor_line(rows)
        assert rows.cursor == 999 and "item-00999" in text and line == body

        await pilot.press("up", "k")
        await pilot.pause()
        assert "item-00997" in cursor_line(rows)[1]

        await pilot.press("home")
        await pilot.pause()
        assert cursor_line(rows)[0] == 1 and "item-00000" in cursor_line(rows)[1] and rows.top_index == 0


async def test_a_reload_in_another_order_keeps_the_cursor_on_the_same_item_and_screen_line():
    app = ListHarness(numbered_rows(1_000))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.row_list
        rows.go_to(500)
        for _ in range(5):
            await pilot.press("up")
        await pilot.pause()
        line_before, text_before = cursor_line(rows)
        assert "item-00495" in text_before

        shuffled = numbered_rows(1_000)
        random.Random(9).shuffle(shuffled)
        rows.set_rows(shuffled, keep_value=True)
        await pilot.pause()
        line_after, text_after = cursor_line(rows)
        assert rows.selected is not None and rows.selected.value == 495
        assert (line_after, text_after) == (line_before, text_before)

        # a changed row (same item, new cells) is still found by its value
        changed = [Row((f"renamed-{r.value}", r.cells[1]), r.value) for r in shuffled]
        rows.set_rows(changed, keep_value=True)
        await pilot.pause()
        assert cursor_line(rows) == (line_before, cursor_line(rows)[1]) and "renamed-495" in cursor_line(rows)[1]

        # the item is gone: same index, clamped
        index = rows.cursor
        rows.set_rows([r for r in changed if r.value != 495], keep_value=True)
        await pilot.pause()
        assert rows.cursor == index and cursor_line(rows)[0] == line_before

        # a key function for rows whose values are records, not ids
        records = [Row((f"k-{i}",), {"id": i, "status": "ACTIVE"}) for i in range(100)]
        rows.set_rows(records)
        rows.go_to(40)
        suspended = [Row((f"k-{i}",), {"id": i, "status": "SUSPENDED"}) for i in reversed(range(100))]
        rows.set_rows(suspended, key=lambda row: row.value["id"])
        await pilot.pause()
        assert rows.selected is not None and rows.selected.value["id"] == 40


async def test_a_reload_near_the_top_keeps_the_cursor_line_and_plain_set_rows_still_resets():
    app = ListHarness(numbered_rows(50))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.row_list
        await pilot.press(*["down"] * 7)
        new_first = [Row((f"new-{i}", ""), f"new-{i}") for i in range(3)]
        rows.set_rows(new_first + numbered_rows(50), keep_value=True)  # three rows arrived above the cursor
        await pilot.pause()
        line, text = cursor_line(rows)
        assert "item-00007" in text and line == 8 and rows.top_index == 3
        rows.set_rows(list(reversed(numbered_rows(50))), keep_value=True)  # near the end: as close as it gets
        await pilot.pause()
        line, text = cursor_line(rows)
        assert "item-00007" in text and rows.top_index == 50 - rows.body_height
        rows.set_rows(numbered_rows(50))  # the old call: cursor to the first row, view to the top
        await pilot.pause()
        assert cursor_line(rows)[0] == 1 and rows.cursor == 0


async def test_streamed_pages_never_move_the_cursor_or_the_view():
    app = ListHarness(numbered_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.row_list
        rows.go_to(60)
        await pilot.pause()
        before = (cursor_line(rows), rows.top_index)
        for page in range(1, 4):
            rows.append_rows(numbered_rows(100, prefix=f"page{page}"))
            await pilot.pause()
            assert (cursor_line(rows), rows.top_index) == before
        assert rows.count == 400


async def test_a_filtered_reload_keeps_the_cursor_on_the_same_item():
    app = ListHarness(numbered_rows(300))
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.row_list
        rows.set_filter("item-001")  # item-00100 … item-00199
        rows.go_to(30)
        await pilot.pause()
        assert "item-00130" in cursor_line(rows)[1]
        rows.set_rows(list(reversed(numbered_rows(300))), keep_value=True)
        await pilot.pause()
        assert "item-00130" in cursor_line(rows)[1]


# ---- countdowns ---------------------------------------------------------------------------------

def countdown_list(clock: ManualClock, expiries: dict[str, datetime | None]) -> CountdownRowList:
    columns = [Column("Key", 17), Column("Status", 10), Column("Principal"), Column("Left", 9)]
    return CountdownRowList(columns, now=clock.now, expiry_of=lambda value: expiries.get(str(value)), id="rows")


async def test_a_countdown_tick_writes_only_the_changed_countdown_cells():
    clock = ManualClock(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC))
    start = clock.now()
    expiries: dict[str, datetime | None] = {
        "AK-SECONDS-1": start + timedelta(seconds=45),       # ticks every second
        "AK-SECONDS-2": start + timedelta(minutes=9, seconds=5),  # ticks every second
        "AK-MINUTES": start + timedelta(hours=3, minutes=7, seconds=30),  # changes once a minute
        "AK-DAYS": start + timedelta(days=12, hours=4, minutes=30),
        "AK-NEVER": None,
    }
    rows = [Row((key, "ACTIVE", f"coreweave/principal-{i}", ""), key) for i, key in enumerate(expiries)]
    row_list = countdown_list(clock, expiries)
    app = ListHarness(rows, row_list)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tap = TerminalTap(app)
        for _ in range(20):  # the first frame's late repaints (the footer lays out its keys) come first
            await pilot.pause()
            if not tap.take():
                break
        start_x, end_x = row_list.countdown_span()
        assert (start_x, end_x) == (80 - 9, 80)  # the last column (no scrollbar: the rows fit)
        assert row_list.render_line(1).text.rstrip().endswith("45s")

        written: list[str] = []
        for second in range(1, 6):
            clock.advance(1)
            changed = row_list.tick()
            await pilot.pause()
            assert changed == [1, 2]  # the two countdowns that show seconds
            writes = tap.take()
            assert len(writes) == 1
            cells = TerminalTap.cells(writes[0])
            assert cells, "the tick wrote nothing"
            for screen_row, column, text in cells:  # every character written is a countdown cell
                assert screen_row in (1, 2), cells
                assert start_x <= column and column + len(text) <= end_x, cells
            assert any(text.strip() == f"{45 - second}s" for _, _, text in cells), cells
            written.extend(writes)
        # what the user sees changed too
        assert row_list.render_line(1).text.rstrip().endswith("40s")
        assert row_list.render_line(2).text.rstrip().endswith("9m 00s")
        per_tick = sum(len(w.encode()) for w in written) / 5
        # two cells of 9 characters, their colours, two cursor moves: far under a whole line each
        assert per_tick <= 150, (per_tick, written)

        # nothing changed: nothing is written
        row_list.tick()
        await pilot.pause()
        assert tap.take() == []


async def test_a_countdown_that_changes_colour_repaints_its_cell_and_a_scrolled_line_repaints_whole():
    clock = ManualClock(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC))
    expiries: dict[str, datetime | None] = {f"K{i}": clock.now() + timedelta(minutes=i * 7) for i in range(60)}
    rows = [Row((key, "ACTIVE", "p", ""), key) for key in expiries]
    row_list = countdown_list(clock, expiries)
    app = ListHarness(rows, row_list)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tap = TerminalTap(app)
        for _ in range(20):  # the first frame's late repaints (the footer lays out its keys) come first
            await pilot.pause()
            if not tap.take():
                break
        start_x, end_x = row_list.countdown_span()
        clock.advance(60)  # every countdown changes (minutes), K0 expires
        row_list.tick()
        await pilot.pause()
        # only the list's own lines count: the footer and the scrollbar may repaint on their own schedule
        area = row_list.region
        scrollbar_x = area.x + row_list.scrollable_content_region.width
        cells = [c for w in tap.take() for c in TerminalTap.cells(w)
                 if area.y <= c[0] < area.bottom and c[1] < scrollbar_x]
        bad = [c for c in cells if not (start_x <= c[1] and c[1] + len(c[2]) <= end_x)]
        assert cells and not bad, bad
        assert "expired" in row_list.render_line(1).text
        # after scrolling, lines show other rows: the scroll repaints them (and the tick leaves them alone)
        await pilot.press("pagedown")
        await pilot.pause()
        tap.take()
        assert row_list.tick() == []
