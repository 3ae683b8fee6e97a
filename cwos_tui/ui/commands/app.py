"""App-wide commands: help, palette, the command line, quit, setup and the pane switches."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command, pane_command

COMMANDS: tuple[Command, ...] = (
    Command("app.help", "Help", "f1,question_mark", "Keys and commands of the focused pane.", footer="Help",
            priority=10),
    Command("app.palette", "Command palette", "ctrl+p", "Search every command of every pane.", footer="Palette",
            priority=90),
    Command("app.command", "Command line", "colon", "Type a command: :keys, :pol, :b bucket/prefix/ ...",
            footer="Cmd", priority=20),
    Command("app.quit", "Quit", "ctrl+q", "Leave cwos-tui (asks first when a dialog holds typed input).",
            footer="Quit", priority=5, aliases=("q", "quit")),
    Command("app.setup", "Setup wizard", "f2", "Set up a profile step by step (:setup NAME edits a saved one).",
            footer="Setup", show=False, aliases=("setup", "wizard")),
    pane_command("tokens", "1", ("tokens", "token", "tok", "t"), None),
    pane_command("keys", "2", ("keys", "key", "k", "accesskeys"), "cwobject:ListAccessKeyInfo"),
    pane_command("policies", "3", ("pol", "policies", "policy", "p"), "cwobject:ListAccessPolicy"),
    pane_command("buckets", "4", ("b", "buckets", "bucket"), None),
    pane_command("objects", "5", ("o", "objects", "obj"), None),
)
