"""Pick how long a presigned URL lives: a short list of common choices (or `:presign 2h` directly)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cwos_tui.ui import commands
from cwos_tui.ui.text import safe_text

CHOICES = (("15 minutes", 900), ("1 hour", 3600), ("6 hours", 21600), ("24 hours", 86400), ("7 days", 604800))


class ExpiryPickerScreen(ModalScreen[int | None]):
    """Returns the chosen lifetime in seconds, or None (Esc)."""

    BINDINGS = commands.screen_bindings("dialog")
    DEFAULT_CSS = """
    ExpiryPickerScreen { align: center middle; }
    ExpiryPickerScreen > Vertical { width: 60; max-width: 96%; height: auto; border: thick $accent;
                                    background: $surface; padding: 1 2; }
    ExpiryPickerScreen OptionList { height: auto; margin-top: 1; }
    """

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(f"Presigned URL for {self.what}: valid for"), markup=False)
            yield OptionList(*(Option(label, id=str(seconds)) for label, seconds in CHOICES), id="expiry-choices")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = 1
        choices.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 3600))

    def action_cancel(self) -> None:
        self.dismiss(None)
