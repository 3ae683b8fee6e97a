"""A long job's progress, in a small dialog that Esc stops (emptying a bucket, for now).

The job runs in a worker and checks `stop` between batches, so stopping never leaves a batch half-known:
what was deleted is counted, and the job reports where it stopped. The owner updates the line with
`show(text)` from its message handlers and closes the dialog when the job has ended.
"""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from cwos_tui.ui import commands
from cwos_tui.ui.text import safe_text


class ProgressScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("progress")
    DEFAULT_CSS = """
    ProgressScreen { align: center middle; }
    ProgressScreen > Vertical { width: 70; max-width: 96%; height: auto; border: thick $warning;
                                background: $surface; padding: 1 2; }
    ProgressScreen #progress-title { text-style: bold; }
    ProgressScreen #progress-line { margin: 1 0; }
    ProgressScreen #progress-hint { color: $text-muted; }
    """

    def __init__(self, title: str, text: str, hint: str, stop: threading.Event) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.hint = hint
        self.stop = stop
        self.ended = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self.title_text), id="progress-title", markup=False)
            yield Static(safe_text(self.text), id="progress-line", markup=False)
            yield Static(safe_text(self.hint), id="progress-hint", markup=False)

    def show(self, text: str) -> None:
        self.text = text
        if self.is_mounted:
            self.query_one("#progress-line", Static).update(safe_text(text))

    def close(self) -> None:
        """The job is over: close now, or as soon as a dialog opened over this one closes."""
        self.ended = True
        if self.is_attached and self.app.screen is self:
            self.dismiss()

    def on_screen_resume(self) -> None:
        if self.ended:
            self.dismiss()

    def action_stop(self) -> None:
        if self.stop.is_set():
            return
        self.stop.set()
        self.query_one("#progress-hint", Static).update("Stopping after the batch in flight…")
