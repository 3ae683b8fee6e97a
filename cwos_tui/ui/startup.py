"""Connections that become usable only after the first paint: the demo sandbox, a SAML sign-in.

The app starts at once with a *pending* `Connection`; a thread worker (the sandbox start blocks for
seconds) or a modal finishes it and posts `ConnectionReady` / `StartupFailed`. The app's handler
installs the real services; workers never touch widgets.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message

from cwos_tui.session import Connection, Services
from cwos_tui.ui.messages import Reauthenticated, WorkFailed
from cwos_tui.ui.modals.reauth import ReauthAnswer, ReauthScreen
from cwos_tui.ui.text import safe_text

log = logging.getLogger(__name__)

class ConnectionReady(Message):
    """The pending connection is ready: install it and load the active pane."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection


class StartupFailed(Message):
    """The pending connection could not be made; `text` is one line for the user (no traceback)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class KeysRefreshed(Message):
    """The storage service refreshed (or failed to refresh) its S3 keys in the background."""

    def __init__(self, event: RefreshEvent) -> None:
        super().__init__()
        self.event = event


class TokenSaved(Message):
    """A re-entered API token was saved to the secret store (the user ticked the box)."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where


def one_line(text: str) -> str:
    """One line for the user: a child's traceback is cut to its head and its last line (the error)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    if len(lines) == 1:
        return lines[0]
    return f"{lines[0].split(':', 1)[0]}: {lines[-1]}"


def refresh_notice(event: RefreshEvent, local_time: Any = None) -> tuple[str, bool]:
    """Toast text for a refresh event and whether it is an error."""
    if event.ok:
        expires_at = event.credentials.expires_at if event.credentials else None
        if event.error is not None:  # the key in use stopped working (revoked) and a fresh one replaced it
            return "The S3 key in use stopped working (revoked?); fetched a fresh one", False
        if expires_at is None:
            return "S3 keys refreshed (no expiry)", False
        shown = (local_time or (lambda d: d.astimezone()))(expires_at)
        return f"S3 keys refreshed, valid until {shown:%H:%M}", False
    error = event.error
    text = getattr(error, "message", None) or (type(error).__name__ if error else "unknown error")
    return f"S3 key refresh failed: {text}", True


class PendingStart(Protocol):
    """Finishes a pending connection in a worker thread (the demo sandbox: `launcher.DemoStartup`)."""

    reason: str

    def run(self) -> Connection: ...

    def stop_in_background(self) -> int | None: ...


def reauth_kind(connection: Connection, error: BaseException | None) -> str:
    """What the re-auth modal asks for: token, static (key pair), saml, or "" (nothing it can fix).

    S3 errors carry a string code (InvalidAccessKeyId, ExpiredToken); control-plane errors a gRPC number.
    """
    kind = connection.credential_kind
    from_s3 = isinstance(getattr(error, "code", None), str)
    if kind == "static" and from_s3:
        return "static"
    if kind == "saml" and from_s3:
        return "saml"
    if kind == "oidc" and from_s3:
        return ""  # the OIDC token comes from a file, command or variable; the modal cannot replace it
    return "token"


if TYPE_CHECKING:
    from textual.app import App

    from cwos_tui.cloud.credentials import RefreshEvent
    from cwos_tui.ui.context import AppContext

    _AppBase = App[int]
else:
    _AppBase = object


class ConnectionLifecycle(_AppBase):
    """Mixed into `CwosApp`: pending start-up, installing a connection, refresh notices, re-auth answers.

    Kept out of app.py so the app module stays a router; every method runs on the UI thread.
    """

    if TYPE_CHECKING:  # provided by CwosApp and AppCommands
        ctx: AppContext
        active_pane: str
        startup: PendingStart | None

        def pane(self, pane_id: str | None = None) -> Any: ...
        def mounted_panes(self) -> list[Any]: ...
        def show_pane(self, pane_id: str) -> None: ...
        def identify(self) -> None: ...
        def new_services(self, connection: Connection) -> Services: ...

    startup_error = ""

    # ---- start-up ------------------------------------------------------------------------------

    def begin_connection(self) -> None:
        """Called once the first frame is up: finish a pending connection, or identify a ready one."""
        self.ctx.services.on_refresh = self._refresh_event
        connection = self.ctx.connection
        if self.startup is not None:
            self.run_worker(self._start_in_thread, thread=True, group="startup", exclusive=True,
                            exit_on_error=False)
        elif connection.pending and connection.credential_kind == "saml":
            self.push_screen(ReauthScreen("This profile signs in with SAML.", "saml", title="SAML sign-in"),
                             self._saml_given)
        elif not connection.pending:
            self.pane().ensure_loaded()
            self.identify()

    def _start_in_thread(self) -> None:
        assert self.startup is not None
        try:
            connection = self.startup.run()
        except Exception as exc:
            log.warning("start-up failed: %s", exc)
            self.post_message(StartupFailed(one_line(str(exc))))
            return
        self.post_message(ConnectionReady(connection))

    def _saml_given(self, answer: ReauthAnswer | None) -> None:
        if answer is None or not answer.saml_response:
            self.post_message(StartupFailed("SAML sign-in cancelled: no S3 keys without a SAML response"))
            return
        connection = self.ctx.connection
        connection.saml_response = answer.saml_response
        connection.pending = ""
        self.post_message(ConnectionReady(connection))

    def pending_state(self, pane: Any) -> None:
        """Show the pending (or failed) start-up on a pane instead of loading it."""
        if self.startup_error:
            pane.set_state(f"Error: {self.startup_error}", error=True)
        else:
            pane.set_state(self.ctx.connection.pending)

    def on_connection_ready(self, message: ConnectionReady) -> None:
        self.use_connection(message.connection)

    def on_startup_failed(self, message: StartupFailed) -> None:
        self.startup_error = message.text
        self.pending_state(self.pane())
        self.notify(safe_text(message.text), title="Start-up failed", severity="error", markup=False,
                    timeout=15)

    def use_connection(self, connection: Connection, services: Services | None = None) -> None:
        """Switch the whole session to `connection`: new services, identity, and the active pane reloaded."""
        from cwos_tui.ui.widgets.status_line import StatusLine

        ctx = self.ctx
        old = ctx.services
        connection.pending = ""
        self.startup_error = ""
        ctx.services = services or self.new_services(connection)
        ctx.services.on_refresh = self._refresh_event
        ctx.gate.read_only = connection.read_only or ctx.settings.read_only
        ctx.gate.forget()
        status = self.query_one(StatusLine)
        status.profile, status.endpoint, status.read_only = (
            connection.profile_name, connection.control_plane, ctx.gate.read_only)
        status.set_identity("identity: checking…")
        for pane in self.mounted_panes():
            pane.loaded = False
        if old is not ctx.services:
            self.run_worker(old.close(), group="close-services", exit_on_error=False)
        self.identify()
        self.show_pane(self.active_pane)
        self.refresh_bindings()

    # ---- S3 key refresh notices ----------------------------------------------------------------

    def _refresh_event(self, event: RefreshEvent) -> None:
        self.post_message(KeysRefreshed(event))

    def on_keys_refreshed(self, message: KeysRefreshed) -> None:
        text, failed = refresh_notice(message.event)
        self.notify(safe_text(text), title="S3 keys", severity="error" if failed else "information",
                    markup=False, timeout=8 if failed else 4)

    # ---- re-authentication ---------------------------------------------------------------------

    def reauth_screen(self, reason: str, error: BaseException | None) -> ReauthScreen | None:
        """The modal for this connection and failure, or None when no input can fix it."""
        connection = self.ctx.connection
        kind = reauth_kind(connection, error)
        if not kind:
            return None
        save_target = ""
        profile = connection.profile
        if kind == "token" and connection.stored_profile and profile is not None:
            save_target = profile.api_token_name
        return ReauthScreen(reason, kind, save_target=save_target)  # type: ignore[arg-type]

    def reauth_answered(self, answer: ReauthAnswer | None) -> None:
        if answer is not None:
            self.run_worker(self._apply_reauth(answer), group="reauth", exit_on_error=False)

    async def _apply_reauth(self, answer: ReauthAnswer) -> None:
        services = self.ctx.services
        try:
            if answer.token:
                await services.swap_token(answer.token)
            elif answer.access_key_id and answer.secret_access_key:
                await services.swap_static_key(answer.access_key_id, answer.secret_access_key)
            elif answer.saml_response:
                await services.renew_saml(answer.saml_response)
        except Exception as exc:
            self.post_message(WorkFailed("re-authenticate", exc))
            return
        profile = services.connection.profile
        if answer.save and answer.token and profile is not None:
            try:
                where = await asyncio.to_thread(_save_token, profile.api_token_name, answer.token)
            except Exception as exc:  # the store's own errors never carry the secret
                log.warning("saving the token failed: %s", type(exc).__name__)
                self.post_message(WorkFailed("save token", exc))
            else:
                self.post_message(TokenSaved(where))
        self.post_message(Reauthenticated())

    def on_token_saved(self, message: TokenSaved) -> None:
        self.notify(f"Saved the new token to {safe_text(message.where)}", markup=False)


def _save_token(name: str, token: str) -> str:
    from cwos_tui.config.secrets import default_secret_store

    store = default_secret_store()
    store.set(name, token)
    return f"{store.describe()} as {name}"
