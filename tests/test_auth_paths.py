"""Every leaf of the auth decision flow, end to end (issue 11): the wizard walked key by key against the
sandbox, the profile saved, and then the dashboard on that saved profile: buckets listed, a bucket's objects
listed, the identity resolved (or the reason it cannot be), and the control-plane panes either working or
saying in one line that the profile has no API token — never a dialog."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from textual.screen import ModalScreen

from cwos_tui.cloud.auth_flow import iter_paths
from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.app_commands import NO_TOKEN_LINE
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.helpers import grant, new_key
from tests.test_ui_wizard import (
    choose,
    fill,
    first_run_app,
    open_wizard,
    save,
    saved,
    wait_tested,
    wizard,
)
from tests.ui_support import run_command, visible_cells, wait_for


@pytest.fixture
def tmp_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Config and secret store in tmp_path (as in test_ui_wizard)."""
    config, secrets = tmp_path / "config.toml", tmp_path / "secrets.json"
    monkeypatch.setenv("CWOS_CONFIG", str(config))
    monkeypatch.setenv("CWOS_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("CWOS_SECRET_STORE", "file")
    return SimpleNamespace(config=config, secrets=secrets, store=FileSecretStore(secrets), home=tmp_path)


async def dashboard_works(pilot: Any, app: CwosApp, *, has_token: bool, principal: str) -> None:
    """What a user sees after saving: buckets, objects, identity, and the control-plane panes."""
    buckets = app.pane("buckets")
    await wait_for(pilot, lambda: buckets.complete and buckets.row_list.rows, "the buckets to be listed")
    assert "training-data" in [row.value for row in buckets.row_list.rows]
    status = app.query_one(StatusLine)
    await wait_for(pilot, lambda: "checking" not in status.identity, "the identity to resolve")
    assert principal in status.identity, status.identity
    app.open_location("training-data", "")
    objects = app.objects
    await wait_for(pilot, lambda: app.active_pane == "objects" and objects.complete and objects.row_list.count,
                   "the bucket's objects to be listed")
    assert any(cell.startswith("README") for cell in visible_cells(app, "objects"))
    for pane_id in ("keys", "policies"):
        app.show_pane(pane_id)
        pane = app.pane(pane_id)
        if has_token:
            await wait_for(pilot, lambda p=pane: p.complete and p.row_list.rows, f"the {pane_id} pane")  # type: ignore[misc]
        else:
            await wait_for(pilot, lambda p=pane: p.state_text == NO_TOKEN_LINE, f"the {pane_id} one-liner")  # type: ignore[misc]
            assert len(NO_TOKEN_LINE) <= 78
        assert not isinstance(app.screen, ModalScreen), f"a dialog opened on {pane_id}: {app.screen!r}"
    app.show_pane("buckets")
    await pilot.pause()
    assert not isinstance(app.screen, ModalScreen)


async def walk(pilot: Any, app: CwosApp, answers: list[tuple[str, str]], values: dict[str, str]) -> str:
    """Answer the questions, fill the details, test, and return the save page's text."""
    await open_wizard(pilot, app)
    for question, choice in answers:
        await choose(pilot, app, question, choice)
    await fill(pilot, app, values)
    result = await wait_tested(pilot, app)
    assert result.ok, result
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: wizard(app).state.page == "save", "the save page")
    return "\n".join(str(s.render()) for s in wizard(app).query("#wizard-body Static"))


async def run_leaf(sandbox: Any, tmp_config: SimpleNamespace, answers: list[tuple[str, str]],
                   values: dict[str, str], name: str, *, has_token: bool, principal: str,
                   environ: dict[str, str] | None = None, promise: str = "") -> Any:
    app = first_run_app(tmp_config, environ)
    async with app.run_test(size=(80, 24)) as pilot:  # the SSH size every path must work at
        text = await walk(pilot, app, answers, values)
        if promise:
            assert promise in text, text
        await save(pilot, app, name)
        assert app.connection.profile_name == name
        await dashboard_works(pilot, app, has_token=has_token, principal=principal)
    return saved(tmp_config, name)


STORAGE = {"zone": "US-EAST-04A"}


def _storage_values(sandbox: Any) -> dict[str, str]:
    return {"s3_endpoint": sandbox.s3, **STORAGE}


