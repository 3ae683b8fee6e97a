"""The file form of org policies and a unified diff between a live policy and an edited one."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

#: characters a terminal would act on or that reorder text (DEL, C1 controls, bidi and zero-width marks, BOM);
#: JSON writes C0 controls as escapes already
_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def json_text(value: Any) -> str:
    """Indented JSON in which every unsafe character is a `\\uXXXX` escape: the same JSON value, but inert
    on a terminal (editors and viewers show it as typed-out escapes)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def policy_text(policy: dict[str, Any]) -> str:
    """The file form of one org policy: `{"policy": {...}}`, indented, stable."""
    return json_text({"policy": policy})


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
        return json_text(json.loads(text))
    except ValueError:
        return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def text_diff_lines(name: str, live: str | None, new: str | None) -> list[str]:
    """Unified diff of two policy texts (both pretty-printed first, so layout alone is no change)."""
    before = pretty_json(live).splitlines() if live is not None else []
    after = pretty_json(new).splitlines() if new is not None else []
    return list(difflib.unified_diff(before, after, f"live/{name}", f"new/{name}", lineterm=""))
