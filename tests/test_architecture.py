"""Layer rules from design.md that a test can enforce."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cwos_tui"
NO_UI_LAYERS = ("cloud", "config", "sandbox")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_cloud_config_and_sandbox_never_import_textual_or_ui():
    offenders = []
    for layer in NO_UI_LAYERS:
        for path in (PACKAGE / layer).rglob("*.py"):
            for name in imported_modules(path):
                if name.split(".")[0] in ("textual", "rich") or name.startswith("cwos_tui.ui"):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_sandbox_shares_only_the_policy_package_with_the_client():
    offenders = []
    for path in (PACKAGE / "sandbox").rglob("*.py"):
        for name in imported_modules(path):
            if name.startswith("cwos_tui.cloud") and not name.startswith("cwos_tui.cloud.policy"):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_importing_the_service_layer_loads_neither_textual_nor_boto3():
    code = (
        "import sys, cwos_tui.cloud.control_plane, cwos_tui.cloud.storage, cwos_tui.config.settings;"
        "print(sorted(m for m in ('textual', 'boto3', 'botocore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
