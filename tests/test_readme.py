"""The README's service-layer example runs as written against the sandbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_script_example_runs(sandbox, tmp_path):
    text = README.read_text()
    section = text.split("## The service layer, from a script", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    script = tmp_path / "example.py"
    script.write_text(code)
    env = dict(os.environ, COREWEAVE_API_ENDPOINT=sandbox.control_plane, COREWEAVE_API_TOKEN=sandbox.token,
               AWS_ENDPOINT_URL=sandbox.s3, AWS_REGION=sandbox.zone)
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "training-data US-EAST-04A" in out.stdout
    assert "datasets/imagenet/" in out.stdout
    assert "NotFound 404" in out.stdout


def test_two_commands_are_in_the_readme_and_ci_runs_the_test_command():
    text = README.read_text()
    test_cmd = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest"
    assert "pip install . && cwos-tui --demo" in text and test_cmd in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert test_cmd in ci
