"""Confirmation for destructive actions: names the exact target; optionally requires typing it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from cwos_tui.ui import commands
from cwos_tui.ui.text import safe_text


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = commands.screen_bindings("confirm")
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 76; max-width: 96%; height: auto; border: thick $warning;
                               background: $surface; padding: 1 2; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """

    def __init__(self, question: str, target: str, *, type_to_confirm: bool = False,
                 confirm_label: str = "Delete") -> None:
        super().__init__()
        self.confirm_label = confirm_label
        self.question = question
        self.target = target
        self.type_to_confirm = type_to_confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self.question), markup=False)
            yield Static(safe_text(self.target), classes="target", markup=False)
            if self.type_to_confirm:
                yield Static("Type the name to confirm:", markup=False)
                yield Input(id="confirm-name")
            with Horizontal():
                yield Button(self.confirm_label, variant="error", id="confirm-yes")
                yield Button("Cancel", id="confirm-no")

    def on_mount(self) -> None:
        if self.type_to_confirm:
            self.query_one(Input).focus()
        else:
            self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id != "confirm-yes":
            self.dismiss(False)
        elif self.type_to_confirm and self.query_one(Input).value != self.target:
            self.notify("The name does not match.", severity="warning")
        else:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
