"""Buckets pane commands (the Objects pane's are in `objects.py`)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_STORAGE = frozenset({"buckets", "objects"})

COMMANDS: tuple[Command, ...] = (
    Command("list.open", "Open", "enter", "Open the selected bucket or folder; details of an object.",
            contexts=_STORAGE, footer="Open", priority=15),
)
