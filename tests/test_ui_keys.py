"""Access keys pane against the real sandbox: countdown column, create (secret shown once), exchanges,
suspend/reactivate, revoke with typed confirmation, exports from the secret modal, revoked-key re-auth."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from textual.widgets import Button, Checkbox, Input, Static

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.cloud.models import AccessKeyInfo
from cwos_tui.ui.modals.create_key import CreateKeyScreen, parse_attributes, parse_duration
from cwos_tui.ui.modals.exchange import ExchangeScreen
from cwos_tui.ui.modals.export import ExportScreen
from cwos_tui.ui.modals.secret_once import SavedCheckScreen, SecretOnceScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.panes.keys import KeysPane
from tests.helpers import admin_headers, make_principal, new_key, s3_client, tool
from tests.ui_support import make_app, notices, stable_filter, wait_for

SIZE = (120, 34)


def key_info(sandbox, key_id: str) -> AccessKeyInfo | None:
    r = httpx.get(f"{sandbox.control_plane}/v1/cwobject/access-key/{key_id}", headers=admin_headers(sandbox))
    if r.status_code == 404:
        return None
    r.raise_for_status()
    return AccessKeyInfo.model_validate(r.json()["info"])


def static_text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_keys(app, pilot, only: str = "") -> KeysPane:
    await pilot.press("2")
    pane = app.query_one(KeysPane)
    await wait_for(pilot, lambda: pane.complete and app.gate.verdicts, "keys listed")
    if only:
        pane.apply_filter(only)
        await wait_for(pilot, lambda: pane.row_list.count == 1, f"only {only} shown")
    return pane


def line_text(pane: KeysPane, y: int = 1) -> tuple[str, list[str]]:
    strip = pane.countdowns.render_line(y)
    colours = [str(seg.style.color.name) for seg in strip if seg.style and seg.style.color and seg.text.strip()]
    return "".join(seg.text for seg in strip), colours


async def click(app, pilot, selector: str) -> None:
    """Click a button once its previous click's 0.2 s "active" effect is over (Textual ignores it until then)."""
    button = app.screen.query_one(selector, Button)
    await wait_for(pilot, lambda: not button.has_class("-active"), f"{selector} clickable")
    await pilot.click(selector)


async def secret_modal(app, pilot) -> SecretOnceScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, SecretOnceScreen)
                   and static_text(app.screen, "#so-expiry"), "secret modal")
    return app.screen


# ---- pure rules ---------------------------------------------------------------------------------


def test_attribute_rules_follow_the_reference():
    assert parse_attributes("name=run-7, team=ml") == {"name": "run-7", "team": "ml"}
    assert parse_attributes("") == {} and parse_attributes("empty=") == {"empty": ""}
    for bad, words in [("Team=ml", "lower-case"), ("cw-x=1", "may not start"), ("roles=a", "may not start"),
                       ("groupsx=a", "may not start"), ("a=-bad", "value"), ("novalue", "key=value"),
                       ("a=1,a=2", "twice"), (",".join(f"k{i}=v" for i in range(16)), "at most 15"),
                       ("k=" + "v" * 64, "at most 63")]:
        with pytest.raises(ValueError, match=words):
            parse_attributes(bad)
    assert parse_duration("90m") == 5400 and parse_duration("2h") == 7200 and parse_duration("45") == 45
    with pytest.raises(ValueError):
        parse_duration("0m")
    with pytest.raises(ValueError):
        parse_duration("soon")


# ---- countdown column ---------------------------------------------------------------------------


