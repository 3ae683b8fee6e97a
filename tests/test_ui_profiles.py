"""Switching profiles inside the app (issue 11): `:profile NAME` and the palette install the other saved
profile at once (new identity, buckets reloaded) without a restart; `:profile` alone lists them; an unknown
name is a one-line message and the session stays as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette

from cwos_tui.config.profiles import Profile, StaticKeySource
from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.config.settings import load_settings, save_settings
from cwos_tui.session import connection_from_profile
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.app_commands import NO_TOKEN_LINE
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.helpers import new_key
from tests.ui_support import notices, run_command, type_text, wait_for

SIZE = (100, 30)


@pytest.fixture
def two_profiles(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileSecretStore:
    """`admin` (token exchange, the sandbox admin) and `laptop` (a static key pair, no API token)."""
    monkeypatch.setenv("CWOS_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CWOS_SECRETS_FILE", str(tmp_path / "secrets.json"))
    monkeypatch.setenv("CWOS_SECRET_STORE", "file")
    store = FileSecretStore(tmp_path / "secrets.json")
    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "profile-switch"})
    common = {"control_plane_endpoint": sandbox.control_plane, "s3_endpoint": sandbox.s3, "zone": sandbox.zone,
              "addressing_style": "path"}
    admin = Profile(name="admin", **common)
    laptop = Profile(name="laptop", credential_source=StaticKeySource(access_key_id=key["accessKeyId"]), **common)
    store.set("admin/api-token", sandbox.token)
    store.set("laptop/secret-access-key", key["secretKey"])
    settings = load_settings(use_env=False)
    settings.profiles = {"admin": admin, "laptop": laptop}
    settings.active_profile = "admin"
    save_settings(settings)
    return store


def admin_app(store: FileSecretStore) -> CwosApp:
    profile = load_settings().profiles["admin"]
    return CwosApp(connection_from_profile(profile, store=store))


async def test_profile_command_switches_without_restarting(sandbox: Any, two_profiles: FileSecretStore) -> None:
    app = admin_app(two_profiles)
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one(StatusLine)
        await wait_for(pilot, lambda: sandbox.admin_principal in status.identity, "the admin identity")
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets via the control plane")
        await run_command(pilot, "profile laptop")
        await wait_for(pilot, lambda: app.connection.profile_name == "laptop", "the switch")
        assert status.profile == "laptop"
        await wait_for(pilot, lambda: "no API token for whoami" in status.identity, "the key's identity line")
        buckets = app.pane("buckets")
        await wait_for(pilot, lambda: buckets.complete and buckets.row_list.rows, "buckets over S3")
        assert "from S3 ListBuckets" in buckets.state_text
        assert any("Switched to profile laptop" in n for n in notices(app))
        await pilot.press("2")
        await wait_for(pilot, lambda: app.pane("keys").state_text == NO_TOKEN_LINE, "the keys one-liner")


async def test_palette_offers_each_other_profile(sandbox: Any, two_profiles: FileSecretStore) -> None:
    app = admin_app(two_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "palette")
        await type_text(pilot, "switch to profile")
        hits = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: hits.option_count and "laptop" in str(hits.get_option_at_index(0).prompt),
                       "the laptop hit")
        assert all("admin" not in str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.connection.profile_name == "laptop", "the switch")


async def test_profile_alone_lists_and_an_unknown_name_changes_nothing(
        sandbox: Any, two_profiles: FileSecretStore) -> None:
    app = admin_app(two_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        app.run_command("app.profile", "")
        await wait_for(pilot, lambda: any("Profiles: admin (active), laptop" in n for n in notices(app)), "list")
        app.run_command("app.profile", "nosuch")
        await wait_for(pilot, lambda: any("no profile named 'nosuch'" in n for n in notices(app)), "the refusal")
        assert app.connection.profile_name == "admin"


async def test_switching_with_a_transfer_running_asks_and_the_new_profile_gets_its_own_queue(
        sandbox: Any, two_profiles: FileSecretStore, tmp_path: Path) -> None:
    """Transfers run with the connection's client: `:profile` asks first while one runs (no: nothing
    changes), yes cancels it and the new profile's uploads use the new profile's key, in a fresh queue."""
    import uuid

    from cwos_tui.cloud.transfer_model import Job, State
    from cwos_tui.ui.modals.confirm import ConfirmScreen
    from tests.test_ui_objects import click, screen
    from tests.test_ui_transfers import Held

    (tmp_path / "f.txt").write_bytes(b"x")
    (tmp_path / "later.txt").write_bytes(b"uploaded as laptop")
    laptop_key = load_settings().profiles["laptop"].credential_source.access_key_id  # type: ignore[union-attr]
    app = admin_app(two_profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        bucket = f"switch-{uuid.uuid4().hex[:8]}"
        await app.services.storage.create_bucket(bucket, sandbox.zone)
        old = app.ctx.transfer_queue()
        old_services = app.services
        client = Held(await app.services.storage.run_with_client("t", lambda c: c))
        batch = old.submit(client, [Job("up", bucket, "f.txt", tmp_path / "f.txt")])
        await wait_for(pilot, lambda: client.started.is_set(), "upload under way")
        await run_command(pilot, "profile laptop")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked")
        assert app.screen.question == ("1 transfer(s) still running with profile admin. Switch to laptop and "
                                       "cancel them?")
        assert "1 transfer(s) still running with profile admin" in screen(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: any("Profile not switched" in n for n in notices(app)), "kept")
        assert app.connection.profile_name == "admin" and old.active == 1
        await run_command(pilot, "profile laptop")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "asked again")
        await click(app, pilot, "#confirm-yes")
        client.release.set()
        await wait_for(pilot, lambda: app.connection.profile_name == "laptop", "the switch")
        assert old.closed and all(i.state in (State.DONE, State.CANCELLED) for i in batch.items)
        assert any("Switched to profile laptop; the transfer list starts afresh" in n for n in notices(app))
        queue = app.ctx.transfer_queue()
        assert queue is not old and not queue.items
        # a plan made before the switch (its worker was still running) is dropped, not sent with the old client
        from cwos_tui.cloud.transfer_plan import Plan
        from cwos_tui.ui.panes.object_transfers import PlanReady

        stale = Plan()
        stale.jobs.append(Job("up", bucket, "stale.txt", tmp_path / "f.txt", 1))
        app.objects.post_message(PlanReady(stale, "to s3://stale", client, True, old_services))
        await wait_for(pilot, lambda: any("The profile changed meanwhile" in n for n in notices(app)), "dropped")
        assert not queue.items
        app.open_location(bucket, "")
        await wait_for(pilot, lambda: app.objects.complete and app.objects.bucket == bucket, "listed")
        await run_command(pilot, f"upload {tmp_path / 'later.txt'}")
        await wait_for(pilot, lambda: any(n.startswith("Uploaded 1 of 1") for n in notices(app)), "uploaded")
        [new_batch] = queue.batches.values()
        used = queue._clients[new_batch.id]._get_credentials()  # the client the queue ran it with
        assert used.access_key == laptop_key
        storage = app.services.storage
        assert await storage.get_object_range(bucket, "later.txt", 0, 100) == b"uploaded as laptop"
