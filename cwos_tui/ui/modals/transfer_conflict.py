"""A transfer would replace a local file (download) or an object (upload): overwrite, skip or rename (keep
both), for this one or all."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from cwos_tui.ui import commands
from cwos_tui.ui.text import safe_text

#: (answer, apply to every remaining conflict); None: cancel the whole download
Answer = tuple[str, bool] | None


class ConflictScreen(ModalScreen[Answer]):
    BINDINGS = commands.screen_bindings("conflict")
    DEFAULT_CSS = """
    ConflictScreen { align: center middle; }
    ConflictScreen > Vertical { width: 76; max-width: 96%; height: auto; border: thick $warning;
                                background: $surface; padding: 1 2; }
    ConflictScreen Horizontal { height: auto; margin-top: 1; }
    ConflictScreen Button { margin-right: 1; min-width: 12; }
    """

    def __init__(self, path: str, remaining: int, *, upload: bool = False) -> None:
        super().__init__()
        self.path = path
        self.remaining = remaining
        self.what = "object" if upload else "file"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"This {self.what} exists. Replace it?", markup=False)
            yield Static(safe_text(self.path), classes="target", markup=False)
            if self.remaining > 1:
                yield Static(f"{self.remaining - 1:,} more existing {self.what}(s) after this one.", markup=False)
            yield Checkbox("Apply to all (a)", value=False, id="conflict-all")
            with Horizontal():
                yield Button("Overwrite (o)", variant="error", id="conflict-overwrite")
                yield Button("Skip (s)", id="conflict-skip")
                yield Button("Rename (r)", variant="primary", id="conflict-rename")
                yield Button("Cancel", id="conflict-cancel")

    def on_mount(self) -> None:
        self.query_one("#conflict-skip", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        answer = (event.button.id or "").removeprefix("conflict-")
        if answer == "cancel":
            self.dismiss(None)
        else:
            self.action_answer(answer)

    def action_answer(self, answer: str) -> None:
        self.dismiss((answer, self.query_one(Checkbox).value))

    def action_toggle_all(self) -> None:
        box = self.query_one(Checkbox)
        box.value = not box.value

    def action_cancel(self) -> None:
        self.dismiss(None)