async def test_countdown_column_ticks_colours_and_repaints_only_changed_lines(sandbox):
    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "countdown-probe"})
    clock = ManualClock()
    app = make_app(sandbox, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_keys(app, pilot, key["accessKeyId"])
        expires_at = pane.keys[key["accessKeyId"]].expires_at
        assert expires_at is not None
        clock.set(expires_at - timedelta(minutes=11))
        pane.countdowns.refresh()
        await pilot.pause()
        text, colours = line_text(pane)
        assert "countdown-probe" in text and text.rstrip().endswith("11m 00s") and "green" in colours
        assert pane.tick() == []  # nothing changed since the last paint: nothing is redrawn
        clock.advance(1)
        assert pane.tick() == [1]  # only the one line whose countdown changed
        await pilot.pause()
        assert line_text(pane)[0].rstrip().endswith("10m 59s")
        clock.set(expires_at - timedelta(minutes=9))
        pane.tick()
        await pilot.pause()
        text, colours = line_text(pane)
        assert text.rstrip().endswith("9m 00s") and "#ffb000" in colours  # amber under 10 minutes
        clock.set(expires_at - timedelta(seconds=90))
        pane.tick()
        await pilot.pause()
        text, colours = line_text(pane)
        assert text.rstrip().endswith("1m 30s") and "red" in colours  # red under 2 minutes
        clock.set(expires_at + timedelta(seconds=1))
        pane.tick()
        await pilot.pause()
        assert line_text(pane)[0].rstrip().endswith("expired")
        # a permanent key says never and never needs repainting
        pane.apply_filter("ci-pipeline")
        await pilot.pause()
        assert line_text(pane)[0].rstrip().endswith("never")
        clock.advance(60)
        assert pane.tick() == []


async def test_sort_cycles_and_expiry_sort_puts_soonest_first(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_keys(app, pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: "sorted by expiry" in pane.state_text, "sorted by expiry")
        expiries = [pane.keys[r.value].expires_at for r in pane.row_list.rows]
        dated = [e for e in expiries if e is not None]
        assert dated == sorted(dated) and expiries[: len(dated)] == dated  # permanent keys last
        await pilot.press("o")
        await wait_for(pilot, lambda: "sorted by key ID" in pane.state_text, "sorted by key id")
        ids = [r.value for r in pane.row_list.rows]
        assert ids == sorted(ids)


# ---- create -------------------------------------------------------------------------------------


async def test_create_temporary_key_shows_secret_once_closing_asks_and_key_works(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_keys(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyScreen), "create modal")
        form = app.screen
        form.choose("dur-1h")
        form.query_one("#ck-attributes", Input).value = "name=pilot-temp, team=ml"
        await click(app, pilot, "#ck-create")
        await secret_modal(app, pilot)
        modal = app.screen
        secret = modal.secret
        assert secret.secret_key in static_text(modal, "#so-secret")  # shown, in full, this once
        assert "59m" in static_text(modal, "#so-expiry")
        s3_client(sandbox, secret.access_key_id, secret.secret_key).list_buckets()  # a real, working key
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SavedCheckScreen), "did you save it?")
        await click(app, pilot, "#saved-no")
        await wait_for(pilot, lambda: app.screen is modal, "back to the secret")
        await click(app, pilot, "#so-close")
        await wait_for(pilot, lambda: isinstance(app.screen, SavedCheckScreen), "asked again")
        await click(app, pilot, "#saved-yes")
        await wait_for(pilot, lambda: not isinstance(app.screen, (SecretOnceScreen, SavedCheckScreen)), "closed")
        await wait_for(pilot, lambda: pane.complete and secret.access_key_id in pane.keys, "new key listed")
        info = pane.keys[secret.access_key_id]
        assert info.attributes == {"name": "pilot-temp", "team": "ml"} and info.expires_at is not None
        shown = [w.render() for w in app.screen.query(Static)]
        assert not any(secret.secret_key in str(s) for s in shown)


async def test_permanent_key_needs_explicit_confirmation(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyScreen), "create modal")
        form = app.screen
        form.choose("dur-permanent")
        await pilot.pause()
        assert "Short-lived keys are recommended" in str(form.query_one("#ck-permanent-box Static").render())
        await click(app, pilot, "#ck-create")
        await pilot.pause()
        assert isinstance(app.screen, CreateKeyScreen)
        assert "Tick the box" in static_text(form, "#ck-problem")
        form.query_one("#ck-permanent-ok", Checkbox).value = True
        await pilot.pause()
        await click(app, pilot, "#ck-create")
        await secret_modal(app, pilot)
        assert "never (permanent)" in static_text(app.screen, "#so-expiry")
        assert key_info(sandbox, app.screen.secret.access_key_id).expires_at is None


async def test_bad_attributes_are_refused_before_anything_is_sent(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_keys(app, pilot)
        before = len(pane.keys)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyScreen), "create modal")
        app.screen.query_one("#ck-attributes", Input).value = "Owner=ML Team"
        await click(app, pilot, "#ck-create")
        await pilot.pause()
        assert isinstance(app.screen, CreateKeyScreen)
        assert "attribute key 'Owner'" in static_text(app.screen, "#ck-problem")
        await pilot.press("escape")
        pane.reload()
        await wait_for(pilot, lambda: pane.complete, "reloaded")
        assert len(pane.keys) == before


# ---- exports from the secret modal --------------------------------------------------------------


