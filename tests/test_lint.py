"""Style and types are part of the build: ruff everywhere, mypy strict on every package of cwos_tui."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LAYERS = ("cloud", "config", "sandbox", "ui", "top-level")
#: settings that would make mypy less than strict for some module
LOOSENING = re.compile(r"^(strict|ignore_errors|disallow_\w+|warn_\w+|check_untyped_defs|no_implicit_\w+)$")


def test_ruff_is_clean():
    out = subprocess.run([str(BIN / "ruff"), "check", "cwos_tui", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_is_configured_strict_for_every_package():
    """`strict = true` for the whole project, and no override or inline comment relaxes it for a module."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config.get("strict") is True, "pyproject.toml [tool.mypy] must say strict = true"
    relaxed = [
        f"override for {override.get('module')}: {key} = {value}"
        for override in config.get("overrides", [])
        for key, value in override.items()
        if (LOOSENING.match(key) and value is not True) or key in ("ignore_errors", "follow_imports")
    ]
    relaxed += [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in sorted((ROOT / "cwos_tui").rglob("*.py"))
        for line in path.read_text().splitlines()
        if line.lstrip().startswith("# mypy:")
    ]
    assert not relaxed, "mypy strictness relaxed:\n" + "\n".join(relaxed)


@pytest.fixture(scope="module")
def mypy_errors() -> list[str]:
    """One strict mypy run over the whole package (with pyproject.toml's settings), its error lines.

    The cache is the project's own `.mypy_cache` (git-ignored): a fresh clone checks everything, a second
    run only what changed.
    """
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(ROOT / ".mypy_cache"), "cwos_tui"], cwd=ROOT,
                         capture_output=True, text=True)
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert errors or out.returncode == 0, out.stdout + out.stderr
    return errors


def _layer(error_line: str) -> str:
    parts = Path(error_line.split(":", 1)[0]).parts
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else "top-level"


@pytest.mark.parametrize("layer", LAYERS)
def test_mypy_strict_passes(mypy_errors, layer):
    errors = [line for line in mypy_errors if _layer(line) == layer]
    assert not errors, f"mypy --strict errors in {layer}:\n" + "\n".join(errors)
