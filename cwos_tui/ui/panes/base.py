"""What every pane shares: a state line, a virtual row list, a loading worker and its messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from cwos_tui.session import Services
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.messages import RowsLoaded, WorkFailed
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, Row, RowList


class PaneNote(Message):
    """A pane's listing cannot be had here (no API token, a denied ListBuckets): one plain line instead."""

    def __init__(self, generation: int, text: str) -> None:
        super().__init__()
        self.generation = generation
        self.text = text


class Notice(Message):
    """Something went through: say it, and reload the pane that posted it when `reload` is set."""

    def __init__(self, text: str, *, warning: bool = False, reload: bool = True) -> None:
        super().__init__()
        self.text = text
        self.warning = warning
        self.reload = reload


class Pane(Vertical):
    """A pane loads its rows in a worker (`load`), which posts `RowsLoaded`; the handler shows them."""

    pane_id: ClassVar[str] = ""
    COLUMNS: ClassVar[Sequence[Column]] = ()
    EMPTY: ClassVar[str] = "Nothing here."

    DEFAULT_CSS = """
    Pane { height: 1fr; }
    Pane > .pane-state { height: 1; padding: 0 1; color: $text-muted; }
    Pane > .pane-state.-error { color: $error; text-style: bold; }
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(id=f"pane-{self.pane_id}")
        self.ctx = ctx
        self.generation = 0
        self.loaded = False
        self.busy = False  # not `loading`: that is Textual's own attribute (it would cover the pane)
        self.complete = False
        self.state_text = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("", classes="pane-state", markup=False)
        yield self.make_list()

    def compose_top(self) -> ComposeResult:
        yield from ()

    def make_list(self) -> RowList:
        return RowList(self.COLUMNS, id=f"list-{self.pane_id}", display_filter=self.ctx.display_filter)

    @property
    def row_list(self) -> RowList:
        return self.query_one(RowList)

    @property
    def services(self) -> Services:
        return self.ctx.services

    def handlers(self) -> dict[str, Handler]:
        """The commands this pane handles itself (registered with the app's handler table)."""
        return {}

    # ---- state line ----------------------------------------------------------------------------

    def set_state(self, text: str, error: bool = False) -> None:
        self.state_text = text
        for state in self.query(".pane-state").results(Static):  # none while the app is closing
            state.set_class(error, "-error")
            state.update(safe_text(text))

    def describe_count(self) -> str:
        rows = self.row_list
        loaded = len(rows.rows)
        text = f"{loaded:,} loaded, more…" if not self.complete else f"{loaded:,} row{'' if loaded == 1 else 's'}"
        if rows.filter_text:
            text += f"  filter “{rows.filter_text}”: {rows.count:,} match"
        return text

    # ---- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        self.generation += 1
        self.loaded = True
        self.busy = True
        self.complete = False
        self.set_state("Loading…")
        generation = self.generation
        self.run_worker(self._guarded(generation), group=self.pane_id, exclusive=True, exit_on_error=False)

    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.reload()

    async def _guarded(self, generation: int) -> None:
        try:
            await self.load(generation)
        except Exception as exc:  # every failure goes to the app's one handler
            self.post_message(WorkFailed(f"{self.pane_id}: load", exc, self.pane_id, generation))

    async def load(self, generation: int) -> None:
        raise NotImplementedError

    def post_rows(
        self, generation: int, rows: Sequence[Row], *, replace: bool, done: bool, note: str = "",
        records: Mapping[str, Any] | None = None,
    ) -> None:
        """Called by the loading worker: everything it found travels in the message (workers never
        change pane state; `keep_records` in the handler does)."""
        self.post_message(RowsLoaded(self.pane_id, generation, rows, replace=replace, done=done, note=note,
                                     records=records))

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        message.stop()
        if message.generation != self.generation:
            return  # a stale page from a listing the user already left
        self.keep_records(message.records, replace=message.replace)
        if message.replace:
            self.replace_rows(message.rows)
        else:
            self.row_list.append_rows(message.rows)
        self.complete = message.done
        self.busy = not message.done
        if not self.row_list.rows and message.done:
            self.set_state(self.EMPTY)
        else:
            self.set_state(self.describe_count() + (f"  ({message.note})" if message.note else ""))
        if message.done:
            self.rows_complete()

    def keep_records(self, records: Mapping[str, Any], *, replace: bool) -> None:
        """Keep what a page of rows was made from (panes with details or countdowns)."""

    def replace_rows(self, rows: Sequence[Row]) -> None:
        """A new first page: the cursor stays on the item it was on (by value) when it is still there."""
        self.row_list.set_rows(rows, keep_value=True)

    def rows_complete(self) -> None:
        """The last page arrived (panes that sort or show a detail line hook in here)."""

    def post_note(self, generation: int, text: str) -> None:
        """Called by the loading worker when the listing cannot be had here: one plain line, no rows."""
        self.post_message(PaneNote(generation, text))

    def on_pane_note(self, message: PaneNote) -> None:
        message.stop()
        self.show_note(message.generation, message.text)

    def show_note(self, generation: int, text: str) -> None:
        """A load that cannot run here, said plainly in one line (not an error, nothing to retry)."""
        if generation in (-1, self.generation):
            self.busy = False
            self.set_state(text)

    def show_error(self, generation: int, text: str) -> None:
        if generation in (-1, self.generation):
            self.busy = False
            self.set_state(f"Error: {text}  (r to retry)", error=True)

    def apply_filter(self, text: str) -> None:
        self.row_list.set_filter(text)
        if self.row_list.rows:
            self.set_state(self.describe_count())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The safety net: a worker of this pane that raised past its guard reaches the one error path."""
        error = event.worker.error
        if event.state == WorkerState.ERROR and error is not None:
            self.post_message(WorkFailed(event.worker.group or self.pane_id, error))

    def on_notice(self, message: Notice) -> None:
        message.stop()
        self.app.notify(safe_text(message.text), severity="warning" if message.warning else "information",
                        markup=False, timeout=8)
        if message.reload:
            self.reload()

    # ---- actions the registry routes here ------------------------------------------------------

    def copy_value(self) -> str | None:
        """The text `c` copies for the selected row."""
        row = self.row_list.selected
        return None if row is None or row.value is None else str(row.value)

    def details(self) -> tuple[str, list[tuple[str, str]]] | None:
        """Title and every field of the selected row, for the detail view (`i`)."""
        row = self.row_list.selected
        if row is None:
            return None
        fields = [(column.title, cell) for column, cell in zip(self.COLUMNS, row.cells, strict=False) if cell]
        return (row.cells[0] if row.cells else "Row", fields)

    def details_screen(self) -> Screen[Any] | None:
        """A pane's own detail screen for `i` (None: the generic detail view of `details()`)."""
        return None

    def open_details(self) -> bool:
        """`i` on a row of a pane that fetches its details (True: it will show them itself)."""
        return False

    def open_selected(self) -> bool:
        """Enter on a row; False when the pane has no drill-down (the app then shows the details)."""
        return False
