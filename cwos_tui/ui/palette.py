"""Ctrl+P: every command of every pane (choosing one in another pane switches to it first)."""

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
        here: list[tuple[str, str, commands.Command]] = []
        elsewhere: list[tuple[str, str, commands.Command]] = []
        for command in commands.APP_COMMANDS:
            if command.id == "app.palette":
                continue
            local = commands.applies(command, app.active_pane)
            home = commands.home_pane(command)
            if not local and home is None:
                continue
            keys = commands.key_display(commands.effective_keys(command, app.keymap))
            refusal = app.gate.refusal(command, app.resource_of(command)) if local else None
            where = "" if local else f"  [{commands.context_title(home or '')}]"
            help_text = command.description + (f"  (unavailable: {refusal.split(': ', 1)[-1]})" if refusal else "")
            (here if local else elsewhere).append((f"{command.title}  ({keys}){where}", help_text, command))
        return here + elsewhere

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
