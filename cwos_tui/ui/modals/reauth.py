"""Re-authentication: the token expired or was revoked; ask for a new one instead of failing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from cwos_tui.ui.text import safe_text


class ReauthScreen(ModalScreen[str | None]):
    """Returns the new token, or None when the user cancels. The input is masked."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]
    DEFAULT_CSS = """
    ReauthScreen { align: center middle; }
    ReauthScreen > Vertical { width: 76; max-width: 96%; height: auto; border: thick $error;
                              background: $surface; padding: 1 2; }
    ReauthScreen #reauth-message { margin-bottom: 1; }
    ReauthScreen Horizontal { height: auto; margin-top: 1; }
    ReauthScreen Button { margin-right: 2; }
    """

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Re-authentication needed", classes="title")
            yield Static(safe_text(self.reason), id="reauth-message", markup=False)
            yield Static("Paste a new CoreWeave API access token (it is not shown):", markup=False)
            yield Input(placeholder="CW-SECRET-…", password=True, id="reauth-token")
            with Horizontal():
                yield Button("Use token", variant="primary", id="reauth-submit")
                yield Button("Cancel", id="reauth-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _submit(self) -> None:
        value = self.query_one(Input).value.strip()
        if value:
            self.dismiss(value)
        else:
            self.notify("Enter a token, or press Esc to cancel.", severity="warning")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reauth-submit":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
