"""Exports and credential_process, proven with the real AWS CLI, rclone and s3cmd against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cwos_tui.config import exports
from tests.helpers import tool


@pytest.fixture
def user_env(sandbox, tmp_path) -> dict[str, str]:
    """A clean environment for a user whose only configuration is the sandbox's variables."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COREWEAVE_", "CWOS_", "RCLONE_"))}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "CWOS_CONFIG": str(home / "cwos.toml"),
        "CWOS_SECRETS_FILE": str(home / "secrets.json"),
        "CWOS_SECRET_STORE": "file",
        "COREWEAVE_API_TOKEN": sandbox.token,
        "COREWEAVE_API_ENDPOINT": sandbox.control_plane,
        "AWS_ENDPOINT_URL": sandbox.s3,
        "AWS_REGION": sandbox.zone,
        "CWOS_ADDRESSING_STYLE": "path",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def cwos(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwos_tui", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def aws_env(env: dict[str, str]) -> dict[str, str]:
    """What the AWS CLI sees: no endpoint or region variables, only its config files."""
    return {k: v for k, v in env.items() if k not in ("AWS_ENDPOINT_URL", "AWS_REGION")}


def test_credential_process_prints_fresh_short_lived_keys(user_env):
    first = cwos(user_env, "credential-process")
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert doc["Version"] == 1 and doc["AccessKeyId"].startswith("CW") and doc["SecretAccessKey"]
    expires = datetime.fromisoformat(doc["Expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=10) < expires - datetime.now(UTC) <= timedelta(minutes=15, seconds=5)
    second = json.loads(cwos(user_env, "credential-process").stdout)
    assert second["AccessKeyId"] != doc["AccessKeyId"]


def test_credential_process_explains_a_bad_token(user_env):
    user_env["COREWEAVE_API_TOKEN"] = "CW-SECRET-not-a-real-token"
    result = cwos(user_env, "credential-process")
    assert result.returncode == 1
    assert "invalid API access token" in result.stderr and "Traceback" not in result.stderr
    assert "CW-SECRET-not-a-real-token" not in result.stderr


def test_aws_cli_lists_a_bucket_through_credential_process(user_env):
    result = cwos(user_env, "export", "--format", "aws", "--name", "cw-sandbox", "--credential-process", "--write")
    assert result.returncode == 0, result.stderr
    config = Path(user_env["HOME"]) / ".aws" / "config"
    assert "credential_process" in config.read_text() and "addressing_style = path" in config.read_text()
    assert config.stat().st_mode & 0o777 == 0o600
    ls = subprocess.run([tool("aws"), "s3", "ls", "s3://training-data/datasets/", "--profile", "cw-sandbox"],
                        env=aws_env(user_env), capture_output=True, text=True, timeout=120)
    assert ls.returncode == 0, ls.stderr
    assert "PRE imagenet/" in ls.stdout and "PRE captions/" in ls.stdout


def test_aws_cli_lists_a_bucket_with_exported_keys_and_refuses_to_overwrite(user_env):
    result = cwos(user_env, "export", "--format", "aws", "--name", "cw-keys", "--write")
    assert result.returncode == 0, result.stderr
    creds = Path(user_env["HOME"]) / ".aws" / "credentials"
    assert "[cw-keys]" in creds.read_text() and creds.stat().st_mode & 0o777 == 0o600
    ls = subprocess.run([tool("aws"), "s3", "ls", "s3://model-checkpoints/", "--profile", "cw-keys"],
                        env=aws_env(user_env), capture_output=True, text=True, timeout=120)
    assert ls.returncode == 0, ls.stderr
    assert "PRE llama-8b/" in ls.stdout

    before = creds.read_text()
    again = cwos(user_env, "export", "--format", "aws", "--name", "cw-keys", "--write")
    assert again.returncode == 1 and "already has a [profile cw-keys] section" in again.stderr
    assert creds.read_text() == before
    forced = cwos(user_env, "export", "--format", "aws", "--name", "cw-keys", "--write", "--force")
    assert forced.returncode == 0 and creds.read_text() != before
    assert creds.read_text().count("[cw-keys]") == 1


def test_rclone_lists_a_bucket_with_the_exported_remote(user_env):
    result = cwos(user_env, "export", "--format", "rclone", "--name", "cwsandbox", "--write")
    assert result.returncode == 0, result.stderr
    conf = Path(user_env["XDG_CONFIG_HOME"]) / "rclone" / "rclone.conf"
    assert conf.stat().st_mode & 0o777 == 0o600
    ls = subprocess.run([tool("rclone"), "--config", str(conf), "lsf", "cwsandbox:model-checkpoints/eval/"],
                        env=user_env, capture_output=True, text=True, timeout=120)
    assert ls.returncode == 0, ls.stderr
    assert "results-000.json" in ls.stdout.splitlines()


def test_s3cmd_lists_a_bucket_with_the_exported_config(user_env):
    cfg = Path(user_env["HOME"]) / "s3cfg"
    result = cwos(user_env, "export", "--format", "s3cmd", "--file", str(cfg))
    assert result.returncode == 0, result.stderr
    ls = subprocess.run([tool("s3cmd"), "-c", str(cfg), "ls", "s3://training-data/"], env=user_env,
                        capture_output=True, text=True, timeout=120)
    assert ls.returncode == 0, ls.stderr
    assert "s3://training-data/README.md" in ls.stdout
    again = cwos(user_env, "export", "--format", "s3cmd", "--file", str(cfg))
    assert again.returncode == 1 and "exists" in again.stderr


def test_env_export_prints_sourceable_lines(user_env):
    result = cwos(user_env, "export", "--format", "env")
    assert result.returncode == 0, result.stderr
    out = subprocess.run(["bash", "-c", result.stdout + '\necho "$AWS_ACCESS_KEY_ID|$AWS_ENDPOINT_URL"'],
                         capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    key_id, endpoint = out.stdout.strip().split("|")
    assert key_id.startswith("CW") and endpoint == user_env["AWS_ENDPOINT_URL"]


def test_render_uses_virtual_addressing_and_https_for_cwobject():
    target = exports.ExportTarget("prod", "https://cwobject.com", "US-EAST-04A", "virtual", "CWABC", "cwosecret")
    texts = exports.render("s3cmd", target)
    assert "host_bucket = %(bucket)s.cwobject.com" in texts["s3cmd"] and "use_https = True" in texts["s3cmd"]
    aws = exports.render("aws", target)
    assert "addressing_style = virtual" in aws["config"] and "[profile prod]" in aws["config"]
    assert "cwosecret" not in repr(target)
