"""The bucket configuration editor (lifecycle rules, CORS rules, tags): a `TextArea` and, below it, the
problems CoreWeave's documented rules find in what is typed, refreshed on every change.

Ctrl+S checks the text: with problems nothing is sent and the text stays as typed; without, the change is
applied while the editor stays open, so a refusal from the server also shows here and loses nothing.
An empty list (or no tags) removes the configuration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from cwos_tui.cloud.bucket_rules import Checked
from cwos_tui.cloud.errors import CloudError
from cwos_tui.ui import commands
from cwos_tui.ui.messages import WorkFailed
from cwos_tui.ui.text import safe_text

MAX_SHOWN = 8


class EditorApplied(Message):
    def __init__(self, error: BaseException | None, notice: str = "") -> None:
        super().__init__()
        self.error = error
        self.notice = notice


def problems_text(checked: Checked) -> Text:
    if checked.ok:
        return Text("✔ no problems found (Ctrl+S applies)", style="green")
    out = Text()
    count = len(checked.problems)
    out.append(f"{count} problem{'s' * (count != 1)}; nothing is sent until fixed:", style="bold red")
    for problem in checked.problems[:MAX_SHOWN]:
        out.append("\n✖ ", style="bold red")
        out.append(safe_text(problem))
    if count > MAX_SHOWN:
        out.append(f"\n… and {count - MAX_SHOWN} more")
    return out


class BucketEditorScreen(ModalScreen[str | None]):
    """`check(text)` says what the text means; `apply(value)` sends it. Dismisses with a notice text."""

    BINDINGS = commands.screen_bindings("bucket-editor")
    DEFAULT_CSS = """
    BucketEditorScreen { align: center middle; }
    BucketEditorScreen > #be-box { width: 100%; height: 100%; border: round $accent; border-title-style: bold;
        background: $surface; }
    BucketEditorScreen #be-text { height: 1fr; }
    BucketEditorScreen #be-problems-scroll { height: auto; max-height: 7; }
    BucketEditorScreen #be-problems { height: auto; }
    BucketEditorScreen #be-status { height: auto; color: $error; text-style: bold; }
    BucketEditorScreen #be-help { height: 1; color: $text-muted; }
    """

    def __init__(self, title: str, text: str, check: Callable[[str], Checked],
                 apply: Callable[[Any], Awaitable[str]], *, hint: str = "") -> None:
        super().__init__()
        self.editor_title = title
        self.initial = text
        self.check = check
        self.apply = apply
        self.hint = hint
        self.checked = check(text)
        self.working = False

    def compose(self) -> ComposeResult:
        with Vertical(id="be-box") as box:
            box.border_title = Text(safe_text(self.editor_title))
            area = TextArea(self.initial, show_line_numbers=True, soft_wrap=False, id="be-text", tab_behavior="indent")
            area.cursor_blink = False  # SSH first: no redraws while idle (and pictures of it do not flicker)
            yield area
            with VerticalScroll(id="be-problems-scroll"):
                yield Static("", id="be-problems", markup=False)
            yield Static("", id="be-status", markup=False)
            yield Static(f"Ctrl+S check & apply  Esc cancel{'  ' + self.hint if self.hint else ''}", id="be-help",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one("#be-problems", Static).update(problems_text(self.checked))
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.checked = self.check(self.text)
        self.query_one("#be-problems", Static).update(problems_text(self.checked))
        self.query_one("#be-status", Static).update("")

    def action_apply(self) -> None:
        if self.working:
            return
        self.checked = self.check(self.text)
        self.query_one("#be-problems", Static).update(problems_text(self.checked))
        if not self.checked.ok:
            count = len(self.checked.problems)
            self.query_one("#be-status", Static).update(
                f"Not sent: fix {count} problem{'s' * (count != 1)} first (your text is kept).")
            return
        self.working = True
        self.query_one("#be-status", Static).update("Applying…")
        value = self.checked.value

        async def guarded() -> None:
            try:
                notice = await self.apply(value)
            except Exception as exc:  # shown here, or sent to the one error path
                self.post_message(EditorApplied(exc))
                return
            self.post_message(EditorApplied(None, notice))

        self.run_worker(guarded(), group="bucket-editor", exclusive=True, exit_on_error=False)

    def on_editor_applied(self, message: EditorApplied) -> None:
        message.stop()
        self.working = False
        error = message.error
        if error is None:
            self.dismiss(message.notice or "Applied")
            return
        if isinstance(error, CloudError) and not error.needs_reauth:
            self.query_one("#be-status", Static).update(safe_text(f"Not applied: {error.message}"))
            return
        self.app.post_message(WorkFailed(self.editor_title, error))
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
