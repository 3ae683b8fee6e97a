"""Start the dashboard for a profile or for the demo sandbox; what `cwos-tui` / `--demo` call.

Textual is imported only here and below, never by `cli.py` at import time. Logging goes to a file
in the platformdirs log dir: the terminal belongs to the TUI.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from cwos_tui.cloud.credentials import ApiToken
from cwos_tui.config.paths import ensure_private_dir, log_dir
from cwos_tui.config.profiles import ConfigError, Profile, StaticKeySource, resolve_profile
from cwos_tui.config.secrets import SecretStore
from cwos_tui.config.settings import Settings, load_settings
from cwos_tui.session import api_token_for
from cwos_tui.ui.services import Connection
from cwos_tui.ui.startup import SAML_WAITING, DemoStartup, pending_connection

LOG_FILE = "cwos-tui.log"


def setup_logging(level: str = "WARNING") -> None:
    """Send every log record to the log file, none to the terminal."""
    directory = ensure_private_dir(log_dir())
    handler = logging.FileHandler(directory / LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def connection_from_profile(
    profile: Profile, *, read_only: bool = False, store: SecretStore | None = None,
    saml_response: str | None = None,
) -> Connection:
    """A Connection for a configured (or environment) profile, secrets from the secret store.

    Every credential kind works: the source itself is built by `session.credential_source_for` in
    `Services`; here the secrets are looked up once, so a missing one fails before the app starts. A SAML
    profile without a response gives a pending connection: the app asks for the response in a modal.
    """
    from cwos_tui.config.secrets import default_secret_store

    if store is None and (profile.api_token is None or profile.secret_key_name):
        store = default_secret_store()
    token_value = api_token_for(profile, store)
    token = ApiToken(token_value, label=f"{profile.name} token", source="profile") if token_value else None
    static_key = None
    source = profile.credential_source
    if isinstance(source, StaticKeySource):
        secret = source.secret_access_key
        if secret is None and store is not None and profile.secret_key_name:
            secret = store.get(profile.secret_key_name)
        if secret is None:
            raise ConfigError(f"profile {profile.name!r}: no secret key stored for {source.access_key_id}")
        static_key = (source.access_key_id, secret.get_secret_value())
    elif token is None and source.kind in ("api-token", "jwt-key"):
        raise ConfigError(
            f"profile {profile.name!r}: no API token (stored as {profile.api_token_name!r} in the secret "
            "store, or COREWEAVE_API_TOKEN)"
        )
    pending = SAML_WAITING if source.kind == "saml" and not saml_response else ""
    return Connection(
        profile_name=profile.name, control_plane=profile.control_plane_endpoint,
        s3_endpoint=profile.s3_endpoint, zone=profile.zone or "", addressing_style=profile.addressing_style,
        token=token, static_key=static_key, org_id=profile.org_id, read_only=read_only or profile.read_only,
        profile=profile, saml_response=saml_response, pending=pending,
    )


def connection_from_sandbox(ready: Mapping[str, str], *, read_only: bool = False) -> Connection:
    """A Connection for a sandbox's ready line (its S3 needs path-style addressing)."""
    return Connection(
        profile_name="demo", control_plane=ready["control_plane"], s3_endpoint=ready["s3"],
        zone=ready.get("zone", ""), addressing_style="path",
        token=ApiToken(ready["token"], label="sandbox admin", source="sandbox"),
        org_id=ready.get("org_id"), read_only=read_only,
    )


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"cwos-tui: {exc}; using default settings", file=sys.stderr)
        return Settings.from_data({})


def run_connection(connection: Connection, settings: Settings, startup: DemoStartup | None = None) -> int:
    from cwos_tui.ui.app import CwosApp

    app = CwosApp(connection, settings=settings, startup=startup)
    app.run()
    return app.return_code or 0


def run_app(
    *, demo: bool = False, profile_name: str | None = None, read_only: bool = False,
    environ: Mapping[str, str] | None = None,
) -> int:
    """`cwos-tui [--demo] [--profile NAME] [--read-only]`; returns the process exit code."""
    settings = _settings()
    try:
        setup_logging(settings.log_level)
    except OSError as exc:
        print(f"cwos-tui: cannot write logs ({exc}); continuing without", file=sys.stderr)
    if demo:
        return _run_demo(settings, read_only)
    from cwos_tui.ui.wizard import needs_setup

    if profile_name is None and needs_setup(settings):  # the first run opens the setup wizard (issue 6)
        return run_setup(settings=settings, read_only=read_only, environ=environ)
    try:
        profile = resolve_profile(settings, profile_name, os.environ if environ is None else environ)
        connection = connection_from_profile(profile, read_only=read_only)
    except ConfigError as exc:
        print(f"cwos-tui: {exc}", file=sys.stderr)
        return 2
    return run_connection(connection, settings)


def run_setup(*, settings: Settings | None = None, profile_name: str | None = None, read_only: bool = False,
              environ: Mapping[str, str] | None = None) -> int:
    """`cwos-tui setup [--profile NAME]` and the first run: the wizard, then the dashboard on the saved profile."""
    from cwos_tui.config.secrets import default_secret_store
    from cwos_tui.ui.app import CwosApp
    from cwos_tui.ui.wizard import SETUP_WAITING, FirstRun, make_state

    if settings is None:
        settings = _settings()
        try:
            setup_logging(settings.log_level)
        except OSError as exc:
            print(f"cwos-tui: cannot write logs ({exc}); continuing without", file=sys.stderr)
    env = os.environ if environ is None else environ
    try:
        store = default_secret_store(env)
        state = make_state(env, profile_name=profile_name, store=store)
    except ConfigError as exc:
        print(f"cwos-tui: {exc}", file=sys.stderr)
        return 2
    first_run = FirstRun(state, store, env, read_only=read_only)
    app = CwosApp(pending_connection("setup", SETUP_WAITING, read_only=read_only), settings=settings,
                  first_run=first_run)
    app.run()
    return app.return_code or 0


def _run_demo(settings: Settings, read_only: bool) -> int:
    """The dashboard appears at once; the sandbox starts in a worker thread after the first paint."""
    startup = DemoStartup(read_only=read_only)
    previous = _stop_on_signals(startup)
    try:
        return run_connection(pending_connection("demo", startup.reason, read_only=read_only), settings, startup)
    finally:
        startup.stop()  # also on a crash or Ctrl+C; stopping twice is harmless
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_signals(startup: DemoStartup) -> dict[int, Any]:
    """A closed terminal (SIGHUP, an SSH drop) or SIGTERM ends the process without `finally`: stop the
    sandbox first, then die of the same signal."""

    def stop_then_die(signum: int, _frame: object) -> None:
        startup.stop()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous: dict[int, Any] = {}
    for signum in (signal.SIGHUP, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, stop_then_die)
        except (ValueError, OSError):  # not the main thread, or a platform without the signal
            pass
    return previous
