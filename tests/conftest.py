"""Shared fixtures: one real sandbox (control plane over HTTP + SeaweedFS over S3) per test session, and a
hermetic environment for every test.

Hermetic means no test (and no sandbox, SeaweedFS or CLI child process a test starts) sees the real user:
`HOME` and every `XDG_*` base directory point into a temporary directory, every `CWOS_*`, `COREWEAVE_*`
and `AWS_*` variable is removed (tests that need one set it), and secrets go to the JSON file store in that
directory (`CWOS_SECRET_STORE=file`; the keyring package, if installed, is pointed at its failing backend
and the session bus is hidden, so nothing can reach an OS keyring). The session-wide part is applied in
`pytest_configure`, before any fixture or child process starts; each test then gets fresh directories.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from cwos_tui.cloud.storage import StorageService
from cwos_tui.sandbox.process import SandboxProcess
from tests.helpers import new_key, storage_service

#: prefixes of the variables that would let the real user's configuration or credentials in
USER_PREFIXES = ("CWOS_", "COREWEAVE_", "AWS_")
#: other variables that point at the user's keyring, session bus or tool configuration
USER_VARIABLES = ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "KUBECONFIG", "RCLONE_CONFIG")
XDG_DIRS = {"XDG_CONFIG_HOME": ".config", "XDG_DATA_HOME": ".local/share", "XDG_STATE_HOME": ".local/state",
            "XDG_CACHE_HOME": ".cache"}

_saved_environ: dict[str, str] = {}
_session_root: Path | None = None


def hermetic_environ(base: dict[str, str] | os._Environ[str], home: Path) -> dict[str, str]:
    """`base` without the user's variables, with HOME and XDG_* under `home` and the file secret store."""
    env = {k: v for k, v in base.items() if not k.startswith(USER_PREFIXES) and k not in USER_VARIABLES}
    env["HOME"] = str(home)
    for name, sub in XDG_DIRS.items():
        env[name] = str(home / sub)
    env["CWOS_SECRET_STORE"] = "file"
    env["CWOS_K8S_TOKEN_FILE"] = str(home / "no-k8s-token")  # never the machine's service-account token
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


def pytest_configure(config: pytest.Config) -> None:
    """Isolate the whole session (fixtures and child processes included) before anything starts."""
    global _session_root
    _saved_environ.update(os.environ)
    _session_root = Path(tempfile.mkdtemp(prefix="cwos-tests-"))
    home = _session_root / "home"
    home.mkdir()
    env = hermetic_environ(os.environ, home)
    os.environ.clear()
    os.environ.update(env)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _saved_environ:
        os.environ.clear()
        os.environ.update(_saved_environ)
    if _session_root is not None:
        shutil.rmtree(_session_root, ignore_errors=True)


#: the files that take longest, measured under load: handed to the xdist workers first, so that the short
#: files fill the gaps at the end instead of one long file running alone (the order changes speed only)
SLOW_FIRST = (
    "test_ui_wizard.py", "test_ui_keys.py", "test_ui_object_actions.py", "test_ui_objects.py",
    "test_policy_cli.py", "test_auth_paths.py", "test_sandbox_dataplane.py", "test_transfers.py",
    "test_ui_pilot.py", "test_ui_policies.py", "test_exports.py", "test_exports_switch.py", "test_sandbox.py",
    "test_ui_object_formats.py", "test_ui_shell.py", "test_ui_buckets.py", "test_ui_snapshots.py",
    "test_ui_transfers.py", "test_ui_object_history.py", "test_listing_store.py", "test_web.py",
    "test_web_browser.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))  # stable: tests keep their order


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test: a fresh empty HOME and XDG dirs, no user variables, secrets in a file there."""
    home = tmp_path_factory.mktemp("home")
    env = hermetic_environ(os.environ, home)
    for name in list(os.environ):
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    return home


def _demo_sandbox(with_info: bool) -> Iterator[SimpleNamespace]:
    proc = SandboxProcess("--seed", "demo")
    ready = proc.start()
    try:
        info = httpx.get(f"{ready['control_plane']}/sandbox/info", timeout=10).json() if with_info else ready
        yield SimpleNamespace(**info, process=proc)
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SimpleNamespace]:
    """The seeded demo sandbox, started through `cwos-tui sandbox --json` like a user would.

    Shared by most tests, which add principals, keys, policies, buckets and objects to it: assert on what
    your test made, never on totals.
    """
    yield from _demo_sandbox(with_info=True)


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[SimpleNamespace]:
    """A demo sandbox for the snapshot tests of one module, so pictures never show other tests' changes.

    Tests of that module may mint keys on it (using S3 does), so no picture drawn from it may depend on
    what the module's other tests change (test_ui_keys uses it for one test only).
    """
    yield from _demo_sandbox(with_info=False)


@pytest.fixture(scope="session")
def pristine_sandbox() -> Iterator[SimpleNamespace]:
    """A demo sandbox exactly as seeded, for pictures of lists that any change would show (keys, policies).

    Tests using it must not change it: no key, policy or principal created, and no S3 use (an app that
    uses S3 exchanges its token for keys).
    """
    yield from _demo_sandbox(with_info=False)


@pytest.fixture(scope="module")
def admin_key(sandbox: SimpleNamespace) -> dict[str, str]:
    """A fresh access key of the sandbox admin, one per test module."""
    return new_key(sandbox, sandbox.token)


@pytest.fixture
async def storage(sandbox: SimpleNamespace, admin_key: dict[str, str]) -> AsyncIterator[StorageService]:
    """A StorageService on the shared sandbox with the module's admin key (path-style addressing)."""
    async with storage_service(sandbox, admin_key) as service:
        yield service
