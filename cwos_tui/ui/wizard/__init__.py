"""The guided setup wizard (issue 6): first run, `cwos-tui setup`, and `:setup` / the palette in the dashboard.

`open_first_run` opens it over a dashboard that has no connection yet (first run, `cwos-tui setup`);
`open_in_app` pushes it over a running dashboard. Either way the dashboard then switches to the saved profile.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from cwos_tui.config import profiles as cfg
from cwos_tui.config.detect import detect
from cwos_tui.config.paths import config_file
from cwos_tui.config.secrets import SecretStore, default_secret_store
from cwos_tui.config.settings import Settings, load_settings
from cwos_tui.session import connection_from_profile
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.wizard.model import WizardState, state_from_profile
from cwos_tui.ui.wizard.screen import WizardOutcome, WizardScreen

if TYPE_CHECKING:
    from cwos_tui.ui.app import CwosApp

__all__ = ["FirstRun", "WizardOutcome", "WizardScreen", "make_state", "needs_setup", "open_first_run",
           "open_in_app"]

SETUP_WAITING = "Waiting for setup…"


def needs_setup(settings: Settings, config_path: Path | None = None) -> bool:
    """The first run: no settings file and no profiles (an env token alone does not count)."""
    return not (config_path or config_file()).exists() and not settings.profiles


@dataclass
class FirstRun:
    """What the dashboard needs to open the wizard before it has a connection."""

    state: WizardState
    store: SecretStore
    environ: Mapping[str, str] = field(repr=False)
    config_path: Path | None = None
    read_only: bool = False


def make_state(environ: Mapping[str, str] | None = None, *, home: Path | None = None, k8s_token: Path | None = None,
               profile_name: str | None = None, store: SecretStore | None = None,
               config_path: Path | None = None) -> WizardState:
    """Detect first; when `profile_name` names a saved profile, prefill everything from it."""
    env = os.environ if environ is None else environ
    detection = detect(env, home, k8s_token)
    existing = None
    if profile_name:
        settings = load_settings(config_path, use_env=False)
        profile = settings.profiles.get(profile_name)
        if profile is None:
            known = ", ".join(sorted(settings.profiles)) or "none"
            raise cfg.ConfigError(f"no saved profile named {profile_name!r} (known: {known})")
        existing = state_from_profile(profile, store)
    return WizardState.start(detection, existing)


class SetupPrepared(Message):
    """The wizard's starting state was read (settings file, secret store, environment) off the event loop."""

    def __init__(self, state: WizardState, store: SecretStore) -> None:
        super().__init__()
        self.state = state
        self.store = store


def prepare(profile_name: str | None = None) -> SetupPrepared:
    """Blocking (files, keyring, environment): run it in a thread."""
    store = default_secret_store()
    return SetupPrepared(make_state(profile_name=profile_name, store=store), store)


def open_in_app(app: CwosApp, prepared: SetupPrepared) -> None:
    """Push the wizard over the dashboard; after a save, the dashboard switches to the new profile."""
    state, store = prepared.state, prepared.store

    def done(outcome: WizardOutcome | None) -> None:
        if outcome is None:
            return
        try:
            connection = connection_from_profile(outcome.profile, store=store, saml_response=outcome.saml_response)
        except cfg.ConfigError as exc:
            app.notify(safe_text(exc.message), title="Saved, but cannot open it", severity="error", markup=False)
            return
        app.notify(f"Saved profile {safe_text(outcome.profile.name)}; switching to it.", markup=False)
        app.use_connection(connection)

    app.push_screen(WizardScreen(state, store, clock=app.clock, display_filter=app.ctx.display_filter), done)


def open_first_run(app: CwosApp, first_run: FirstRun) -> None:
    """The dashboard starts with a pending connection and the wizard on top; its outcome becomes the session.

    Skipping (Esc on the first page) uses the environment profile for this session without saving, or
    leaves with a hint when there is none.
    """
    def done(outcome: WizardOutcome | None) -> None:
        try:
            if outcome is not None:
                connection = connection_from_profile(outcome.profile, read_only=first_run.read_only,
                                                     store=first_run.store, saml_response=outcome.saml_response)
            else:
                profile = cfg.env_profile(first_run.environ)
                if profile is None:
                    app.exit(return_code=0, message="cwos-tui: setup skipped; run `cwos-tui setup` when ready.")
                    return
                connection = connection_from_profile(profile, store=first_run.store, read_only=first_run.read_only)
        except cfg.ConfigError as exc:
            app.exit(return_code=2, message=f"cwos-tui: {exc.message}")
            return
        app.use_connection(connection)

    screen = WizardScreen(first_run.state, first_run.store, config_path=first_run.config_path, clock=app.clock,
                          display_filter=app.ctx.display_filter)
    app.push_screen(screen, done)
