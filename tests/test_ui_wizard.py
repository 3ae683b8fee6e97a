"""The setup wizard, driven key by key against the sandbox: every leaf of the flow ends in a saved profile
that `resolve_profile` loads back, detection prefills what the environment has, failures are explained,
and the first run opens the dashboard on the new profile."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from textual.widgets import Input, OptionList, Static

from cwos_tui.cloud.auth_flow import FLOW
from cwos_tui.config.profiles import resolve_profile
from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.config.settings import load_settings
from cwos_tui.session import pending_connection
from cwos_tui.ui.app import CwosApp
from cwos_tui.ui.widgets.status_line import StatusLine
from cwos_tui.ui.wizard import SETUP_WAITING, FirstRun, WizardScreen, make_state
from tests.helpers import make_principal, new_key
from tests.ui_support import wait_for


@pytest.fixture
def tmp_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Config and secret store in tmp_path, for this code and anything reading the environment."""
    config = tmp_path / "config.toml"
    secrets = tmp_path / "secrets.json"
    monkeypatch.setenv("CWOS_CONFIG", str(config))
    monkeypatch.setenv("CWOS_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("CWOS_SECRET_STORE", "file")
    return SimpleNamespace(config=config, secrets=secrets, store=FileSecretStore(secrets), home=tmp_path)


def first_run_app(tmp_config: SimpleNamespace, environ: dict[str, str] | None = None,
                  profile_name: str | None = None) -> CwosApp:
    env = {"HOME": str(tmp_config.home), **(environ or {})}
    state = make_state(env, home=tmp_config.home, k8s_token=tmp_config.home / "no-k8s-token", profile_name=profile_name,
                       store=tmp_config.store, config_path=tmp_config.config)
    first = FirstRun(state, tmp_config.store, env, config_path=tmp_config.config)
    return CwosApp(pending_connection("setup", SETUP_WAITING), first_run=first)


def wizard(app: CwosApp) -> WizardScreen:
    screen = app.screen
    assert isinstance(screen, WizardScreen), f"wizard not on top: {screen!r}"
    return screen


async def open_wizard(pilot: Any, app: CwosApp) -> WizardScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, WizardScreen) and app.screen.query("#wizard-body > *"),
                   "the wizard to open")
    return wizard(app)


async def choose(pilot: Any, app: CwosApp, question: str, choice: str) -> None:
    screen = wizard(app)
    assert screen.state.page == question, f"expected question {question}, on {screen.state.page}"
    keys = [c.key for c in FLOW[question].choices]
    options = screen.query_one("#choices", OptionList)
    current = options.highlighted or 0
    target = keys.index(choice)
    for _ in range(abs(target - current)):
        await pilot.press("down" if target > current else "up")
    await pilot.press("enter")
    await wait_for(pilot, lambda: wizard(app).state.page != question, f"leaving question {question}")


async def fill(pilot: Any, app: CwosApp, values: dict[str, str]) -> None:
    screen = wizard(app)
    assert screen.state.page == "details", screen.state.page
    for name, value in values.items():
        screen.query_one(f"#field-{name}").value = value  # type: ignore[attr-defined]
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: wizard(app).state.page == "test", "the test page")


async def wait_tested(pilot: Any, app: CwosApp) -> Any:
    await wait_for(pilot, lambda: wizard(app).result is not None, "the connection test", timeout=60)
    return wizard(app).result


def report_text(app: CwosApp) -> str:
    return str(wizard(app).query_one("#test-report", Static).render())


async def save(pilot: Any, app: CwosApp, name: str) -> None:
    screen = wizard(app)
    if screen.state.page == "test":
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: wizard(app).state.page == "save", "the save page")
    wizard(app).query_one("#field-profile_name", Input).value = name
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: not isinstance(app.screen, WizardScreen), "the wizard to close")


def saved(tmp_config: SimpleNamespace, name: str) -> Any:
    settings = load_settings(tmp_config.config, use_env=False)
    assert settings.active_profile == name
    profile = resolve_profile(settings, None, {})
    assert profile.name == name
    text = tmp_config.config.read_text()
    assert "CW-SECRET" not in text and "secret_access_key =" not in text
    return profile


