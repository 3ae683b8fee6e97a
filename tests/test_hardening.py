"""Issue 16's findings, one test each: no secret printed, no file hijacked, clear messages for bad input."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cwos_tui.cloud.boto_credentials import refresh_windows
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.errors import Unauthenticated
from cwos_tui.config import exports
from cwos_tui.config.detect import detect
from cwos_tui.config.errors import ConfigError
from cwos_tui.config.paths import write_private_file
from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.config.tokens import TokenBook
from cwos_tui.secrecy import redact, remember
from cwos_tui.ui.modals.create_key import parse_duration
from tests.helpers import new_key, s3_client

SECRET = "cwoTopSecretValueThatMustNeverBePrinted0123"
TOKEN_TAIL = "NeverEchoThisTokenTail42"


@pytest.fixture
def user_env(sandbox: Any, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COREWEAVE_", "CWOS_", "RCLONE_"))}
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "CWOS_CONFIG": str(home / "cwos.toml"),
        "CWOS_SECRETS_FILE": str(home / "secrets.json"), "CWOS_SECRET_STORE": "file",
        "COREWEAVE_API_TOKEN": sandbox.token, "COREWEAVE_API_ENDPOINT": sandbox.control_plane,
        "AWS_ENDPOINT_URL": sandbox.s3, "AWS_REGION": sandbox.zone, "CWOS_ADDRESSING_STYLE": "path",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def cwos(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwos_tui", *args], env=env, capture_output=True, text=True,
                          timeout=60)


# ---- secrets in parse errors ----


def test_export_onto_a_broken_credentials_file_names_the_line_never_its_text(user_env, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(f"[old]\naws_access_key_id = CWOLD\n  \naws_secret_access_key {SECRET}\n[x\n")
    env = {**user_env, "AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": str(tmp_path / "config")}
    before = creds.read_bytes()
    result = cwos(env, "export", "--format", "aws", "--write")
    assert result.returncode == 1
    assert SECRET not in result.stderr + result.stdout
    assert f"{creds}:4:1: not a valid INI file" in result.stderr and "left alone" in result.stderr
    assert creds.read_bytes() == before


def test_a_broken_env_file_is_replaced_with_force_and_refused_without(user_env, tmp_path):
    target = tmp_path / "cwos.env"
    target.write_text(f"export OLD_SECRET={SECRET}\nnot ini at all\n")
    refused = cwos(user_env, "export", "--format", "env", "--file", str(target))
    assert refused.returncode == 1 and "--force" in refused.stderr and SECRET not in refused.stderr
    forced = cwos(user_env, "export", "--format", "env", "--file", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    text = target.read_text()
    assert SECRET not in text and "export AWS_SECRET_ACCESS_KEY=" in text
    assert target.stat().st_mode & 0o777 == 0o600


# ---- tokens checked against their alphabet up front ----


@pytest.mark.parametrize("bad, words", [
    (f"CW-SECRET-abc\n{TOKEN_TAIL}", "line break"),
    (f"CW-SECRET-abcé{TOKEN_TAIL}", "non-ASCII character (U+00E9"),
])
def test_a_malformed_token_gets_a_clear_message_without_its_text_in_the_cli(user_env, bad, words):
    result = cwos({**user_env, "COREWEAVE_API_TOKEN": bad}, "credential-process")
    assert result.returncode == 1
    assert words in result.stderr and "Traceback" not in result.stderr
    assert TOKEN_TAIL not in result.stderr + result.stdout


@pytest.mark.parametrize("bad", [f"CW-SECRET-abc\r\n{TOKEN_TAIL}", f"CW-SECRET-\u202e{TOKEN_TAIL}"])
async def test_the_client_refuses_a_malformed_token_before_sending_it(sandbox, bad):
    async with ControlPlaneClient(sandbox.control_plane, bad, max_retries=0) as client:
        with pytest.raises(Unauthenticated) as caught:  # the dashboard offers re-authentication for this
            await client.whoami()
    assert TOKEN_TAIL not in str(caught.value) and "API token" in str(caught.value)
    assert caught.value.needs_reauth


# ---- one redaction function: reprs, error handler, log handler ----


def test_the_log_handler_redacts_messages_and_tracebacks(tmp_path, monkeypatch):
    from cwos_tui.ui.launcher import LOG_FILE, setup_logging

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    remember(SECRET)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging("DEBUG")
        log = logging.getLogger("cwos_tui.test")
        log.debug("request with Authorization: Bearer %s", "CW-SECRET-" + TOKEN_TAIL)
        try:
            raise ValueError(f"boom aws_secret_access_key = {SECRET}")
        except ValueError:
            log.exception("failed")
        for handler in root.handlers:
            handler.flush()
        text = "".join(p.read_text() for p in (tmp_path / "state").rglob(LOG_FILE))
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    assert "Bearer ****" in text and "ValueError" in text and "failed" in text
    assert SECRET not in text and TOKEN_TAIL not in text


def test_reprs_of_secret_holders_never_show_the_secret():
    target = exports.ExportTarget("p", "http://x", "US-EAST-04A", "path", "CWKEYID", SECRET, session_token=SECRET)
    assert SECRET not in repr(target)
    assert SECRET not in redact(f"credentials: {{'SecretAccessKey': '{SECRET}'}}")


# ---- the one writer of secret files ----


def test_a_symlink_at_the_target_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "secrets.json"
    link.symlink_to(victim)
    with pytest.raises(ConfigError, match="symbolic link"):
        write_private_file(link, b'{"secrets": {}}')
    assert victim.read_text() == "precious\n" and link.is_symlink()
    with pytest.raises(ConfigError, match="symbolic link"):
        FileSecretStore(link).set("x", "value-that-stays-private")
    assert victim.read_text() == "precious\n"


def test_export_refuses_a_planted_symlink_and_leaves_no_temp_file(user_env, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "out.env"
    link.symlink_to(victim)
    result = cwos(user_env, "export", "--format", "env", "--file", str(link), "--force")
    assert result.returncode == 1 and "symbolic link" in result.stderr
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["home", "victim", "out.env"])


def test_a_pre_created_temp_file_cannot_capture_the_secrets(tmp_path):
    target = tmp_path / ".s3cfg"
    planted = tmp_path / ".s3cfg.cwos-tmp"  # the predictable name the old writer used
    planted.write_text("")
    planted.chmod(0o666)
    with planted.open() as spy:  # another user's process holding the file open
        exports.write("s3cmd", {"s3cmd": f"[default]\nsecret_key = {SECRET}\n"}, {"s3cmd": target})
        assert SECRET not in spy.read()
    assert SECRET in target.read_text() and target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [".s3cfg", ".s3cfg.cwos-tmp"]


# ---- smaller findings ----


@pytest.mark.parametrize("text", ["4294967296", "99999999d", str(2**64)])
def test_durations_of_2_to_the_32_seconds_or_more_say_too_long(text):
    with pytest.raises(ValueError, match="too long: at most 4294967295 s"):
        parse_duration(text)


def test_a_corrupt_token_book_is_a_config_error_naming_file_and_line(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text('{"version": 1,\n  "tokens": [ {"id": "a", "label": "x"},, ]}\n')
    book = TokenBook(path, FileSecretStore(tmp_path / "s.json"))
    with pytest.raises(ConfigError, match=rf"{path.name}:2:\d+: the token book is not valid JSON"):
        book.entries()
    path.write_text('{"version": 1, "tokens": [{"label": "no id"}]}')
    with pytest.raises(ConfigError, match="damaged"):
        book.entries()


def test_a_broken_aws_config_is_named_with_its_line_not_skipped(tmp_path):
    home = tmp_path
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(f"[profile a]\nregion = x\ngarbage line {SECRET}\n")
    found = detect({"COREWEAVE_API_TOKEN": "CW-SECRET-x"}, home, k8s_token=tmp_path / "none")
    messages = [f.message for f in found.findings]
    assert any(f"{home / '.aws' / 'config'}:3" in m and "not a valid AWS config file" in m for m in messages)
    assert not any(SECRET in m for m in messages)


# ---- keys that breed ----


def test_a_60_second_key_is_used_for_most_of_its_life():
    advisory, mandatory = refresh_windows(120, timedelta(seconds=60))
    assert advisory == 15 and mandatory == 7.5  # refreshed after 45 s, not every 15 s
    assert refresh_windows(120, timedelta(minutes=15)) == (120, 60)  # long keys keep the configured margin


async def test_keys_the_dashboard_minted_and_replaced_are_revoked_and_only_those(sandbox):
    from cwos_tui.cloud.clock import ManualClock
    from cwos_tui.session import ClientOptions, Services, connection_from_sandbox

    ready = {"control_plane": sandbox.control_plane, "s3": sandbox.s3, "token": sandbox.token,
             "org_id": sandbox.org_id, "zone": sandbox.zone}
    clock = ManualClock(datetime.now(UTC))
    services = Services(connection_from_sandbox(ready), clock, options=ClientOptions(retire_grace=0.0))
    other = new_key(sandbox, sandbox.token, duration=900)  # a key minted elsewhere: never touched
    try:
        import asyncio

        await services.storage.list_buckets()
        first = services.current_keys
        assert first is not None
        clock.advance(15 * 60 - 60)  # inside the refresh window
        await services.storage.list_buckets()
        for _ in range(200):
            if services.retired:
                break
            await asyncio.sleep(0.02)
        assert services.retired == [first.access_key_id]
        info = await services.control_plane.get_access_key(first.access_key_id)
        assert info.status.lower() != "active"
        assert (await services.control_plane.get_access_key(other["accessKeyId"])).status.lower() == "active"
    finally:
        await services.close()


# ---- the dashboard: copy what is shown, confirmations that can be typed ----


async def test_c_copies_an_object_name_as_the_screen_shows_it(sandbox):
    from tests.ui_support import make_app, wait_for

    admin = new_key(sandbox, sandbox.token, duration=900)
    s3 = s3_client(sandbox, admin["accessKeyId"], admin["secretKey"])
    bucket = f"hard-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    s3.put_object(Bucket=bucket, Key="evil\x1b]52;c;x\x07\nrm -rf ~", Body=b"x")
    app = make_app(sandbox)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.open_location(bucket, "")
        await wait_for(pilot, lambda: app.pane().row_list.selected is not None, "the object listed")
        await pilot.press("c")
        await wait_for(pilot, lambda: app.clipboard, "copied")
        assert "\x1b" not in app.clipboard and "\n" not in app.clipboard and "\x07" not in app.clipboard
        assert app.clipboard == f"s3://{bucket}/evil\\x1b]52;c;x\\x07\\x0arm -rf ~"


async def test_a_type_to_confirm_phrase_can_always_be_typed():
    from textual.app import App
    from textual.widgets import Input

    from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen

    answers: list[bool | None] = []
    hostile = "coreweave/u\u200bx\u202e"

    class Harness(App[None]):
        def on_mount(self) -> None:
            self.push_screen(TypeToConfirmScreen("Revoke every key of", hostile, expected=hostile,
                                                 confirm_label="Revoke 2"), answers.append)

    app = Harness()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Type revoke 2 to confirm" in text
        app.screen.query_one(Input).value = "revoke 2"
        await pilot.press("enter")
        await pilot.pause()
    assert answers == [True]
