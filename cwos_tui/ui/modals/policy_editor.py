"""The policy editor: a `TextArea` with line numbers and, beside it, the validator's findings for what is
typed, refreshed on every change. Ctrl+S answers with the text when it has no error (the pane then shows
the diff against the server version before anything is applied); Esc leaves without applying.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from cwos_tui.cloud.policy.findings import Finding, Severity
from cwos_tui.cloud.policy.lint import LintReport, PolicyKind, lint_text
from cwos_tui.ui import commands
from cwos_tui.ui.text import safe_text

MARKS = {Severity.ERROR: ("✖", "bold red"), Severity.WARNING: ("▲", "yellow"), Severity.SUGGESTION: ("•", "cyan")}


def findings_text(findings: tuple[Finding, ...]) -> Text:
    """One entry per finding, by line: `L5:12 ✖ message` (plain text; messages may quote user input)."""
    out = Text()
    if not findings:
        out.append("✔ no problems found", style="green")
    for number, finding in enumerate(findings):
        mark, style = MARKS[finding.severity]
        if number:
            out.append("\n")
        out.append(f"L{finding.line}:{finding.column} ", style="bold")
        out.append(f"{mark} ", style=style)
        out.append(safe_text(finding.message))
        out.append(f" [{finding.rule}]", style="dim")
    return out


def summary(report: LintReport) -> str:
    counts = report.counts()
    parts = [f"{counts[s]} {s.value}{'s' * (counts[s] != 1)}" for s in Severity if counts[s]]
    return ", ".join(parts) or "no problems"


class PolicyEditorScreen(ModalScreen[str | None]):
    BINDINGS = commands.screen_bindings("policy-editor")
    DEFAULT_CSS = """
    PolicyEditorScreen { align: center middle; }
    PolicyEditorScreen > #pe-box { width: 100%; height: 100%; border: round $accent; border-title-style: bold;
        background: $surface; }
    PolicyEditorScreen #pe-main { height: 1fr; }
    PolicyEditorScreen #pe-text { width: 3fr; height: 100%; }
    PolicyEditorScreen #pe-side { width: 2fr; height: 100%; border-left: solid $panel-lighten-2; padding: 0 1; }
    PolicyEditorScreen #pe-summary { height: 1; text-style: bold; }
    PolicyEditorScreen #pe-problem { height: auto; color: $error; text-style: bold; }
    PolicyEditorScreen #pe-help { height: 1; color: $text-muted; }
    """

    def __init__(self, title: str, text: str, *, kind: PolicyKind = "org", bucket: str | None = None,
                 on_simulate: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.on_simulate = on_simulate
        self.editor_title = title
        self.initial = text
        self.kind: PolicyKind = kind
        self.bucket = bucket
        self.report = lint_text(text, kind=kind, bucket=bucket)
        #: the text `report` was made from (the findings follow every change)
        self.linted = text

    def compose(self) -> ComposeResult:
        with Vertical(id="pe-box") as box:
            box.border_title = Text(safe_text(self.editor_title))
            with Horizontal(id="pe-main"):
                yield TextArea(self.initial, show_line_numbers=True, soft_wrap=False, id="pe-text")
                with Vertical(id="pe-side"):
                    yield Static("", id="pe-summary", markup=False)
                    with VerticalScroll(id="pe-findings-scroll"):
                        yield Static("", id="pe-findings", markup=False)
            yield Static("", id="pe-problem", markup=False)
            keys = "Ctrl+S review & apply  Ctrl+T what-if  Esc cancel" if self.on_simulate else \
                "Ctrl+S review & apply  Esc cancel"
            yield Static(keys, id="pe-help", markup=False)

    def on_mount(self) -> None:
        self.show_findings()
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.linted = self.text
        self.report = lint_text(self.linted, kind=self.kind, bucket=self.bucket)
        self.query_one("#pe-problem", Static).update("")
        self.show_findings()

    def show_findings(self) -> None:
        self.query_one("#pe-summary", Static).update(summary(self.report))
        self.query_one("#pe-findings", Static).update(findings_text(self.report.findings))

    def refuse_errors(self, doing: str) -> bool:
        """True (and the first error shown) when the text has errors."""
        if self.report.ok:
            return False
        errors = self.report.counts()[Severity.ERROR]
        first = next(f for f in self.report.findings if f.severity is Severity.ERROR)
        self.query_one("#pe-problem", Static).update(
            f"Not {doing}: fix {errors} error{'s' * (errors != 1)} first (line {first.line}).")
        self.query_one(TextArea).move_cursor((first.line - 1, max(first.column - 1, 0)))
        return True

    def action_simulate(self) -> None:
        if self.on_simulate is not None and not self.refuse_errors("simulated"):
            self.on_simulate(self.text)

    def action_apply(self) -> None:
        if self.refuse_errors("applied"):
            return
        self.dismiss(self.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
