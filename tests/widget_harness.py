"""Small harness apps and render probes for the widget tests (no dashboard, no server)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from cwos_tui.ui.widgets.row_list import Column, Row, RowList

#: the registry's list keys (commands.py), bound at the app level the same way
LIST_KEYS = [
    Binding("down,j", "list('down')", "Down", show=False),
    Binding("up,k", "list('up')", "Up", show=False),
    Binding("pagedown", "list('page_down')", "Page down", show=False),
    Binding("pageup", "list('page_up')", "Page up", show=False),
    Binding("home,g", "list('top')", "Top", show=False),
    Binding("end,G", "list('bottom')", "Bottom", show=False),
]


def numbered_rows(count: int, prefix: str = "item") -> list[Row]:
    return [Row((f"{prefix}-{i:05d}", f"{i}"), i) for i in range(count)]


class ListHarness(App[None]):
    """One RowList under the registry's list keys, like a pane in the dashboard."""

    BINDINGS = LIST_KEYS

    def __init__(self, rows: Sequence[Row], row_list: RowList | None = None) -> None:
        super().__init__()
        self.initial_rows = list(rows)
        self.row_list = row_list or RowList([Column("Name"), Column("N", 6, right=True)], id="rows")

    def compose(self) -> ComposeResult:
        yield self.row_list
        yield Footer()

    def on_mount(self) -> None:
        self.row_list.set_rows(self.initial_rows)
        self.row_list.focus()

    def action_list(self, what: str) -> None:
        rows = self.row_list
        moves = {"down": lambda: rows.move_cursor(1), "up": lambda: rows.move_cursor(-1),
                 "page_down": lambda: rows.page(1), "page_up": lambda: rows.page(-1),
                 "top": lambda: rows.go_to(0), "bottom": lambda: rows.go_to(rows.count - 1)}
        moves[what]()


def cursor_line(rows: RowList) -> tuple[int, str]:
    """The screen line (1 = first body line) drawn in the cursor style, and its text, as rendered."""
    cursor_bg = rows.get_component_rich_style("row-list--cursor").bgcolor
    found = []
    for y in range(1, rows.size.height):
        strip = rows.render_line(y)
        if any(isinstance(seg.style, Style) and seg.style.bgcolor == cursor_bg for seg in strip):
            found.append((y, strip.text))
    assert len(found) == 1, f"expected one cursor line on screen, saw {found}"
    return found[0]


def body_texts(rows: RowList) -> list[str]:
    return [rows.render_line(y).text.split()[0] if rows.render_line(y).text.strip() else ""
            for y in range(1, rows.size.height)]
