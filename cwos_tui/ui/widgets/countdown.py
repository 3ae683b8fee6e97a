"""Live countdowns: one style per urgency, and a row list whose countdown column ticks in place.

Every countdown in the app reads `cloud.expiry` (text and urgency) from the app's injected clock.
On each tick the list recomputes the countdown of the visible rows only and repaints just the
countdown cells whose text or colour changed; the rest of the line and of the screen is left alone
(the cells are a docked child widget, so the terminal receives only those cells).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Self

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

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


class CountdownCells(Widget):
    """The countdown column of a CountdownRowList, as its own widget docked over the column.

    Textual writes a partial repaint from the left edge of the widget it falls in, so a countdown
    drawn inside the list's lines would resend the whole line; in a widget of its own, a tick
    sends only the countdown's cells. Its lines are cut from the list's own lines, so it looks
    exactly like the column it covers (cursor and header styles included).
    """

    DEFAULT_CSS = """
    CountdownCells { dock: right; width: 9; height: 100%; }
    """

    def __init__(self, owner: CountdownRowList) -> None:
        super().__init__()
        self.owner = owner

    def render_line(self, y: int) -> Strip:
        return self.owner.countdown_cell(y, self.size.width)


class CountdownRowList(RowList):
    """A RowList whose LAST column is a countdown computed at draw time from `expiry_of(row.value)`.

    `tick()` (call it once a second) repaints only the countdown cells whose text or urgency changed.
    """

    _cells: CountdownCells | None = None

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
        self._cells = CountdownCells(self)

    @property
    def is_container(self) -> bool:
        return True  # so the compositor places the docked countdown cells

    def compose(self) -> ComposeResult:
        if self._cells is not None:
            yield self._cells

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        """A repaint of the list (scroll, cursor, new rows) repaints the countdown cells too."""
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        if repaint and self._cells is not None and self._cells.is_mounted:
            self._cells.refresh()
        return self

    def _countdown(self, value: object, now: datetime) -> tuple[str, Urgency]:
        label = self.label_of(value) if self.label_of else None
        if label is not None:
            return label, Urgency.NONE
        expires_at = self.expiry_of(value)
        return countdown(expires_at, now), urgency(expires_at, now)

    def countdown_span(self, width: int | None = None) -> tuple[int, int]:
        """The countdown column's cells on a line: [start, end) in content x; empty when hidden.

        The span runs to the line's end, so it covers any cells the flexible columns leave over.
        """
        width = self.scrollable_content_region.width if width is None else width
        widths = self._widths(width)
        start = sum(w + 1 for w in widths[:-1] if w)  # hidden columns take no room and no separator
        return (start, width) if widths[-1] and start < width else (width, width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            self._fit_cells(width)
        index = round(self.scroll_y) + y - 1
        row = self.row_at(index) if y else None
        if row is None:
            return super().render_line(y)
        text, level = self._countdown(row.value, self.now())
        style = self.rich_style
        if row.kind == "folder":
            style = style + self.get_component_rich_style("row-list--folder")
        if index == self.cursor:
            style = style + self.get_component_rich_style("row-list--cursor")
        strip = self._line((*row.cells[:-1], text), width, style)
        start, end = self.countdown_span(width)
        if start >= end:
            return strip
        colour = Style.parse(URGENCY_STYLES[level])  # over the row style, so the cursor row keeps its colour
        cell = Strip(Segment.apply_style(list(strip.crop(start, end)), post_style=colour), end - start)
        return Strip.join([strip.crop(0, start), cell])

    def countdown_cell(self, y: int, cell_width: int) -> Strip:
        """Line `y` of the countdown cells: the list's own line `y`, cut at the countdown column."""
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y - 1
        row = self.row_at(index) if y else None
        if row is None:
            self._drawn.pop(y, None)
        else:
            text, level = self._countdown(row.value, self.now())
            self._drawn[y] = (row.value, text, level)
        start = width - cell_width
        return self.render_line(y).crop(start, width).extend_cell_length(cell_width, self.rich_style)

    def _fit_cells(self, width: int) -> None:
        """Keep the docked cells exactly over the column (the width changes with the scrollbar)."""
        cells = self._cells
        if cells is None:
            return
        start, end = self.countdown_span(width)
        wanted = end - start
        if cells.styles.width is None or cells.styles.width.value != wanted or cells.display != bool(wanted):
            self.call_later(self._set_cells_width, wanted)

    def _set_cells_width(self, wanted: int) -> None:
        if self._cells is not None:
            self._cells.display = bool(wanted)
            self._cells.styles.width = max(1, wanted)

    def tick(self) -> list[int]:
        """Repaint the countdown cells that changed; returns their screen lines.

        Only the countdown cells are marked dirty, so an idle list writes a few dozen bytes per
        changed countdown to the terminal. A line now showing another row is repainted whole.
        """
        now = self.now()
        top = round(self.scroll_y)
        cells = self._cells
        changed: list[int] = []
        for y in range(1, max(1, self.size.height)):
            row = self.row_at(top + y - 1)
            if row is None:
                break
            text, level = self._countdown(row.value, now)
            drawn = self._drawn.get(y)
            if drawn == (row.value, text, level):
                continue
            changed.append(y)
            if cells is not None and cells.display and drawn is not None and drawn[0] == row.value:
                cells.refresh(Region(0, y, cells.size.width, 1))
            else:
                self.refresh(Region(0, y, self.size.width, 1))
        return changed
