"""Edit a text in the user's `$VISUAL`/`$EDITOR`, with the dashboard suspended meanwhile (`App.suspend`).

The temporary file is written and read in a thread; only the editor itself runs while the app is
suspended (it owns the terminal then, so nothing else could draw anyway).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported


class EditorError(Exception):
    """The editor could not be run (not found, or the terminal cannot be handed over)."""


def editor_command() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def _write(text: str, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="cwos-policy-", suffix=suffix)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(name)


def _read_and_remove(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)


def _run(command: list[str]) -> int:
    try:
        return subprocess.run(command, check=False).returncode
    except OSError as exc:
        raise EditorError(f"cannot run the editor {command[0]!r}: {exc.strerror or exc}") from None


async def edit_text(app: App[object], text: str, suffix: str = ".json") -> str | None:
    """The edited text, or None when the editor failed (non-zero exit) or nothing changed."""
    path = await asyncio.to_thread(_write, text, suffix)
    command = [*editor_command(), str(path)]
    try:
        try:
            with app.suspend():
                status = _run(command)
        except SuspendNotSupported:
            if not app.is_headless:
                raise EditorError("this terminal cannot be handed to an editor; use e to edit here") from None
            status = _run(command)  # tests run headless: nothing to hand over
    finally:
        edited = await asyncio.to_thread(_read_and_remove, path)
    if status != 0 or edited == text:
        return None
    return edited
