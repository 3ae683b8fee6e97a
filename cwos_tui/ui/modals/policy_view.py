"""The whole policy as highlighted JSON, with line numbers; `e` edits it.

The JSON is produced here (`json.dumps`), then every line goes through `safe_text`, so control and bidi
characters in names arrive as visible escapes (which are also valid JSON escapes), never as terminal
codes; the highlighter only colours the text, it never interprets markup.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cwos_tui.ui import commands
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_lines, safe_text


def highlighted(text: str, display_filter: DisplayFilter = no_filter) -> Syntax:
    return Syntax(display_filter(safe_lines(text)), "json", theme="ansi_dark", line_numbers=True, word_wrap=True,
                  background_color="default")


class PolicyViewScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("policy-view")
    DEFAULT_CSS = """
    PolicyViewScreen { align: center middle; }
    PolicyViewScreen > #pv-box { width: 100%; max-width: 110; height: 100%;
        border: round $accent; border-title-style: bold; background: $surface; padding: 0 1; }
    PolicyViewScreen #pv-scroll { height: 1fr; scrollbar-size-vertical: 1; }
    PolicyViewScreen #pv-help { height: 1; color: $text-muted; }
    """

    def __init__(self, title: str, text: str, *, display_filter: DisplayFilter = no_filter,
                 on_edit: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.view_title = title
        self.text = text
        self.on_edit = on_edit
        self.display_filter = display_filter

    def compose(self) -> ComposeResult:
        with Vertical(id="pv-box") as box:
            box.border_title = Text(self.display_filter(safe_text(self.view_title)))
            with VerticalScroll(id="pv-scroll"):
                yield Static(highlighted(self.text, self.display_filter), id="pv-json")
            help_text = "↑↓ scroll  e edit  Esc close" if self.on_edit else "↑↓ scroll  Esc close"
            yield Static(help_text, id="pv-help", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_edit(self) -> None:
        if self.on_edit is not None:
            self.dismiss(None)
            self.on_edit()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#pv-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)
