"""What a command is: one user action with a stable id, keys, help text and the rules that gate it.

Contexts are where a command applies: a pane id (`keys`, `objects`, ...) or a screen (`dialog`, `help`,
`detail`, `wizard`). Bindings, footer, help, palette, `:` lines, keymaps, read-only mode and permission
dimming all derive from these records; nothing else declares a key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding, BindingType

PANES = ("tokens", "keys", "policies", "buckets", "objects", "transfers")
PANE_TITLES = {
    "tokens": "Tokens",
    "keys": "Access keys",
    "policies": "Policies",
    "buckets": "Buckets",
    "objects": "Objects",
    "transfers": "Transfers",
}
SCREEN_TITLES = {"dialog": "Dialogs", "help": "Help", "detail": "Details", "wizard": "Setup wizard",
                 "policy-view": "Policy", "policy-editor": "Policy editor",
                 "preview": "Preview", "versions": "Versions", "uploads": "Incomplete uploads",
                 "bucket-editor": "Bucket rules editor", "bucket-form": "Bucket forms",
                 "conflict": "File exists"}
ALL_PANES = frozenset(PANES)


@dataclass(frozen=True)
class Command:
    """One user action. `permission` is the cwobject:/s3: action it needs; `resource` says on what:
    `*` (org-wide control-plane actions), `bucket` (the open bucket) or `object` (a key in it)."""

    id: str
    title: str
    keys: str
    description: str
    contexts: frozenset[str] = ALL_PANES
    mutates: bool = False
    permission: str | None = None
    resource: str = "*"
    show: bool = True
    footer: str = ""
    #: lower comes first in the footer; what does not fit at the terminal's width is left out
    priority: int = 50
    aliases: tuple[str, ...] = field(default=())
    #: Screen commands name the screen's own Textual action (`cancel` -> `action_cancel`).
    action: str = ""

    @property
    def label(self) -> str:
        return self.footer or self.title

    @property
    def on_screen(self) -> bool:
        """True for commands of modal screens (their handler is the screen's action)."""
        return bool(self.action)


def pane_command(pane: str, key: str, aliases: tuple[str, ...], permission: str | None) -> Command:
    title = PANE_TITLES[pane]
    return Command(f"pane.{pane}", f"Go to {title}", key, f"Show the {title} pane.", show=False,
                   permission=permission, aliases=aliases)


_KEY_NAMES = {"question_mark": "?", "colon": ":", "slash": "/", "backspace": "bksp", "escape": "esc",
              "enter": "Enter", "tab": "Tab"}


#: Judged by the app before the focused widget sees the key: Ctrl+Q from any screen, and `:` / `/`, so
#: the keys typed right after them (a fast typist, a paste) already find the line open and focused.
#: (`CwosApp.run_action` lets `:` and `/` through to a focused input or a dialog.)
PRIORITY = frozenset({"app.quit", "app.command", "list.filter"})


def effective_keys(command: Command, keymap: Mapping[str, str]) -> str:
    """The keys a command answers to after the user's keymap (user keys always win)."""
    return keymap.get(command.id, command.keys)


def key_display(keys: str) -> str:
    """`f1,question_mark` -> `F1 ?` for help and palette text."""
    shown = []
    for key in keys.split(","):
        key = key.strip()
        name = _KEY_NAMES.get(key, key)
        shown.append(name.upper() if name.startswith("f") and name[1:].isdigit() else name)
    return " ".join(shown)


def bindings(commands: Iterable[Command]) -> list[BindingType]:
    """Textual bindings; each binding's id is the command id (for keymaps). App-level commands run
    through `app.run('<id>')`; screen commands call the screen's action directly."""
    result: list[BindingType] = []
    for c in commands:
        action = c.action if c.on_screen else f"app.run('{c.id}')"
        priority = c.id in PRIORITY
        result.append(Binding(c.keys, action, c.label, show=c.show, id=c.id, tooltip=c.description,
                              priority=priority))
    return result


def applies(command: Command, context: str) -> bool:
    return context in command.contexts


@dataclass(frozen=True)
class ParsedLine:
    """A `:` command line resolved to a command id plus an optional argument."""

    command_id: str
    argument: str = ""


def split_location(argument: str) -> tuple[str, str]:
    """`s3://bucket/a/b/` or `bucket/a/b/` -> ("bucket", "a/b/"); the prefix keeps its trailing slash."""
    text = argument.strip().removeprefix("s3://").lstrip("/")
    bucket, _, prefix = text.partition("/")
    return bucket, prefix
