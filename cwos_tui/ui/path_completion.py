"""Tab completion of local paths in `:upload PATH...` (shell words) and `:download [DIR]` (one folder).

Pure functions, no Textual: the app runs `complete_paths` in a thread (a folder on a slow or network file
system must not freeze the screen). One folder is read per Tab, and at most `SCAN_LIMIT` entries of it;
hidden entries are offered only when the typed part starts with a dot, as shells do.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

SCAN_LIMIT = 5_000  # entries read from one folder per Tab
LIMIT = 200  # candidates offered at most


def local_candidates(typed: str, *, dirs_only: bool = False, cwd: Path | None = None) -> list[str]:
    """Entries of the folder `typed` points into whose names start with its last part, written as
    `typed` continued (`~` and relative paths stay as typed); folders end with `/`."""
    folder_text, slash, part = typed.rpartition("/")
    if not slash and typed.startswith("~"):  # "~" or "~user": the home folder itself
        home = os.path.expanduser(typed)
        return [typed + "/"] if home != typed and os.path.isdir(home) else []
    folder_text += slash
    folder = Path(os.path.expanduser(folder_text or "."))
    if not folder.is_absolute():
        folder = (cwd or Path.cwd()) / folder
    found: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for number, entry in enumerate(entries):
                if number >= SCAN_LIMIT:
                    break
                name = entry.name
                if not name.startswith(part) or (name.startswith(".") and not part.startswith(".")):
                    continue
                try:
                    is_dir = entry.is_dir()  # a link to a folder counts as one
                except OSError:
                    is_dir = False
                if dirs_only and not is_dir:
                    continue
                found.append(folder_text + name + ("/" if is_dir else ""))
    except OSError:  # no such folder, not a folder, no permission: nothing to offer
        return []
    return sorted(found)[:LIMIT]


def last_word_start(text: str) -> int:
    """Where the last shell word of `text` starts (quotes and backslashes respected)."""
    start, quote, index = 0, "", 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                index += 1
        elif char == "\\":
            index += 1
        elif char in "'\"":
            quote = char
        elif char.isspace():
            start = index + 1
        index += 1
    return start


def unquote(word: str) -> str:
    """A shell word as the shell reads it, also when its quote is not closed yet."""
    for closing in ("", "'", '"'):
        try:
            return "".join(shlex.split(word + closing))
        except ValueError:
            continue
    return word


def complete_paths(head: str, rest: str, *, words: bool, dirs_only: bool, cwd: Path | None = None) -> list[str]:
    """Whole `:` lines completing the path being typed after `head`: with `words` the last shell word of
    `rest` (quoted again where needed), else all of `rest` as one path. Blocking: call it in a thread."""
    if not words:
        return [f"{head} {path}" for path in local_candidates(rest.lstrip(), dirs_only=dirs_only, cwd=cwd)]
    start = last_word_start(rest)
    before, typed = rest[:start], unquote(rest[start:])
    return [f"{head} {before}{shlex.quote(path)}"
            for path in local_candidates(typed, dirs_only=dirs_only, cwd=cwd)]
