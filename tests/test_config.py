"""Settings, profiles, paths and the secret store, on real files in tmp dirs (never the user's own)."""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from cwos_tui.config.locations import describe_paths, format_paths
from cwos_tui.config.paths import config_file, secrets_file
from cwos_tui.config.profiles import (
    ConfigError,
    OidcSource,
    Profile,
    StaticKeySource,
    env_profile,
    resolve_profile,
)
from cwos_tui.config.secrets import FileSecretStore, default_secret_store
from cwos_tui.config.settings import Settings, load_settings, save_settings

TOKEN = "CW-SECRET-test-token-do-not-save-0123456789"
SECRET_KEY = "cwo-secret-key-do-not-save-abcdef"

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every location into tmp_path and clear the variables these modules read."""
    for name in list(os.environ):
        if name.startswith(("CWOS_", "COREWEAVE_", "AWS_")):
            monkeypatch.delenv(name)
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var.lower()))
    monkeypatch.setenv("CWOS_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("CWOS_SECRETS_FILE", str(tmp_path / "cfg" / "secrets.json"))
    monkeypatch.setenv("CWOS_SECRET_STORE", "file")
    return tmp_path


def write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- settings: sources and precedence -------------------------------------------------------------


def test_missing_file_gives_defaults_and_creates_nothing(isolated: Path) -> None:
    settings = load_settings()
    assert settings.theme == "textual-dark"
    assert settings.read_only is False
    assert settings.refresh_margin_seconds == 120
    assert settings.profiles == {}
    assert not (isolated / "cfg").exists()


def test_precedence_file_then_env_then_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(
        'theme = "from-file"\nrefresh_margin_seconds = 60\nlog_level = "info"\n'
        '[profiles.dev]\nzone = "us-east-04a"\naddressing_style = "path"\n'
    )
    from_file = load_settings()
    assert (from_file.theme, from_file.refresh_margin_seconds, from_file.log_level) == (
        "from-file",
        60,
        "INFO",
    )

    monkeypatch.setenv("CWOS_THEME", "from-env")
    monkeypatch.setenv("CWOS_READ_ONLY", "true")
    monkeypatch.setenv("CWOS_PROFILES__dev__READ_ONLY", "true")
    monkeypatch.setenv("CWOS_KEYMAP__buckets.delete", "ctrl+d")
    with_env = load_settings()
    assert with_env.theme == "from-env"
    assert with_env.read_only is True
    assert with_env.refresh_margin_seconds == 60  # untouched file value survives
    assert with_env.keymap == {"buckets.delete": "ctrl+d"}
    dev = with_env.profiles["dev"]
    # env merges into the file's profile instead of replacing it
    assert (dev.read_only, dev.zone, dev.addressing_style) == (True, "US-EAST-04A", "path")

    with_cli = load_settings(theme="from-cli", read_only=False, log_level=None)
    assert with_cli.theme == "from-cli"
    assert with_cli.read_only is False
    assert with_cli.log_level == "INFO"  # None means "option not given"

    file_only = load_settings(use_env=False)
    assert (file_only.theme, file_only.read_only) == ("from-file", False)


def test_malformed_toml_names_file_and_line() -> None:
    path = write_config('theme = "ok"\n\n[profiles.dev]\nzone = \n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.path == path
    assert caught.value.line == 4
    assert f"{path}:4" in str(caught.value)
    assert "invalid TOML" in str(caught.value)


def test_malformed_toml_also_fails_a_direct_settings_construction() -> None:
    path = write_config("theme = [\n")
    with pytest.raises(ConfigError, match=str(path)):
        Settings()


def test_bad_values_say_where_they_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config('thme = "nord"\n[profiles.dev]\ns3_endpoint = "ftp://cwobject.com"\n')
    monkeypatch.setenv("CWOS_REFRESH_MARGIN_SECONDS", "-5")
    with pytest.raises(ConfigError) as caught:
        load_settings(log_level="verbose")
    message = str(caught.value)
    assert "thme: unknown setting" in message
    assert "profiles.dev.s3_endpoint: s3_endpoint must be an http:// or https:// URL" in message
    assert f"(from {path})" in message
    assert "refresh_margin_seconds" in message and "CWOS_REFRESH_MARGIN_SECONDS" in message
    assert "log_level" in message and "(from the command line)" in message


def test_from_data_ignores_file_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config('theme = "from-file"\n')
    monkeypatch.setenv("CWOS_READ_ONLY", "true")
    built = Settings.from_data({"profiles": {"dev": {"zone": "us-east-04a"}}})
    assert (built.theme, built.read_only, built.profiles["dev"].name) == ("textual-dark", False, "dev")


def test_profile_name_inside_table_must_match_its_key() -> None:
    write_config('[profiles.dev]\nname = "prod"\n')
    with pytest.raises(ConfigError, match="different name"):
        load_settings()


# --- saving ------------------------------------------------------------------------------------------


@posix_only
def test_save_is_0600_private_dirs_and_round_trips(isolated: Path) -> None:
    settings = Settings(
        theme="nord",
        active_profile="sandbox",
        keymap={"app.quit": "ctrl+q"},
        profiles={
            "sandbox": Profile(
                name="sandbox",
                control_plane_endpoint="http://127.0.0.1:8080",
                s3_endpoint="http://localhost:8333",
                addressing_style="path",
                zone="US-EAST-04A",
            ),
            "wif": Profile(
                name="wif",
                credential_source=OidcSource(org_id="ab1cd2", token_command=["cat", "/var/run/token"]),
            ),
        },
    )
    path = save_settings(settings)
    assert path == config_file()
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700  # created by us
    again = load_settings(use_env=False)
    assert again == settings
    # saving again replaces the file and keeps the mode
    save_settings(again.model_copy(update={"theme": "textual-light"}))
    assert mode_of(path) == 0o600
    assert load_settings().theme == "textual-light"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp files left behind


@posix_only
def test_save_never_touches_existing_parent_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    save_settings(Settings(), shared / "new" / "config.toml")
    assert mode_of(shared) == 0o755
    assert mode_of(shared / "new") == 0o700


def test_secrets_absent_from_saved_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    token_profile = env_profile({"COREWEAVE_API_TOKEN": TOKEN, "AWS_REGION": "us-east-04a"})
    key_profile = env_profile({"AWS_ACCESS_KEY_ID": "CWKEYID", "AWS_SECRET_ACCESS_KEY": SECRET_KEY})
    assert token_profile is not None and key_profile is not None
    assert token_profile.api_token is not None
    settings = Settings(
        profiles={
            "env": token_profile,
            "static": key_profile.model_copy(update={"name": "static"}),
        }
    )
    kept = settings.profiles["static"].credential_source
    assert settings.profiles["env"].api_token is not None  # still usable in memory before saving
    assert isinstance(kept, StaticKeySource) and kept.secret_access_key is not None
    path = save_settings(settings)
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text and SECRET_KEY not in text
    assert "CWKEYID" in text  # the key id is not a secret and is kept
    reloaded = load_settings()
    assert reloaded.profiles["env"].api_token is None
    static = reloaded.profiles["static"].credential_source
    assert isinstance(static, StaticKeySource) and static.secret_access_key is None


# --- profiles ----------------------------------------------------------------------------------------


def test_env_profile_from_api_token() -> None:
    profile = env_profile(
        {
            "COREWEAVE_API_TOKEN": TOKEN,
            "COREWEAVE_API_ENDPOINT": "http://127.0.0.1:9999/",
            "AWS_ENDPOINT_URL": "http://cwlota.com",
            "AWS_DEFAULT_REGION": "us-central-05a",
            "CWOS_ADDRESSING_STYLE": "path",
        }
    )
    assert profile is not None
    assert profile.name == "env"
    assert profile.credential_source.kind == "api-token"
    assert profile.control_plane_endpoint == "http://127.0.0.1:9999"
    assert profile.s3_endpoint == "http://cwlota.com"
    assert profile.zone == "US-CENTRAL-05A"
    assert profile.addressing_style == "path"
    assert profile.api_token is not None and profile.api_token.get_secret_value() == TOKEN
    for shown in (repr(profile), str(profile), json.dumps(profile.model_dump(mode="json"))):
        assert TOKEN not in shown


def test_env_profile_defaults_static_keys_and_absence() -> None:
    assert env_profile({"AWS_REGION": "US-EAST-04A"}) is None
    profile = env_profile({"AWS_ACCESS_KEY_ID": "CWKEYID", "AWS_SECRET_ACCESS_KEY": SECRET_KEY})
    assert profile is not None
    assert profile.control_plane_endpoint == "https://api.coreweave.com"
    assert profile.s3_endpoint == "https://cwobject.com"
    assert profile.addressing_style == "virtual"
    assert profile.zone is None
    source = profile.credential_source
    assert isinstance(source, StaticKeySource) and source.access_key_id == "CWKEYID"
    assert source.secret_access_key is not None and source.secret_access_key.get_secret_value() == SECRET_KEY
    assert SECRET_KEY not in repr(profile)
    # a token wins over keys
    both = env_profile({"COREWEAVE_API_TOKEN": TOKEN, "AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "S"})
    assert both is not None and both.credential_source.kind == "api-token"


def test_env_profile_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="AWS_SECRET_ACCESS_KEY is not"):
        env_profile({"AWS_ACCESS_KEY_ID": "CWKEYID"})
    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL: .*plain http"):
        env_profile({"COREWEAVE_API_TOKEN": TOKEN, "AWS_ENDPOINT_URL": "http://s3.example.com"})
    with pytest.raises(ConfigError, match="CWOS_ADDRESSING_STYLE"):
        env_profile({"COREWEAVE_API_TOKEN": TOKEN, "CWOS_ADDRESSING_STYLE": "dns"})


def test_resolve_profile_order() -> None:
    env = {"COREWEAVE_API_TOKEN": TOKEN}
    one = Settings(profiles={"a": Profile(name="a")})
    two = Settings(profiles={"a": Profile(name="a"), "b": Profile(name="b")})
    two_active = two.model_copy(update={"active_profile": "b"})

    assert resolve_profile(two_active, "a", env).name == "a"  # explicit beats active
    assert resolve_profile(two_active, None, env).name == "b"  # active beats env
    assert resolve_profile(one, None, env).name == "a"  # the only profile beats env
    assert resolve_profile(two, None, env).name == "env"  # ambiguous: fall back to env
    assert resolve_profile(Settings(), None, env).name == "env"
    assert resolve_profile(two_active, "env", env).name == "env"  # asked for by its name

    with pytest.raises(ConfigError, match="no profile named 'c'.*known profiles: a, b"):
        resolve_profile(two, "c", env)
    with pytest.raises(ConfigError, match="'zz' \\(active_profile\\); known profiles: a, b"):
        resolve_profile(two.model_copy(update={"active_profile": "zz"}), None, {})
    with pytest.raises(ConfigError, match="none is active.*a, b"):
        resolve_profile(two, None, {})
    with pytest.raises(ConfigError, match="COREWEAVE_API_TOKEN"):
        resolve_profile(Settings(), None, {})


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("cwobject.com", "must be an http:// or https:// URL"),
        ("ftp://cwobject.com", "must be an http:// or https:// URL"),
        ("https://", "must be an http:// or https:// URL"),
        ("https://cwobject.com:notaport", "not a valid URL"),
        ("https://key:secret@cwobject.com", "must not contain a user name or password"),
        ("https://cwobject.com/?X-Amz-Signature=1", "must not contain a query string"),
        ("http://cwobject.com", "uses plain http; TLS stays on"),
        ("http://10.0.0.5:9000", "uses plain http; TLS stays on"),
    ],
)
def test_s3_endpoint_validation_messages(endpoint: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Profile(name="p", s3_endpoint=endpoint)
    text = str(caught.value)
    assert expected in text
    assert "secret@" not in text  # inputs are hidden from error messages


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8333",
        "http://localhost:8333/",
        "http://[::1]:9000",
        "http://cwlota.com",
        "https://cwobject.com",
    ],
)
def test_s3_endpoint_allowed_plain_http(endpoint: str) -> None:
    assert Profile(name="p", s3_endpoint=endpoint).s3_endpoint == endpoint.rstrip("/")


def test_control_plane_allows_plain_http_only_on_loopback() -> None:
    assert (
        Profile(name="p", control_plane_endpoint="http://127.0.0.1:1").control_plane_endpoint
        == "http://127.0.0.1:1"
    )
    with pytest.raises(ValidationError, match="control_plane_endpoint http://cwlota.com uses plain http"):
        Profile(name="p", control_plane_endpoint="http://cwlota.com")


def test_zone_credential_source_and_name_validation() -> None:
    assert Profile(name="p", zone=" us-east-04a ").zone == "US-EAST-04A"
    assert Profile(name="p", zone="notempty").zone == "NOTEMPTY"
    with pytest.raises(ValidationError, match="zone must not be empty"):
        Profile(name="p", zone="  ")
    with pytest.raises(ValidationError, match="exactly one of token_file, token_command, token_env"):
        OidcSource(org_id="o", token_file=Path("/t"), token_env="TOKEN")
    with pytest.raises(ValidationError, match="profile names use letters"):
        Profile(name="my profile")
    profile = Profile.model_validate(
        {"name": "k", "credential_source": {"kind": "saml", "org_id": "o", "config_id": "c"}}
    )
    assert profile.credential_source.kind == "saml"
    assert profile.api_token_name == "k/api-token"
    static = Profile(name="s", credential_source=StaticKeySource(access_key_id="CW1"))
    assert static.secret_key_name == "s/secret-access-key"


# --- secret store ------------------------------------------------------------------------------------


@posix_only
def test_secret_file_is_0600_after_create_and_update(isolated: Path) -> None:
    store = FileSecretStore(isolated / "secrets" / "store.json")
    store.set("dev/api-token", TOKEN)
    assert mode_of(store.path) == 0o600
    assert mode_of(store.path.parent) == 0o700
    store.set("dev/secret-access-key", SECRET_KEY)
    store.set("dev/api-token", TOKEN + "-rotated")
    assert mode_of(store.path) == 0o600
    assert store.names() == ["dev/api-token", "dev/secret-access-key"]
    value = store.get("dev/api-token")
    assert value is not None and value.get_secret_value() == TOKEN + "-rotated"
    assert TOKEN not in repr(store) and TOKEN not in str(value)
    assert store.delete("dev/api-token") is True
    assert store.delete("dev/api-token") is False
    assert mode_of(store.path) == 0o600
    assert store.get("dev/api-token") is None
    # a second store on the same file sees what the first wrote
    assert FileSecretStore(store.path).names() == ["dev/secret-access-key"]


@posix_only
def test_loose_secret_file_mode_is_fixed_with_a_warning(
    isolated: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FileSecretStore(isolated / "store.json")
    store.set("dev/api-token", TOKEN)
    os.chmod(store.path, 0o644)
    with caplog.at_level(logging.WARNING, logger="cwos_tui.config.secrets"):
        assert store.get("dev/api-token") is not None
    assert mode_of(store.path) == 0o600
    assert "changed it to 600" in caplog.text
    assert TOKEN not in caplog.text


def test_corrupt_secret_file_error_hides_content(isolated: Path) -> None:
    path = isolated / "store.json"
    path.write_text('{"version": 1, "secrets": {"a": "' + TOKEN + '"', encoding="utf-8")
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError) as caught:
        FileSecretStore(path).names()
    assert str(path) in str(caught.value) and "not valid JSON" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_default_secret_store_choice(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = default_secret_store()
    assert isinstance(store, FileSecretStore)
    assert store.path == secrets_file() == isolated / "cfg" / "secrets.json"
    monkeypatch.setenv("CWOS_SECRET_STORE", "vault")
    with pytest.raises(ConfigError, match="CWOS_SECRET_STORE must be"):
        default_secret_store()


def test_keyring_is_required_when_forced_and_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if the package were not installed
    monkeypatch.setenv("CWOS_SECRET_STORE", "keyring")
    with pytest.raises(ConfigError, match="no working OS keyring"):
        default_secret_store()
    monkeypatch.setenv("CWOS_SECRET_STORE", "auto")
    assert isinstance(default_secret_store(), FileSecretStore)


# --- paths -------------------------------------------------------------------------------------------


def test_describe_and_format_paths(isolated: Path) -> None:
    described = describe_paths()
    assert list(described) == ["config_file", "secret_store", "log_dir", "cache_dir", "data_dir"]
    assert described["config_file"] == str(isolated / "cfg" / "config.toml")
    assert described["secret_store"] == str(isolated / "cfg" / "secrets.json")
    for key in ("log_dir", "cache_dir", "data_dir"):
        assert Path(described[key]).is_relative_to(isolated / "xdg"), key
    text = format_paths(described)
    assert text.splitlines()[0] == f"config file   {isolated / 'cfg' / 'config.toml'}"
    assert "secret store  " in text
    assert not (isolated / "cfg").exists() and not (isolated / "xdg").exists()  # asking creates nothing