async def test_control_plane_leaf_keeps_the_detected_s3_endpoint(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    env = {"AWS_ENDPOINT_URL": sandbox.s3, "AWS_REGION": sandbox.zone}
    profile = await run_leaf(
        sandbox, tmp_config, [("goal", "control-plane")],
        {"api_token": sandbox.token, "control_plane_endpoint": sandbox.control_plane}, "admin",
        has_token=True, principal=sandbox.admin_principal, environ=env,
        promise=f"S3 {sandbox.s3} (path-style), zone {sandbox.zone}")
    assert (profile.s3_endpoint, profile.zone, profile.addressing_style) == (sandbox.s3, sandbox.zone, "path")


async def test_token_exchange_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    await run_leaf(sandbox, tmp_config, [("goal", "storage"), ("keys", "static"), ("static", "token-exchange"),
                                         ("endpoint", "custom")],
                   {"api_token": sandbox.token, "control_plane_endpoint": sandbox.control_plane,
                    **_storage_values(sandbox)}, "exchange", has_token=True, principal=sandbox.admin_principal,
                   promise="15-minute keys from the API token")


async def test_jwt_key_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    profile = await run_leaf(
        sandbox, tmp_config, [("goal", "storage"), ("keys", "static"), ("static", "jwt-key"), ("endpoint", "custom")],
        {"api_token": sandbox.token, "control_plane_endpoint": sandbox.control_plane, "key_duration": "1800",
         **_storage_values(sandbox)}, "minted", has_token=True, principal=sandbox.admin_principal,
        promise="30-minute keys minted with the API token")
    assert profile.credential_source.duration_seconds == 1800


async def test_existing_key_leaf_lists_buckets_over_s3_without_a_token(
        sandbox: Any, tmp_config: SimpleNamespace) -> None:
    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "auth-paths"})
    await run_leaf(
        sandbox, tmp_config, [("goal", "storage"), ("keys", "static"), ("static", "existing-key"),
                              ("endpoint", "custom")],
        {"access_key_id": key["accessKeyId"], "secret_access_key": key["secretKey"], **_storage_values(sandbox)},
        "laptop", has_token=False, principal=key["accessKeyId"])


def _issuer(sandbox: Any) -> str:
    return str(httpx.get(f"{sandbox.control_plane}/sandbox/info").json()["oidc_issuer"])


async def test_oidc_leaf_mints_15_minute_keys_and_names_the_workload(
        sandbox: Any, tmp_config: SimpleNamespace) -> None:
    subject = "auth-paths-job"
    grant(sandbox, f"role/{_issuer(sandbox)}:{subject}", ["s3:ListAllMyBuckets"])
    minted = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": subject}).json()
    token_file = tmp_config.home / "oidc-token"
    token_file.write_text(minted["token"])
    profile = await run_leaf(
        sandbox, tmp_config, [("goal", "storage"), ("keys", "wif"), ("wif", "oidc"), ("endpoint", "custom")],
        {"org_id": sandbox.org_id, "oidc_token_value": str(token_file), "control_plane_endpoint": sandbox.control_plane,
         **_storage_values(sandbox)}, "workload", has_token=False, principal=subject,
        promise="15-minute keys from the OIDC token")
    assert profile.credential_source.duration_seconds == 900  # what "OIDC: 15-minute keys" promised


async def test_saml_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    role = "auth-paths-sso"
    grant(sandbox, f"saml/{role}", ["cwobject:CreateAccessKeySAML"])
    grant(sandbox, f"role/{role}", ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetObject"])
    response = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": role}).json()
    await run_leaf(
        sandbox, tmp_config, [("goal", "storage"), ("keys", "wif"), ("wif", "saml"), ("endpoint", "custom")],
        {"org_id": sandbox.org_id, "saml_config_id": sandbox.saml_config_id, "saml_response": response["samlResponse"],
         "control_plane_endpoint": sandbox.control_plane, **_storage_values(sandbox)}, "sso", has_token=False,
        principal=role, promise="60-minute keys from the SAML response")


def test_every_leaf_has_a_test_above() -> None:
    """Six leaves before the endpoint question (cwobject/cwlota endpoints need the real network; the sandbox
    stands in as the custom endpoint): control plane, exchange, jwt-key, existing key, OIDC, SAML."""
    leaves = {tuple(step for step in p if step[0] != "endpoint") for p in iter_paths()}
    assert len(leaves) == 6


async def test_keys_that_may_not_list_buckets_say_so_in_one_line_and_still_open_a_bucket(
        sandbox: Any, tmp_path: Path) -> None:
    from cwos_tui.config.profiles import Profile, StaticKeySource
    from cwos_tui.config.secrets import FileSecretStore as Store
    from cwos_tui.session import connection_from_profile
    from cwos_tui.ui.panes.storage import LIST_DENIED
    from tests.helpers import make_principal

    reader = make_principal(sandbox, name="no-list-reader")
    grant(sandbox, reader.principal_name, ["cwobject:CreateAccessKey"])
    grant(sandbox, reader.principal_name, ["s3:ListBucket", "s3:GetObject"],
          ["training-data", "training-data/*"])
    key = new_key(sandbox, reader.token, duration=3600)
    store = Store(tmp_path / "secrets.json")
    store.set("reader/secret-access-key", key["secretKey"])
    profile = Profile(name="reader", control_plane_endpoint=sandbox.control_plane, s3_endpoint=sandbox.s3,
                      zone=sandbox.zone, addressing_style="path",
                      credential_source=StaticKeySource(access_key_id=key["accessKeyId"]))
    app = CwosApp(connection_from_profile(profile, store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        buckets = app.pane("buckets")
        await wait_for(pilot, lambda: buckets.state_text == LIST_DENIED, "the one-line explanation")
        assert len(LIST_DENIED) <= 78 and not isinstance(app.screen, ModalScreen)
        await run_command(pilot, "b training-data")
        await wait_for(pilot, lambda: app.objects.complete and app.objects.row_list.count, "the bucket opened by name")
