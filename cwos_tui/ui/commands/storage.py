"""Buckets and Objects pane commands."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_STORAGE = frozenset({"buckets", "objects"})
_OBJECTS = frozenset({"objects"})

COMMANDS: tuple[Command, ...] = (
    Command("list.open", "Open", "enter", "Open the selected bucket or folder; details of an object.",
            contexts=_STORAGE, footer="Open", priority=15),
    Command("objects.up", "Up", "backspace,escape", "Go up one folder (to Buckets from a bucket's root).",
            contexts=_OBJECTS, footer="Up", priority=16),
    Command("objects.delete", "Delete object", "d", "Delete the selected object (asks first).",
            contexts=_OBJECTS, mutates=True, permission="s3:DeleteObject", resource="object", footer="Delete",
            priority=35),
)
