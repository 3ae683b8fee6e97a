"""What every pane shares: a state line, a virtual row list, a loading worker and its messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from cwos_tui.ui.messages import RowsLoaded, WorkFailed
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, Row, RowList

if TYPE_CHECKING:
    from cwos_tui.ui.services import Services


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

    def __init__(self) -> None:
        super().__init__(id=f"pane-{self.pane_id}")
        self.generation = 0
        self.loaded = False
        self.loading = False
        self.complete = False
        self.state_text = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("", classes="pane-state", markup=False)
        yield RowList(self.COLUMNS, id=f"list-{self.pane_id}")

    def compose_top(self) -> ComposeResult:
        yield from ()

    @property
    def row_list(self) -> RowList:
        return self.query_one(RowList)

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined, no-any-return]

    # ---- state line ----------------------------------------------------------------------------

    def set_state(self, text: str, error: bool = False) -> None:
        self.state_text = text
        state = self.query_one(".pane-state", Static)
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
        self.loading = True
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
        self, generation: int, rows: Sequence[Row], *, replace: bool, done: bool, note: str = ""
    ) -> None:
        self.post_message(RowsLoaded(self.pane_id, generation, rows, replace=replace, done=done, note=note))

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        message.stop()
        if message.generation != self.generation:
            return  # a stale page from a listing the user already left
        if message.replace:
            self.row_list.set_rows(message.rows, self.initial_cursor(message.rows))
        else:
            self.row_list.append_rows(message.rows)
        self.complete = message.done
        self.loading = not message.done
        if not self.row_list.rows and message.done:
            self.set_state(self.EMPTY)
        else:
            self.set_state(self.describe_count() + (f"  ({message.note})" if message.note else ""))

    def initial_cursor(self, rows: Sequence[Row]) -> int:
        return 0

    def show_error(self, generation: int, text: str) -> None:
        if generation in (-1, self.generation):
            self.loading = False
            self.set_state(f"Error: {text}  (r to retry)", error=True)

    def apply_filter(self, text: str) -> None:
        self.row_list.set_filter(text)
        if self.row_list.rows:
            self.set_state(self.describe_count())

    # ---- actions the registry routes here ------------------------------------------------------

    def copy_value(self) -> str | None:
        """The text `c` copies for the selected row."""
        row = self.row_list.selected
        return None if row is None or row.value is None else str(row.value)

    def open_selected(self) -> None:
        """Enter on a row; panes without a drill-down do nothing."""
