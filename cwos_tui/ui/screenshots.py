"""Write screenshots/<pane>.svg from the running app on a fresh demo sandbox.

Usage: python -m cwos_tui.ui.screenshots [--out screenshots] [--size 100x30]
Tokens are masked by the app itself; the sandbox's ports and org id are hidden by a display filter.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from cwos_tui.session import connection_from_sandbox
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.launcher import DemoStartup

SHOTS = [
    ("tokens", "tokens", ""),
    ("keys", "keys", ""),
    ("policies", "policies", ""),
    ("buckets", "buckets", ""),
    ("objects", "objects", "training-data/datasets/imagenet/train/"),
]


async def capture(ready: dict[str, str], out: Path, size: tuple[int, int]) -> list[Path]:
    org_id = ready["org_id"]

    def display_filter(text: str) -> str:
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text).replace(org_id, "ORG")

    written = []
    app = CwosApp(connection_from_sandbox(ready), display_filter=display_filter)
    async with app.run_test(size=size) as pilot:
        await app.services.storage.list_buckets()  # so the Tokens pane shows the S3 key in use
        for name, pane, location in SHOTS:
            if location:
                bucket, _, prefix = location.partition("/")
                app.open_location(bucket, prefix)
            else:
                app.show_pane(pane)
            deadline = time.monotonic() + 30
            while not app.pane().complete and time.monotonic() < deadline:
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            path = out / f"{name}.svg"
            app.save_screenshot(str(path.name), path=str(out))
            written.append(path)
        await pilot.press("f1")
        await pilot.pause(0.2)
        app.save_screenshot("help.svg", path=str(out))
        written.append(out / "help.svg")
        await pilot.press("escape")
        written += await _modal_shots(app, pilot, out)
    return written


async def _modal_shots(app: CwosApp, pilot: Any, out: Path) -> list[Path]:
    """The create-key form, the secret shown once (masked here), and the first wizard page."""
    written = []
    app.show_pane("keys")
    await pilot.pause(0.3)
    await pilot.press("n")
    await pilot.pause(0.3)
    app.save_screenshot("create-key.svg", path=str(out))
    written.append(out / "create-key.svg")
    await pilot.press("escape")
    await pilot.pause(0.2)
    await pilot.press("i")
    await pilot.pause(0.3)
    app.save_screenshot("detail.svg", path=str(out))
    written.append(out / "detail.svg")
    await pilot.press("escape")
    await pilot.pause(0.2)
    app.show_pane("buckets")
    await pilot.pause(0.3)
    await pilot.press("colon", "b", "space", "tab")
    await pilot.pause(0.3)
    app.save_screenshot("command-line.svg", path=str(out))
    written.append(out / "command-line.svg")
    await pilot.press("escape")
    await pilot.pause(0.2)
    written += await _editor_shots(app, pilot, out)
    written += await _bucket_shots(app, pilot, out)
    written += await _transfer_shots(app, pilot, out)
    app.run_command("app.setup", "")
    await pilot.pause(0.5)
    app.save_screenshot("wizard.svg", path=str(out))
    written.append(out / "wizard.svg")
    return written


async def _editor_shots(app: CwosApp, pilot: Any, out: Path) -> list[Path]:
    """The policy editor with its findings, and the preview of an object."""
    app.show_pane("policies")
    await pilot.pause(0.5)
    await pilot.press("e")
    await pilot.pause(0.6)
    app.save_screenshot("policy-editor.svg", path=str(out))
    await pilot.press("escape")
    await pilot.pause(0.3)
    app.open_location("training-data", "")
    deadline = time.monotonic() + 30
    while not app.objects.complete and time.monotonic() < deadline:
        await pilot.pause(0.05)
    app.objects.store_list.jump_to_name("README.md")
    await pilot.press("p")
    await pilot.pause(0.8)
    app.save_screenshot("preview.svg", path=str(out))
    await pilot.press("escape")
    await pilot.pause(0.2)
    return [out / "policy-editor.svg", out / "preview.svg"]


async def _until(pilot: Any, condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def _showing(app: CwosApp, screen: type) -> bool:
    return isinstance(app.screen, screen)


async def _bucket_shots(app: CwosApp, pilot: Any, out: Path) -> list[Path]:
    """The create dialog with a name the rules refuse, the settings form and the lifecycle editor."""
    from cwos_tui.ui.modals.bucket_editor import BucketEditorScreen
    from cwos_tui.ui.modals.bucket_forms import BucketCreateScreen, BucketSettingsScreen

    app.show_pane("buckets")
    await _until(pilot, lambda: app.pane().complete)
    app.pane().apply_filter("training-data")
    await _until(pilot, lambda: app.pane().row_list.count == 1)
    shots = [("n", BucketCreateScreen, "bucket-create.svg", "My_Bucket"), ("e", BucketSettingsScreen,
             "bucket-settings.svg", ""), ("L", BucketEditorScreen, "bucket-lifecycle.svg", "")]
    for key, screen, name, typed in shots:
        await pilot.press(key)
        await _until(pilot, partial(_showing, app, screen))
        if typed:
            await pilot.press(*typed)
            await pilot.pause(0.3)
        app.save_screenshot(name, path=str(out))
        for _ in range(3):  # the editor's first Esc may only leave its text area
            if not _showing(app, screen):
                break
            await pilot.press("escape")
            await pilot.pause(0.3)
    app.pane().apply_filter("")
    return [out / name for _, _, name, _ in shots]


async def _transfer_shots(app: CwosApp, pilot: Any, out: Path) -> list[Path]:
    """The Transfers pane after two uploads and a download of an object that is not there."""
    import tempfile

    from cwos_tui.cloud.transfer_model import Job

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "model.safetensors").write_bytes(b"w" * 3_500_000)
        (folder / "notes.txt").write_bytes(b"hello")
        client = await app.services.storage.run_with_client("transfers", lambda c: c)
        queue = app.ctx.transfer_queue()
        bucket = "model-checkpoints"
        ups = queue.submit(client, [Job("up", bucket, "uploads/model.safetensors", folder / "model.safetensors"),
                                    Job("up", bucket, "uploads/notes.txt", folder / "notes.txt")])
        await queue.finished(ups)
        down = queue.submit(client, [Job("down", bucket, "uploads/missing.bin", folder / "missing.bin")])
        await queue.finished(down)
        app.show_pane("transfers")
        await _until(pilot, lambda: app.pane().complete)
        app.save_screenshot("transfers.svg", path=str(out))
    return [out / "transfers.svg"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    startup = DemoStartup()
    try:
        startup.run()
        for path in asyncio.run(capture(startup.sandbox.ready, args.out, (width, height))):
            print(path)
    finally:
        startup.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
