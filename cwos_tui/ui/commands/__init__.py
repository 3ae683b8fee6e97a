"""The one command registry, split by feature: every user action is declared exactly once.

Key bindings, the footer, the F1 help, the Ctrl+P palette, `:` commands, keymap overrides from the
settings file, read-only mode and permission dimming are all derived from `COMMANDS`. Handlers are
registered explicitly (`ui/handlers.py`); a test checks that every command has exactly one.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import BindingType

from cwos_tui.ui.commands import (
    app,
    buckets,
    keys,
    lists,
    objects,
    policies,
    profiles,
    screens,
    storage,
    tokens,
    transfers,
    web,
)
from cwos_tui.ui.commands.model import (
    ALL_PANES,
    PANE_TITLES,
    PANES,
    SCREEN_TITLES,
    Command,
    ParsedLine,
    applies,
    effective_keys,
    key_display,
    split_location,
)
from cwos_tui.ui.commands.model import bindings as _bindings

__all__ = ["ALL_PANES", "COMMANDS", "PANES", "PANE_TITLES", "SCREEN_TITLES", "Command", "ParsedLine", "applies",
           "bindings", "context_title", "effective_keys", "get", "home_pane", "key_display", "parse_command_line",
           "screen_bindings", "split_location"]

COMMANDS: tuple[Command, ...] = (
    *app.COMMANDS, *profiles.COMMANDS, *lists.COMMANDS, *storage.COMMANDS, *objects.COMMANDS, *keys.COMMANDS,
    *tokens.COMMANDS, *policies.COMMANDS, *buckets.COMMANDS, *transfers.COMMANDS, *web.COMMANDS,
    *screens.COMMANDS,
)

BY_ID: dict[str, Command] = {command.id: command for command in COMMANDS}
BY_ALIAS: dict[str, Command] = {alias: c for c in COMMANDS for alias in c.aliases}
APP_COMMANDS: tuple[Command, ...] = tuple(c for c in COMMANDS if not c.on_screen)


def get(command_id: str) -> Command | None:
    return BY_ID.get(command_id)


def bindings(commands: Iterable[Command] = APP_COMMANDS) -> list[BindingType]:
    """The app's bindings: every command that is not a modal screen's own."""
    return _bindings(commands)


def screen_bindings(context: str) -> list[BindingType]:
    """The bindings of one modal screen context (`dialog`, `help`, `detail`)."""
    return _bindings(c for c in COMMANDS if c.on_screen and context in c.contexts)


def context_title(context: str) -> str:
    return PANE_TITLES.get(context) or SCREEN_TITLES.get(context, context)


def home_pane(command: Command) -> str | None:
    """The pane a command belongs to when it applies to one pane only (the palette switches there)."""
    panes = [p for p in PANES if p in command.contexts]
    return panes[0] if len(panes) == 1 else None


def parse_command_line(text: str) -> ParsedLine | None:
    """`:b bucket/prefix/`, `:keys`, `:pol`, `:objects.delete` ... -> ParsedLine, or None if unknown."""
    words = text.strip().lstrip(":").strip().split(maxsplit=1)
    if not words:
        return None
    head = words[0]
    argument = words[1].strip() if len(words) > 1 else ""
    command = BY_ALIAS.get(head) or BY_ALIAS.get(head.lower()) or BY_ID.get(head)
    if command is None or command.on_screen:
        return None
    return ParsedLine(command.id, argument)


def completions(text: str) -> list[str]:
    """Command names and aliases that start with `text` (for Tab in the `:` line)."""
    head = text.strip().lstrip(":")
    names = {alias for c in APP_COMMANDS for alias in c.aliases} | {c.id for c in APP_COMMANDS}
    return sorted(n for n in names if n.startswith(head))
