"""Before a policy change is applied: the diff against the server version, and lock-out warnings.
Also the template picker that starts a new policy."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from cwos_tui.cloud.policy.templates import Template
from cwos_tui.ui.modals.form import FormScreen
from cwos_tui.ui.text import safe_text

_STYLES = {"+": "green", "-": "red", "@": "cyan"}


def diff_renderable(lines: Sequence[str]) -> Text:
    out = Text(no_wrap=False, overflow="fold")
    for number, line in enumerate(lines):
        if number:
            out.append("\n")
        style = "bold" if line.startswith(("+++", "---")) else _STYLES.get(line[:1], "")
        out.append(safe_text(line), style=style)
    return out


class PolicyDiffScreen(FormScreen[bool]):
    """Returns True when the user applies the change."""

    SUBMIT_ID = "pd-apply"
    CANCEL_RESULT = False
    DEFAULT_CSS = """
    PolicyDiffScreen { align: center middle; }
    PolicyDiffScreen > Vertical { width: 100%; max-width: 110; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1; }
    PolicyDiffScreen #pd-diff { height: auto; max-height: 65vh; }
    PolicyDiffScreen .pd-warning { color: $error; text-style: bold; margin-bottom: 1; }
    PolicyDiffScreen Horizontal { height: auto; margin-top: 1; }
    PolicyDiffScreen Button { margin-right: 2; }
    """

    def __init__(self, question: str, diff: Sequence[str], warnings: Sequence[str] = (), *,
                 confirm_label: str = "Apply") -> None:
        super().__init__()
        self.question = question
        self.diff = list(diff)
        self.warnings = list(warnings)
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self.question), markup=False)
            for warning in self.warnings:
                yield Static("⚠ " + safe_text(warning), classes="pd-warning", markup=False)
            with VerticalScroll(id="pd-diff"):
                yield Static(diff_renderable(self.diff) if self.diff else Text("(no change)"), id="pd-lines")
            with Horizontal():
                yield Button(self.confirm_label, variant="error" if self.warnings else "warning", id="pd-apply")
                yield Button("Cancel", id="pd-cancel")

    def on_mount(self) -> None:
        self.query_one("#pd-cancel" if self.warnings else "#pd-apply", Button).focus()

    def submit(self) -> None:
        self.dismiss(True)


class TemplatePickerScreen(FormScreen[Template | None]):
    """Pick the template a new policy starts from (Enter picks, Esc cancels)."""

    DEFAULT_CSS = """
    TemplatePickerScreen { align: center middle; }
    TemplatePickerScreen > Vertical { width: 64; max-width: 96%; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    TemplatePickerScreen OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, title: str, templates: Sequence[Template]) -> None:
        super().__init__()
        self.picker_title = title
        self.templates = list(templates)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.picker_title
            yield Static("Start from:", markup=False)
            yield OptionList(*(Option(t.title, id=t.id) for t in self.templates), id="tp-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.templates[event.option_index])

    def submit(self) -> None:
        option = self.query_one(OptionList).highlighted
        self.dismiss(self.templates[option] if option is not None else None)
