"""Details (HeadObject) and previews (ranged GET) of objects, on a sandbox of this module's own:
pictures of the detail view and of the text, JSON, CSV and hex previews, the cap, and Esc cancelling."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.cloud.errors import CloudError
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.preview import PreviewScreen
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.ui_support import make_app, stable_filter, wait_for
from tests.widget_harness import screen_text

BUCKET = "views"
HOSTILE = "odd\x1b[31m\u202e[b]name.txt"
OBJECTS: dict[str, bytes] = {
    "notes.md": b"# Notes\n\nTraining run **42** finished.\n\n- loss: 0.12\n- tokens: 1.2B\n",
    "config.json": json.dumps({"model": "llama-8b", "lr": 3e-4, "layers": [32, 4096], "tags": {"team": "ml"}}
                              ).encode(),
    "metrics.csv": b"step,loss,accuracy\n100,2.31,0.41\n200,1.87,0.55\n300,1.42,0.63\n400,1.12,0.71\n",
    "weights.bin": bytes(range(256)) * 4,
    "big.log": b"line of a long log file\n" * 30_000,
    HOSTILE: b"hello",
}
SIZE = (100, 30)


def views_filter(sandbox):
    return stable_filter(sandbox, extra=[
        (re.compile(r"\?X-Amz-\S*"), "?X-Amz-…"),
        (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"), "YYYY-MM-DD hh:mm:ss UTC"),
    ])


async def ensure_objects(app, sandbox) -> None:
    storage = app.services.storage
    try:
        await storage.create_bucket(BUCKET, sandbox.zone)
    except CloudError:
        pass  # made by an earlier test of this module
    await asyncio.gather(*(storage.put_object(BUCKET, key, data, content_type="text/plain" if key.endswith(".md")
                                              else None, metadata={"owner": "ml-team"} if key == "notes.md" else None)
                           for key, data in OBJECTS.items()))


def views_app(sandbox, name: str, key: str):
    clock = ManualClock()
    app = make_app(sandbox, clock=clock, display_filter=views_filter(sandbox), initial_pane="objects")

    async def prepare(pilot) -> None:
        await ensure_objects(app, sandbox)
        app.open_location(BUCKET, "")
        await wait_for(pilot, lambda: app.objects.complete and app.principal and app.gate.verdicts
                       and app.services.storage.credentials is not None, "listed")
        credentials = app.services.storage.credentials
        if credentials.expires_at is not None:
            clock.set(credentials.expires_at - timedelta(minutes=14, seconds=30))
        app.query_one(StatusLine).tick()
        assert app.objects.store_list.select_value(("object", key))
        await pilot.press(name)
        if name == "i":
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "details shown")
        else:
            await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.kind, "preview")
        await pilot.pause()

    return app, prepare


def test_details_snapshot(private_sandbox, snap_compare):
    app, prepare = views_app(private_sandbox, "i", "notes.md")
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


def test_preview_text_snapshot(private_sandbox, snap_compare):
    app, prepare = views_app(private_sandbox, "p", "notes.md")
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


def test_preview_json_snapshot(private_sandbox, snap_compare):
    app, prepare = views_app(private_sandbox, "p", "config.json")
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


def test_preview_csv_snapshot(private_sandbox, snap_compare):
    app, prepare = views_app(private_sandbox, "p", "metrics.csv")
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


def test_preview_hex_snapshot(private_sandbox, snap_compare):
    app, prepare = views_app(private_sandbox, "p", "weights.bin")
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


async def test_details_show_head_fields_and_snippets_and_hostile_names_stay_inert(private_sandbox):
    app, prepare = views_app(private_sandbox, "i", "notes.md")
    async with app.run_test(size=SIZE) as pilot:
        await prepare(pilot)
        fields = dict(app.screen.fields)
        assert fields["Metadata owner"] == "ml-team" and fields["Content type"] == "text/plain"
        assert fields["S3 URL"] == "s3://views/notes.md" and fields["aws s3 cp"].startswith("aws s3 cp s3://views/")
        assert "X-Amz-Signature=" in fields["Presigned GET (1 h)"]
        assert fields["Size"].endswith(f"({len(OBJECTS['notes.md'])} bytes)")
        await pilot.press("escape")
        assert app.objects.store_list.select_value(("object", HOSTILE))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "details of the odd name")
        text = "\n".join(screen_text(app))
        assert "odd\\x1b[31m\\u202e[b]name.txt" in text and "\x1b" not in text and "\u202e" not in text
        await pilot.press("escape", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.kind, "preview")
        assert "Preview s3://views/odd\\x1b[31m\\u202e[b]name.txt" in "\n".join(screen_text(app))


async def test_preview_reads_at_most_256_kib(private_sandbox):
    app, prepare = views_app(private_sandbox, "p", "big.log")
    async with app.run_test(size=SIZE) as pilot:
        await prepare(pilot)
        assert app.screen.kind == "text"
        assert "first 262,144 of 720,000 bytes" in "\n".join(screen_text(app))


async def test_escape_cancels_a_preview_still_reading(private_sandbox, monkeypatch):
    app = make_app(private_sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await ensure_objects(app, private_sandbox)
        app.open_location(BUCKET, "")
        await wait_for(pilot, lambda: app.objects.complete, "listed")
        storage = app.services.storage
        started, cancelled = asyncio.Event(), asyncio.Event()

        async def slow_read(*args, **kwargs):
            started.set()
            try:
                await asyncio.Event().wait()  # a read that does not finish by itself
            except asyncio.CancelledError:
                cancelled.set()
                raise

        monkeypatch.setattr(storage, "get_object_range", slow_read)
        app.objects.store_list.select_value(("object", "big.log"))
        await pilot.press("p")
        await wait_for(pilot, lambda: started.is_set(), "the read started")
        assert "Reading the first 256.0 KiB…" in "\n".join(screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: cancelled.is_set(), "the read was cancelled")
        assert not isinstance(app.screen, PreviewScreen)
