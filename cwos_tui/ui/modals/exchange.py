"""Exchange a credential for a session key: the API token (15 minutes), an OIDC token, or SAML.

The OIDC token can come from a file (projected service-account tokens), a command (no shell) or an
environment variable, like a profile's OIDC source. The exchange itself runs in the pane's worker.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from cwos_tui.cloud.credentials import OidcTokenCommand, OidcTokenEnv, OidcTokenFile, OidcTokenProvider
from cwos_tui.ui.modals.create_key import parse_duration
from cwos_tui.ui.modals.form import RequestFormScreen

MAX_EXCHANGE_SECONDS = 43200
KINDS = (("ex-api-token", "API token (15 min)"), ("ex-oidc", "OIDC"), ("ex-saml", "SAML"))
ORIGINS = (("oidc-file", "file"), ("oidc-command", "command"), ("oidc-env", "env var"))


@dataclass(frozen=True)
class ExchangeRequest:
    kind: str  # "api-token", "oidc", "saml"
    org_id: str = ""
    duration_seconds: int = 900
    oidc_origin: str = ""  # "file", "command", "env"
    oidc_where: str = ""
    config_id: str = ""
    saml_response: str = field(default="", repr=False)

    def token_provider(self) -> OidcTokenProvider:
        if self.oidc_origin == "file":
            from pathlib import Path

            return OidcTokenFile(Path(self.oidc_where).expanduser())
        if self.oidc_origin == "command":
            return OidcTokenCommand(shlex.split(self.oidc_where))
        return OidcTokenEnv(self.oidc_where)


class ExchangeScreen(RequestFormScreen[ExchangeRequest]):
    SUBMIT_ID = "ex-go"
    PROBLEM_ID = "ex-problem"
    DEFAULT_CSS = """
    ExchangeScreen { align: center middle; }
    ExchangeScreen > Vertical { width: 84; max-width: 98%; height: auto; border: thick $accent;
                                background: $surface; padding: 1 2; }
    ExchangeScreen RadioSet { width: 100%; layout: horizontal; }
    ExchangeScreen .-oidc, ExchangeScreen .-saml, ExchangeScreen .-wif { display: none; }
    ExchangeScreen.-kind-oidc .-oidc, ExchangeScreen.-kind-saml .-saml { display: block; }
    ExchangeScreen.-kind-oidc .-wif, ExchangeScreen.-kind-saml .-wif { display: block; }
    ExchangeScreen #ex-problem { color: $error; height: auto; }
    ExchangeScreen Horizontal { height: auto; margin-top: 1; }
    ExchangeScreen Button { margin-right: 2; }
    """

    def __init__(self, org_id: str = "") -> None:
        super().__init__()
        self.org_id = org_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Exchange a credential for a session key", markup=False)
            with RadioSet(id="ex-kind"):
                for index, (button_id, label) in enumerate(KINDS):
                    yield RadioButton(label, value=index == 0, id=button_id)
            yield Input(value=self.org_id, placeholder="organization ID", id="ex-org", classes="-wif")
            yield Input(placeholder="duration (default 15m; at most 12h)", id="ex-duration", classes="-wif")
            with RadioSet(id="ex-origin", classes="-oidc"):
                for index, (button_id, label) in enumerate(ORIGINS):
                    yield RadioButton(label, value=index == 0, id=button_id)
            yield Input(placeholder="token file path / command / variable name", id="ex-where", classes="-oidc")
            yield Input(placeholder="SAML config ID", id="ex-config", classes="-saml")
            yield Input(placeholder="SAML response (base64)", password=True, id="ex-saml-response", classes="-saml")
            yield Static("", id="ex-problem", markup=False)
            with Horizontal():
                yield Button("Exchange", variant="primary", id="ex-go")
                yield Button("Cancel", id="ex-cancel")

    def on_mount(self) -> None:
        self.query_one("#ex-kind", RadioSet).focus()

    def choose(self, button_id: str) -> None:
        self.query_one(f"#{button_id}", RadioButton).value = True

    def _pressed(self, set_id: str, default: str) -> str:
        pressed = self.query_one(f"#{set_id}", RadioSet).pressed_button
        return (pressed.id or default) if pressed is not None else default

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "ex-kind":
            kind = (event.pressed.id or "ex-api-token").removeprefix("ex-")
            for name in ("api-token", "oidc", "saml"):
                self.set_class(kind == name, f"-kind-{name}")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def request(self) -> ExchangeRequest:
        kind = self._pressed("ex-kind", "ex-api-token").removeprefix("ex-")
        if kind == "api-token":
            return ExchangeRequest("api-token")
        org_id = self._value("ex-org")
        if not org_id:
            raise ValueError("Enter the organization ID.")
        text = self._value("ex-duration")
        duration = parse_duration(text) if text else (900 if kind == "oidc" else 3600)
        if duration > MAX_EXCHANGE_SECONDS:
            raise ValueError("Exchanged keys last at most 12 hours (43200 s).")
        if kind == "oidc":
            origin = self._pressed("ex-origin", "oidc-file").removeprefix("oidc-")
            where = self._value("ex-where")
            if not where:
                raise ValueError(f"Enter the token {origin} to read the OIDC token from.")
            return ExchangeRequest("oidc", org_id, duration, oidc_origin=origin, oidc_where=where)
        config_id, response = self._value("ex-config"), self._value("ex-saml-response")
        if not config_id or not response:
            raise ValueError("Enter the SAML config ID and the SAML response.")
        return ExchangeRequest("saml", org_id, duration, config_id=config_id, saml_response=response)

