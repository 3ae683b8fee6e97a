"""The Objects pane at scale, asserted on what is rendered: a million rows in the store, pages streaming
in from the sandbox while the first is on screen, cursor and view that never jump, marks and deletes."""

from __future__ import annotations

import asyncio
import threading
import uuid

from textual.widgets import Button

from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.panes.object_listing import ObjectListing
from tests.test_listing_store import million
from tests.ui_support import make_app, notices, run_command, type_text, wait_for
from tests.widget_harness import screen_text

SIZE = (100, 30)
TRAIN = "datasets/imagenet/train/"


def screen(app) -> str:
    return "\n".join(screen_text(app))


def cursor_line(app) -> tuple[int, str]:
    rows = app.objects.store_list
    return rows.cursor - rows.top_index, rows.selected.cells[0]


async def click(app, pilot, selector: str) -> None:
    button = app.screen.query_one(selector, Button)
    await wait_for(pilot, lambda: not button.has_class("-active"), f"{selector} clickable")
    await pilot.click(selector)


def hold_second_page(monkeypatch) -> threading.Event:
    """The second parsed page of the next listing waits (in its S3 thread) until the event is set."""
    import cwos_tui.cloud.fast_list as fast_list

    release, calls, original = threading.Event(), [], fast_list.parse_page

    def held(body, base):
        calls.append(1)
        if len(calls) == 2:
            release.wait(60)
        return original(body, base)

    monkeypatch.setattr(fast_list, "parse_page", held)
    return release


async def test_a_million_rows_browse_with_end_pagedown_and_jump_to_a_key(sandbox):
    app = make_app(sandbox, initial_pane="objects")
    store = million()
    async with app.run_test(size=SIZE) as pilot:
        objects = app.objects
        await wait_for(pilot, lambda: "Pick a bucket first" in screen(app), "the empty pane")
        objects.store_list.set_store(store)
        objects.complete = True
        objects.show_count()
        await pilot.pause()
        assert "shard-0000000.tar" in screen(app) and "1,000,000 items" in screen(app)
        await pilot.press("end")
        await pilot.pause()
        assert "shard-0999999.tar" in screen(app) and cursor_line(app)[1] == "shard-0999999.tar"
        await pilot.press("home", "pagedown")
        await pilot.pause()
        body = objects.store_list.body_height
        assert cursor_line(app) == (0, f"shard-{body:07d}.tar") or cursor_line(app)[1] == f"shard-{body:07d}.tar"
        assert f"shard-{body:07d}.tar" in screen(app)
        await run_command(pilot, "jump shard-0500000.tar")
        await pilot.pause()
        assert cursor_line(app)[1] == "shard-0500000.tar" and "shard-0500000.tar" in screen(app)
        await run_command(pilot, "jump runs/shard-0765432")  # a full key works too
        await pilot.pause()
        assert cursor_line(app)[1] == "shard-0765432.tar"


