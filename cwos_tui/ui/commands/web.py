"""Commands that exist for the dashboard served to a browser (`cwos-tui serve`)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

COMMANDS: tuple[Command, ...] = (
    # show=False: the terminal's footer stays as it is; help and the palette list it
    Command("objects.save_browser", "Save to browser", "ctrl+s",
            "Served in a browser: download the selected object through the browser (its own download, "
            "streamed from S3, nothing kept on the server).", contexts=frozenset({"objects"}),
            permission="s3:GetObject", resource="object", show=False, footer="Save", priority=60,
            aliases=("save",)),
)
