"""Command-line entry points that need no server."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwos_tui", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_paths_prints_every_location_and_honours_cwos_config(tmp_path):
    env = dict(os.environ, CWOS_CONFIG=str(tmp_path / "custom.toml"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    text = run("paths", env=env)
    assert text.returncode == 0
    for label in ("config file", "secret store", "log dir", "cache dir"):
        assert label in text.stdout
    data = json.loads(run("paths", "--json", env=env).stdout)
    assert data["config_file"] == str(tmp_path / "custom.toml")
    assert not (tmp_path / "cfg").exists(), "printing paths must not create anything"


def test_version_and_help():
    assert run("--version").stdout.startswith("cwos-tui ")
    out = run("--help").stdout
    for sub in ("sandbox", "paths", "credential-process", "export"):
        assert sub in out


def test_a_broken_settings_file_is_named_with_its_line_before_anything_starts(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('active_profile = "lab"\n[profiles.lab\n')
    result = run(env=dict(os.environ, CWOS_CONFIG=str(config)))
    assert result.returncode == 2
    assert f"{config}:2" in result.stderr and "invalid TOML" in result.stderr
    assert "Traceback" not in result.stderr