async def test_first_keys_on_screen_while_the_listing_streams_and_the_cursor_never_jumps(sandbox, monkeypatch):
    monkeypatch.setattr(ObjectListing, "page_size", 25)
    app = make_app(sandbox)
    release = hold_second_page(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", TRAIN)
        await wait_for(pilot, lambda: "shard-0000.tar" in screen(app), "first page on screen")
        shown = screen(app)
        assert "25 of ? listed…" in shown and "shard-0010.tar" in shown and "Loading" not in shown
        assert not app.objects.complete
        await pilot.press("down", "down", "down")
        before = cursor_line(app)
        assert before[1] == "shard-0003.tar"
        release.set()
        await wait_for(pilot, lambda: "120 items" in screen(app), "the total on screen")
        assert cursor_line(app) == before and app.objects.store_list.top_index == 0
        await pilot.press("end")
        await pilot.pause()
        end = cursor_line(app)
        assert end[1] == "shard-0119.tar"
        await pilot.press("r")  # a reload: the cursor (on the last page) stays on its key and screen line
        await wait_for(pilot, lambda: app.objects.complete and "120 items" in screen(app), "reloaded")
        assert cursor_line(app) == end and "shard-0119.tar" in screen(app)


async def _bucket_with(app, sandbox, keys: list[str]) -> str:
    bucket = f"objects-{uuid.uuid4().hex[:8]}"
    storage = app.services.storage
    await storage.create_bucket(bucket, sandbox.zone)
    await asyncio.gather(*(storage.put_object(bucket, key, key.encode()) for key in keys))
    return bucket


async def test_space_marks_objects_and_d_deletes_just_those_after_asking(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = await _bucket_with(app, sandbox, ["a.txt", "b.txt", "c.txt", "keep/x.txt"])
        app.open_location(bucket, "")
        await wait_for(pilot, lambda: app.objects.complete and "4 items" in screen(app), "listed")
        await pilot.press("space", "down", "space")  # a.txt, then (cursor moved on) c.txt
        await pilot.pause()
        assert "● a.txt" in screen(app) and "● c.txt" in screen(app) and "2 marked" in screen(app)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        assert "Delete 2 marked objects?" in screen(app) and "a.txt, c.txt" in screen(app)
        await click(app, pilot, "#confirm-yes")
        await wait_for(pilot, lambda: app.objects.complete and "2 items" in screen(app), "listed again")
        assert "b.txt" in screen(app) and "a.txt" not in screen(app) and "c.txt" not in screen(app)
        assert any("Deleted 2 objects" in n for n in notices(app))


async def test_read_only_refuses_delete_and_hostile_names_are_inert(sandbox):
    writer = make_app(sandbox)
    hostile = "evil[bold red]x\u202eexe.txt[b]"
    async with writer.run_test(size=SIZE):
        bucket = await _bucket_with(writer, sandbox, [hostile])
    app = make_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        app.open_location(bucket, "")
        await wait_for(pilot, lambda: app.objects.complete and "1 item" in screen(app), "listed")
        assert "evil[bold red]x\\u202eexe.txt[b]" in screen(app)
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("read-only" in n for n in notices(app))


async def test_slash_filters_what_is_loaded_and_find_asks_the_server(sandbox, monkeypatch):
    monkeypatch.setattr(ObjectListing, "page_size", 25)
    app = make_app(sandbox)
    release = hold_second_page(monkeypatch)  # the first listing does not get past its first page
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", TRAIN)
        await wait_for(pilot, lambda: "25 of ? listed…" in screen(app), "first page")
        await pilot.press("slash")
        await type_text(pilot, "shard-011")
        await wait_for(pilot, lambda: "(loaded rows so far): 0 match" in screen(app), "local filter")
        await pilot.press("escape")
        await run_command(pilot, "find shard-011")
        await wait_for(pilot, lambda: "10 items found by the server" in screen(app), "server search")
        shown = screen(app)
        assert "server search: names starting “shard-011”" in shown and "shard-0110.tar" in shown
        await pilot.press("escape")  # out of the search, back to the whole folder
        await wait_for(pilot, lambda: app.objects.complete and "120 items" in screen(app), "whole folder")
    release.set()  # lets the abandoned listing's thread end


async def test_sort_by_size_and_date_within_the_loaded_rows_keeps_the_cursor_on_its_row(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = f"objects-{uuid.uuid4().hex[:8]}"
        storage = app.services.storage
        await storage.create_bucket(bucket, sandbox.zone)
        for key, size in (("a.txt", 3), ("b.txt", 300), ("c.txt", 30), ("d/x", 1)):
            await storage.put_object(bucket, key, b"x" * size)
        app.open_location(bucket, "")
        await wait_for(pilot, lambda: app.objects.complete and "4 items" in screen(app), "listed")
        app.objects.store_list.select_value(("object", "c.txt"))
        await run_command(pilot, "sort size")
        await pilot.pause()
        names = [app.objects.store_list.row_at(i).cells[0] for i in range(4)]
        assert names == ["d/", "b.txt", "c.txt", "a.txt"] and "sorted by size" in screen(app)
        assert app.objects.store_list.selected.cells[0] == "c.txt"
        await pilot.press("slash")
        await type_text(pilot, "txt")
        await wait_for(pilot, lambda: app.objects.store_list.count == 3, "filtered")
        assert [app.objects.store_list.row_at(i).cells[0] for i in range(3)] == ["b.txt", "c.txt", "a.txt"]
        await pilot.press("escape", "o")  # size -> date: newest first
        await pilot.pause()
        assert "sorted by date" in screen(app)
        await run_command(pilot, "sort name")
        await pilot.pause()
        assert [app.objects.store_list.row_at(i).cells[0] for i in range(4)] == ["a.txt", "b.txt", "c.txt", "d/"]
        await run_command(pilot, "sort colour")
        assert any("Sort by name, size or date" in n for n in notices(app))


async def test_a_listing_pauses_at_the_cap_and_l_continues_to_the_full_count(sandbox, monkeypatch):
    from cwos_tui.config.settings import Settings

    monkeypatch.setattr(ObjectListing, "page_size", 25)
    app = make_app(sandbox, settings=Settings.from_data({"listing_cap": 50}))
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", TRAIN)
        await wait_for(pilot, lambda: "listing paused at 50 — press L to continue" in screen(app), "paused")
        assert not app.objects.busy and app.objects.store_list.held == 50
        await pilot.press("end")
        await pilot.pause()
        assert cursor_line(app)[1] == "shard-0049.tar" and "shard-0049.tar" in screen(app)
        await pilot.press("L")  # on, up to the cap again
        await wait_for(pilot, lambda: "listing paused at 100 — press L to continue" in screen(app), "paused again")
        assert cursor_line(app)[1] == "shard-0049.tar"  # the cursor stayed where it was
        await run_command(pilot, "continue")  # the `:` alias
        await wait_for(pilot, lambda: "120 items" in screen(app), "the full count")
        assert app.objects.complete and "paused" not in screen(app)
        store = app.objects.store_list.store
        assert [store.names[i] for i in range(len(store))] == [f"shard-{i:04d}.tar" for i in range(120)]
        await pilot.press("L")
        await pilot.pause()
        assert "The listing is not paused." in notices(app)
