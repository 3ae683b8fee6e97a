"""Start the dashboard for a profile or for the demo sandbox; what `cwos-tui` / `--demo` call.

Textual is imported only here and below, never by `cli.py` at import time. Logging goes to a file
in the platformdirs log dir: the terminal belongs to the TUI.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from cwos_tui.cloud.credentials import ApiToken
from cwos_tui.config.paths import ensure_private_dir, log_dir
from cwos_tui.config.profiles import ConfigError, Profile, StaticKeySource, resolve_profile
from cwos_tui.config.settings import Settings, load_settings
from cwos_tui.ui.services import Connection

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


def connection_from_profile(profile: Profile, *, read_only: bool = False) -> Connection:
    """A Connection for a configured (or environment) profile, secrets from the secret store."""
    from cwos_tui.config.secrets import default_secret_store

    store = None
    token_value = profile.api_token.get_secret_value() if profile.api_token else None
    if token_value is None:
        store = default_secret_store()
        stored = store.get(profile.api_token_name)
        token_value = stored.get_secret_value() if stored else None
    token = ApiToken(token_value, label=f"{profile.name} token", source="profile") if token_value else None
    static_key = None
    source = profile.credential_source
    if isinstance(source, StaticKeySource):
        secret = source.secret_access_key
        if secret is None and profile.secret_key_name:
            secret = (store or default_secret_store()).get(profile.secret_key_name)
        if secret is None:
            raise ConfigError(f"profile {profile.name!r}: no secret key stored for {source.access_key_id}")
        static_key = (source.access_key_id, secret.get_secret_value())
    elif source.kind != "api-token":
        raise ConfigError(f"profile {profile.name!r}: the dashboard does not support {source.kind!r} yet")
    return Connection(
        profile_name=profile.name, control_plane=profile.control_plane_endpoint,
        s3_endpoint=profile.s3_endpoint, zone=profile.zone or "", addressing_style=profile.addressing_style,
        token=token, static_key=static_key, org_id=profile.org_id, read_only=read_only or profile.read_only,
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


def run_connection(connection: Connection, settings: Settings) -> int:
    from cwos_tui.ui.app import CwosApp

    app = CwosApp(connection, settings=settings)
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
    try:
        profile = resolve_profile(settings, profile_name, os.environ if environ is None else environ)
        connection = connection_from_profile(profile, read_only=read_only)
    except ConfigError as exc:
        print(f"cwos-tui: {exc}", file=sys.stderr)
        return 2
    return run_connection(connection, settings)


def _run_demo(settings: Settings, read_only: bool) -> int:
    from cwos_tui.sandbox.process import SandboxProcess

    print("cwos-tui: starting the demo sandbox…", file=sys.stderr, flush=True)
    sandbox = SandboxProcess("--seed", "demo")
    try:
        try:
            ready = sandbox.start()
        except RuntimeError as exc:
            print(f"cwos-tui: {exc}", file=sys.stderr)
            return 1
        return run_connection(connection_from_sandbox(ready, read_only=read_only), settings)
    finally:
        sandbox.stop()
