"""Switching an AWS profile from exported keys to credential_process (issue 11): the old static keys go,
the command says so, and the real AWS CLI still lists a bucket 16 sandbox minutes later, when the exported
15-minute keys have long expired. A private sandbox: its clock moves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import tool


@pytest.fixture
def env(private_sandbox: Any, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COREWEAVE_", "CWOS_", "RCLONE_"))}
    return {**base, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "CWOS_CONFIG": str(home / "cwos.toml"), "CWOS_SECRETS_FILE": str(home / "secrets.json"),
            "CWOS_SECRET_STORE": "file", "COREWEAVE_API_TOKEN": private_sandbox.token,
            "COREWEAVE_API_ENDPOINT": private_sandbox.control_plane, "AWS_ENDPOINT_URL": private_sandbox.s3,
            "AWS_REGION": private_sandbox.zone, "AWS_EC2_METADATA_DISABLED": "true"}


def cwos(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwos_tui", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def aws_ls(env: dict[str, str], url: str, profile: str) -> subprocess.CompletedProcess[str]:
    aws = {k: v for k, v in env.items() if k not in ("AWS_ENDPOINT_URL", "AWS_REGION")}
    return subprocess.run([tool("aws"), "s3", "ls", url, "--profile", profile], env=aws, capture_output=True,
                          text=True, timeout=120)


def test_credential_process_export_replaces_static_keys_and_outlives_them(private_sandbox: Any, env) -> None:
    creds = Path(env["HOME"]) / ".aws" / "credentials"
    config = Path(env["HOME"]) / ".aws" / "config"
    first = cwos(env, "export", "--format", "aws", "--name", "cw", "--write")
    assert first.returncode == 0, first.stderr
    assert "addressing: path-style" in first.stdout  # AWS_ENDPOINT_URL is loopback: path follows the endpoint
    assert "[cw]" in creds.read_text() and "addressing_style = path" in config.read_text()

    refused = cwos(env, "export", "--format", "aws", "--name", "cw", "--credential-process", "--write")
    assert refused.returncode == 1 and "static keys in [cw]" in refused.stderr and "--force" in refused.stderr
    assert "[cw]" in creds.read_text()

    switched = cwos(env, "export", "--format", "aws", "--name", "cw", "--credential-process", "--write", "--force")
    assert switched.returncode == 0, switched.stderr
    assert f"removed the static keys of [cw] from {creds}" in switched.stdout
    assert "[cw]" not in creds.read_text() and "aws_secret_access_key" not in creds.read_text()
    assert "credential_process" in config.read_text()

    moved = httpx.post(f"{private_sandbox.control_plane}/sandbox/clock", json={"advanceSeconds": 16 * 60})
    moved.raise_for_status()
    ls = aws_ls(env, "s3://training-data/datasets/", "cw")
    assert ls.returncode == 0, ls.stderr
    assert "PRE imagenet/" in ls.stdout


def test_every_export_names_its_addressing_style(env) -> None:
    for fmt in ("aws", "env", "rclone", "s3cmd"):
        result = cwos(env, "export", "--format", fmt, "--name", "named")
        assert result.returncode == 0, result.stderr
        assert "path-style addressing (host/bucket)" in result.stdout, (fmt, result.stdout)
    assert "export CWOS_ADDRESSING_STYLE=path" in cwos(env, "export", "--format", "env").stdout


def test_sandbox_json_line_names_its_addressing_style(private_sandbox: Any) -> None:
    """The fixture is the parsed `cwos-tui sandbox --json` ready line."""
    assert private_sandbox.addressing_style == "path"
