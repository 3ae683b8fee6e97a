"""`cwos-tui sandbox` as a process: ready line, Ctrl-C cleanup, --data-dir persistence, friendly output."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time

import httpx
import pytest

from cwos_tui.sandbox.process import SandboxProcess
from tests.helpers import new_key, s3_client


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it holds no sockets and runs nothing.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_ctrl_c_stops_everything_it_started(tmp_path):
    proc = SandboxProcess("--seed", "empty")
    ready = proc.start()
    assert set(ready) == {"control_plane", "s3", "token", "org_id", "zone", "addressing_style"}
    info = httpx.get(f"{ready['control_plane']}/sandbox/info").json()
    weed_pid = info["data_plane_pid"]
    data_dir = info["data_dir"]
    assert pid_alive(weed_pid) and os.path.isdir(data_dir)

    assert proc.proc is not None
    proc.proc.send_signal(signal.SIGINT)
    assert proc.proc.wait(timeout=20) == 0
    assert wait_gone(weed_pid), "SeaweedFS outlived the sandbox"
    assert not os.path.exists(data_dir), "the temporary data dir was left behind"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{ready['control_plane']}/sandbox/health", timeout=2)
    with pytest.raises(httpx.ConnectError):
        httpx.get(ready["s3"], timeout=2)


def test_empty_seed_has_admin_token_but_no_buckets_or_policies():
    proc = SandboxProcess("--seed", "empty")
    ready = proc.start()
    try:
        headers = {"Authorization": f"Bearer {ready['token']}"}
        base = ready["control_plane"]
        assert httpx.get(f"{base}/v1/cwobject/bucket-info", headers=headers).json() == {"info": []}
        assert httpx.get(f"{base}/v1/cwobject/access-policy", headers=headers).json() == {"policies": []}
        assert httpx.get(f"{base}/v1beta1/auth/whoami", headers=headers).status_code == 200
    finally:
        proc.stop()


def test_data_dir_keeps_keys_policies_and_objects_across_restarts(tmp_path):
    first = SandboxProcess("--seed", "demo", "--data-dir", str(tmp_path))
    ready = first.start()
    try:
        sandbox = httpx.get(f"{ready['control_plane']}/sandbox/info").json()
        ns = type("S", (), sandbox)
        key = new_key(ns, ready["token"], 0, {"name": "survivor"})
        s3 = s3_client(ns, key["accessKeyId"], key["secretKey"])
        deadline = time.monotonic() + 3
        while True:
            try:
                s3.put_object(Bucket="training-data", Key="kept/after-restart.txt", Body=b"still here")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        first.stop()

    second = SandboxProcess("--seed", "demo", "--data-dir", str(tmp_path))
    ready2 = second.start()
    try:
        assert ready2["token"] == ready["token"] and ready2["org_id"] == ready["org_id"]
        sandbox2 = type("S", (), httpx.get(f"{ready2['control_plane']}/sandbox/info").json())
        s3 = s3_client(sandbox2, key["accessKeyId"], key["secretKey"])
        deadline = time.monotonic() + 3
        while True:
            try:
                body = s3.get_object(Bucket="training-data", Key="kept/after-restart.txt")["Body"].read()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert body == b"still here"
        keys = httpx.get(f"{ready2['control_plane']}/v1/cwobject/access-key?limit=1000",
                         headers={"Authorization": f"Bearer {ready2['token']}"}).json()["info"]
        assert sum(1 for k in keys if k["attributes"].get("name") == "survivor") == 1
        # The demo seed ran once: its policies are not duplicated or reset.
        assert sum(1 for k in keys if k["attributes"].get("name") == "ci-pipeline") == 1
    finally:
        second.stop()
    assert (tmp_path / "state.json").exists()
    assert (tmp_path / "state.json").stat().st_mode & 0o777 == 0o600


def test_friendly_output_has_copy_paste_exports():
    cmd = [sys.executable, "-m", "cwos_tui", "sandbox", "--seed", "empty"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        text = ""
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            deadline = time.monotonic() + 60
            while "Ctrl-C" not in text and time.monotonic() < deadline:
                if sel.select(timeout=1):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    text += chunk.decode()
        assert "export COREWEAVE_API_TOKEN=CW-SECRET-" in text
        assert "export AWS_ENDPOINT_URL=http://127.0.0.1:" in text
        assert "export COREWEAVE_API_ENDPOINT=http://127.0.0.1:" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
