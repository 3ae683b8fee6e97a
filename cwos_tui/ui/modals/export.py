"""Export a key pair to a tool's config (AWS CLI profile, rclone remote) from the secret modal.

Writing goes through `config.exports`: files are 0600 and an existing profile or remote of the
same name is never overwritten, so the user picks another name instead.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from cwos_tui.config import exports
from cwos_tui.config.exports import ExportError, ExportTarget
from cwos_tui.ui.modals.form import FormScreen
from cwos_tui.ui.text import safe_text

TITLES = {"aws": "AWS CLI profile", "rclone": "rclone remote"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def env_lines(target: ExportTarget) -> str:
    """Shell `export` lines for the key (printed, never written to a file)."""
    return exports.render("env", target)["env"]



class ExportScreen(FormScreen[str | None]):
    """Asks for a profile/remote name and writes it; returns a summary of what was written."""

    SUBMIT_ID = "export-write"
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 80; max-width: 96%; height: auto; border: thick $accent;
                              background: $surface; padding: 1 2; }
    ExportScreen #export-problem { color: $error; height: auto; }
    ExportScreen Horizontal { height: auto; margin-top: 1; }
    ExportScreen Button { margin-right: 2; }
    """

    def __init__(self, fmt: str, target: ExportTarget) -> None:
        super().__init__()
        self.fmt = fmt
        self.target = target

    def compose(self) -> ComposeResult:
        paths = exports.default_paths(self.fmt)
        where = ", ".join(str(p) for p in paths.values())
        with Vertical():
            yield Static(f"Write this key as an {TITLES[self.fmt]}", markup=False)
            yield Static(f"Into: {safe_text(where)} (0600; an existing name is never replaced)", markup=False)
            yield Input(value=self.target.name, placeholder="name", id="export-name")
            yield Static("", id="export-problem", markup=False)
            with Horizontal():
                yield Button("Write", variant="primary", id="export-write")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def submit(self) -> None:
        self.run_worker(self._write(), group="export", exclusive=True, exit_on_error=False)

    async def _write(self) -> None:
        """Files are written in a thread; the dialog only shows the outcome."""
        name = self.query_one(Input).value.strip()
        problem = self.query_one("#export-problem", Static)
        if not _NAME.match(name):
            problem.update("Use letters, digits, '.', '_' or '-' (up to 64), starting with a letter or digit.")
            return
        target = replace(self.target, name=name)
        try:
            written = await asyncio.to_thread(exports.write, self.fmt, exports.render(self.fmt, target),
                                              exports.default_paths(self.fmt))
        except (ExportError, OSError) as exc:
            text = str(exc).split("; pass --force")[0]  # the CLI's advice does not apply here
            if text != str(exc):
                text += ": nothing was overwritten, choose another name"
            problem.update(safe_text(text))
            return
        self.dismiss(f"{TITLES[self.fmt]} {name!r} written to " + ", ".join(str(p) for p in written))
