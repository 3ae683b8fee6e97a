"""Style and types are part of the build: ruff everywhere, mypy strict on the layers without UI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_ruff_is_clean():
    out = subprocess.run([str(BIN / "ruff"), "check", "cwos_tui", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict_on_cloud_config_and_sandbox(tmp_path):
    targets = ["cwos_tui/cloud", "cwos_tui/config", "cwos_tui/sandbox", "cwos_tui/session.py"]
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path), *targets], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
