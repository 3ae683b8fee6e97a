"""Transfers through the dashboard against the sandbox: `:upload` of files and folders, `D` on a folder
with the file-exists question, read-only refusal, quitting with a transfer running, and a snapshot of the
Transfers pane."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from typing import Any

from cwos_tui.cloud.transfer_model import Job, State
from cwos_tui.config.settings import Settings
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.transfer_conflict import ConflictScreen
from tests.test_ui_objects import click, screen
from tests.ui_support import make_app, notices, run_command, wait_for

SIZE = (100, 30)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _bucket(app: Any, sandbox: Any, name: str | None = None) -> str:
    bucket = name or f"xfer-{uuid.uuid4().hex[:8]}"
    await app.services.storage.create_bucket(bucket, sandbox.zone)
    return bucket


async def _open(app: Any, pilot: Any, bucket: str, prefix: str = "") -> None:
    app.open_location(bucket, prefix)
    await wait_for(pilot, lambda: app.objects.complete and app.objects.bucket == bucket, "listed")


async def test_upload_files_and_a_folder_then_download_the_folder_with_the_exists_question(sandbox, tmp_path):
    source = tmp_path / "src"
    (source / "photos" / "2026").mkdir(parents=True)
    files = {"photos/a.jpg": os.urandom(3000), "photos/2026/b.jpg": os.urandom(70_000), "photos/c.txt": b"c"}
    for name, data in files.items():
        (source / name).write_bytes(data)
    (source / "note.txt").write_bytes(b"a note")
    target = tmp_path / "downloads"
    target.mkdir()
    app = make_app(sandbox, settings=Settings.from_data({"download_dir": str(target)}))
    async with app.run_test(size=SIZE) as pilot:
        bucket = await _bucket(app, sandbox)
        await _open(app, pilot, bucket, "")
        await run_command(pilot, f"upload {source / 'note.txt'} '{source / 'photos'}'")
        await wait_for(pilot, lambda: any(n.startswith("Uploaded 4 of 4") for n in notices(app)), "uploaded")
        storage = app.services.storage
        assert await storage.get_object_range(bucket, "photos/2026/b.jpg", 0, 70_000) == files["photos/2026/b.jpg"]
        assert await storage.get_object_range(bucket, "note.txt", 0, 10) == b"a note"
        await wait_for(pilot, lambda: app.objects.complete and "photos/" in screen(app), "listed again")
        # the same file again: the object exists, so the dashboard asks; rename keeps both
        (source / "note.txt").write_bytes(b"a second note")
        await run_command(pilot, f"upload {source / 'note.txt'}")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen), "asked about the object")
        assert "This object exists" in screen(app) and f"s3://{bucket}/note.txt" in screen(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: any(n.startswith("Uploaded 1 of 1") for n in notices(app)), "uploaded")
        assert await storage.get_object_range(bucket, "note (1).txt", 0, 20) == b"a second note"
        assert await storage.get_object_range(bucket, "note.txt", 0, 20) == b"a note"

        # D on the folder: two of its files exist locally, so the dashboard asks
        (target / "photos" / "2026").mkdir(parents=True)
        (target / "photos" / "a.jpg").write_bytes(b"mine")
        (target / "photos" / "2026" / "b.jpg").write_bytes(b"also mine")
        assert app.objects.store_list.select_value(("prefix", "photos/"))
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen), "asked about the first file")
        assert "This file exists" in screen(app) and "1 more existing file" in screen(app)
        await pilot.press("s")  # keep photos/2026/b.jpg (the first in key order)
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen) and app.screen.remaining == 1,
                       "asked about the second")
        await pilot.press("r")  # keep both: a.jpg stays, the download becomes "a (1).jpg"
        await wait_for(pilot, lambda: any(n.startswith("Downloaded 2 of 2") for n in notices(app)), "downloaded")
        got = {str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()}
        assert got == {"photos/a.jpg": b"mine", "photos/a (1).jpg": files["photos/a.jpg"],
                       "photos/2026/b.jpg": b"also mine", "photos/c.txt": b"c"}

        await pilot.press("6")
        await wait_for(pilot, lambda: app.active_pane == "transfers" and "7 done" in screen(app), "queue shown")
        assert "↓ s3://" in screen(app) and "↑ s3://" in screen(app)


async def test_read_only_refuses_upload_but_downloads(sandbox, tmp_path):
    app = make_app(sandbox, read_only=True, settings=Settings.from_data({"download_dir": str(tmp_path)}))
    async with app.run_test(size=SIZE) as pilot:
        await _open(app, pilot, "training-data", "")
        await run_command(pilot, f"upload {tmp_path}")
        await pilot.press("u")
        assert notices(app).count("Upload: refused, the session is read-only") == 2
        assert app.objects.store_list.select_value(("object", "README.md"))
        await pilot.press("D")
        await wait_for(pilot, lambda: any(n.startswith("Downloaded 1 of 1") for n in notices(app)), "downloaded")
        assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


class Held:
    """A real client whose put_object waits until released (a transfer that stays running)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.release = threading.Event()
        self.started = threading.Event()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != "put_object":
            return real

        def held(**params: Any) -> Any:
            self.started.set()
            self.release.wait(30)
            return real(**params)

        return held


