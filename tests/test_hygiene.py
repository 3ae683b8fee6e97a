"""Secrets hygiene: a scripted session with debug logging on, then a scan of every file the app wrote (in the
isolated HOME and XDG folders) and of its log for every secret value used.

Files that hold secrets by design (the secret store, the exported credentials and env file) may hold them,
and must be private (0600); nothing else may: not the log, the settings, the token book or any cache.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cwos_tui.cloud.errors import CloudError
from cwos_tui.config.profiles import Profile
from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.config.settings import Settings, save_settings
from cwos_tui.config.tokens import TokenBook
from cwos_tui.session import ClientOptions, Services, connection_from_sandbox
from cwos_tui.ui.launcher import setup_logging
from tests.helpers import grant, make_principal
from tests.ui_support import make_app, wait_for


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwos_tui", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False)


async def _session(sandbox: Any, token: str, secrets: list[str]) -> None:
    """Exchange, create a key, a failing call with a malformed token: everything logged at DEBUG."""
    ready = {"control_plane": sandbox.control_plane, "s3": sandbox.s3, "token": token, "org_id": sandbox.org_id,
             "zone": sandbox.zone}
    services = Services(connection_from_sandbox(ready), options=ClientOptions(retire_grace=0.0))
    try:
        await services.storage.list_buckets()  # the API-token exchange
        assert services.current_keys is not None
        secrets.append(services.current_keys.secret_access_key)
        key = await services.control_plane.create_access_key(900)  # create key
        secrets.append(key.secret_key)
        logging.getLogger("cwos_tui.test").debug("made key %r", key)
        services.control_plane.token = token[:12] + "\n" + token[12:]  # a pasted token with a line break
        try:
            await services.control_plane.whoami()
        except CloudError as exc:
            logging.getLogger("cwos_tui.test").warning("whoami failed: %s", exc, exc_info=exc)
        services.control_plane.token = token
        await services.control_plane.revoke_access_key(key.access_key_id)
    finally:
        await services.close()


async def test_no_secret_lands_anywhere_it_should_not(sandbox, hermetic: Path) -> None:
    user = make_principal(sandbox, admin=True, name="hygiene")
    grant(sandbox, user.principal_name)
    secrets = [user.token]
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    env = {**os.environ, "COREWEAVE_API_TOKEN": user.token, "COREWEAVE_API_ENDPOINT": sandbox.control_plane,
           "AWS_ENDPOINT_URL": sandbox.s3, "AWS_REGION": sandbox.zone, "CWOS_ADDRESSING_STYLE": "path",
           "CWOS_LOG_LEVEL": "DEBUG", "AWS_EC2_METADATA_DISABLED": "true"}
    try:
        setup_logging("DEBUG")
        await _session(sandbox, user.token, secrets)
        # the dashboard itself, on the same token, with debug logging on
        app = make_app(sandbox, token=user.token)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        # credential-process and exports, as another tool would run them
        process = _cli(env, "credential-process")
        assert process.returncode == 0, process.stderr
        secrets.append(json.loads(process.stdout)["SecretAccessKey"])
        exported = _cli(env, "export", "--format", "aws", "--write")
        assert exported.returncode == 0, exported.stderr
        env_file = hermetic / "cwos.env"
        assert _cli(env, "export", "--format", "env", "--file", str(env_file)).returncode == 0
        assert (bad := _cli({**env, "COREWEAVE_API_TOKEN": user.token[:9] + "\n" + user.token[9:]},
                            "credential-process")).returncode == 1
        assert user.token[9:] not in bad.stderr
        # settings with a profile, and the token book (its value goes to the secret store only)
        save_settings(Settings.from_data({"profiles": {"p": Profile(
            name="p", control_plane_endpoint=sandbox.control_plane, s3_endpoint=sandbox.s3)}}))
        store = FileSecretStore(hermetic / ".config" / "cwos-tui" / "secrets.json")
        TokenBook(hermetic / ".config" / "cwos-tui" / "tokens.json", store).add("laptop", user.token)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])

    by_design = {hermetic / ".config" / "cwos-tui" / "secrets.json", hermetic / ".aws" / "credentials", env_file}
    written = [p for p in hermetic.rglob("*") if p.is_file()]
    logs = [p for p in written if p.suffix == ".log"]
    assert logs and any(p.stat().st_size for p in logs), "debug logging wrote nothing"
    assert any("DEBUG" in p.read_text() for p in logs)
    leaks = []
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            if secret.encode() in data and path not in by_design:
                leaks.append(f"{path.relative_to(hermetic)} holds a secret ({secret[:6]}…)")
            for part in (secret[len(secret) // 2:],):  # half a secret is a leak too (a cut-off line)
                if len(part) >= 12 and part.encode() in data and path not in by_design:
                    leaks.append(f"{path.relative_to(hermetic)} holds part of a secret")
    assert not leaks, "\n".join(sorted(set(leaks)))
    for path in by_design:
        assert path.exists() and path.stat().st_mode & 0o777 == 0o600, path
