"""A detail view for any row: every field of an item as label/value lines, a field cursor, copy.

Values come from the server (principal names, policies as JSON, messages): they are drawn as plain
`Text`, never as markup, one source line at a time through `safe_text`, so real line breaks stay line
breaks while control characters are shown escaped. Long values wrap; nothing is cut off.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cwos_tui.ui import commands
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_text

#: how much of a copied value the notification repeats
NOTICE_CHARS = 200


def display_text(value: str) -> Text:
    """A value as safe plain text: each line escaped on its own, tabs as spaces, wrapping allowed."""
    lines = value.replace("\r\n", "\n").split("\n")
    return Text("\n".join(safe_text(line.expandtabs(4)) for line in lines), overflow="fold")


class FieldView(Static, can_focus=False):
    """One field: the label in a fixed column, the value wrapped beside it."""

    def __init__(self, label: str, value: str, label_width: int) -> None:
        super().__init__(classes="detail-field")
        self.label = label
        self.value = value
        self.label_width = label_width

    def on_mount(self) -> None:
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=self.label_width, no_wrap=False, overflow="fold", style="bold")
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(display_text(self.label), display_text(self.value))
        self.update(grid)


class DetailScreen(ModalScreen[None]):
    """`DetailScreen(title, [(label, value), ...])`: ↑↓ pick a field, c copies it, Esc/q/Enter close."""

    BINDINGS = [
        *commands.screen_bindings("detail"),
    ]
    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > #detail-box {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: round $accent; border-title-color: $text; border-title-style: bold;
        background: $surface; padding: 0 1;
    }
    DetailScreen #detail-fields { height: auto; max-height: 100%; scrollbar-size-vertical: 1; }
    DetailScreen .detail-field { height: auto; }
    DetailScreen .detail-field.-selected { background: $accent 35%; }
    DetailScreen #detail-help { height: 1; color: $text-muted; }
    """

    def __init__(self, title: str, fields: Sequence[tuple[str, str]], *,
                 display_filter: DisplayFilter = no_filter) -> None:
        super().__init__()
        self.display_filter = display_filter
        self.detail_title = title
        self.fields = [(str(label), str(value)) for label, value in fields]
        self.selected = 0
        widest = max((len(label) for label, _ in self.fields), default=8)
        self.label_width = max(8, min(widest, 20))

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box") as box:
            box.border_title = Text(self.display_filter(safe_text(self.detail_title)))
            with VerticalScroll(id="detail-fields", can_focus=False):
                for label, value in self.fields:
                    yield FieldView(label, self.display_filter(value), self.label_width)
            yield Static("↑↓ field  c copy  Esc close", id="detail-help", markup=False)

    def on_mount(self) -> None:
        self._show_selected()

    @property
    def field_views(self) -> list[FieldView]:
        return list(self.query(FieldView))

    @property
    def _scroller(self) -> VerticalScroll:
        return self.query_one("#detail-fields", VerticalScroll)

    def _show_selected(self, scroll: bool = True) -> None:
        views = self.field_views
        for number, view in enumerate(views):
            view.set_class(number == self.selected, "-selected")
        if scroll and views:
            self._scroller.scroll_to_widget(views[self.selected], animate=False, immediate=True)

    # ---- keys ----------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Next/previous field; inside a field taller than the view, scroll through it first."""
        views = self.field_views
        if not views:
            return
        scroller = self._scroller
        view = views[self.selected].virtual_region
        top, bottom = round(scroller.scroll_y), round(scroller.scroll_y) + scroller.scrollable_content_region.height
        if step > 0 and view.bottom > bottom:
            scroller.scroll_to(y=scroller.scroll_y + 1, animate=False, immediate=True)
            return
        if step < 0 and view.y < top:
            scroller.scroll_to(y=scroller.scroll_y - 1, animate=False, immediate=True)
            return
        self.selected = max(0, min(self.selected + step, len(views) - 1))
        self._show_selected()

    def action_page(self, step: int) -> None:
        """Scroll a page; the cursor goes to the field now at the top of the view."""
        scroller = self._scroller
        height = max(1, scroller.scrollable_content_region.height - 1)
        scroller.scroll_to(y=scroller.scroll_y + step * height, animate=False, immediate=True)
        top = round(scroller.scroll_y)
        views = self.field_views
        for number, view in enumerate(views):
            if view.virtual_region.bottom > top:
                self.selected = number
                break
        if step > 0 and scroller.scroll_y >= scroller.max_scroll_y:
            self.selected = len(views) - 1
        self._show_selected(scroll=False)

    def action_edge(self, last: int) -> None:
        self.selected = len(self.fields) - 1 if last else 0
        self._show_selected()
        if last:
            self._scroller.scroll_end(animate=False, immediate=True)
        else:
            self._scroller.scroll_home(animate=False, immediate=True)

    def action_copy(self) -> str | None:
        """Copy the selected field's value (OSC 52) and repeat it in a notification."""
        if not self.fields:
            return None
        label, raw = self.fields[self.selected]
        value = "\n".join(safe_text(line) for line in raw.replace("\r\n", "\n").split("\n"))  # as shown
        self.app.copy_to_clipboard(value)
        shown = value if len(value) <= NOTICE_CHARS else value[:NOTICE_CHARS] + f"… ({len(value):,} characters)"
        notice = "\n".join(safe_text(line) for line in shown.replace("\r\n", "\n").split("\n"))
        self.app.notify(notice, title=f"Copied {safe_text(label)} (OSC 52)", markup=False)
        return value

    def action_close(self) -> None:
        self.dismiss(None)
