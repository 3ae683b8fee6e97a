"""The access simulator: "may principal P do action A on resource R?" over the live policies (or edited
ones, for a what-if), answering allow/deny, the deciding step and every matched statement. Several
principals or actions (comma-separated) give a matrix for the resource. For the caller, the answer is
cross-checked with AuthCanI and a mismatch is shown.

The screen only asks: the `Evaluate` function it is given (from the pane) fetches and decides in a worker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

from cwos_tui.cloud.policy.simulate import Simulation
from cwos_tui.ui.messages import WorkFailed
from cwos_tui.ui.modals.form import FormScreen
from cwos_tui.ui.mutation import run_work
from cwos_tui.ui.text import safe_text


@dataclass(frozen=True)
class SimulationQuery:
    principals: tuple[str, ...]
    actions: tuple[str, ...]
    resource: str


@dataclass(frozen=True)
class SimulationCell:
    principal: str
    action: str
    result: Simulation
    #: AuthCanI's answer when the principal is the caller (None: not asked)
    can_i: bool | None = None

    @property
    def mismatch(self) -> bool:
        return self.can_i is not None and self.can_i != self.result.decision.allowed


class SimulationAnswer(Message):
    """Every (principal, action) answer for the resource, plus notes (e.g. an unreadable bucket policy)."""

    def __init__(self, cells: Sequence[SimulationCell], notes: Sequence[str] = ()) -> None:
        super().__init__()
        self.cells = list(cells)
        self.notes = list(notes)


Evaluate = Callable[[SimulationQuery], Awaitable[SimulationAnswer]]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def verdict(result: Simulation) -> Text:
    allowed = result.decision.allowed
    return Text("✔ allow" if allowed else "✖ deny", style="bold green" if allowed else "bold red")


def single(cell: SimulationCell) -> RenderableType:
    result = cell.result
    out = Text()
    out.append_text(verdict(result))
    out.append(f"  step {result.step}\n", style="bold")
    out.append(safe_text(result.decision.explain()) + "\n")
    if result.matched:
        out.append("Matched statements:\n", style="bold")
    for m in result.matched:
        style = "green" if m.effect == "Allow" else "red"
        out.append(f"  {m.effect:<5} ", style=style)
        out.append(safe_text(f"{m.source} policy {m.policy} / statement {m.statement}") + "\n")
    out.append_text(_can_i_line(cell))
    return out


def _can_i_line(cell: SimulationCell) -> Text:
    if cell.can_i is None:
        return Text("")
    word = "allowed" if cell.can_i else "denied"
    if not cell.mismatch:
        return Text(f"AuthCanI agrees for you: {word}.", style="green")
    hint = " (the Object Storage Admin role grants every cwobject action)" if cell.action.lower().startswith(
        "cwobject:") and cell.can_i else ""
    return Text(f"⚠ Mismatch: AuthCanI says {word} for you{hint}.", style="bold yellow")


def matrix(cells: Sequence[SimulationCell]) -> RenderableType:
    principals = list(dict.fromkeys(c.principal for c in cells))
    actions = list(dict.fromkeys(c.action for c in cells))
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column("Principal", overflow="fold")
    for action in actions:
        table.add_column(safe_text(action), overflow="fold")
    by_key = {(c.principal, c.action): c for c in cells}
    for principal in principals:
        row: list[RenderableType] = [Text(safe_text(principal))]
        for action in actions:
            cell = by_key[(principal, action)]
            text = verdict(cell.result)
            text.append(f"\n{cell.result.step}", style="dim")
            if cell.mismatch:
                text.append("\n⚠ AuthCanI differs", style="yellow")
            row.append(text)
        table.add_row(*row)
    return table


class SimulatorScreen(FormScreen[None]):
    """Enter runs the question; Esc closes."""

    DEFAULT_CSS = """
    SimulatorScreen { align: center middle; }
    SimulatorScreen > Vertical { width: 100%; max-width: 110; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1; }
    SimulatorScreen Horizontal { height: auto; }
    SimulatorScreen Horizontal { margin-bottom: 1; }
    SimulatorScreen Label { width: 11; }
    SimulatorScreen Input { width: 1fr; }
    SimulatorScreen #sim-scroll { height: auto; max-height: 60vh; }
    SimulatorScreen #sim-help { color: $text-muted; height: auto; }
    """

    def __init__(self, title: str, evaluate: Evaluate, *, principal: str = "", action: str = "s3:GetObject",
                 resource: str = "*") -> None:
        super().__init__()
        self.sim_title = title
        self.evaluate = evaluate
        self.defaults = (principal, action, resource)
        self.answer: SimulationAnswer | None = None

    def compose(self) -> ComposeResult:
        principal, action, resource = self.defaults
        with Vertical() as box:
            box.border_title = safe_text(self.sim_title)
            for label, value, ident in (("Principal", principal, "sim-principal"), ("Action", action, "sim-action"),
                                        ("Resource", resource, "sim-resource")):
                with Horizontal():
                    yield Label(label)
                    yield Input(value, id=ident, compact=True)
            yield Static("Enter asks. Commas in Principal or Action give a matrix. Resource: *, bucket, bucket/key "
                         "or an ARN. Esc closes.", id="sim-help", markup=False)
            with VerticalScroll(id="sim-scroll"):
                yield Static("", id="sim-result")

    def on_mount(self) -> None:
        self.query_one("#sim-principal", Input).focus()

    def current_query(self) -> SimulationQuery:
        def value(ident: str) -> str:
            return self.query_one(f"#{ident}", Input).value

        return SimulationQuery(_split(value("sim-principal")), _split(value("sim-action")),
                               value("sim-resource").strip() or "*")

    def submit(self) -> None:
        question = self.current_query()
        if not question.principals or not question.actions:
            self.show(Text("Name at least one principal and one action.", style="yellow"))
            return
        self.show(Text("Asking…", style="dim"))
        run_work(self, self.evaluate(question), "simulate", "simulate")

    def show(self, renderable: RenderableType) -> None:
        self.query_one("#sim-result", Static).update(renderable)

    def on_work_failed(self, message: WorkFailed) -> None:
        """Say it here too; the message goes on to the app's one error handler."""
        self.show(Text("The question could not be answered (see the notice).", style="red"))

    def on_simulation_answer(self, message: SimulationAnswer) -> None:
        message.stop()
        self.answer = message
        notes = [Text(safe_text(note), style="yellow") for note in message.notes]
        if len(message.cells) == 1:
            body = single(message.cells[0])
        elif message.cells:
            body = matrix(message.cells)
        else:
            body = Text("")
        self.show(Group(*notes, body))
