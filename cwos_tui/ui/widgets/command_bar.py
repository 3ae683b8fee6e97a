"""The input line for `:` commands and `/` filters (one widget, two modes), with history and Tab completion.

The bar is a line of its own in the screen's vertical flow (not docked), so placed just before the
Footer it shows directly above it and the layout gives up one line while it is open. The prompt
(`:` or `/`) is drawn in the bar's left padding; a hint line with completion candidates is drawn in
its top padding when there are several. Candidates may be bucket names or keys: they are drawn as
plain text with control characters escaped, never as markup.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable
from typing import Literal

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input

from cwos_tui.ui.text import safe_text

Mode = Literal["command", "filter"]
#: `completer(mode, text)` -> whole-line candidates for `text` (e.g. "b my-bucket/"): a list when it is cheap,
#: an awaitable when it must look elsewhere (local folders are read in a thread); a stale answer is dropped
Completer = Callable[[Mode, str], list[str] | Awaitable[list[str]]]

PROMPTS: dict[Mode, str] = {"command": ":", "filter": "/"}
PLACEHOLDERS: dict[Mode, str] = {
    "command": "command (:keys :pol :b bucket/prefix/ :q)  Tab completes, ↑↓ history",
    "filter": "filter rows  ↑↓ history",
}
_SEPARATORS = (" ", "/")


class CommandBar(Input):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("up", "history(1)", "Older", show=False),
        Binding("down", "history(-1)", "Newer", show=False),
        Binding("tab", "complete(1)", "Complete", show=False),
        Binding("shift+tab", "complete(-1)", "Complete (back)", show=False),
    ]
    COMPONENT_CLASSES = {"command-bar--prompt", "command-bar--hint", "command-bar--choice"}
    DEFAULT_CSS = """
    CommandBar {
        dock: none; height: auto; border: none; padding: 0 0 0 2; display: none;
        background: $surface;
    }
    CommandBar:focus { border: none; }
    CommandBar.-open { display: block; }
    CommandBar.-hints { padding: 1 0 0 2; }
    CommandBar > .command-bar--prompt { color: $accent; text-style: bold; }
    CommandBar > .command-bar--hint { color: $text-muted; background: $panel; }
    CommandBar > .command-bar--choice { color: $text; background: $accent 40%; text-style: bold; }
    """

    class Closed(Message):
        """The bar closed: `submitted` False on Esc. Filters also report each change as Changed."""

        def __init__(self, bar: CommandBar, mode: Mode, value: str, submitted: bool) -> None:
            super().__init__()
            self.bar = bar
            self.mode = mode
            self.value = value
            self.submitted = submitted

    def __init__(self, *, id: str | None = None, completer: Completer | None = None) -> None:
        super().__init__(id=id, select_on_focus=False)
        self.mode: Mode = "command"
        #: set by the app: offers command names/aliases, bucket names and prefixes
        self.completer: Completer | None = completer
        #: earlier entries per mode, newest first (in memory for the session)
        self.history: dict[Mode, list[str]] = {"command": [], "filter": []}
        self._history_at = -1  # -1: the line being typed; 0: the newest entry, ...
        self._draft = ""
        self.candidates: list[str] = []
        self._choice = -1  # which candidate Tab put in the line; -1: none yet
        self._completed = ""  # the value Tab last wrote (typing something else starts afresh)
        self.hint = ""
        self._setting = False  # the value is being set by history/completion, not typed

    @property
    def prompt(self) -> str:
        return PROMPTS[self.mode]

    # ---- open and close ------------------------------------------------------------------------

    def open(self, mode: Mode, value: str = "") -> None:
        self.mode = mode
        self.placeholder = PLACEHOLDERS[mode]
        self._history_at = -1
        self._draft = ""
        self._clear_hints()
        self._set_value(value)
        self.add_class("-open")
        # Shown and focused now, not after the next refresh: keys typed right after `:` (a fast typist,
        # a paste) are already queued and must land here, not in the list below.
        self.display = True
        self.screen.set_focus(self)

    def _close(self, submitted: bool) -> None:
        if submitted:
            self.remember(self.mode, self.value)
        self._clear_hints()
        self.remove_class("-open")
        self.display = False
        self.post_message(self.Closed(self, self.mode, self.value, submitted))

    def action_cancel(self) -> None:
        self._close(False)

    async def action_submit(self) -> None:
        self._close(True)

    def _set_value(self, value: str) -> None:
        self._setting = True
        try:
            self.value = value
        finally:
            self._setting = False
        self.cursor_position = len(value)

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if not self._setting:  # typed: a new completion starts from here
            self._clear_hints()

    # ---- history -------------------------------------------------------------------------------

    def remember(self, mode: Mode, value: str) -> None:
        """Add an entry to a mode's history (newest first, no duplicate in a row)."""
        entries = self.history[mode]
        if value.strip() and (not entries or entries[0] != value):
            entries.insert(0, value)

    def action_history(self, step: int) -> None:
        """Walk the history: `1` older (↑), `-1` newer (↓); below the newest is the half-typed line."""
        entries = self.history[self.mode]
        target = max(-1, min(self._history_at + step, len(entries) - 1))
        if target == self._history_at:
            return
        if self._history_at == -1:
            self._draft = self.value
        self._history_at = target
        self._clear_hints()
        self._set_value(self._draft if target == -1 else entries[target])

    # ---- completion ----------------------------------------------------------------------------

    def action_complete(self, step: int = 1) -> None:
        """Tab: one match completes in place; several complete to their common prefix and show
        the candidates; Tab again cycles through them (Shift+Tab backwards)."""
        if self.candidates and self.value == self._completed:
            self._choice = (self._choice + step) % len(self.candidates)
            self._complete_to(self.candidates[self._choice])
            return
        found = self.completer(self.mode, self.value) if self.completer else []
        if inspect.isawaitable(found):
            self._complete_later(found, self.value)
            return
        self._offer(found)

    def _complete_later(self, found: Awaitable[list[str]], typed: str) -> None:
        async def wait() -> None:
            candidates = await found
            if self.value == typed and self.has_class("-open"):  # typed on meanwhile: a stale answer
                self._offer(candidates)

        self.run_worker(wait(), group="complete", exclusive=True, exit_on_error=False)

    def _offer(self, found: list[str]) -> None:
        candidates = list(dict.fromkeys(found))  # no duplicates, order kept
        self._clear_hints()
        if not candidates:
            self._show_hint("no completion")
            return
        if len(candidates) == 1:
            self._set_value(candidates[0])
            return
        self.candidates = candidates
        common = os.path.commonprefix(candidates)
        self._complete_to(common if len(common) > len(self.value) else self.value)

    def _complete_to(self, value: str) -> None:
        self._set_value(value)
        self._completed = value
        self._show_hint(self._hint_text())

    def _hint_text(self) -> str:
        """The candidates, shortened to what follows their common part (after a space or `/`)."""
        common = os.path.commonprefix(self.candidates)
        cut = max(common.rfind(sep) for sep in _SEPARATORS) + 1
        return "  ".join(candidate[cut:] or candidate for candidate in self.candidates)

    def _show_hint(self, text: str) -> None:
        self.hint = text
        self.set_class(bool(text), "-hints")
        self.refresh(layout=True)

    def _clear_hints(self) -> None:
        self.candidates = []
        self._choice = -1
        self._completed = ""
        if self.hint:
            self._show_hint("")

    # ---- drawing: the prompt in the left padding, the hint in the top padding ------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = super().render_lines(crop)
        top = 1 if self.hint else 0
        overlays = {top: self._prompt_strip()}
        if self.hint:
            overlays[0] = self._hint_strip(self.outer_size.width)
        result = []
        for y, strip in zip(range(crop.y, crop.bottom), strips, strict=False):
            overlay = overlays.get(y)
            result.append(strip if overlay is None else _overlay(strip, overlay, crop.x, crop.width))
        return result

    def _prompt_strip(self) -> Strip:
        style = self.rich_style + self.get_component_rich_style("command-bar--prompt")
        return Strip([Segment(self.prompt, style), Segment(" ", self.rich_style)], 2)

    def _hint_strip(self, width: int) -> Strip:
        base = self.rich_style + self.get_component_rich_style("command-bar--hint")
        if not self.candidates:
            return Strip([Segment(f" {safe_text(self.hint)}".ljust(width)[:width], base)], width)
        chosen = self.rich_style + self.get_component_rich_style("command-bar--choice")
        common = os.path.commonprefix(self.candidates)
        cut = max(common.rfind(sep) for sep in _SEPARATORS) + 1
        segments = [Segment(f" {len(self.candidates)} matches: ", base)]
        for number, candidate in enumerate(self.candidates):
            style = chosen if number == self._choice else base
            segments.append(Segment(safe_text(candidate[cut:] or candidate), style))
            segments.append(Segment("  ", base))
        line = Strip(segments).crop(0, width)
        if line.cell_length == width and sum(len(c) for c in self.candidates) > width:
            line = Strip.join([line.crop(0, width - 1), Strip([Segment("…", base)])])
        return line.extend_cell_length(width, base)


def _overlay(strip: Strip, overlay: Strip, crop_x: int, width: int) -> Strip:
    """`overlay` drawn from widget column 0 over `strip` (which starts at widget column `crop_x`)."""
    overlay_width = overlay.cell_length
    if crop_x >= overlay_width:
        return strip
    head = overlay.crop(crop_x, min(overlay_width, crop_x + width))
    return Strip.join([head, strip.crop(head.cell_length, width)])

