"""The bottom input used for `:` commands and for `/` filters (one widget, two modes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

Mode = Literal["command", "filter"]


class CommandBar(Input):
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]
    DEFAULT_CSS = """
    CommandBar { dock: bottom; height: 1; border: none; padding: 0 1; display: none; }
    CommandBar.-open { display: block; }
    """

    class Closed(Message):
        """The bar closed: `submitted` False on Esc. Filters also report each change as Changed."""

        def __init__(self, bar: CommandBar, mode: Mode, value: str, submitted: bool) -> None:
            super().__init__()
            self.bar = bar
            self.mode = mode
            self.value = value
            self.submitted = submitted

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True, select_on_focus=False)
        self.mode: Mode = "command"
        #: (mode, text) -> candidates for Tab; set by the app
        self.completer: Callable[[str, str], list[str]] = lambda mode, text: []

    def open(self, mode: Mode, value: str = "") -> None:
        self.mode = mode
        self.placeholder = "command (:keys :pol :b bucket/prefix/ :q)" if mode == "command" else "filter rows"
        self.value = value
        self.add_class("-open")
        self.focus()
        self.cursor_position = len(value)

    def _close(self, submitted: bool) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed(self, self.mode, self.value, submitted))

    def action_cancel(self) -> None:
        self._close(False)

    async def action_submit(self) -> None:
        self._close(True)
