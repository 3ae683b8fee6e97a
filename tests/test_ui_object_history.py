"""Versions of an object (with a delete marker) and incomplete multipart uploads, on this module's own
sandbox: a picture of the versions view, restore by copy, abort an upload."""

from __future__ import annotations

import asyncio
import re

from textual.widgets import Button

from cwos_tui.cloud.errors import CloudError
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.uploads import UploadsScreen
from cwos_tui.ui.modals.versions import VersionsScreen
from tests.ui_support import make_app, notices, stable_filter, wait_for
from tests.widget_harness import screen_text

BUCKET = "history"
KEY = "model.cfg"
SIZE = (100, 30)


async def versioned_object(app, sandbox) -> list[str]:
    """v1, v2, a delete marker, v3; returns the version ids newest first.

    The steps are 1.1 s apart: S3 orders versions by time to the second, and versions and delete markers
    come back in two lists, so only distinct seconds give them one defined order (data set-up, not a
    wait for an event)."""
    storage = app.services.storage
    try:
        await storage.create_bucket(BUCKET, sandbox.zone)
    except CloudError:
        return [v.version_id for v in await _versions(storage)]  # made by an earlier test of this module
    await storage.put_bucket_versioning(BUCKET, True)
    for step in (lambda: storage.put_object(BUCKET, KEY, b"v1"), lambda: storage.put_object(BUCKET, KEY, b"v2-longer"),
                 lambda: storage.delete_object(BUCKET, KEY), lambda: storage.put_object(BUCKET, KEY, b"v3")):
        await step()
        await asyncio.sleep(1.1)
    return [v.version_id for v in await _versions(storage)]


async def _versions(storage):
    from cwos_tui.cloud.objects import key_versions

    return await key_versions(storage, BUCKET, KEY)


def history_app(sandbox):
    ids: list[str] = []

    def masked(text: str) -> str:
        for number, version_id in enumerate(ids):
            text = text.replace(version_id, f"VERSION-{number + 1}".ljust(len(version_id)))  # columns stay put
        return base(re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "YYYY-MM-DD hh:mm:ss", text))

    base = stable_filter(sandbox)
    app = make_app(sandbox, display_filter=masked, initial_pane="objects")
    return app, ids


async def open_versions(app, pilot, sandbox, ids: list[str]) -> None:
    ids[:] = await versioned_object(app, sandbox)
    app.open_location(BUCKET, "")
    await wait_for(pilot, lambda: app.objects.complete, "listed")
    assert app.objects.store_list.select_value(("object", KEY))
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and app.screen.versions, "versions")
    await pilot.pause()


def test_versions_snapshot(private_sandbox, snap_compare):
    app, ids = history_app(private_sandbox)

    async def prepare(pilot) -> None:
        await open_versions(app, pilot, private_sandbox, ids)
        app.query_one("StatusLine").display = False  # the S3 key's countdown is not what this picture shows

    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


async def test_each_version_is_one_line_at_80_columns(private_sandbox):
    """Real version ids (32 characters from SeaweedFS) with the size and the time to the second fit one line
    of the dialog at 80x24; nothing wraps onto a line of its own."""
    app = make_app(private_sandbox, initial_pane="objects")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_versions(app, pilot, private_sandbox, [])
        lines = screen_text(app)
        for version in app.screen.versions:
            shown = [line for line in lines if version.version_id[:20] in line]
            assert len(shown) == 1 and re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", shown[0]), lines
        assert not any(re.fullmatch(r"\W*\d{2}:\d{2}:\d{2}\W*", line) for line in lines), lines


async def test_versions_show_the_delete_marker_and_restore_copies_an_old_version_back(private_sandbox):
    app, ids = history_app(private_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_versions(app, pilot, private_sandbox, ids)
        versions = app.screen.versions
        assert [v.is_delete_marker for v in versions[:3]] == [False, True, False] and versions[0].is_latest
        assert "delete marker" in "\n".join(screen_text(app))
        await pilot.press("down", "down", "down")  # v1, the oldest
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        button = app.screen.query_one("#confirm-yes", Button)
        await wait_for(pilot, lambda: not button.has_class("-active"), "clickable")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: any("Restored version" in n for n in notices(app)), "restored")
        assert await app.services.storage.get_object_range(BUCKET, KEY, 0, 10) == b"v1"
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and len(app.screen.versions) == 5,
                       "listed again")


async def test_an_older_version_is_previewed_and_downloaded_with_its_own_bytes(private_sandbox, tmp_path):
    from textual.widgets import OptionList

    from cwos_tui.config.settings import Settings
    from cwos_tui.ui.modals.preview import PreviewScreen

    app = make_app(private_sandbox, initial_pane="objects",
                   settings=Settings.from_data({"download_dir": str(tmp_path)}))
    async with app.run_test(size=SIZE) as pilot:
        await open_versions(app, pilot, private_sandbox, [])
        versions = app.screen.versions
        older = next(i for i, v in enumerate(versions) if v.size == len(b"v2-longer") and not v.is_delete_marker)
        assert not versions[older].is_latest
        app.screen.query_one(OptionList).highlighted = older
        await pilot.press("enter")  # Enter previews, as p does
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.kind, "preview")
        shown = "\n".join(screen_text(app))
        assert f"@ version {versions[older].version_id}" in shown and "v2-longer" in shown and "all 9 bytes" in shown
        await pilot.press("escape")
        marker = next(i for i, v in enumerate(versions) if v.is_delete_marker)
        app.screen.query_one(OptionList).highlighted = marker
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, VersionsScreen)
        assert "A delete marker has no content to preview: pick a version." in notices(app)
        app.screen.query_one(OptionList).highlighted = older
        await pilot.press("D")
        target = tmp_path / KEY
        await wait_for(pilot, lambda: any(n.startswith("Downloaded 1 of 1 file(s)") for n in notices(app)),
                       "downloaded")
        assert target.read_bytes() == b"v2-longer"
        assert await app.services.storage.get_object_range(BUCKET, KEY, 0, 20) != b"v2-longer"  # not the latest


async def test_incomplete_uploads_are_listed_and_aborted(private_sandbox):
    app, _ = history_app(private_sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await versioned_object(app, private_sandbox)
        storage = app.services.storage
        await storage.call_shaped("create_multipart_upload", dict, Bucket=BUCKET, Key="big/part.bin")
        app.open_location(BUCKET, "")
        await wait_for(pilot, lambda: app.objects.complete, "listed")
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, UploadsScreen) and app.screen.uploads, "uploads")
        assert "big/part.bin" in "\n".join(screen_text(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        button = app.screen.query_one("#confirm-yes", Button)
        await wait_for(pilot, lambda: not button.has_class("-active"), "clickable")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: any("Aborted 1 upload" in n for n in notices(app)), "aborted")
        assert await storage.list_multipart_uploads(BUCKET) == []
