"""The Transfers pane (`6`): the queue of uploads and downloads, and the "file exists" question.

Upload (`u`) and download (`D`) themselves are Objects pane commands (`objects.py`): they act on the open
folder and the selection there.
"""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command, pane_command

_TRANSFERS = frozenset({"transfers"})
CONFLICT = frozenset({"conflict"})

COMMANDS: tuple[Command, ...] = (
    pane_command("transfers", "6", ("transfers", "tr", "queue"), None),
    Command("transfers.cancel", "Cancel transfer", "x", "Cancel the selected transfer (an upload's parts are "
            "aborted, a download's partial file removed).", contexts=_TRANSFERS, footer="Cancel", priority=31),
    Command("transfers.cancel_all", "Cancel all transfers", "X", "Cancel every queued or running transfer.",
            contexts=_TRANSFERS, footer="Cancel all", priority=32, aliases=("cancel-transfers",)),
    Command("transfers.retry", "Retry failed", "R", "Queue the selected failed or cancelled transfer again "
            "(`:retry all` for every one).", contexts=_TRANSFERS, footer="Retry", priority=33,
            aliases=("retry",)),
    Command("transfers.clear", "Clear finished", "C", "Remove finished transfers from the list (files stay).",
            contexts=_TRANSFERS, footer="Clear", priority=34),
    Command("conflict.overwrite", "Overwrite", "o", "Replace the existing file.", contexts=CONFLICT,
            footer="Overwrite", action="answer('overwrite')"),
    Command("conflict.skip", "Skip", "s", "Leave the existing file and do not transfer this one.",
            contexts=CONFLICT, footer="Skip", action="answer('skip')"),
    Command("conflict.rename", "Rename", "r", "Keep both: the new file gets a free name (name (1).ext).",
            contexts=CONFLICT, footer="Rename", action="answer('rename')"),
    Command("conflict.cancel", "Cancel download", "escape", "Transfer nothing (no file is touched).",
            contexts=CONFLICT, footer="Cancel", action="cancel"),
    Command("conflict.all", "Apply to all", "a", "Use the next answer for every remaining conflict.",
            contexts=CONFLICT, footer="All", action="toggle_all"),
)
