"""Switching profiles inside the app (`:profile NAME`, F3, and one palette entry per saved profile).

The settings file and the secret store are read in a thread; the connection is then installed with the
app's one `use_connection` (new services, identity, the active pane reloaded). A SAML profile asks for its
response first, as at start-up.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from cwos_tui.session import Connection
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.messages import WorkFailed
from cwos_tui.ui.modals.reauth import ReauthAnswer, ReauthScreen
from cwos_tui.ui.text import safe_text

if TYPE_CHECKING:
    from textual.app import App

    from cwos_tui.ui.app import CwosApp
    from cwos_tui.ui.context import AppContext

    _AppBase = App[int]
else:
    _AppBase = object


class ProfileLoaded(Message):
    """The named profile was read and its secrets found: install it."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection


class TransfersStopped(Message):
    """The old connection's transfers are cancelled and cleaned up (or were none): switch now."""

    def __init__(self, connection: Connection, clean: bool) -> None:
        super().__init__()
        self.connection = connection
        self.clean = clean


class ProfilesListed(Message):
    """`:profile` without a name: the saved profiles and the active one."""

    def __init__(self, names: list[str], active: str) -> None:
        super().__init__()
        self.names = names
        self.active = active


def saved_profiles() -> tuple[list[str], str]:
    """(names, active) from the settings file (blocking: call it in a thread)."""
    from cwos_tui.config.settings import load_settings

    settings = load_settings()
    return sorted(settings.profiles), settings.active_profile or ""


def load_connection(name: str, read_only: bool) -> Connection:
    """A connection for the saved (or env) profile `name` (blocking: settings file and secret store)."""
    from cwos_tui.config.profiles import resolve_profile
    from cwos_tui.config.secrets import default_secret_store
    from cwos_tui.config.settings import load_settings
    from cwos_tui.session import connection_from_profile

    profile = resolve_profile(load_settings(), name)
    store = default_secret_store() if profile.api_token is None or profile.secret_key_name else None
    return connection_from_profile(profile, store=store, read_only=read_only)


class ProfileSwitching(_AppBase):
    """Mixed into `CwosApp`: the `app.profile` handler and the messages its workers post."""

    if TYPE_CHECKING:  # provided by CwosApp and ConnectionLifecycle
        ctx: AppContext

        def use_connection(self, connection: Connection, services: object = None) -> None: ...

    def profile_handlers(self) -> dict[str, Handler]:
        return {"app.profile": self.switch_profile}

    def switch_profile(self, argument: str) -> None:
        name = argument.strip()
        self.run_worker(self._load_profile(name), group="profile", exclusive=True, exit_on_error=False)

    async def _load_profile(self, name: str) -> None:
        read_only = self.ctx.settings.read_only
        try:
            if not name:
                self.post_message(ProfilesListed(*await asyncio.to_thread(saved_profiles)))
                return
            self.post_message(ProfileLoaded(await asyncio.to_thread(load_connection, name, read_only)))
        except Exception as exc:
            self.post_message(WorkFailed("profile", exc))

    def on_profiles_listed(self, message: ProfilesListed) -> None:
        if not message.names:
            self.notify("No saved profiles yet: F2 runs the setup wizard", severity="warning", markup=False)
            return
        names = ", ".join(f"{n} (active)" if n == message.active else n for n in message.names)
        self.notify(safe_text(f"Profiles: {names}. Switch with :profile NAME"), title="Profiles", markup=False,
                    timeout=10)

    def on_profile_loaded(self, message: ProfileLoaded) -> None:
        connection = message.connection
        if connection.pending and connection.credential_kind == "saml":
            self.push_screen(ReauthScreen(f"Profile {connection.profile_name} signs in with SAML.", "saml",
                                          title="SAML sign-in"), partial(self._switch_saml_given, connection))
            return
        self._install(connection)

    def _switch_saml_given(self, connection: Connection, answer: ReauthAnswer | None) -> None:
        if answer is None or not answer.saml_response:
            self.notify("Profile not switched: no SAML response", severity="warning", markup=False)
            return
        connection.saml_response = answer.saml_response
        self._install(connection)

    def _install(self, connection: Connection) -> None:
        """Transfers run with the connection's client: running ones are cancelled first (after asking, as
        quitting does), and the new profile starts with an empty transfer queue."""
        running = self.ctx.transfers_running
        if not running:
            self._stop_transfers_then(connection)
            return
        from cwos_tui.ui.modals.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._stop_transfers_then(connection)
            else:
                self.notify("Profile not switched: the transfers go on.", markup=False)

        self.push_screen(ConfirmScreen(
            f"{running:,} transfer(s) still running with profile {self.ctx.connection.profile_name}. "
            f"Switch to {connection.profile_name} and cancel them?",
            "Uploads are aborted, partial downloads removed.", confirm_label="Switch"), answered)

    def _stop_transfers_then(self, connection: Connection) -> None:
        queue = self.ctx.detach_transfers()
        if queue is None:
            self._switch(connection, had_transfers=False, clean=True)
            return

        async def stop() -> None:
            clean = await asyncio.to_thread(queue.shutdown)
            self.post_message(TransfersStopped(connection, clean))

        self.run_worker(stop(), group="profile-transfers", exit_on_error=False)

    def on_transfers_stopped(self, message: TransfersStopped) -> None:
        self._switch(message.connection, had_transfers=True, clean=message.clean)

    def _switch(self, connection: Connection, *, had_transfers: bool, clean: bool) -> None:
        self.use_connection(connection)
        text = f"Switched to profile {connection.profile_name}"
        if had_transfers:
            text += "; the transfer list starts afresh"
        if not clean:
            text += " (some transfers could not be cleaned up in time)"
        self.notify(safe_text(text), markup=False, severity="information" if clean else "warning")


class ProfileCommands(Provider):
    """Ctrl+P: "Switch to profile NAME" for each saved profile but the one in use."""

    async def startup(self) -> None:
        try:
            self.names, _ = await asyncio.to_thread(saved_profiles)
        except Exception:  # a broken settings file: the palette simply offers no profiles
            self.names = []

    def _entries(self) -> list[str]:
        app = cast("CwosApp", self.app)
        return [n for n in getattr(self, "names", []) if n != app.connection.profile_name]

    async def discover(self) -> Hits:
        app = cast("CwosApp", self.app)
        for name in self._entries():
            yield DiscoveryHit(f"Switch to profile {name}", partial(app.run_command, "app.profile", name),
                               help="Use this saved profile from now on, without restarting")

    async def search(self, query: str) -> Hits:
        app = cast("CwosApp", self.app)
        matcher = self.matcher(query)
        for name in self._entries():
            title = f"Switch to profile {name}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(app.run_command, "app.profile", name),
                          help="Use this saved profile from now on, without restarting")
