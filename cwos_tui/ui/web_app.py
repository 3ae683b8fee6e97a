"""The dashboard of one browser tab, started by `cwos-tui serve` (`python -m cwos_tui.ui.web_app`).

It runs on Textual's web driver and learns from its environment what the server decided: that it is
served (`CWOS_WEB`), that every visitor is read-only (`CWOS_WEB_READ_ONLY`, which no profile switch
undoes), and where the server's one demo sandbox is (`CWOS_WEB_DEMO`). Its keymap adds alternatives
for keys that browsers keep for themselves (Ctrl+P prints, Ctrl+Q quits some browsers, F1 opens their
help); the user's own keymap still wins.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from cwos_tui.config.errors import ConfigError
from cwos_tui.config.settings import Settings, load_settings
from cwos_tui.session import Connection, connection_from_sandbox, pending_connection
from cwos_tui.web import DEMO_ENV, READ_ONLY_ENV

#: command id -> keys in the browser: the first key is the one the footer and help show
WEB_KEYMAP: dict[str, str] = {
    "app.palette": "ctrl+k,ctrl+p",
    "app.quit": "ctrl+backslash,ctrl+q",
    "app.help": "question_mark,f1",
}

log = logging.getLogger(__name__)


def web_settings(settings: Settings, *, read_only: bool) -> Settings:
    """The user's settings with the web keymap under their own keys, and read-only when forced."""
    keymap = {**WEB_KEYMAP, **settings.keymap}
    return settings.model_copy(update={"keymap": keymap, "read_only": settings.read_only or read_only})


def demo_connection(state_file: Path, read_only: bool) -> Connection:
    """The server's shared sandbox, from the ready line it wrote for its dashboards."""
    try:
        ready = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return pending_connection("demo", f"The server's demo sandbox is gone ({exc.__class__.__name__}).",
                                  read_only=read_only)
    return connection_from_sandbox(ready, read_only=read_only)


def profile_connection(profile_name: str | None, settings: Settings, read_only: bool) -> tuple[Connection, str]:
    from cwos_tui.config.profiles import resolve_profile
    from cwos_tui.config.secrets import default_secret_store
    from cwos_tui.session import connection_from_profile

    try:
        profile = resolve_profile(settings, profile_name, os.environ)
        store = default_secret_store() if profile.api_token is None or profile.secret_key_name else None
        connection = connection_from_profile(profile, store=store, read_only=read_only)
    except ConfigError as exc:
        return pending_connection(profile_name or "profile", str(exc), read_only=read_only), ""
    return connection, "; ".join(profile.warnings)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cwos_tui.ui.web_app")
    parser.add_argument("--profile")
    parser.add_argument("--read-only", action="store_true")
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    read_only = args.read_only or env.get(READ_ONLY_ENV) == "1"
    note = ""
    try:
        settings = load_settings()
    except ConfigError as exc:
        settings, note = Settings.from_data({}), f"{exc}; using default settings"
    settings = web_settings(settings, read_only=read_only)
    from cwos_tui.ui.launcher import run_connection, setup_logging

    try:
        setup_logging(settings.log_level)
    except OSError:
        pass  # stdout and stderr belong to the web protocol: nothing to say it on
    demo = env.get(DEMO_ENV)
    if demo:
        connection = demo_connection(Path(demo), read_only)
    else:
        connection, warnings = profile_connection(args.profile, settings, read_only)
        note = "; ".join(n for n in (note, warnings) if n)
    return run_connection(connection, settings, note=note, served=True)


if __name__ == "__main__":
    sys.exit(main())
