"""Add an API token to the token book: a label, the token (masked) and, optionally, its expiry.

Tokens are minted in the Cloud Console, which is also the only place that shows their expiry; the
user may copy that date here so the countdown and the expiry warnings work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from cwos_tui.config.tokens import CONSOLE_TOKENS_URL, parse_expiry
from cwos_tui.ui.modals.form import RequestFormScreen


@dataclass(frozen=True)
class AddTokenRequest:
    label: str
    value: str = field(repr=False)
    expires_at: datetime | None = None


class AddTokenScreen(RequestFormScreen[AddTokenRequest]):
    SUBMIT_ID = "at-add"
    PROBLEM_ID = "at-problem"
    DEFAULT_CSS = """
    AddTokenScreen { align: center middle; }
    AddTokenScreen > Vertical { width: 84; max-width: 98%; height: auto; border: thick $accent;
                                background: $surface; padding: 1 2; }
    AddTokenScreen .at-note { color: $text-muted; margin-bottom: 1; }
    AddTokenScreen #at-problem { color: $error; height: auto; }
    AddTokenScreen Horizontal { height: auto; margin-top: 1; }
    AddTokenScreen Button { margin-right: 2; }
    """

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Add a CoreWeave API access token", markup=False)
            yield Static(f"Mint one in the Cloud Console: {CONSOLE_TOKENS_URL}", classes="at-note", markup=False)
            yield Input(placeholder="label, e.g. ml-team laptop", id="at-label")
            yield Input(placeholder="CW-SECRET-… (not shown)", password=True, id="at-token")
            yield Input(placeholder="expiry shown in the Console: YYYY-MM-DD [HH:MM] UTC (optional)",
                        id="at-expiry")
            yield Static("", id="at-problem", markup=False)
            with Horizontal():
                yield Button("Add and validate", variant="primary", id="at-add")
                yield Button("Cancel", id="at-cancel")

    def on_mount(self) -> None:
        self.query_one("#at-label", Input).focus()

    def request(self) -> AddTokenRequest:
        label = self.query_one("#at-label", Input).value.strip()
        value = self.query_one("#at-token", Input).value.strip()
        if not label:
            raise ValueError("Give the token a label.")
        if not value:
            raise ValueError("Paste the token.")
        if any(ch.isspace() for ch in value):
            raise ValueError("The token contains spaces; paste it again.")
        expires_at = parse_expiry(self.query_one("#at-expiry", Input).value)
        if expires_at is not None and expires_at <= self.now:
            raise ValueError("That expiry is in the past: the token would not work.")
        return AddTokenRequest(label, value, expires_at)

