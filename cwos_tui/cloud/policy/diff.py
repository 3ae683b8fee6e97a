"""The file form of org policies and a unified diff between a live policy and an edited one."""

from __future__ import annotations

import difflib
import json
from typing import Any


def policy_text(policy: dict[str, Any]) -> str:
    """The file form of one org policy: `{"policy": {...}}`, indented, stable."""
    return json.dumps({"policy": policy}, indent=2, ensure_ascii=False) + "\n"


def diff_lines(name: str, live: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    """Unified diff lines (no trailing newlines); an absent side is an empty file."""
    before = policy_text(live).splitlines() if live is not None else []
    after = policy_text(new).splitlines() if new is not None else []
    return list(difflib.unified_diff(before, after, f"live/{name}", f"new/{name}", lineterm=""))


def diff_text(name: str, live: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    lines = diff_lines(name, live, new)
    return "\n".join(lines) + "\n" if lines else ""


def pretty_json(text: str) -> str:
    """`text` indented the way the editor shows it (unchanged when it is not JSON)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    except ValueError:
        return text


def text_diff_lines(name: str, live: str | None, new: str | None) -> list[str]:
    """Unified diff of two policy texts (both pretty-printed first, so layout alone is no change)."""
    before = pretty_json(live).splitlines() if live is not None else []
    after = pretty_json(new).splitlines() if new is not None else []
    return list(difflib.unified_diff(before, after, f"live/{name}", f"new/{name}", lineterm=""))
