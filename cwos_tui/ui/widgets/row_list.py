"""A line-rendered virtual list: only the visible rows are ever rendered.

Built on Textual's Line API (ScrollView + render_line), so a million rows cost a Python list and
nothing per row in the widget tree; DataTable needs seconds for 100k rows. Cells are plain text that
has already gone through `safe_text`; they become segments, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
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


class _Anchor(NamedTuple):
    """Where the cursor was before a reload: the row's identity, its index and its screen line."""

    identity: object
    position: int
    line: int


class RowList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows with a sticky header line, a cursor and a local filter.

    `inherit_bindings=False` (a class keyword: Textual ignores a class attribute of that name) drops
    ScrollView's own arrow/page/home/end bindings, so those keys reach the command registry's
    `list.*` commands, which move the cursor; the view follows the cursor. The mouse wheel still
    scrolls the view.
    """
    #: every key this list takes is a registry binding: the app may run them at once (`ui/key_order.py`)
    KEYS_ARE_COMMANDS = True
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
        #: a cursor to put back once a background filter of reloaded rows lands
        self._restore: tuple[_Anchor, Callable[[Row], Hashable] | None] | None = None

    # ---- data ----------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self._total() if self._visible is None else len(self._visible)

    def _total(self) -> int:
        """Rows held (shown or filtered out); a store-backed list overrides this and `_row`."""
        return len(self.rows)

    def _row(self, index: int) -> Row:
        return self.rows[index]

    def _texts(self, index: int) -> Sequence[str]:
        """What the filter looks at for one held row."""
        return self.rows[index].cells

    def row_at(self, index: int) -> Row | None:
        if not 0 <= index < self.count:
            return None
        return self._row(index if self._visible is None else self._visible[index])

    @property
    def selected(self) -> Row | None:
        return self.row_at(self.cursor)

    def set_rows(
        self,
        rows: Sequence[Row],
        cursor: int = 0,
        *,
        keep_value: bool = False,
        key: Callable[[Row], Hashable] | None = None,
    ) -> None:
        """Replace every row.

        By default the cursor goes to `cursor` and the view to the top. With `keep_value=True` (or a
        `key`, which says what makes two rows "the same item"; default: `row.value`) the cursor stays
        on the same item and on the same screen line, so a reload does not jump; when the item is
        gone, the cursor keeps its index (clamped).
        """
        anchor = self._anchor(key) if keep_value or key is not None else None
        self.rows = list(rows)
        self._refill(anchor, key, cursor)

    @property
    def held(self) -> int:
        """Rows held, shown or filtered out."""
        return self._total()

    def _refill(self, anchor: _Anchor | None, key: Callable[[Row], Hashable] | None, cursor: int) -> None:
        """After the held rows were replaced: filter again, put the cursor back (on `anchor` if any)."""
        self._filter_generation += 1  # a background filter of the old rows is stale now
        self._restore = None
        if self.filter_text and self._total() > FILTER_IN_THREAD:
            self._visible = []
            self._restore = (anchor, key) if anchor is not None else None
            self._start_filter_thread(self.filter_text)
        else:
            self.filter_pending = False
            self._apply_filter()
        self._resize()
        if anchor is not None:
            self._restore_anchor(anchor, key)
            return
        self.cursor = max(0, min(cursor, self.count - 1))
        self._scroll_top(0)
        self._keep_cursor_visible()

    def _identity(self, row: Row, key: Callable[[Row], Hashable] | None) -> object:
        return row.value if key is None else key(row)

    def _anchor(self, key: Callable[[Row], Hashable] | None) -> _Anchor | None:
        row = self.selected
        if row is None:
            return None
        return _Anchor(self._identity(row, key), self.cursor, self.cursor - round(self.scroll_y))

    def index_of(self, identity: object, key: Callable[[Row], Hashable] | None = None, near: int = 0) -> int | None:
        """The shown position of the row whose identity (`row.value`, or `key(row)`) is `identity`."""
        if identity is None:
            return None
        row = self.row_at(near)
        if row is not None and self._identity(row, key) == identity:
            return near  # the common case: a reload that did not reorder
        for index in range(self.count):
            row = self.row_at(index)
            if row is not None and self._identity(row, key) == identity:
                return index
        return None

    def _restore_anchor(self, anchor: _Anchor, key: Callable[[Row], Hashable] | None) -> None:
        found = self.index_of(anchor.identity, key, anchor.position)
        index = max(0, min(anchor.position if found is None else found, self.count - 1))
        self.cursor = index
        self._scroll_top(index - max(0, anchor.line))
        self._keep_cursor_visible()
        if found is None:
            self.post_message(self.CursorMoved(self))

    def select_value(self, value: object) -> bool:
        """Put the cursor on the shown row carrying `value` (cursor positions count shown rows only)."""
        for index in range(self.count):
            row = self.row_at(index)
            if row is not None and row.value == value:
                self.go_to(index)
                return True
        return False

    def append_rows(self, rows: Sequence[Row]) -> None:
        """Add rows at the end (a streamed page): the cursor and the view stay where they are."""
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
        if not needle or self._total() <= FILTER_IN_THREAD:
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
        work = partial(self._filter_rows, self._total(), needle, self._filter_generation)
        self.run_worker(work, thread=True, group="row-filter", exclusive=True, exit_on_error=False)

    def _filter_rows(self, upto: int, needle: str, generation: int) -> None:
        """Runs in a worker thread: reads the first `upto` held rows, posts the matching indices."""
        texts = self._texts
        visible: list[int] = []
        for start in range(0, upto, _FILTER_CHUNK):
            if generation != self._filter_generation:
                return  # the user typed on; a newer filter is coming
            stop = min(upto, start + _FILTER_CHUNK)
            visible.extend(i for i in range(start, stop) if any(needle in c.lower() for c in texts(i)))
        self.post_message(self._FilterDone(generation, needle, visible, upto))

    def on_row_list__filter_done(self, message: RowList._FilterDone) -> None:
        message.stop()
        if message.generation != self._filter_generation:
            return
        visible = message.visible
        visible.extend(i for i in range(message.upto, self._total()) if self._matches(i, message.needle))
        self.filter_text = message.needle
        self._visible = visible
        self.filter_pending = False
        restore, self._restore = self._restore, None
        if restore is not None:
            self._resize()
            self._restore_anchor(*restore)
        else:
            self._show_filtered()
        self.post_message(self.Filtered(self))

    def _show_filtered(self) -> None:
        self._restore = None
        self.cursor = 0
        self._resize()
        self._scroll_top(0)

    def _matches(self, index: int, needle: str) -> bool:
        return any(needle in cell.lower() for cell in self._texts(index))

    def _apply_filter(self) -> None:
        needle = self.filter_text
        self._visible = None if not needle else [i for i in range(self._total()) if self._matches(i, needle)]

    def _resize(self) -> None:
        self.virtual_size = Size(0, self.count + 1)
        self.refresh()

    # ---- cursor --------------------------------------------------------------------------------

    @property
    def body_height(self) -> int:
        """Rows that fit under the header line."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def top_index(self) -> int:
        """The shown row on the first body line."""
        return round(self.scroll_y)

    def move_cursor(self, delta: int) -> None:
        self.go_to(self.cursor + delta)

    def page(self, direction: int) -> None:
        """Move the cursor one body height; the view scrolls with it, so the cursor keeps its line."""
        body = self.body_height
        line = self.cursor - self.top_index
        target = max(0, min(self.cursor + direction * body, self.count - 1))
        self._scroll_top(target - line)
        self.go_to(target)

    def go_to(self, index: int) -> None:
        new = max(0, min(index, self.count - 1))
        if new != self.cursor:
            self.cursor = new
            self.refresh()
            self.post_message(self.CursorMoved(self))
        self._keep_cursor_visible()

    def _scroll_top(self, top: int) -> None:
        top = max(0, min(top, self.count - self.body_height))
        self.scroll_to(y=top, animate=False, immediate=True, force=True)

    def _keep_cursor_visible(self) -> None:
        body = self.body_height
        top = self.top_index
        if self.cursor < top:
            self._scroll_top(self.cursor)
        elif self.cursor >= top + body:
            self._scroll_top(self.cursor - body + 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.go_to(round(self.scroll_y) + event.y - 1)

    def on_resize(self, event: events.Resize) -> None:
        self._resize()
        self._keep_cursor_visible()  # e.g. the command line opened below and took a line

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