def secret_values(tmp_config: SimpleNamespace) -> dict[str, str]:
    return json.loads(tmp_config.secrets.read_text())["secrets"] if tmp_config.secrets.exists() else {}


# ---- every leaf of the flow -----------------------------------------------------------------------------


async def test_control_plane_leaf_saves_and_opens_dashboard(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    app = first_run_app(tmp_config)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_wizard(pilot, app)
        await choose(pilot, app, "goal", "control-plane")
        await fill(pilot, app, {"api_token": sandbox.token, "control_plane_endpoint": sandbox.control_plane})
        result = await wait_tested(pilot, app)
        assert result.ok, result
        assert [s.name for s in result.steps][:2] == ["whoami", "AuthCanI cwobject:ListAccessKeyInfo"]
        assert sandbox.admin_principal in report_text(app)
        assert "All checks passed" in report_text(app)
        await save(pilot, app, "admin")
        await wait_for(pilot, lambda: sandbox.admin_principal in app.query_one(StatusLine).identity,
                       "the dashboard to identify the new profile")
        assert app.connection.profile_name == "admin"
    profile = saved(tmp_config, "admin")
    assert profile.credential_source.kind == "api-token"
    assert profile.control_plane_endpoint == sandbox.control_plane
    assert secret_values(tmp_config) == {"admin/api-token": sandbox.token}


async def _storage_leaf(sandbox: Any, tmp_config: SimpleNamespace, answers: list[tuple[str, str]],
                        values: dict[str, str], name: str, endpoint: str = "custom") -> Any:
    app = first_run_app(tmp_config)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_wizard(pilot, app)
        await choose(pilot, app, "goal", "storage")
        for question, choice in answers:
            await choose(pilot, app, question, choice)
        await choose(pilot, app, "endpoint", endpoint)
        await fill(pilot, app, {"s3_endpoint": sandbox.s3, "zone": sandbox.zone, **values})
        result = await wait_tested(pilot, app)
        assert result.ok, (result, report_text(app))
        assert any(s.name in ("ListBuckets", "HeadBucket training-data") and s.ok for s in result.steps)
        await save(pilot, app, name)
        assert app.connection.profile_name == name
    profile = saved(tmp_config, name)
    assert profile.s3_endpoint == sandbox.s3
    assert profile.addressing_style == "path"  # a custom loopback endpoint defaults to path style
    assert profile.zone == sandbox.zone
    return profile


async def test_storage_token_exchange_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    profile = await _storage_leaf(
        sandbox, tmp_config, [("keys", "static"), ("static", "token-exchange")],
        {"api_token": sandbox.token, "control_plane_endpoint": sandbox.control_plane}, "exchange")
    assert profile.credential_source.kind == "api-token"
    assert secret_values(tmp_config) == {"exchange/api-token": sandbox.token}


async def test_storage_jwt_key_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    profile = await _storage_leaf(
        sandbox, tmp_config, [("keys", "static"), ("static", "jwt-key")],
        {"api_token": sandbox.token, "control_plane_endpoint": sandbox.control_plane, "key_duration": "900"},
        "minted")
    assert profile.credential_source.kind == "jwt-key"
    assert profile.credential_source.duration_seconds == 900  # type: ignore[union-attr]


async def test_storage_existing_key_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "wizard-test"})
    profile = await _storage_leaf(
        sandbox, tmp_config, [("keys", "static"), ("static", "existing-key")],
        {"access_key_id": key["accessKeyId"], "secret_access_key": key["secretKey"], "bucket": "training-data"},
        "laptop")
    assert profile.credential_source.kind == "static"
    assert secret_values(tmp_config) == {"laptop/secret-access-key": key["secretKey"]}