async def test_export_to_aws_profile_then_real_aws_cli_lists_a_bucket(sandbox, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyScreen), "create modal")
        await click(app, pilot, "#ck-create")  # 15 minutes, the default
        await secret_modal(app, pilot)
        modal = app.screen
        await click(app, pilot, "#so-aws")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), "export modal")
        app.screen.query_one(Input).value = "pilot-export"
        await click(app, pilot, "#export-write")
        await wait_for(pilot, lambda: app.screen is modal, "back in the secret modal")
        assert "pilot-export" in static_text(modal, "#so-output")
        # the same name again is refused: nothing is overwritten
        await click(app, pilot, "#so-aws")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), "export modal again")
        app.screen.query_one(Input).value = "pilot-export"
        await click(app, pilot, "#export-write")
        await pilot.pause()
        problem = static_text(app.screen, "#export-problem")
        assert "already has a [profile pilot-export] section: nothing was overwritten" in problem
        await pilot.press("escape")
        await click(app, pilot, "#so-env")
        await pilot.pause()
        assert f"AWS_ACCESS_KEY_ID={modal.secret.access_key_id}" in static_text(modal, "#so-output")
    credentials = Path(env["AWS_SHARED_CREDENTIALS_FILE"])
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    run_env = {**os.environ, **env, "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run([tool("aws"), "s3", "ls", "--profile", "pilot-export"], env=run_env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "training-data" in result.stdout


# ---- exchanges ----------------------------------------------------------------------------------


async def exchange(app, pilot, kind: str, **fields: str) -> SecretOnceScreen:
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(app.screen, ExchangeScreen), "exchange modal")
    form = app.screen
    form.choose(kind)
    await pilot.pause()
    for widget_id, value in fields.items():
        if widget_id.startswith("oidc-"):
            form.choose(widget_id)
        else:
            form.query_one(f"#{widget_id}", Input).value = value
    await pilot.pause()
    form.submit()
    await wait_for(pilot, lambda: isinstance(app.screen, SecretOnceScreen) or "exchange" in " ".join(notices(app)),
                   "exchange answered")
    assert isinstance(app.screen, SecretOnceScreen), notices(app)
    return await secret_modal(app, pilot)


async def test_api_token_exchange_gives_a_15_minute_session_key(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot)
        modal = await exchange(app, pilot, "ex-api-token")
        assert "API-TOKEN" in static_text(modal, ".so-title")
        assert "14m" in static_text(modal, "#so-expiry") or "15m" in static_text(modal, "#so-expiry")
        assert modal.secret.principal_name == sandbox.admin_principal  # from whoami: the response has none


async def test_oidc_exchange_with_a_token_file(sandbox, tmp_path):
    r = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "pilot-workload"})
    r.raise_for_status()
    token_file = tmp_path / "token"
    token_file.write_text(r.json()["token"])
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot)
        modal = await exchange(app, pilot, "ex-oidc", **{"oidc-file": "", "ex-where": str(token_file),
                                                         "ex-duration": "20m"})
        assert modal.secret.principal_name == r.json()["principalName"]
        assert "19m" in static_text(modal, "#so-expiry")
        s3_client(sandbox, modal.secret.access_key_id, modal.secret.secret_key).list_objects_v2(
            Bucket="training-data", MaxKeys=1)


async def test_saml_exchange(sandbox):
    r = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"})
    r.raise_for_status()
    saml = r.json()
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot)
        modal = await exchange(app, pilot, "ex-saml", **{"ex-config": saml["configId"],
                                                         "ex-saml-response": saml["samlResponse"]})
        assert modal.secret.principal_name == "saml/ml-engineers"
        assert "59m" in static_text(modal, "#so-expiry")


async def test_exchange_form_explains_what_is_missing(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExchangeScreen), "exchange modal")
        app.screen.choose("ex-saml")
        await pilot.pause()
        await click(app, pilot, "#ex-go")
        await pilot.pause()
        assert "SAML config ID" in static_text(app.screen, "#ex-problem")


# ---- suspend, reactivate, revoke ----------------------------------------------------------------


async def test_suspend_and_reactivate_a_principals_keys(sandbox):
    who = make_principal(sandbox, admin=True, name="suspend-me")
    key = new_key(sandbox, who.token, duration=3600)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_keys(app, pilot, key["accessKeyId"])
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "confirm")
        assert who.principal_name in static_text(app.screen, ".ttc-target")
        assert "(1 key)" in static_text(app.screen, ".ttc-target")
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: any("suspended" in n for n in notices(app)), "suspended notice")
        assert key_info(sandbox, key["accessKeyId"]).status == "FULL_SUSPENDED"
        await wait_for(pilot, lambda: pane.complete and pane.row_list.count == 1, "reloaded")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "confirm")
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: any("reactivated" in n for n in notices(app)), "reactivated notice")
        assert key_info(sandbox, key["accessKeyId"]).status == "ACTIVE"


