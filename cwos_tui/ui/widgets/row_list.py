"""A line-rendered virtual list: only the visible rows are ever rendered.

Built on Textual's Line API (ScrollView + render_line), so a million rows cost a Python list and
nothing per row in the widget tree; DataTable needs seconds for 100k rows. Cells are plain text that
has already gone through `safe_text`; they become segments, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from cwos_tui.ui.text import DisplayFilter, no_filter

#: Above this many rows the filter runs in a thread worker, after a pause in typing.
FILTER_IN_THREAD = 20_000
FILTER_DEBOUNCE = 0.15  # seconds
_FILTER_CHUNK = 50_000  # rows between checks whether a newer filter made this one stale


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 0  # 0: takes the remaining width
    right: bool = False
    hide_below: int = 0  # hidden when the list is narrower than this (80-column terminals)


class Row(NamedTuple):
    cells: tuple[str, ...]
    value: Any = None
    kind: str = ""  # "folder" rows are drawn in the folder style


class RowList(ScrollView, can_focus=True):
    """Rows with a sticky header line, a cursor and a local filter."""

    inherit_bindings = False  # every key comes from the command registry
    COMPONENT_CLASSES = {"row-list--header", "row-list--cursor", "row-list--folder"}
    DEFAULT_CSS = """
    RowList { height: 1fr; overflow-x: hidden; }
    RowList > .row-list--header { text-style: bold; background: $panel; }
    RowList > .row-list--cursor { background: $accent 40%; text-style: bold; }
    RowList:focus > .row-list--cursor { background: $accent; color: $text; }
    RowList > .row-list--folder { color: $text-secondary; text-style: bold; }
    """

    class CursorMoved(Message):
        def __init__(self, row_list: RowList) -> None:
            super().__init__()
            self.row_list = row_list

    class Filtered(Message):
        """A filter computed in the background is now shown (the pane updates its count line)."""

        def __init__(self, row_list: RowList) -> None:
            super().__init__()
            self.row_list = row_list

    class _FilterDone(Message):
        def __init__(self, generation: int, needle: str, visible: list[int], upto: int) -> None:
            super().__init__()
            self.generation = generation
            self.needle = needle
            self.visible = visible
            self.upto = upto

    def __init__(self, columns: Sequence[Column], *, id: str | None = None,
                 display_filter: DisplayFilter = no_filter) -> None:
        super().__init__(id=id)
        self.display_filter = display_filter
        self.columns = list(columns)
        self.rows: list[Row] = []
        self.cursor = 0
        self.filter_text = ""
        self._visible: list[int] | None = None  # None: every row, in order
        #: True while a background filter is being computed; the old result stays on screen meanwhile.
        self.filter_pending = False
        self.filter_path = ""  # "inline" or "thread": how the last filter was computed
        self.filter_thread_runs = 0
        self._filter_generation = 0
        self._pending_needle = ""
        self._debounce: Timer | None = None

    # ---- data ----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.rows) if self._visible is None else len(self._visible)

    def row_at(self, index: int) -> Row | None:
        if not 0 <= index < self.count:
            return None
        return self.rows[index if self._visible is None else self._visible[index]]

    @property
    def selected(self) -> Row | None:
        return self.row_at(self.cursor)

    def set_rows(self, rows: Sequence[Row], cursor: int = 0, *, keep_value: bool = False) -> None:
        selected = self.selected.value if keep_value and self.selected is not None else None
        if keep_value:
            cursor = self.cursor
        self.rows = list(rows)
        self._filter_generation += 1  # a background filter of the old rows is stale now
        if self.filter_text and len(self.rows) > FILTER_IN_THREAD:
            self._visible = []
            self._start_filter_thread(self.filter_text)
        else:
            self.filter_pending = False
            self._apply_filter()
        self.cursor = max(0, min(cursor, self.count - 1))
        if not keep_value:
            self.scroll_to(y=0, animate=False)
        self._resize()
        if selected is None or not self.select_value(selected):
            self._keep_cursor_visible()

    def select_value(self, value: object) -> bool:
        """Put the cursor on the shown row carrying `value` (cursor positions count shown rows only)."""
        for index in range(self.count):
            row = self.row_at(index)
            if row is not None and row.value == value:
                self.go_to(index)
                return True
        return False

    def append_rows(self, rows: Sequence[Row]) -> None:
        start = len(self.rows)
        self.rows.extend(rows)
        if self._visible is not None:
            needle = self.filter_text
            self._visible.extend(i for i in range(start, len(self.rows)) if self._matches(i, needle))
        self._resize()

    def set_filter(self, text: str) -> None:
        """Filter rows by a case-insensitive substring of any cell.

        Small lists filter at once. Big ones filter in a thread worker once typing pauses for
        FILTER_DEBOUNCE; the result arrives as a message, so a keystroke never waits for a scan.
        """
        needle = text.lower()
        self._filter_generation += 1
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        if not needle or len(self.rows) <= FILTER_IN_THREAD:
            self.filter_pending = False
            self.filter_path = "inline"
            self.filter_text = needle
            self._apply_filter()
            self._show_filtered()
            return
        self.filter_pending = True
        self._pending_needle = needle
        self._debounce = self.set_timer(FILTER_DEBOUNCE, self._debounced)

    def _debounced(self) -> None:
        self._debounce = None
        self._start_filter_thread(self._pending_needle)

    def _start_filter_thread(self, needle: str) -> None:
        self.filter_pending = True
        self.filter_path = "thread"
        self.filter_thread_runs += 1
        work = partial(self._filter_rows, self.rows, len(self.rows), needle, self._filter_generation)
        self.run_worker(work, thread=True, group="row-filter", exclusive=True, exit_on_error=False)

    def _filter_rows(self, rows: list[Row], upto: int, needle: str, generation: int) -> None:
        """Runs in a worker thread: reads a snapshot length of `rows`, posts the matching indices."""
        visible: list[int] = []
        for start in range(0, upto, _FILTER_CHUNK):
            if generation != self._filter_generation:
                return  # the user typed on; a newer filter is coming
            stop = min(upto, start + _FILTER_CHUNK)
            visible.extend(i for i in range(start, stop) if any(needle in c.lower() for c in rows[i].cells))
        self.post_message(self._FilterDone(generation, needle, visible, upto))

    def on_row_list__filter_done(self, message: RowList._FilterDone) -> None:
        message.stop()
        if message.generation != self._filter_generation:
            return
        visible = message.visible
        visible.extend(i for i in range(message.upto, len(self.rows)) if self._matches(i, message.needle))
        self.filter_text = message.needle
        self._visible = visible
        self.filter_pending = False
        self._show_filtered()
        self.post_message(self.Filtered(self))

    def _show_filtered(self) -> None:
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._resize()

    def _matches(self, index: int, needle: str) -> bool:
        return any(needle in cell.lower() for cell in self.rows[index].cells)

    def _apply_filter(self) -> None:
        needle = self.filter_text
        self._visible = None if not needle else [i for i in range(len(self.rows)) if self._matches(i, needle)]

    def _resize(self) -> None:
        self.virtual_size = Size(0, self.count + 1)
        self.refresh()

    # ---- cursor --------------------------------------------------------------------------------

    def move_cursor(self, delta: int) -> None:
        self.go_to(self.cursor + delta)

    def page(self, direction: int) -> None:
        self.move_cursor(direction * max(1, self.size.height - 2))

    def go_to(self, index: int) -> None:
        new = max(0, min(index, self.count - 1))
        if new != self.cursor:
            self.cursor = new
            self.refresh()
            self.post_message(self.CursorMoved(self))
        self._keep_cursor_visible()

    def _keep_cursor_visible(self) -> None:
        body = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.go_to(round(self.scroll_y) + event.y - 1)

    def on_resize(self, event: events.Resize) -> None:
        self._resize()

    # ---- rendering -----------------------------------------------------------------------------

    def _widths(self, width: int) -> list[int]:
        """Each column's width; 0 for a column hidden at this width."""
        shown = [i for i, c in enumerate(self.columns) if width >= c.hide_below]
        fixed = sum(self.columns[i].width for i in shown) + len(shown) - 1
        flexible = [i for i in shown if not self.columns[i].width]
        rest = max(8, width - fixed) // max(1, len(flexible))
        return [(c.width or rest) if i in shown else 0 for i, c in enumerate(self.columns)]

    def _line(self, cells: Sequence[str], width: int, style: Style) -> Strip:
        mask = self.display_filter
        parts: list[str] = []
        for column, cell_width, text in zip(self.columns, self._widths(width), cells, strict=False):
            if not cell_width:
                continue
            text = mask(text)
            if cell_len(text) > cell_width:
                text = set_cell_size(text, max(0, cell_width - 1)) + "…"
            parts.append(text.rjust(cell_width) if column.right else set_cell_size(text, cell_width))
        line = " ".join(parts)
        return Strip([Segment(set_cell_size(line, width), style)], width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # without the scrollbar
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("row-list--header")
            return self._line([c.title for c in self.columns], width, header)
        index = round(self.scroll_y) + y - 1
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        style = base
        if row.kind == "folder":
            style = style + self.get_component_rich_style("row-list--folder")
        if index == self.cursor:
            style = style + self.get_component_rich_style("row-list--cursor")
        return self._line(row.cells, width, style)
