"""The one and only display of a new key's secret, with copy and export actions.

The API returns a secret key only when the key is created (or exchanged), so this modal is the
user's single chance to keep it. Closing asks whether it was saved; after that the app forgets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cwos_tui.cloud.clock import Clock
from cwos_tui.config.exports import ExportTarget
from cwos_tui.ui import commands
from cwos_tui.ui.modals.export import ExportScreen, env_lines
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_lines, safe_text, short_time
from cwos_tui.ui.widgets.countdown import styled_countdown


@dataclass(frozen=True)
class Secret:
    """A key pair to show once, and where it works (for the exports)."""

    title: str
    access_key_id: str
    secret_key: str = field(repr=False)
    principal_name: str
    expires_at: datetime | None
    s3_endpoint: str
    zone: str
    addressing_style: str
    session_token: str = field(default="", repr=False)

    def target(self, name: str) -> ExportTarget:
        return ExportTarget(
            name=name, s3_endpoint=self.s3_endpoint, zone=self.zone, addressing_style=self.addressing_style,
            access_key_id=self.access_key_id, secret_access_key=self.secret_key,
            session_token=self.session_token or None, expires_at=self.expires_at,
        )


class SavedCheckScreen(ModalScreen[bool]):
    """"Did you save it?" before the secret disappears for good."""

    BINDINGS = commands.screen_bindings("dialog")
    DEFAULT_CSS = """
    SavedCheckScreen { align: center middle; }
    SavedCheckScreen > Vertical { width: 64; height: auto; border: thick $warning; background: $surface;
                                  padding: 1 2; }
    SavedCheckScreen Horizontal { height: auto; margin-top: 1; }
    SavedCheckScreen Button { margin-right: 2; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Did you save the secret key? It cannot be shown again.", markup=False)
            with Horizontal():
                yield Button("Yes, close", variant="warning", id="saved-yes")
                yield Button("Go back", variant="primary", id="saved-no")

    def on_mount(self) -> None:
        self.query_one("#saved-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "saved-yes")

    def action_cancel(self) -> None:
        self.dismiss(False)


class SecretOnceScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("dialog")
    DEFAULT_CSS = """
    SecretOnceScreen { align: center middle; }
    SecretOnceScreen > Vertical { width: 96; max-width: 98%; height: auto; border: thick $success;
                                  background: $surface; padding: 1 2; }
    SecretOnceScreen .so-title { text-style: bold; }
    SecretOnceScreen .so-note { color: $warning; margin-bottom: 1; }
    SecretOnceScreen #so-output { height: auto; margin-top: 1; color: $text-muted; }
    SecretOnceScreen Horizontal { height: auto; margin-top: 1; }
    SecretOnceScreen Button { margin-right: 1; min-width: 10; }
    """

    def __init__(self, secret: Secret, clock: Clock, display_filter: DisplayFilter = no_filter) -> None:
        super().__init__()
        self.secret = secret
        self.clock = clock
        self.display_filter = display_filter
        self.exports_done: list[str] = []

    def _mask(self, text: str) -> str:
        return self.display_filter(safe_lines(text))

    def compose(self) -> ComposeResult:
        s = self.secret
        with Vertical():
            yield Static(safe_text(s.title), classes="so-title", markup=False)
            yield Static("The secret key is shown only now. Copy it or export it before closing.",
                         classes="so-note", markup=False)
            yield Static(f"Access key ID  {self._mask(s.access_key_id)}", id="so-key-id", markup=False)
            yield Static(f"Secret key     {self._mask(s.secret_key)}", id="so-secret", markup=False)
            yield Static(f"Principal      {self._mask(s.principal_name or '-')}", markup=False)
            yield Static("", id="so-expiry", markup=False)
            with Horizontal():
                yield Button("Copy secret", id="so-copy-secret")
                yield Button("Copy key ID", id="so-copy-id")
                yield Button("AWS profile…", id="so-aws")
                yield Button("env lines", id="so-env")
                yield Button("rclone…", id="so-rclone")
                yield Button("Close", variant="primary", id="so-close")
            yield Static("", id="so-output", markup=False)

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)
        self.query_one("#so-copy-secret", Button).focus()

    def tick(self) -> None:
        expires = self.secret.expires_at
        text = Text("Expires        ")
        text.append(self._mask("never (permanent)" if expires is None else short_time(expires) + " UTC"))
        text.append("  ")
        text.append_text(styled_countdown(expires, self.clock.now()))
        self.query_one("#so-expiry", Static).update(text)

    def _say(self, text: str) -> None:
        self.query_one("#so-output", Static).update(self._mask(text))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        s = self.secret
        if button == "so-copy-secret":
            self.app.copy_to_clipboard(s.secret_key)
            self._say("Secret key copied to the clipboard (OSC 52); the text above is also selectable.")
        elif button == "so-copy-id":
            self.app.copy_to_clipboard(s.access_key_id)
            self._say(f"Copied {s.access_key_id}.")
        elif button == "so-env":
            lines = env_lines(s.target(self._default_name()))
            self.app.copy_to_clipboard(lines)
            self._say("Copied (OSC 52):\n" + lines.strip())
        elif button in ("so-aws", "so-rclone"):
            fmt = "aws" if button == "so-aws" else "rclone"
            self.app.push_screen(ExportScreen(fmt, s.target(self._default_name())), self._exported)
        elif button == "so-close":
            self.action_cancel()

    def _default_name(self) -> str:
        return "cwos-" + self.secret.access_key_id.lower()

    def _exported(self, summary: str | None) -> None:
        if summary:
            self.exports_done.append(summary)
            self._say(summary)

    def action_cancel(self) -> None:
        """Esc: closing asks "did you save it?" first (the secret cannot be shown again)."""
        def answered(saved: bool | None) -> None:
            if saved:
                self.dismiss(None)

        self.app.push_screen(SavedCheckScreen(), answered)