async def test_oidc_leaf_with_token_file(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    minted = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "wizard-job"}).json()
    token_file = tmp_config.home / "oidc-token"
    token_file.write_text(minted["token"])
    profile = await _storage_leaf(
        sandbox, tmp_config, [("keys", "wif"), ("wif", "oidc")],
        {"org_id": sandbox.org_id, "oidc_token_value": str(token_file),
         "control_plane_endpoint": sandbox.control_plane, "bucket": "training-data"}, "workload")
    assert profile.credential_source.kind == "oidc"
    assert profile.credential_source.token_file == token_file  # type: ignore[union-attr]
    assert secret_values(tmp_config) == {}  # the OIDC token stays where it is; nothing secret is stored


async def test_saml_leaf(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    response = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"})
    profile = await _storage_leaf(
        sandbox, tmp_config, [("keys", "wif"), ("wif", "saml")],
        {"org_id": sandbox.org_id, "saml_config_id": sandbox.saml_config_id,
         "saml_response": response.json()["samlResponse"], "control_plane_endpoint": sandbox.control_plane,
         "bucket": "training-data"},  # the role may read training-data, not list every bucket
        "sso")
    assert profile.credential_source.kind == "saml"
    assert profile.credential_source.config_id == sandbox.saml_config_id  # type: ignore[union-attr]
    assert secret_values(tmp_config) == {}  # the SAML response is used for the session only


# ---- detection, editing, skipping ---------------------------------------------------------------------


async def test_env_token_is_found_prefilled_and_masked_then_saved_in_few_keys(
        sandbox: Any, tmp_config: SimpleNamespace) -> None:
    """Done-when: empty config dir + COREWEAVE_API_TOKEN -> a few keys -> saved, tested, dashboard on it."""
    env = {"COREWEAVE_API_TOKEN": sandbox.token, "COREWEAVE_API_ENDPOINT": sandbox.control_plane}
    app = first_run_app(tmp_config, env)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_wizard(pilot, app)
        found = str(screen.query_one("#wizard-found", Static).render())
        assert "Found an API token in COREWEAVE_API_TOKEN" in found
        assert sandbox.token not in found
        await pilot.press("enter")  # goal: control plane (first choice)
        await wait_for(pilot, lambda: wizard(app).state.page == "details", "details")
        token_input = wizard(app).query_one("#field-api_token", Input)
        assert token_input.password and token_input.value == sandbox.token  # prefilled, shown masked
        assert sandbox.token not in "".join(str(s.render()) for s in wizard(app).query(Static))
        await pilot.press("ctrl+n")  # test
        assert (await wait_tested(pilot, app)).ok
        await pilot.press("ctrl+n")  # to the save page
        await wait_for(pilot, lambda: wizard(app).state.page == "save", "the save page")
        assert wizard(app).query_one("#field-profile_name", Input).value == "sandbox"
        await pilot.press("ctrl+n")  # save
        await wait_for(pilot, lambda: sandbox.admin_principal in app.query_one(StatusLine).identity,
                       "the dashboard on the new profile")
        await wait_for(pilot, lambda: app.pane().complete, "the buckets pane to load")
    saved(tmp_config, "sandbox")


async def test_escape_on_first_page_skips_to_env_profile_without_saving(
        sandbox: Any, tmp_config: SimpleNamespace) -> None:
    env = {"COREWEAVE_API_TOKEN": sandbox.token, "COREWEAVE_API_ENDPOINT": sandbox.control_plane}
    app = first_run_app(tmp_config, env)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_wizard(pilot, app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.connection.profile_name == "env", "the env profile")
        await wait_for(pilot, lambda: sandbox.admin_principal in app.query_one(StatusLine).identity, "whoami")
    assert not tmp_config.config.exists() and not tmp_config.secrets.exists()


async def test_detected_answers_open_on_first_unanswered_question(tmp_config: SimpleNamespace) -> None:
    env = {"AWS_ACCESS_KEY_ID": "CWABCDEFGHIJKLMN", "AWS_SECRET_ACCESS_KEY": "cwo-secret-value"}
    app = first_run_app(tmp_config, env)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_wizard(pilot, app)
        assert screen.state.page == "endpoint"  # goal, keys and key kind come from the environment
        map_text = str(screen.query_one("#wizard-map", Static).render())
        assert "Goal: storage" in map_text and "Token use: existing-key" in map_text
        await pilot.press("escape")  # back to an answered question
        await wait_for(pilot, lambda: wizard(app).state.page == "static", "going back")
        await pilot.press("ctrl+n")  # forward again keeps the answer
        await wait_for(pilot, lambda: wizard(app).state.page == "endpoint", "going forward")


async def test_back_and_forward_keep_typed_values(tmp_config: SimpleNamespace) -> None:
    app = first_run_app(tmp_config)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_wizard(pilot, app)
        await choose(pilot, app, "goal", "control-plane")
        wizard(app).query_one("#field-control_plane_endpoint", Input).value = "http://127.0.0.1:1"
        await pilot.press("escape")
        await wait_for(pilot, lambda: wizard(app).state.page == "goal", "back to the goal")
        await pilot.press("enter")
        await wait_for(pilot, lambda: wizard(app).state.page == "details", "details again")
        assert wizard(app).query_one("#field-control_plane_endpoint", Input).value == "http://127.0.0.1:1"


async def test_edit_existing_profile_is_prefilled(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    tmp_config.config.write_text(
        f'active_profile = "lab"\n[profiles.lab]\ncontrol_plane_endpoint = "{sandbox.control_plane}"\n'
        f's3_endpoint = "{sandbox.s3}"\nzone = "{sandbox.zone}"\naddressing_style = "path"\n'
        '[profiles.lab.credential_source]\nkind = "jwt-key"\nduration_seconds = 1800\n')
    tmp_config.store.set("lab/api-token", sandbox.token)
    app = first_run_app(tmp_config, profile_name="lab")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_wizard(pilot, app)
        assert "Edit profile lab" in str(screen.query_one("#wizard-title", Static).render())
        for question in ("goal", "keys", "static", "endpoint"):
            await pilot.press("enter")  # each question is prefilled with the profile's answer
            await wait_for(pilot, lambda q=question: wizard(app).state.page != q, f"past {question}")
        assert wizard(app).state.page == "details"
        assert wizard(app).query_one("#field-key_duration", Input).value == "1800"
        assert wizard(app).query_one("#field-api_token", Input).value == sandbox.token
        await pilot.press("ctrl+n")
        assert (await wait_tested(pilot, app)).ok
        await save(pilot, app, "lab")
    assert saved(tmp_config, "lab").credential_source.duration_seconds == 1800  # type: ignore[union-attr]


# ---- failures are explained ---------------------------------------------------------------------------


async def _control_plane_failure(tmp_config: SimpleNamespace, token: str, endpoint: str) -> tuple[Any, str]:
    app = first_run_app(tmp_config)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_wizard(pilot, app)
        await choose(pilot, app, "goal", "control-plane")
        await fill(pilot, app, {"api_token": token, "control_plane_endpoint": endpoint})
        result = await wait_tested(pilot, app)
        text = report_text(app)
        assert str(wizard(app).query_one("#wizard-next").label) == "Save anyway"
    return result, text


async def test_revoked_token_is_explained_as_401(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    person = make_principal(sandbox, admin=True, name="revoked")
    httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{person.token_id}").raise_for_status()
    result, text = await _control_plane_failure(tmp_config, person.token, sandbox.control_plane)
    assert result.problem.kind == "unauthenticated"
    assert "HTTP 401" in text and "console.coreweave.com/tokens" in text
    assert person.token not in text


async def test_non_admin_token_is_explained_as_403(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    person = make_principal(sandbox, admin=False, name="no-role")
    result, text = await _control_plane_failure(tmp_config, person.token, sandbox.control_plane)
    assert result.problem.kind == "forbidden"
    assert person.principal_name in text and "Object Storage Admin" in text
    assert "cwobject:ListAccessKeyInfo" in text


async def test_wrong_endpoint_is_explained(sandbox: Any, tmp_config: SimpleNamespace) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result, text = await _control_plane_failure(tmp_config, sandbox.token, closed)
    assert result.problem.kind == "endpoint"
    assert "connection refused" in text and "Check the control-plane URL" in text


# ---- snapshots of each wizard screen (80x24; ports and temporary paths masked) ----------------------------


def snapshot_app(tmp_config: SimpleNamespace, environ: dict[str, str] | None = None) -> CwosApp:
    app = first_run_app(tmp_config, environ)
    home = str(tmp_config.home)

    def display_filter(text: str) -> str:
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text).replace(home, "/TMP")

    app.ctx.display_filter = display_filter
    return app


def walk(*steps: tuple[str, str], fields: dict[str, str] | None = None, test: bool = False) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await open_wizard(pilot, app)
        for question, choice in steps:
            await choose(pilot, app, question, choice)
        if fields is not None:
            for name, value in fields.items():
                wizard(app).query_one(f"#field-{name}").value = value
            if test:
                await pilot.press("ctrl+n")
                await wait_for(pilot, lambda: wizard(app).result is not None, "the connection test")
        await pilot.pause()

    return run_before


SNAPSHOT_ENV = {"COREWEAVE_API_TOKEN": "CW-SECRET-snapshot-token-value"}


@pytest.mark.parametrize(("name", "steps"), [
    ("goal", ()),
    ("keys", (("goal", "storage"),)),
    ("static", (("goal", "storage"), ("keys", "static"))),
    ("wif", (("goal", "storage"), ("keys", "wif"))),
    ("endpoint", (("goal", "storage"), ("keys", "wif"), ("wif", "oidc"))),
])
def test_question_snapshot(tmp_config: SimpleNamespace, snap_compare: Any, name: str,
                           steps: tuple[tuple[str, str], ...]) -> None:
    app = snapshot_app(tmp_config, SNAPSHOT_ENV)
    assert snap_compare(app, terminal_size=(80, 24), run_before=walk(*steps))


def test_details_snapshot(tmp_config: SimpleNamespace, snap_compare: Any) -> None:
    app = snapshot_app(tmp_config, SNAPSHOT_ENV)
    steps = (("goal", "storage"), ("keys", "static"), ("static", "token-exchange"), ("endpoint", "custom"))
    fields = {"s3_endpoint": "http://127.0.0.1:8333", "control_plane_endpoint": "http://127.0.0.1:8080"}
    assert snap_compare(app, terminal_size=(80, 30), run_before=walk(*steps, fields=fields))


def test_test_page_snapshot_wrong_endpoint(tmp_config: SimpleNamespace, snap_compare: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = snapshot_app(tmp_config, SNAPSHOT_ENV)
    run_before = walk(("goal", "control-plane"), fields={"control_plane_endpoint": closed}, test=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_save_page_snapshot(tmp_config: SimpleNamespace, snap_compare: Any) -> None:
    app = snapshot_app(tmp_config, SNAPSHOT_ENV)

    async def run_before(pilot: Any) -> None:
        await walk(("goal", "control-plane"), fields={"control_plane_endpoint": "http://127.0.0.1:1"},
                   test=True)(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: wizard(pilot.app).state.page == "save", "the save page")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_first_run_rule_needs_no_file_and_no_profiles(tmp_config: SimpleNamespace) -> None:
    from cwos_tui.cli import build_parser
    from cwos_tui.config.settings import Settings
    from cwos_tui.ui.wizard import needs_setup

    assert needs_setup(Settings.from_data({}), tmp_config.config)  # an env token alone does not count
    tmp_config.config.write_text('theme = "textual-dark"\n')
    assert not needs_setup(Settings.from_data({}), tmp_config.config)
    args = build_parser().parse_args(["setup", "--profile", "lab"])
    assert args.command == "setup" and args.sub_profile == "lab"


async def test_f2_opens_the_wizard_over_the_dashboard_and_esc_closes_it(
        sandbox: Any, tmp_config: SimpleNamespace) -> None:
    from tests.ui_support import make_app

    app = make_app(sandbox)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.principal, "the dashboard to identify")
        await pilot.press("f2")
        screen = await open_wizard(pilot, app)
        assert screen.state.page == "goal"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, WizardScreen), "the wizard to close")
        assert app.connection.profile_name == "demo"
