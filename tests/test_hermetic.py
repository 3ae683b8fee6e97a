"""The suite never sees the real user: checked from inside a test and from a sandbox child process."""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

from cwos_tui.config.locations import describe_paths
from cwos_tui.config.paths import config_file
from cwos_tui.config.secrets import FileSecretStore, default_secret_store
from cwos_tui.config.tokens import tokens_file

REAL_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)


def test_every_location_is_inside_the_tests_own_home(hermetic: Path):
    assert Path(os.environ["HOME"]) == hermetic
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        assert Path(os.environ[name]).is_relative_to(hermetic), name
    assert hermetic != REAL_HOME and not hermetic.is_relative_to(REAL_HOME)
    assert config_file().is_relative_to(hermetic) and tokens_file().is_relative_to(hermetic)
    for where, path in describe_paths().items():
        assert Path(path).is_relative_to(hermetic), f"{where} is {path}"


def test_no_user_variables_and_secrets_go_to_a_file_in_the_tests_home(hermetic: Path):
    leaked = [k for k in os.environ if k.startswith(("COREWEAVE_", "AWS_")) or
              (k.startswith("CWOS_") and k not in ("CWOS_SECRET_STORE", "CWOS_K8S_TOKEN_FILE"))]
    assert not Path(os.environ["CWOS_K8S_TOKEN_FILE"]).exists()  # no service-account token, whatever the machine
    assert leaked == []
    store = default_secret_store()
    assert isinstance(store, FileSecretStore) and store.path.is_relative_to(hermetic)
    assert store.names() == []  # fresh for every test
    store.set("leak-check/api-token", "CW-SECRET-only-in-this-test")
    assert store.path.is_file() and store.path.is_relative_to(hermetic)


def test_sandbox_child_process_sees_the_hermetic_home_too(sandbox):
    if not sys.platform.startswith("linux"):
        return
    environ = Path(f"/proc/{sandbox.process.proc.pid}/environ").read_bytes().split(b"\0")
    child = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
    assert Path(child["HOME"]) != REAL_HOME and Path(child["HOME"]).name == "home"
    assert "cwos-tests-" in child["HOME"] and child["XDG_CONFIG_HOME"].startswith(child["HOME"])
    # the only AWS_ variables are the ones that keep the sandbox away from the user's AWS files (issue 16)
    assert {k: v for k, v in child.items() if k.startswith(("COREWEAVE_", "AWS_"))} == {
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}
    assert child["CWOS_SECRET_STORE"] == "file"
