"""Re-authentication: a credential expired or was revoked; ask for a new one instead of failing.

What is asked for follows the credential kind: an API token (optionally saved to the secret store,
only when the user ticks the box), a static key pair, or a new SAML response. Every secret input is
masked, and the answer's repr never shows a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Static

from cwos_tui.ui.modals.form import FormScreen
from cwos_tui.ui.text import safe_text

ReauthKind = Literal["token", "static", "saml"]


@dataclass(frozen=True, repr=False)
class ReauthAnswer:
    """What the user entered; exactly one credential is set."""

    token: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    saml_response: str | None = None
    save: bool = False

    def __repr__(self) -> str:
        given = [name for name in ("token", "access_key_id", "saml_response") if getattr(self, name)]
        return f"ReauthAnswer(given={given}, save={self.save})"


_PROMPTS = {
    "token": "Paste a new CoreWeave API access token (it is not shown):",
    "static": "Enter a new access key pair (the secret is not shown):",
    "saml": "Paste a new base64 SAML response from your identity provider (it is not shown):",
}
_SUBMIT = {"token": "Use token", "static": "Use key pair", "saml": "Use SAML response"}


class ReauthScreen(FormScreen[ReauthAnswer | None]):
    """Returns a `ReauthAnswer`, or None when the user cancels."""

    SUBMIT_ID = "reauth-submit"
    DEFAULT_CSS = """
    ReauthScreen { align: center middle; }
    ReauthScreen > Vertical { width: 76; max-width: 96%; height: auto; border: thick $error;
                              background: $surface; padding: 1 2; }
    ReauthScreen #reauth-message { margin-bottom: 1; }
    ReauthScreen Horizontal { height: auto; margin-top: 1; }
    ReauthScreen Button { margin-right: 2; }
    """

    def __init__(
        self, reason: str, kind: ReauthKind = "token", *, save_target: str = "",
        title: str = "Re-authentication needed",
    ) -> None:
        """`save_target`: where a token would be saved (shown by the checkbox); empty: no checkbox."""
        super().__init__()
        self.reason = reason
        self.kind: ReauthKind = kind
        self.save_target = save_target
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title", markup=False)
            yield Static(safe_text(self.reason), id="reauth-message", markup=False)
            yield Static(_PROMPTS[self.kind], markup=False)
            if self.kind == "token":
                yield Input(placeholder="CW-SECRET-…", password=True, id="reauth-token")
                if self.save_target:
                    yield Checkbox(f"Save it to the secret store ({safe_text(self.save_target)})",
                                   value=False, id="reauth-save")
            elif self.kind == "static":
                yield Input(placeholder="access key id", id="reauth-key-id")
                yield Input(placeholder="secret access key", password=True, id="reauth-secret")
            else:
                yield Input(placeholder="SAML response (base64)", password=True, id="reauth-saml")
            with Horizontal():
                yield Button(_SUBMIT[self.kind], variant="primary", id="reauth-submit")
                yield Button("Cancel", id="reauth-cancel")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def _value(self, input_id: str) -> str:
        return self.query_one(f"#{input_id}", Input).value.strip()

    def answer(self) -> ReauthAnswer | None:
        """The answer the form holds now, or None while something is missing."""
        if self.kind == "token":
            token = self._value("reauth-token")
            save = bool(self.save_target) and self.query_one("#reauth-save", Checkbox).value
            return ReauthAnswer(token=token, save=save) if token else None
        if self.kind == "static":
            key_id, secret = self._value("reauth-key-id"), self._value("reauth-secret")
            return ReauthAnswer(access_key_id=key_id, secret_access_key=secret) if key_id and secret else None
        saml = self._value("reauth-saml")
        return ReauthAnswer(saml_response=saml) if saml else None

    def submit(self) -> None:
        answer = self.answer()
        if answer is not None:
            self.dismiss(answer)
        elif self.kind == "static" and self._value("reauth-key-id") and not self._value("reauth-secret"):
            self.query_one("#reauth-secret", Input).focus()
        else:
            self.notify("Fill in every field, or press Esc to cancel.", severity="warning")
