"""Live countdowns: one style per urgency, and a row list whose countdown column ticks in place.

Every countdown in the app reads `cloud.expiry` (text and urgency) from the app's injected clock.
On each tick the list recomputes the countdown of the visible rows only and repaints just the lines
whose countdown text or colour changed; the rest of the screen is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip

from cwos_tui.cloud.expiry import Urgency, countdown, urgency
from cwos_tui.ui.text import DisplayFilter, no_filter
from cwos_tui.ui.widgets.row_list import Column, RowList

URGENCY_STYLES: dict[Urgency, str] = {
    Urgency.NONE: "dim",
    Urgency.OK: "green",
    Urgency.AMBER: "bold #ffb000",
    Urgency.RED: "bold red",
    Urgency.EXPIRED: "bold red strike",
}


def styled_countdown(expires_at: datetime | None, now: datetime) -> Text:
    level = urgency(expires_at, now)
    return Text(countdown(expires_at, now), URGENCY_STYLES[level])


class CountdownRowList(RowList):
    """A RowList whose LAST column is a countdown computed at draw time from `expiry_of(row.value)`."""

    def __init__(self, columns: Sequence[Column], *, now: Callable[[], datetime],
                 expiry_of: Callable[[object], datetime | None],
                 label_of: Callable[[object], str | None] | None = None, id: str | None = None,
                 display_filter: DisplayFilter = no_filter) -> None:
        super().__init__(columns, id=id, display_filter=display_filter)
        self.now = now
        self.expiry_of = expiry_of
        #: a fixed text instead of the countdown (e.g. "revoked": time left means nothing then)
        self.label_of = label_of
        self._drawn: dict[int, tuple[object, str, Urgency]] = {}

    def _countdown(self, value: object, now: datetime) -> tuple[str, Urgency]:
        label = self.label_of(value) if self.label_of else None
        if label is not None:
            return label, Urgency.NONE
        expires_at = self.expiry_of(value)
        return countdown(expires_at, now), urgency(expires_at, now)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y - 1
        row = self.row_at(index) if y else None
        if row is None:
            self._drawn.pop(y, None)
            return super().render_line(y)
        text, level = self._countdown(row.value, self.now())
        self._drawn[y] = (row.value, text, level)
        style = self.rich_style
        if index == self.cursor:
            style = style + self.get_component_rich_style("row-list--cursor")
        strip = self._line((*row.cells[:-1], text), width, style)
        widths = self._widths(width)
        start = sum(w + 1 for w in widths[:-1] if w)  # hidden columns take no room and no separator
        end = min(width, start + widths[-1])
        if start >= end:
            return strip
        colour = Style.parse(URGENCY_STYLES[level])  # over the row style, so the cursor row keeps its colour
        cell = Strip(Segment.apply_style(list(strip.crop(start, end)), post_style=colour), end - start)
        return Strip.join([strip.crop(0, start), cell, strip.crop(end, width)])

    def tick(self) -> list[int]:
        """Repaint only the visible lines whose countdown changed; returns their screen lines."""
        now = self.now()
        top = round(self.scroll_y)
        changed: list[int] = []
        for y in range(1, max(1, self.size.height)):
            row = self.row_at(top + y - 1)
            if row is None:
                break
            text, level = self._countdown(row.value, now)
            if self._drawn.get(y) != (row.value, text, level):
                changed.append(y)
                self.refresh(Region(0, y, self.size.width, 1))
        return changed
