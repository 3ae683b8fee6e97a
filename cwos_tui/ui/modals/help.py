"""F1 / `?`: the keys and commands of the focused pane, generated from the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cwos_tui.ui import commands
from cwos_tui.ui.gate import Gate

Refusal = Callable[[commands.Command], "str | None"]


def _order(pane: str) -> list[commands.Command]:
    """This pane's own commands first, then what every list shares, then the app-wide ones."""
    applying = [c for c in commands.APP_COMMANDS if commands.applies(c, pane)]
    own = [c for c in applying if c.contexts != commands.ALL_PANES]
    shared = [c for c in applying if c.contexts == commands.ALL_PANES and c.id.startswith("list.")]
    rest = [c for c in applying if c not in own and c not in shared]
    return own + shared + rest


def help_text(pane: str, gate: Gate | Refusal, keymap: Mapping[str, str]) -> Group:
    """A table of key, command and note for everything that applies in `pane`."""
    refusal_of: Refusal = gate.refusal if isinstance(gate, Gate) else gate
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
    table.add_column("keys", no_wrap=True, width=11)
    table.add_column("command", no_wrap=True, width=17)
    table.add_column("note", ratio=1)
    for command in _order(pane):
        keys = commands.key_display(commands.effective_keys(command, keymap))
        refusal = refusal_of(command)
        note = command.description
        if command.mutates:
            note += " Changes data."
        if command.permission:
            note += f" Needs {command.permission}."
        if refusal:
            note += f" Now: {refusal.split(': ', 1)[-1]}."
        style = "dim" if refusal else ""
        table.add_row(Text(keys, style or "bold"), Text(command.title, style), Text(note, style))
    title = Text(f"{commands.PANE_TITLES.get(pane, pane)} pane: keys\n", "bold")
    footer = Text.assemble(
        ("\n: commands ", "bold"), ":tokens :keys :pol :b :b bucket/prefix/ :objects :q, or a command id\n",
        ("Esc, F1 or ? closes this help.", "dim"),
    )
    return Group(title, table, footer)


def help_plain(body: Group) -> str:
    """The help text without styles (for tests and logs)."""
    import io

    from rich.console import Console

    console = Console(width=100, file=io.StringIO(), color_system=None)
    console.print(body)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


class HelpScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("help")
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96%; max-width: 110; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, pane: str, gate: Gate | Refusal, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.pane = pane
        self.body = help_text(pane, gate, keymap)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.body, id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)