async def test_revoke_needs_the_typed_key_id(sandbox):
    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "revoke-me"})
    key_id = key["accessKeyId"]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot, key_id)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "confirm")
        dialog = app.screen
        assert key_id in static_text(dialog, ".ttc-target") and "revoke-me" in static_text(dialog, ".ttc-target")
        dialog.query_one(Input).value = key_id[:-1]
        await click(app, pilot, "#ttc-yes")
        await pilot.pause()
        assert app.screen is dialog and "does not match" in static_text(dialog, "#ttc-problem")
        assert key_info(sandbox, key_id).status == "ACTIVE"
        dialog.query_one(Input).value = key_id
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: f"Revoked {key_id}" in notices(app), "revoked notice")
        pane = app.pane("keys")

        def left_column() -> str | None:
            rows = pane.countdowns
            for i in range(rows.count):
                row = rows.row_at(i)
                if row is not None and row.value == key_id:
                    return rows._countdown(row.value, app.clock.now())[0]
            return None

        await wait_for(pilot, lambda: left_column() == "revoked", "revoked key shows no time left")
    info = key_info(sandbox, key_id)
    assert info is None or info.status != "ACTIVE"
    with pytest.raises(Exception, match="InvalidAccessKeyId"):
        s3_client(sandbox, key_id, key["secretKey"]).list_buckets()


async def test_revoke_all_keys_of_a_principal_names_the_count(sandbox):
    who = make_principal(sandbox, admin=True, name="revoke-all")
    keys = [new_key(sandbox, who.token, duration=3600) for _ in range(2)]
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_keys(app, pilot, keys[0]["accessKeyId"])
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "confirm")
        dialog = app.screen
        assert "Revoke ALL 2 access keys" in str(dialog.query(Static).first().render())
        dialog.query_one(Input).value = who.principal_name
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: any("Revoked 2 keys" in n for n in notices(app)), "revoked notice")
    for key in keys:
        info = key_info(sandbox, key["accessKeyId"])
        assert info is None or info.status != "ACTIVE"


async def test_revoking_the_dashboards_own_key_warns_and_a_revoked_key_asks_to_reauthenticate(sandbox):
    from cwos_tui.session import Connection
    from cwos_tui.ui.app import CwosApp

    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "dashboard-own"})
    connection = Connection(profile_name="static", control_plane=sandbox.control_plane, s3_endpoint=sandbox.s3,
                            zone=sandbox.zone, addressing_style="path", org_id=sandbox.org_id,
                            static_key=(key["accessKeyId"], key["secretKey"]))
    from cwos_tui.cloud.credentials import ApiToken

    connection.token = ApiToken(sandbox.token, label="admin", source="test")
    app = CwosApp(connection, initial_pane="buckets")
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.complete, "objects listed with the static key")
        assert app.services.storage.credentials.access_key_id == key["accessKeyId"]
        await open_keys(app, pilot, key["accessKeyId"])
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "confirm")
        assert "this dashboard uses for S3" in static_text(app.screen, ".ttc-warning")
        await pilot.press("escape")
        httpx.post(f"{sandbox.control_plane}/v1/cwobject/revoke-access-key/access-key",
                   json={"accessKey": key["accessKeyId"]}, headers=admin_headers(sandbox)).raise_for_status()
        await pilot.press("5", "r")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ReauthScreen", "re-authentication modal")


# ---- expiry warnings and real refreshes ---------------------------------------------------------


def test_expiry_watch_warns_once_per_level_and_never_for_refreshable_keys():
    from datetime import UTC, datetime

    from cwos_tui.cloud.expiry import Urgency
    from cwos_tui.ui.expiry_watch import ExpiryWatch, Watched

    end = datetime(2026, 1, 1, 12, tzinfo=UTC)
    watch = ExpiryWatch()
    items = [Watched("API token", end), Watched("S3 key", end, refreshable=True), Watched("old", None)]
    assert watch.check(items, end - timedelta(minutes=11)) == []
    [amber] = watch.check(items, end - timedelta(minutes=9))
    assert amber.level is Urgency.AMBER and "expires in 9m 00s" in amber.text and not amber.offer_reauth
    assert watch.check(items, end - timedelta(minutes=8)) == []
    [red] = watch.check(items, end - timedelta(seconds=100))
    assert red.offer_reauth and "re-authenticate now" in red.text
    [gone] = watch.check(items, end + timedelta(seconds=1))
    assert gone.level is Urgency.EXPIRED and watch.check(items, end + timedelta(minutes=5)) == []