async def test_quitting_with_a_transfer_running_asks_then_cancels(sandbox, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"x")
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = await _bucket(app, sandbox)
        client = Held(await app.services.storage.run_with_client("t", lambda c: c))
        queue = app.ctx.transfer_queue()
        batch = queue.submit(client, [Job("up", bucket, "f.txt", tmp_path / "f.txt")])
        await wait_for(pilot, lambda: client.started.is_set(), "upload under way")
        await wait_for(pilot, lambda: "Transfers (6): 1 running" in screen(app), "the transfer bar shows it")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        assert "1 transfer(s) still running. Quit and cancel them?" in screen(app)
        await pilot.press("escape")  # no: nothing stops
        assert not isinstance(app.screen, ConfirmScreen) and queue.active == 1
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked again")
        client.release.set()  # the request in flight ends; what was queued is cancelled on the way out
        await click(app, pilot, "#confirm-yes")
    assert queue.closed and all(i.state in (State.DONE, State.CANCELLED) for i in batch.items)


def test_transfers_pane_snapshot(sandbox, snap_compare, tmp_path):
    from tests.test_ui_snapshots import snapshot_app

    (tmp_path / "model.bin").write_bytes(b"w" * 5000)
    (tmp_path / "notes.txt").write_bytes(b"hello")
    app, prepare = snapshot_app(sandbox, "transfers")
    stable = app.ctx.display_filter
    app.ctx.display_filter = lambda text: re.sub(r"xfer-[0-9a-f]{8}", "xfer-BUCKET", stable(text))

    async def run(pilot: Any) -> None:
        bucket = await _bucket(app, sandbox)
        storage = app.services.storage
        await storage.put_object(bucket, "bad/\x1b[31mred", b"x")
        client = await storage.run_with_client("t", lambda c: c)
        queue = app.ctx.transfer_queue()
        ups = queue.submit(client, [Job("up", bucket, "in/model.bin", tmp_path / "model.bin"),
                                    Job("up", bucket, "in/notes.txt", tmp_path / "notes.txt")])
        await queue.finished(ups)
        from cwos_tui.cloud.transfer_plan import plan_download

        plan = await plan_download(storage, bucket, "", [], ["bad/"], tmp_path)
        missing = Job("down", bucket, "in/missing.bin", tmp_path / "missing.bin")
        await queue.finished(queue.submit(client, [missing], skipped=plan.skipped))
        # the bar above the footer follows the queue on a timer: wait for the tick that hides it
        await wait_for(pilot, lambda: not app.query_one("#transfer-bar").display, "the transfer bar hidden")
        await prepare(pilot)
        app.pane().reload()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run)


async def test_tab_completes_local_paths_after_upload_and_download(sandbox, tmp_path, monkeypatch):
    """`:upload` completes files and folders (shell-quoted, the last word only), `:download` folders only;
    hidden entries only once a dot is typed; relative paths from the working folder, absolute ones too."""
    from cwos_tui.ui.widgets.command_bar import CommandBar

    for folder in ("data", "docs", ".hidden", "my folder"):
        (tmp_path / folder).mkdir()
    (tmp_path / "notes.txt").write_text("n")
    (tmp_path / "my folder" / "file one.txt").write_text("f")
    monkeypatch.chdir(tmp_path)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bar = app.query_one(CommandBar)

        async def tab(typed: str, expected: str) -> None:
            await pilot.press("escape") if bar.display else None
            await run_command(pilot, typed, end="tab")
            await wait_for(pilot, lambda: bar.value == expected, f"{typed!r} -> {expected!r} (got {bar.value!r})")

        await tab("downl", "download ")
        await tab("upload no", "upload notes.txt")
        await tab("upload notes.txt d", "upload notes.txt d")  # two matches: both shown, Tab picks
        await wait_for(pilot, lambda: bar.hint == "data/  docs/", f"the candidates (got {bar.hint!r})")
        await pilot.press("tab")
        assert bar.value == "upload notes.txt data/"
        await tab("upload my", "upload 'my folder/'")
        await pilot.press("f", "tab")  # on inside the quoted folder
        await wait_for(pilot, lambda: bar.value == "upload 'my folder/file one.txt'", "into the folder")
        await tab("upload ", "upload ")
        await wait_for(pilot, lambda: bar.hint == "data/  docs/  'my folder/'  notes.txt", f"no hidden ({bar.hint!r})")
        await tab("upload .h", "upload .hidden/")
        await tab("download ", "download ")
        await wait_for(pilot, lambda: bar.hint == "data/  docs/  my folder/", f"folders only ({bar.hint!r})")
        await tab(f"download {tmp_path}/my", f"download {tmp_path}/my folder/")  # one folder, spaces as typed
        await tab("upload nothing-here", "upload nothing-here")
        await wait_for(pilot, lambda: bar.hint == "no completion", "said so")
