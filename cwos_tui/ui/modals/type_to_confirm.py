"""Confirmation for destructive key actions: names the exact target and count; may require typing it.

Like the Cloud Console, revoking asks the user to type the key ID (or the principal) so a stray
Enter cannot revoke the wrong thing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from cwos_tui.ui.modals.form import FormScreen
from cwos_tui.ui.text import safe_text, typeable


class TypeToConfirmScreen(FormScreen[bool]):
    """Returns True only when confirmed (and, with `expected`, only when the typed text matches)."""

    SUBMIT_ID = "ttc-yes"
    CANCEL_RESULT = False
    DEFAULT_CSS = """
    TypeToConfirmScreen { align: center middle; }
    TypeToConfirmScreen > Vertical { width: 80; max-width: 96%; height: auto; border: thick $warning;
                                     background: $surface; padding: 1 2; }
    TypeToConfirmScreen .ttc-target { text-style: bold; margin: 1 0; }
    TypeToConfirmScreen .ttc-warning { color: $error; text-style: bold; margin-bottom: 1; }
    TypeToConfirmScreen #ttc-problem { color: $warning; height: auto; }
    TypeToConfirmScreen Horizontal { height: auto; margin-top: 1; }
    TypeToConfirmScreen Button { margin-right: 2; }
    """

    def __init__(self, question: str, target: str, *, expected: str | None = None, confirm_label: str = "Confirm",
                 warning: str = "") -> None:
        super().__init__()
        self.question = question
        self.target = target
        #: a phrase that can always be typed: the target itself when it can be, else the button's words
        self.expected = expected if expected is None or typeable(expected) else confirm_label.lower()
        self.confirm_label = confirm_label
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self.question), markup=False)
            yield Static(safe_text(self.target), classes="ttc-target", markup=False)
            if self.warning:
                yield Static(safe_text(self.warning), classes="ttc-warning", markup=False)
            if self.expected is not None:
                yield Static(f"Type {safe_text(self.expected)} to confirm:", markup=False)
                yield Input(id="ttc-input")
            yield Static("", id="ttc-problem", markup=False)
            with Horizontal():
                yield Button(self.confirm_label, variant="error", id="ttc-yes")
                yield Button("Cancel", id="ttc-no")

    def on_mount(self) -> None:
        if self.expected is not None:
            self.query_one(Input).focus()
        else:
            self.query_one("#ttc-no", Button).focus()

    def submit(self) -> None:
        if self.expected is not None and self.query_one(Input).value.strip() != self.expected:
            self.query_one("#ttc-problem", Static).update("That does not match; nothing was changed.")
            return
        self.dismiss(True)
