"""Tokens pane commands (handlers in panes/tokens.py)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_TOKENS = frozenset({"tokens"})

COMMANDS: tuple[Command, ...] = (
    Command("tokens.add", "Add token", "n", "Add an API token (masked) with a label and optional expiry.",
            contexts=_TOKENS, footer="Add", priority=11, aliases=("addtoken",)),
    Command("tokens.validate", "Validate token", "v", "Ask whoami and AuthCanI what the selected token may do.",
            contexts=_TOKENS, footer="Validate", priority=31),
    Command("tokens.use", "Use token", "u", "Make the selected token this profile's token and reload.",
            contexts=_TOKENS, footer="Use", priority=32),
    Command("tokens.remove", "Remove token", "d", "Forget the selected token (asks first).",
            contexts=_TOKENS, footer="Remove", priority=33),
)
