"""Start-up and connection paths of the dashboard: the demo's pending start, stored profiles of every
credential kind, refresh notices and re-authentication by credential kind. Real sandbox throughout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import tomli_w
from textual import events
from textual.app import App
from textual.widgets import Input, Static

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.cloud.credentials import RefreshEvent
from cwos_tui.cloud.errors import Unavailable
from cwos_tui.config.profiles import resolve_profile
from cwos_tui.config.secrets import FileSecretStore, default_secret_store
from cwos_tui.config.settings import load_settings
from cwos_tui.session import Services, connection_from_profile, connection_from_sandbox, pending_connection
from cwos_tui.ui import app as app_module
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.launcher import DEMO_STARTING, DemoStartup
from cwos_tui.ui.modals.reauth import ReauthScreen
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.startup import one_line, refresh_notice
from tests.helpers import grant, make_principal, new_key
from tests.ui_support import notices, visible_cells, wait_checks_done, wait_for

SIZE = (100, 30)
DEMO_BUCKETS = {"training-data", "model-checkpoints"}


# ---- demo: first frame before the sandbox --------------------------------------------------------

async def test_demo_first_frame_is_up_before_the_sandbox_then_buckets_appear():
    startup = DemoStartup()
    app = CwosApp(pending_connection("demo", startup.reason), startup=startup)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # the dashboard is drawn while the sandbox is still starting
        assert app.connection.pending and not startup.sandbox.ready
        assert app.pane("buckets").state_text == DEMO_STARTING
        assert "Starting the demo sandbox" in str(app.pane("buckets").query_one(".pane-state").render())
        await pilot.press("r")  # needs the server: refused politely, nothing crashes
        assert DEMO_STARTING in notices(app)
        await wait_for(pilot, lambda: app.pane("buckets").complete, "demo buckets listed", timeout=60)
        assert DEMO_BUCKETS <= set(visible_cells(app, "buckets"))
        assert not app.connection.pending and app.connection.control_plane.startswith("http://127.0.0.1:")
        await wait_for(pilot, lambda: app.principal, "identity known")
        proc = startup.sandbox.proc
    assert proc is not None and app.stopped_pid == proc.pid  # asked to stop as the app closed ...
    assert proc.wait(timeout=30) is not None  # ... and gone soon after, without the app waiting for it


async def test_the_first_frame_holds_one_pane_and_a_key_typed_before_the_rest_mount_still_works(sandbox):
    """The first frame composes only the pane the app opens on; the others are mounted just after. A key
    typed in between (5: Objects) waits for them instead of failing or being lost."""
    panes_at_first_frame: list[int] = []

    class EarlyTypist(CwosApp):
        CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

        def on_mount(self) -> None:  # runs before CwosApp's own on_mount, so the key is queued first
            self.post_message(events.Key("5", "5"))
            self.call_after_refresh(lambda: panes_at_first_frame.append(len(self.query(Pane))))

    ready = {"control_plane": sandbox.control_plane, "s3": sandbox.s3, "token": sandbox.token,
             "org_id": sandbox.org_id, "zone": sandbox.zone}
    app = EarlyTypist(connection_from_sandbox(ready))
    async with App.run_test(app, size=SIZE) as pilot:  # App's own: it does not wait for the other panes
        await wait_for(pilot, lambda: app.active_pane == "objects" and app.panes_mounted.is_set(), "Objects")
        assert panes_at_first_frame == [1]
        assert len(app.query(Pane)) == 6
        tabs = str(app.query_one("#tabs", Static).render())
        assert "5 Objects" in tabs
        assert app.pane().display and not app.pane("buckets").display  # the key reached the Objects pane


async def test_demo_start_failure_is_shown_as_one_line_without_a_traceback():
    startup = DemoStartup(seed="no-such-seed")
    app = CwosApp(pending_connection("demo", startup.reason), startup=startup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.startup_error, "start-up failure", timeout=60)
        state = app.pane("buckets").state_text
        assert state.startswith("Error: the sandbox did not start") and "no-such-seed" in state
        assert "Traceback" not in state and "\n" not in state
        assert any("the sandbox did not start" in n for n in notices(app))


def test_one_line_keeps_the_error_not_the_traceback():
    text = 'the sandbox did not start: Traceback (most recent call last):\n  File "x.py"\nOSError: port busy'
    assert one_line(text) == "the sandbox did not start: OSError: port busy"
    assert one_line("plain failure") == "plain failure"


# ---- stored profiles, every credential kind ------------------------------------------------------

def _write_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox, name: str, source: dict,
                   secrets: dict[str, str]) -> None:
    """A config file and a file secret store in tmp_path, selected through CWOS_* variables."""
    config = tmp_path / "config.toml"
    profile = {"control_plane_endpoint": sandbox.control_plane, "s3_endpoint": sandbox.s3, "zone": sandbox.zone,
               "addressing_style": "path", "credential_source": source}
    config.write_text(tomli_w.dumps({"active_profile": name, "profiles": {name: profile}}))
    monkeypatch.setenv("CWOS_CONFIG", str(config))
    monkeypatch.setenv("CWOS_SECRETS_FILE", str(tmp_path / "secrets.json"))
    monkeypatch.setenv("CWOS_SECRET_STORE", "file")
    store = FileSecretStore(tmp_path / "secrets.json")
    for key, value in secrets.items():
        store.set(key, value)


def _app_for_stored_profile(**kwargs) -> CwosApp:
    settings = load_settings()
    connection = connection_from_profile(resolve_profile(settings, None, {}), store=default_secret_store())
    return CwosApp(connection, settings=settings, **kwargs)


async def test_stored_api_token_profile_lists_buckets_and_reauth_saves_the_token_only_if_ticked(
    sandbox, tmp_path, monkeypatch
):
    user = make_principal(sandbox, admin=True, name="stored-profile-user")
    grant(sandbox, user.principal_name, name="j-stored-profile-s3")
    _write_profile(tmp_path, monkeypatch, sandbox, "stored", {"kind": "api-token"},
                   {"stored/api-token": user.token})
    app = _app_for_stored_profile()
    assert app.connection.token is not None and app.connection.stored_profile
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        assert DEMO_BUCKETS <= set(visible_cells(app))
        await wait_for(pilot, lambda: app.principal == user.principal_name, "identity of the stored token")
        await wait_checks_done(pilot, app)  # else the revoked token may fail a permission check mid-test
        # the token is revoked: the modal asks for a token and offers to save it (unticked by default)
        httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{user.token_id}", timeout=10).raise_for_status()
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReauthScreen), "re-auth modal")
        screen = app.screen
        assert screen.query_one("#reauth-token").password is True
        save = screen.query_one("#reauth-save")
        assert save.value is False and "stored/api-token" in str(save.label)
        fresh = httpx.post(f"{sandbox.control_plane}/sandbox/tokens",
                           json={"principalUid": user.uid, "expiresInSeconds": None, "label": "fresh"}).json()
        screen.query_one("#reauth-token").value = fresh["token"]
        save.value = True
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.pane("keys").complete and "Error" not in app.pane("keys").state_text,
                       "keys listed with the new token")
        await wait_for(pilot, lambda: any("Saved the new token" in n for n in notices(app)), "saved notice")
    stored = FileSecretStore(tmp_path / "secrets.json").get("stored/api-token")
    assert stored is not None and stored.get_secret_value() == fresh["token"]
    assert fresh["token"] not in "".join(notices(app))


async def test_stored_static_key_profile_lists_objects_and_reauth_asks_for_a_key_pair(
    sandbox, tmp_path, monkeypatch
):
    first = new_key(sandbox, sandbox.token)
    _write_profile(tmp_path, monkeypatch, sandbox, "keys", {"kind": "static", "access_key_id": first["accessKeyId"]},
                   {"keys/secret-access-key": first["secretKey"], "keys/api-token": sandbox.token})
    app = _app_for_stored_profile()
    assert app.connection.credential_kind == "static"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.complete, "objects listed with the static key")
        assert "README.md" in visible_cells(app)
        assert app.services.storage.credentials.access_key_id == first["accessKeyId"]
        httpx.post(f"{sandbox.control_plane}/v1/cwobject/revoke-access-key/access-key",
                   json={"accessKey": first["accessKeyId"]},
                   headers={"Authorization": f"Bearer {sandbox.token}"}, timeout=10).raise_for_status()
        for _ in range(40):  # revocation reaches S3 within about a second: reload until S3 refuses
            if isinstance(app.screen, ReauthScreen):
                break
            if not app.objects.loading:
                app.objects.reload()
            await pilot.pause(0.25)
        assert isinstance(app.screen, ReauthScreen), "re-auth modal after the key was revoked"
        screen = app.screen
        assert not screen.query("#reauth-token")  # a key pair, not a token
        assert screen.query_one("#reauth-secret").password is True
        second = new_key(sandbox, sandbox.token)
        screen.query_one("#reauth-key-id").value = second["accessKeyId"]
        screen.query_one("#reauth-secret").value = second["secretKey"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.objects.complete and "Error" not in app.objects.state_text,
                       "objects listed with the new key pair", timeout=30)
        assert "README.md" in visible_cells(app)
        assert app.services.storage.credentials.access_key_id == second["accessKeyId"]


async def test_jwt_key_profile_lists_objects_with_minted_keys(sandbox, tmp_path, monkeypatch):
    _write_profile(tmp_path, monkeypatch, sandbox, "jwt", {"kind": "jwt-key", "duration_seconds": 3600},
                   {"jwt/api-token": sandbox.token})
    app = _app_for_stored_profile()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed", timeout=30)
        assert DEMO_BUCKETS <= set(visible_cells(app))
        app.open_location("training-data", "")  # S3, with keys from the profile's credential source
        await wait_for(pilot, lambda: app.objects.complete, "objects listed", timeout=30)
        assert "README.md" in visible_cells(app)
        assert app.services.storage.credentials.source == "jwt"


async def test_oidc_profile_lists_objects_through_workload_identity(sandbox, tmp_path, monkeypatch):
    idp = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "j-dashboard"},
                     timeout=10).json()
    grant(sandbox, idp["principalName"], name="j-oidc-s3")
    token_file = tmp_path / "oidc.jwt"
    token_file.write_text(idp["token"])
    _write_profile(tmp_path, monkeypatch, sandbox, "wif",
                   {"kind": "oidc", "org_id": sandbox.org_id, "token_file": str(token_file)},
                   {"wif/api-token": sandbox.token})
    app = _app_for_stored_profile()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed", timeout=30)
        assert DEMO_BUCKETS <= set(visible_cells(app))
        app.open_location("training-data", "")  # S3, with keys from the profile's credential source
        await wait_for(pilot, lambda: app.objects.complete, "objects listed", timeout=30)
        assert "README.md" in visible_cells(app)
        assert app.services.storage.credentials.source == "oidc"


async def test_saml_profile_asks_for_the_saml_response_at_start_then_lists(sandbox, tmp_path, monkeypatch):
    saml = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"},
                      timeout=10).json()
    grant(sandbox, saml["principalName"], name="j-saml-s3")
    _write_profile(tmp_path, monkeypatch, sandbox, "sso",
                   {"kind": "saml", "org_id": sandbox.org_id, "config_id": sandbox.saml_config_id},
                   {"sso/api-token": sandbox.token})
    app = _app_for_stored_profile()
    assert app.connection.pending
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReauthScreen), "SAML modal")
        field = app.screen.query_one("#reauth-saml")
        assert field.password is True
        field.value = saml["samlResponse"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed", timeout=30)
        assert DEMO_BUCKETS <= set(visible_cells(app))
        app.open_location("training-data", "")  # S3, with keys from the profile's credential source
        await wait_for(pilot, lambda: app.objects.complete, "objects listed", timeout=30)
        assert "README.md" in visible_cells(app)
        assert app.services.storage.credentials.source == "saml"


# ---- refresh notices -----------------------------------------------------------------------------

async def test_a_background_key_refresh_shows_a_toast_with_the_new_expiry(sandbox):
    from cwos_tui.session import connection_from_sandbox

    ready = {"control_plane": sandbox.control_plane, "s3": sandbox.s3, "token": sandbox.token,
             "org_id": sandbox.org_id, "zone": sandbox.zone}
    clock = ManualClock(datetime.now(UTC))
    connection = connection_from_sandbox(ready)
    app = CwosApp(connection, services=Services(connection, clock))
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.complete, "objects listed")
        first = app.services.storage.credentials
        assert first is not None and first.expires_at is not None
        clock.advance((first.expires_at - clock.now()).total_seconds() - 30)  # inside the refresh margin
        app.objects.reload()
        await wait_for(pilot, lambda: any(n.startswith("S3 keys refreshed") for n in notices(app)), "toast")
        renewed = app.services.storage.credentials
        assert renewed is not None and renewed.access_key_id != first.access_key_id
        assert f"valid until {renewed.expires_at.astimezone():%H:%M}" in " ".join(notices(app))


def test_refresh_notice_texts():
    failed = RefreshEvent(ok=False, source="api-token", error=Unavailable("control plane unreachable"))
    assert refresh_notice(failed) == ("S3 key refresh failed: control plane unreachable", True)


# ---- snapshots of the new screens (no server: a pending connection never calls one) -------------

def _pending_app() -> CwosApp:
    return CwosApp(pending_connection("demo", DEMO_STARTING), clock=ManualClock())


def test_snapshot_demo_first_frame_while_the_sandbox_starts(snap_compare):
    assert snap_compare(_pending_app(), terminal_size=(100, 30))


@pytest.mark.parametrize("kind", ["token", "static", "saml"])
def test_snapshot_reauth_modal_by_credential_kind(snap_compare, kind):
    app = _pending_app()

    async def open_modal(pilot) -> None:
        reason = {"token": "whoami: the API token expired", "static": "list objects: the access key was revoked",
                  "saml": "list objects: the SAML keys expired"}[kind]
        app.push_screen(ReauthScreen(reason, kind, save_target="work/api-token" if kind == "token" else ""))
        # the picture is taken once the modal is focused, with a steady cursor (a blinking one is drawn or
        # not depending on when the picture is taken, which on a loaded machine varies)
        await wait_for(pilot, lambda: isinstance(app.screen, ReauthScreen) and app.screen.focused is not None,
                       "the modal focused")
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_modal)
