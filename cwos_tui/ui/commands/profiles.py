"""Profile commands: switch to another saved profile without restarting (handlers in ui/profile_switch.py)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

COMMANDS: tuple[Command, ...] = (
    Command("app.profile", "Switch profile", "f3",
            "Switch to another saved profile without restarting (:profile NAME; alone, lists the profiles).",
            footer="Profile", show=False, aliases=("profile", "prof", "use")),
)
