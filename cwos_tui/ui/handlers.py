"""Command handlers, registered explicitly: command id -> one callable taking the `:` argument.

The app registers its own and each pane's (`Pane.handlers()`); registering a command twice, or one the
registry does not know, fails at once instead of a key silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cwos_tui.ui import commands

Handler = Callable[[str], None]


class HandlerError(LookupError):
    """A handler for an unknown command, or a second handler for one command."""


class HandlerTable:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, handlers: Mapping[str, Handler]) -> None:
        for command_id, handler in handlers.items():
            command = commands.get(command_id)
            if command is None:
                raise HandlerError(f"handler for unknown command {command_id!r}")
            if command.on_screen:
                raise HandlerError(f"{command_id!r} belongs to a screen; its handler is the screen's action")
            if command_id in self._handlers:
                raise HandlerError(f"second handler for {command_id!r}")
            self._handlers[command_id] = handler

    def get(self, command_id: str) -> Handler | None:
        return self._handlers.get(command_id)

    def ids(self) -> set[str]:
        return set(self._handlers)
