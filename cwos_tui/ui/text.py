"""Safe text: whatever the server or an object key contains is shown, never interpreted.

Server strings never reach Textual's markup parser (widgets get plain `Text`/segments), and control
characters that a terminal would act on (ESC, BEL, C1 controls, bidi overrides) are shown as visible
escapes like `\\x1b` instead of being written to the terminal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime

# C0 controls (except nothing: tab and newline are escaped too, rows are one line), DEL, C1 controls,
# bidi embeddings/overrides/isolates, zero-width joiners and the BOM.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

DisplayFilter = Callable[[str], str]


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    """One printable line: control and bidi characters become visible `\\xNN` / `\\uNNNN` escapes."""
    return _UNSAFE.sub(_escape, str(value))


def safe_lines(value: object) -> str:
    """Several printable lines: real line breaks stay line breaks, every other control is escaped."""
    return "\n".join(safe_text(line) for line in str(value).splitlines())


def typeable(value: str) -> bool:
    """True when a person can type `value` exactly as it is shown (no control, bidi, invisible or
    surrounding space characters), so a type-to-confirm prompt may ask for it."""
    return bool(value) and value == value.strip() and safe_text(value) == value and all(
        ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Co", "Cn", "Zl", "Zp") for ch in value
    ) and "  " not in value


def human_size(size: int) -> str:
    """Bytes as a short human string (1024-based, like `ls -h`)."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # unreachable; keeps type checkers calm


def short_time(when: datetime | None) -> str:
    """A UTC timestamp to the minute, or a dash."""
    return "-" if when is None else when.strftime("%Y-%m-%d %H:%M")


def no_filter(text: str) -> str:
    return text