async def test_an_expiring_api_token_warns_at_10_minutes_and_offers_reauth_at_2(sandbox):
    from cwos_tui.cloud.credentials import ApiToken

    clock = ManualClock()
    app = make_app(sandbox, clock=clock)
    app.connection.token = ApiToken(sandbox.token, label="admin", expires_at=clock.now() + timedelta(minutes=11))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.principal, "identified")
        clock.advance(2 * 60)
        await wait_for(pilot, lambda: any("API token expires in 9m" in n for n in notices(app)), "10-minute warning")
        clock.advance(8 * 60)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ReauthScreen", "re-auth offered at 2 minutes")


async def test_short_lived_minted_keys_refresh_themselves_and_say_so(sandbox):
    from datetime import UTC, datetime

    from cwos_tui.cloud.credentials import JwtKeySource
    from cwos_tui.cloud.storage import StorageService

    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        services = app.services
        await services.storage.close()
        # 20-second keys: the storage service renews them 5 s before expiry (a quarter of the lifetime, issue
        # 16), by its clock; the clock is moved into that window instead of waiting 15 s for it
        clock = ManualClock(datetime.now(UTC))
        services.storage = StorageService(
            sandbox.s3, JwtKeySource(services.control_plane, duration_seconds=20), zone=sandbox.zone,
            addressing_style="path", on_refresh=services._refreshed, clock=clock)
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.complete, "objects listed with a 20 s key")
        first = services.storage.credentials
        assert not any("S3 keys refreshed" in n for n in notices(app))
        clock.set(first.expires_at - timedelta(seconds=4))
        app.objects.reload()  # the next S3 call finds the key inside its refresh window
        await wait_for(pilot, lambda: any("S3 keys refreshed" in n for n in notices(app)), "refresh notice")
        await wait_for(pilot, lambda: app.objects.complete, "reloaded with the fresh key")
        assert any("S3 keys refreshed, valid until" in n for n in notices(app)), notices(app)
        assert services.storage.credentials.access_key_id != first.access_key_id
        assert app.objects.row_list.count > 0


# ---- snapshots (own sandboxes, ManualClock, volatile values masked, secrets masked) --------------
# The key list comes from the pristine sandbox (no test adds keys there); the secret modal, which creates a key,
# from this module's private sandbox, which no other test here uses (its row count shows behind the modal).

_SECRET = re.compile(r"\bcwo[A-Za-z0-9]{30,}")


def masked(sandbox):
    # keep the countdowns: the clock is anchored to the keys' expiry
    return stable_filter(sandbox, keep_countdowns=True,
                         extra=[(_SECRET, "cwo" + "*" * 12 + " (masked in snapshots)")])


def test_keys_pane_snapshot_with_countdown_column(pristine_sandbox, snap_compare):
    clock = ManualClock()
    app = make_app(pristine_sandbox, clock=clock, display_filter=masked(pristine_sandbox), initial_pane="keys")

    async def prepare(pilot) -> None:
        pane = app.query_one(KeysPane)
        await wait_for(pilot, lambda: pane.complete and app.principal and app.gate.verdicts, "keys listed")
        notebook = next(k for k in pane.keys.values() if k.attributes.get("name") == "notebook-session")
        clock.set(notebook.expires_at - timedelta(minutes=4))  # amber; the 1-hour key green; permanent: never
        pane.tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=prepare)


def test_secret_once_modal_snapshot_with_the_secret_masked(private_sandbox, snap_compare):
    clock = ManualClock()
    app = make_app(private_sandbox, clock=clock, display_filter=masked(private_sandbox), initial_pane="keys")

    async def prepare(pilot) -> None:
        await open_keys(app, pilot, "ci-pipeline")  # behind the modal: only a permanent key (no live countdown)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateKeyScreen), "create modal")
        app.screen.query_one("#ck-attributes", Input).value = "name=snapshot"
        await pilot.pause()
        await click(app, pilot, "#ck-create")
        modal = await secret_modal(app, pilot)
        clock.set(modal.secret.expires_at - timedelta(minutes=14, seconds=30))
        modal.tick()
        await pilot.pause()
        assert modal.secret.secret_key not in masked(private_sandbox)(modal.secret.secret_key)

    assert snap_compare(app, terminal_size=(100, 30), run_before=prepare)
