"""Safe local names for downloads, and free names when the user picks "rename".

A key is untrusted text: `../x`, `/etc/passwd`, `a\\b`, NUL or other control characters, and names
longer than the file system allows must never make a download write outside the chosen folder. Such a
key is skipped with a reason (shown in the batch's summary); nothing is silently changed into a name
that could collide with another key's.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

NAME_MAX = 255  # bytes per path component on the usual Linux and macOS file systems
PATH_MAX = 4000  # a little under Linux's 4096 for the whole path
TEMP_PREFIX = ".cwos-part-"


@dataclass(frozen=True)
class Skipped:
    """A key that was not written, and why."""

    key: str
    reason: str


def _bad_component(part: str) -> str:
    if part in ("", ".", ".."):
        return "a “..” or “.” segment" if part else "an empty segment (//)"
    if "\\" in part:
        return "a backslash"
    if any(unicodedata.category(ch) == "Cc" for ch in part):
        return "a NUL or control character"
    if len(os.fsencode(part)) > NAME_MAX:
        return f"a name longer than {NAME_MAX} bytes"
    if part.startswith(TEMP_PREFIX):
        return "a name reserved for partial downloads"
    return ""


def local_path(root: Path, relative: str) -> Path | str:
    """Where `relative` (a key with its common prefix removed) goes under `root`, or why it may not.

    `root` must be absolute and resolved. The result is checked to stay inside `root` after resolving
    symlinks of folders that already exist.
    """
    if relative.startswith("/"):
        return "an absolute path"
    if not relative:
        return "an empty name"
    parts = relative.split("/")
    for part in parts:
        reason = _bad_component(part)
        if reason:
            return f"it has {reason}" if reason.startswith("a") else reason
    target = root.joinpath(*parts)
    if len(os.fsencode(str(target))) > PATH_MAX:
        return "the path is too long for the file system"
    try:
        parent = target.parent.resolve()
    except (OSError, RuntimeError):
        return "its folder cannot be resolved"
    if parent != root and root not in parent.parents:
        return "it would write outside the target folder"
    return target


def free_name(path: Path, taken: set[Path] | None = None) -> Path:
    """`name (1).ext`, `name (2).ext`, … : the first that does not exist (nor is in `taken`)."""
    taken = taken or set()
    stem, suffix = path.stem, path.suffix
    for number in range(1, 10_000):
        candidate = path.with_name(f"{stem} ({number}){suffix}")
        if candidate not in taken and not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(f"no free name next to {path}")


def upload_key(prefix: str, relative: Path) -> str:
    """The key for a local file: the folder's prefix plus its path, always with `/`."""
    return prefix + "/".join(relative.parts)
