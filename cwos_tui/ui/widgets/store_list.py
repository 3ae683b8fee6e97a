"""The row list over a `ListingStore`: rows are made from raw columns only when they are drawn.

Pages land in the store at once (so End, PageDown and jumps reach what is loaded); the list's
scroll range and the count line follow once a second while a listing streams, and lines are
repainted only when a page lands inside the view: a 100-page listing redraws the screen a few
times, not a hundred.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Sequence

from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.timer import Timer

from cwos_tui.cloud.listing import ListingStore
from cwos_tui.ui.text import DisplayFilter, human_size, no_filter, safe_text, short_time
from cwos_tui.ui.widgets.row_list import Column, Row, RowList

SYNC_EVERY = 1.0  # seconds between scroll-range and count updates while pages stream in
MARK = "● "


class StoreList(RowList):
    """A `RowList` whose rows are a `ListingStore`'s; values are `("prefix"|"object", key)`."""

    COMPONENT_CLASSES = RowList.COMPONENT_CLASSES | {"store-list--marked"}
    DEFAULT_CSS = """
    StoreList > .store-list--marked { color: $warning; text-style: bold; }
    """

    def __init__(self, columns: Sequence[Column], *, id: str | None = None,
                 display_filter: DisplayFilter = no_filter) -> None:
        super().__init__(columns, id=id, display_filter=display_filter)
        self.store = ListingStore()
        self.shown = 0  # rows of the store this list shows (a landed page waits for the next sync)
        self.marked: set[str] = set()  # keys marked with space
        self._sync_timer: Timer | None = None
        #: the shown order when sorted by size or date (store rows); rows that land later follow unsorted
        self.order: list[int] | None = None
        self.sort_by = "name"

    # ---- rows from columns ---------------------------------------------------------------------

    def _total(self) -> int:
        return self.shown

    def _row(self, index: int) -> Row:
        store = self.store
        key = store.key(index)
        if store.is_folder(index):
            return Row((safe_text(store.names[index]), "", ""), ("prefix", key), "folder")
        name = safe_text(store.names[index])
        kind = "marked" if key in self.marked else ""
        if kind:
            name = MARK + name
        return Row((name, human_size(store.sizes[index]), short_time(store.modified(index))), ("object", key), kind)

    def _texts(self, index: int) -> Sequence[str]:
        return (self.store.names[index],)

    def store_index(self, shown: int) -> int | None:
        """The store row at a shown position (they differ while a filter is on)."""
        if not 0 <= shown < self.count:
            return None
        return shown if self._visible is None else self._visible[shown]

    # ---- filling -------------------------------------------------------------------------------

    def set_store(self, store: ListingStore, *, keep_value: bool = False) -> None:
        """Show another listing; with `keep_value` the cursor stays on the same key and screen line."""
        anchor = self._anchor(None) if keep_value else None
        self._stop_sync()
        self.store, self.shown = store, len(store)
        self.order, self.sort_by = None, "name"
        self._refill(anchor, None, 0)

    # ---- sorting (the store itself stays in key order) -----------------------------------------

    def sort(self, by: str) -> None:
        """`name` (the listing's own order), `size` (largest first) or `date` (newest first), folders first;
        the cursor stays on its row."""
        anchor = self._anchor(None)
        store = self.store
        if by == "name":
            self.order = None
        else:
            column = store.sizes if by == "size" else store.mtimes
            self.order = sorted(range(self.shown), key=lambda i: (not store.is_folder(i), -column[i]))
        self.sort_by = by
        self._refill(anchor, None, 0)

    def _apply_filter(self) -> None:
        if self.order is None:
            super()._apply_filter()
            return
        needle = self.filter_text
        rows = [*self.order, *range(len(self.order), self.shown)]
        self._visible = [i for i in rows if not needle or self._matches(i, needle)]

    def _filter_rows(self, upto: int, needle: str, generation: int) -> None:
        order = self.order
        if order is None:
            super()._filter_rows(upto, needle, generation)
            return
        names = self.store.names
        visible = [i for i in [*order, *range(len(order), upto)] if needle in names[i].lower()]
        self.post_message(self._FilterDone(generation, needle, visible, upto))

    def grow(self, *, now: bool = False) -> None:
        """The store got rows: show them now (`now`, or the first rows) or at the next sync."""
        if now or self.shown == 0:
            self._sync()
        elif self._sync_timer is None:
            self._sync_timer = self.set_timer(SYNC_EVERY, self._sync)

    def _stop_sync(self) -> None:
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None

    def _sync(self) -> None:
        self._sync_timer = None
        start, end = self.shown, len(self.store)
        if end == start:
            return
        before = self.count
        self.shown = end
        if self._visible is not None and not self.filter_pending:
            needle = self.filter_text
            self._visible.extend(i for i in range(start, end) if self._matches(i, needle))
        size = Size(0, self.count + 1)
        if before < self.top_index + self.body_height:  # new rows fall inside the view
            self.virtual_size = size
            self.refresh()
        else:  # a longer scroll range only: the scrollbar is redrawn, the lines are not
            self.set_reactive(RowList.virtual_size, size)
            self._scroll_update(size)
        self.post_message(self.Grown(self))

    class Grown(RowList.Filtered):
        """More rows are shown (the pane updates its count line)."""

    # ---- the cursor: two lines repainted, not the view -------------------------------------------

    def go_to(self, index: int) -> None:
        """As `RowList.go_to`; when the view does not scroll only the old and the new cursor lines are
        repainted (a key press while a listing streams writes two lines to the terminal, not a screen)."""
        new = max(0, min(index, self.count - 1))
        old, top = self.cursor, self.top_index
        if new == old or not top <= new < top + self.body_height:
            super().go_to(index)
            return
        self.cursor = new
        self.refresh_lines(old + 1)  # line 0 is the header
        self.refresh_lines(new + 1)
        self.post_message(self.CursorMoved(self))

    # ---- finding -------------------------------------------------------------------------------

    def index_of(self, identity: object, key: Callable[[Row], Hashable] | None = None, near: int = 0) -> int | None:
        """By bisection: the store is in key order."""
        if key is not None or not isinstance(identity, tuple) or len(identity) != 2:
            return super().index_of(identity, key, near)
        full = str(identity[1])
        store = self.store
        if not full.startswith(store.prefix):
            return None
        row = store.find(full[len(store.prefix):])
        if row >= self.shown or store.key(row) != full:
            return None
        return self._position(row)

    def _position(self, row: int) -> int | None:
        """Where store row `row` is shown, or None (filtered out)."""
        if self._visible is None:
            return row
        if self.order is not None:
            try:
                return self._visible.index(row)
            except ValueError:
                return None
        at = bisect.bisect_left(self._visible, row)
        return at if at < len(self._visible) and self._visible[at] == row else None

    def select_value(self, value: object) -> bool:
        index = self.index_of(value)
        if index is None:
            return False
        self.go_to(index)
        return True

    def jump_to_name(self, name: str) -> bool:
        """The cursor to the first shown row whose name is `name` or sorts after it (False: past the end)."""
        row = self.store.find(name)
        if row >= self.shown:
            return False
        if self.order is not None:
            found = self._position(row)
            if found is None:
                return False
            index = found
        else:
            index = row if self._visible is None else bisect.bisect_left(self._visible, row)
        if index >= self.count:
            return False
        self._scroll_top(index - self.body_height // 2)
        self.go_to(index)
        return True

    # ---- marks ---------------------------------------------------------------------------------

    def toggle_mark(self) -> bool:
        """Mark or unmark the object under the cursor (folders are not marked); the cursor moves on."""
        row = self.selected
        if row is None or row.value[0] != "object":
            return False
        key = str(row.value[1])
        self.marked.symmetric_difference_update({key})
        self.refresh()
        self.move_cursor(1)
        return True

    def render_line(self, y: int) -> Strip:
        if y > 0:
            row = self.row_at(round(self.scroll_y) + y - 1)
            if row is not None and row.kind == "marked":
                return self._marked_line(row, round(self.scroll_y) + y - 1)
        return super().render_line(y)

    def _marked_line(self, row: Row, index: int) -> Strip:
        style: Style = self.rich_style + self.get_component_rich_style("store-list--marked")
        if index == self.cursor:
            style = style + self.get_component_rich_style("row-list--cursor")
        return self._line(row.cells, self.scrollable_content_region.width, style)
