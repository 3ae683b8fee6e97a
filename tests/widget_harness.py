"""Small harness apps and render probes for the widget tests (no dashboard, no server)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import RenderableType
from rich.control import Control
from rich.style import Style
from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input

from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.widgets.command_bar import CommandBar, Completer, Mode
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


class TerminalTap:
    """Records what the app would write to the terminal for each screen update.

    The headless driver discards output, so this wraps `App._display` and renders each compositor
    update to the escape sequences a real driver writes (plus the final cursor move).
    """

    CURSOR_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")
    STYLE = re.compile(r"\x1b\[[0-9;]*m")

    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.writes: list[str] = []
        original = app._display

        def display(screen: Screen[object], renderable: RenderableType | None) -> None:
            if isinstance(renderable, CompositorUpdate):
                cursor = Control.move_to(*app.cursor_position).segment.text
                self.writes.append(renderable.render_segments(app.console) + cursor)
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    def take(self) -> list[str]:
        writes, self.writes = self.writes, []
        return writes

    @classmethod
    def cells(cls, data: str) -> list[tuple[int, int, str]]:
        """(row, column, text) of each run of characters written, 0-based, styles removed."""
        runs: list[tuple[int, int, str]] = []
        parts = cls.CURSOR_MOVE.split(data)
        for i in range(1, len(parts) - 2, 3):
            text = cls.STYLE.sub("", parts[i + 2]).replace("\r", "").replace("\n", "")
            if text:
                runs.append((int(parts[i]) - 1, int(parts[i + 1]) - 1, text))
        return runs


class BarHarness(App[None]):
    """A list, the command bar and a footer, composed the way the dashboard composes them."""

    BINDINGS = [*LIST_KEYS, Binding("colon", "open_bar('command')", "Cmd"),
                Binding("slash", "open_bar('filter')", "Filter"), Binding("ctrl+q", "quit", "Quit")]

    def __init__(self, rows: Sequence[Row], completer: Completer | None = None) -> None:
        super().__init__()
        self.initial_rows = list(rows)
        self.row_list = RowList([Column("Name"), Column("N", 6, right=True)], id="rows")
        self.bar = CommandBar(id="command-bar")
        self.bar.completer = completer
        self.bar.cursor_blink = False  # a steady cursor: what the screen shows does not depend on timing
        self.closed: list[tuple[str, str, bool]] = []

    def compose(self) -> ComposeResult:
        yield self.row_list
        yield self.bar
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.row_list.set_rows(self.initial_rows)
        self.row_list.focus()

    def action_open_bar(self, mode: Mode) -> None:
        self.bar.open(mode, self.row_list.filter_text if mode == "filter" else "")

    def action_list(self, what: str) -> None:
        ListHarness.action_list(self, what)  # type: ignore[arg-type]

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, CommandBar) and event.input.mode == "filter":
            self.row_list.set_filter(event.value)

    def on_command_bar_closed(self, event: CommandBar.Closed) -> None:
        self.closed.append((event.mode, event.value, event.submitted))
        if event.mode == "filter" and not event.submitted:
            self.row_list.set_filter("")
        self.row_list.focus()


def screen_text(app: App[object]) -> list[str]:
    """The screen as the user sees it: one string per terminal line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


class DetailHarness(App[None]):
    """An app that opens one detail view over a placeholder screen, and records what it copies."""

    def __init__(self, title: str, fields: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.detail_title = title
        self.fields = list(fields)
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield Footer()

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(self.detail_title, self.fields))

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)


POLICY_JSON = """{
  "name": "data-readers",
  "statements": [
    {"effect": "Allow", "actions": ["s3:GetObject", "s3:ListBucket"],
     "resources": ["arn:aws:s3:::training-data", "arn:aws:s3:::training-data/*"]}
  ]
}"""

LONG_PRINCIPAL = "coreweave/" + "workload-identity-federation-" * 4 + "u7f3a9c2e4b1d0"

SAMPLE_FIELDS = [
    ("Access key ID", "CWABCDEFGHIJKLMN"),
    ("Status", "ACTIVE"),
    ("Principal", LONG_PRINCIPAL),
    ("Name", "nightly \x1b[31mtraining\x07 job"),
    ("Expires (UTC)", "2026-03-01 12:00"),
    ("Policy", POLICY_JSON),
    ("Note", "line one\nline two\tand a tab"),
]
