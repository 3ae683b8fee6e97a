"""Keys typed in a burst reach the right place, in the order they were typed.

Two things go wrong with fast typists (and over SSH, where keys arrive in bursts):

- Textual runs a widget's key bindings only after the key has travelled through the widgets' queues,
  while the app goes on routing the keys typed after it: `n` (new token) followed at once by a label sent
  the label's letters to the list, as commands, before the dialog opened. Where the focused widget is one
  of our lists (`KEYS_ARE_COMMANDS`: every key it takes is a registry binding), the app runs the binding
  itself, at once, in typing order.
- A key that opens a dialog pushes a screen; keys that arrive before that screen has mounted and focused
  its first field would reach the bare screen and be lost (or taken as its own shortcuts). The app holds
  them until the new screen is ready, then replays them in order to the focused field.
- Esc followed quickly by a letter reaches the terminal parser as one "alt+letter" key. The dashboard binds
  no Alt keys, so such a key is split back into Esc and the letter.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App

    _AppBase = App[int]
else:
    _AppBase = object

#: Alt+key as Textual's parser names it for Esc followed by a letter or digit within its escape delay
_ALT_KEY = re.compile(r"^alt\+(shift\+)?.$")
#: longest time keys are held for a screen that never says it is ready (e.g. dismissed while composing)
HOLD_LIMIT = 1.0


class KeysReleased(Message):
    """A pushed screen has mounted and focused: replay the keys held for it."""

    def __init__(self, screen: Screen[Any] | None) -> None:
        super().__init__()
        self.screen = screen


class KeyOrder(_AppBase):
    """App mixin: hold keys while a new screen settles; split Esc+letter read as Alt+letter."""

    _held_keys: list[events.Key] | None = None
    _held_for: Screen[Any] | None = None

    def push_screen(self, screen: Any, callback: Any = None, wait_for_dismiss: bool = False,
                    *, mode: str | None = None) -> Any:
        push: Any = super().push_screen
        result = push(screen, callback, wait_for_dismiss, mode=mode)
        top = self.screen
        self.hold_keys(top)
        # runs in the screen's own task, after its compose, mount (where it focuses) and resume
        top.call_later(self.post_message, KeysReleased(top))
        self.set_timer(HOLD_LIMIT, lambda: self._release_stale(top))
        return result

    def hold_keys(self, screen: Screen[Any]) -> None:
        """Hold keys until `KeysReleased(screen)` is posted (the app mounts panes after its first frame)."""
        if self._held_keys is None:
            self._held_keys = []
        self._held_for = screen

    def _release_stale(self, screen: Screen[Any]) -> None:
        if self._held_for is screen:
            self.post_message(KeysReleased(None))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            # a key gives the app focus back (a browser tab or terminal that lost it), which restores the
            # widget focused before; settle that first, so this key and the next are judged by one widget
            self.app_focus = True
            if self.focused is None and len(self.screen_stack) == 1 and self.screen.focus_chain:
                self.screen.set_focus(self.screen.focus_chain[0])  # what auto-focus does on a focused app
            if getattr(self.focused, "KEYS_ARE_COMMANDS", False):
                if await self._check_bindings(event.key, priority=True) or await self._check_bindings(event.key):
                    return
            if _ALT_KEY.match(event.key) and event.character and event.character.isprintable():
                await super().on_event(events.Key("escape", "\x1b"))
                event = events.Key(event.character, event.character)
        await super().on_event(event)

    async def on_keys_released(self, message: KeysReleased) -> None:
        stack = self.screen_stack
        if message.screen is not None and message.screen is not self._held_for and self._held_for in stack:
            return  # an older screen is ready, but a newer one is still settling
        held, self._held_keys, self._held_for = self._held_keys or [], None, None
        for key in held:
            await self.on_event(key)  # a replayed key that opens another screen starts a new hold
