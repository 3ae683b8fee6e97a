"""Keys of modal screens: dialogs, help, the detail view and the setup wizard. Their handlers are the
screens' own actions (a test checks that each exists on every screen class of its context)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

DIALOG = frozenset({"dialog"})
CONFIRM = frozenset({"confirm"})
HELP = frozenset({"help"})
DETAIL = frozenset({"detail"})
WIZARD = frozenset({"wizard"})
PROGRESS = frozenset({"progress"})

COMMANDS: tuple[Command, ...] = (
    Command("dialog.cancel", "Cancel", "escape", "Close the dialog without doing anything.",
            contexts=DIALOG | CONFIRM, footer="Cancel", action="cancel"),
    Command("progress.stop", "Stop", "escape", "Stop the job after the batch in flight; what is done stays done.",
            contexts=PROGRESS, footer="Stop", action="stop"),
    Command("confirm.no", "No", "n", "Answer no: nothing is changed.", contexts=CONFIRM, show=False,
            action="cancel"),
    Command("help.close", "Close help", "escape,f1,question_mark,q", "Close this help.", contexts=HELP,
            footer="Close", action="close"),
    Command("detail.close", "Close details", "escape,q,enter", "Close the details.", contexts=DETAIL,
            footer="Close", action="close"),
    Command("detail.copy", "Copy field", "c", "Copy the selected field's value (OSC 52) and show it.",
            contexts=DETAIL, footer="Copy field", action="copy"),
    Command("detail.down", "Next field", "down,j", "Select the next field.", contexts=DETAIL, show=False,
            action="move(1)"),
    Command("detail.up", "Previous field", "up,k", "Select the previous field.", contexts=DETAIL, show=False,
            action="move(-1)"),
    Command("detail.page_down", "Page down", "pagedown", "Scroll one page down.", contexts=DETAIL, show=False,
            action="page(1)"),
    Command("detail.page_up", "Page up", "pageup", "Scroll one page up.", contexts=DETAIL, show=False,
            action="page(-1)"),
    Command("detail.top", "First field", "home,g", "Select the first field.", contexts=DETAIL, show=False,
            action="edge(0)"),
    Command("detail.bottom", "Last field", "end,G", "Select the last field.", contexts=DETAIL, show=False,
            action="edge(1)"),
    Command("wizard.back", "Back / skip", "escape", "The previous page; on the first page, leave setup.",
            contexts=WIZARD, footer="Back / skip", action="back"),
    Command("wizard.next", "Next", "ctrl+n", "The next page (Enter in a field does the same).", contexts=WIZARD,
            footer="Next", action="next"),
    Command("wizard.retest", "Test again", "ctrl+r", "Run the connection test again.", contexts=WIZARD,
            show=False, action="retest"),
)
