"""Ctrl+P: the registry's commands that apply to the current pane, as palette hits."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cwos_tui.ui import commands

if TYPE_CHECKING:
    from cwos_tui.ui.app import CwosApp


class RegistryCommands(Provider):
    def _entries(self) -> list[tuple[str, str, commands.Command]]:
        app = cast("CwosApp", self.app)
        entries = []
        for command in commands.COMMANDS:
            if command.id == "app.palette" or not commands.applies(command, app.active_pane):
                continue
            keys = commands.key_display(commands.effective_keys(command, app.keymap))
            refusal = app.gate.refusal(command)
            help_text = command.description + (f"  (unavailable: {refusal.split(': ', 1)[-1]})" if refusal else "")
            entries.append((f"{command.title}  ({keys})", help_text, command))
        return entries

    async def discover(self) -> Hits:
        app = cast("CwosApp", self.app)
        for title, help_text, command in self._entries():
            yield DiscoveryHit(title, partial(app.run_command, command.id), help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast("CwosApp", self.app)
        matcher = self.matcher(query)
        for title, help_text, command in self._entries():
            score = max(matcher.match(title), matcher.match(command.id))
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(app.run_command, command.id), help=help_text)
