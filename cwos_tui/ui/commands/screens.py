"""Keys of modal screens: dialogs, help and the detail view. Their handlers are the screens' actions."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

DIALOG = frozenset({"dialog"})
HELP = frozenset({"help"})
DETAIL = frozenset({"detail"})

COMMANDS: tuple[Command, ...] = (
    Command("dialog.cancel", "Cancel", "escape", "Close the dialog without doing anything.", contexts=DIALOG,
            footer="Cancel", action="cancel"),
    Command("help.close", "Close help", "escape,f1,question_mark,q", "Close this help.", contexts=HELP,
            footer="Close", action="dismiss"),
    Command("detail.copy", "Copy field", "c", "Copy the selected field's value (OSC 52) and show it.",
            contexts=DETAIL, footer="Copy", action="copy"),
    Command("detail.close", "Close details", "escape,q", "Close the details.", contexts=DETAIL, footer="Close",
            action="close"),
)
