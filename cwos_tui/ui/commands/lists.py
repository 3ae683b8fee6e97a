"""Commands every list pane shares: refresh, filter, copy, details and cursor movement."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

COMMANDS: tuple[Command, ...] = (
    Command("list.refresh", "Refresh", "r", "Load this pane's data again.", footer="Refresh", priority=60),
    Command("list.filter", "Filter", "slash", "Filter the loaded rows (local, not a server search).",
            footer="Filter", priority=30),
    Command("list.copy", "Copy", "c", "Copy the selected name or ID (OSC 52) and show it.", footer="Copy",
            priority=70),
    Command("list.details", "Details", "i", "Every field of the selected row, full length, copyable.",
            footer="Info", priority=40, aliases=("info", "details")),
    Command("list.down", "Cursor down", "down,j", "Move the cursor down.", show=False),
    Command("list.up", "Cursor up", "up,k", "Move the cursor up.", show=False),
    Command("list.page_down", "Page down", "pagedown", "Move one page down.", show=False),
    Command("list.page_up", "Page up", "pageup", "Move one page up.", show=False),
    Command("list.top", "First row", "home,g", "Jump to the first row.", show=False),
    Command("list.bottom", "Last row", "end,G", "Jump to the last loaded row.", show=False),
)
