"""The one command registry: every user action is declared here exactly once.

Key bindings, the footer, the F1 help, the Ctrl+P palette, `:` commands, keymap overrides from the
settings file, read-only mode and permission dimming are all derived from `COMMANDS`. Bindings are
generated as `app.run('<id>')` with the command id as the binding id, so `App.set_keymap` (fed from
`Settings.keymap`) re-binds them by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding, BindingType

PANES = ("tokens", "keys", "policies", "buckets", "objects")
PANE_TITLES = {
    "tokens": "Tokens",
    "keys": "Access keys",
    "policies": "Policies",
    "buckets": "Buckets",
    "objects": "Objects",
}
ALL_PANES = frozenset(PANES)


@dataclass(frozen=True)
class Command:
    """One user action. `panes` says where it applies; `permission` is a cwobject:/s3: action name."""

    id: str
    title: str
    keys: str
    description: str
    panes: frozenset[str] = ALL_PANES
    mutates: bool = False
    permission: str | None = None
    show: bool = True
    footer: str = ""
    aliases: tuple[str, ...] = field(default=())
    #: A Textual action to bind instead of `app.run('<id>')` (for actions Textual itself provides).
    action: str = ""

    @property
    def label(self) -> str:
        return self.footer or self.title


def _pane(pane: str, key: str, aliases: tuple[str, ...], permission: str | None) -> Command:
    title = PANE_TITLES[pane]
    return Command(
        f"pane.{pane}", f"Go to {title}", key, f"Show the {title} pane.", show=False,
        permission=permission, aliases=aliases,
    )


COMMANDS: tuple[Command, ...] = (
    Command("app.help", "Help", "f1,question_mark", "Keys and commands of the focused pane.", footer="Help"),
    Command("app.palette", "Command palette", "ctrl+p", "Search every command.", footer="Palette",
            action="command_palette"),
    Command("app.command", "Command line", "colon", "Type a command: :keys, :pol, :b bucket/prefix/ ...",
            footer="Cmd", aliases=()),
    Command("app.quit", "Quit", "ctrl+q", "Leave cwos-tui.", footer="Quit", aliases=("q", "quit"),
            action="quit"),
    Command("app.setup", "Setup wizard", "f2", "Set up a profile step by step (:setup NAME edits a saved one).",
            footer="Setup", show=False, aliases=("setup", "wizard")),
    _pane("tokens", "1", ("tokens", "token", "tok", "t"), None),
    _pane("keys", "2", ("keys", "key", "k", "accesskeys"), "cwobject:ListAccessKeyInfo"),
    _pane("policies", "3", ("pol", "policies", "policy", "p"), "cwobject:ListAccessPolicy"),
    _pane("buckets", "4", ("b", "buckets", "bucket"), None),
    _pane("objects", "5", ("o", "objects", "obj"), None),
    Command("list.refresh", "Refresh", "r", "Load this pane's data again.", footer="Refresh"),
    Command("list.filter", "Filter", "slash", "Filter the loaded rows (local, not a server search).",
            footer="Filter"),
    Command("list.copy", "Copy", "c", "Copy the selected name or ID (OSC 52) and show it.", footer="Copy"),
    Command("list.open", "Open", "enter", "Open the selected bucket or folder.",
            panes=frozenset({"buckets", "objects"}), footer="Open"),
    Command("objects.up", "Up", "backspace,escape", "Go up one folder (to Buckets from a bucket's root).",
            panes=frozenset({"objects"}), footer="Up"),
    Command("objects.delete", "Delete object", "d", "Delete the selected object (asks first).",
            panes=frozenset({"objects"}), mutates=True, permission="s3:DeleteObject", footer="Delete"),
    # ---- Access keys and Tokens (panes/keys.py, panes/tokens.py) ----
    Command("keys.create", "New access key", "n", "Create a temporary or permanent key; its secret is shown once.",
            panes=frozenset({"keys"}), mutates=True, permission="cwobject:CreateAccessKey", footer="New",
            aliases=("newkey",)),
    Command("keys.exchange", "Exchange credential", "x",
            "Exchange the API token, an OIDC token or a SAML response for a session key.",
            panes=frozenset({"keys"}), mutates=True, footer="Exchange", aliases=("exchange",)),
    Command("keys.revoke", "Revoke key", "d", "Revoke the selected key (type its ID to confirm).",
            panes=frozenset({"keys"}), mutates=True, permission="cwobject:RevokeAccessKeyByAccessKey",
            footer="Revoke"),
    Command("keys.revoke_all", "Revoke all keys of principal", "D",
            "Revoke every key of the selected key's principal (type the principal to confirm).",
            panes=frozenset({"keys"}), mutates=True, permission="cwobject:RevokeAccessKeysByPrincipal",
            show=False, footer="Revoke all"),
    Command("keys.suspend", "Suspend principal's keys", "s", "Suspend every key of the selected key's principal.",
            panes=frozenset({"keys"}), mutates=True, permission="cwobject:UpdateAccessKeyStatus", footer="Suspend"),
    Command("keys.reactivate", "Reactivate principal's keys", "a",
            "Reactivate every suspended key of the selected key's principal.",
            panes=frozenset({"keys"}), mutates=True, permission="cwobject:UpdateAccessKeyStatus",
            show=False, footer="Reactivate"),
    Command("keys.sort", "Sort keys", "o", "Cycle the sort: server order, expiry, key ID, principal, status, name.",
            panes=frozenset({"keys"}), show=False, footer="Sort"),
    Command("tokens.add", "Add token", "n", "Add an API token (masked) with a label and optional expiry.",
            panes=frozenset({"tokens"}), footer="Add", aliases=("addtoken",)),
    Command("tokens.validate", "Validate token", "v", "Ask whoami and AuthCanI what the selected token may do.",
            panes=frozenset({"tokens"}), footer="Validate"),
    Command("tokens.use", "Use token", "u", "Make the selected token this profile's token and reload.",
            panes=frozenset({"tokens"}), footer="Use"),
    Command("tokens.remove", "Remove token", "d", "Forget the selected token (asks first).",
            panes=frozenset({"tokens"}), footer="Remove"),
    Command("list.down", "Cursor down", "down,j", "Move the cursor down.", show=False),
    Command("list.up", "Cursor up", "up,k", "Move the cursor up.", show=False),
    Command("list.page_down", "Page down", "pagedown", "Move one page down.", show=False),
    Command("list.page_up", "Page up", "pageup", "Move one page up.", show=False),
    Command("list.top", "First row", "home,g", "Jump to the first row.", show=False),
    Command("list.bottom", "Last row", "end,G", "Jump to the last loaded row.", show=False),
)

BY_ID: dict[str, Command] = {command.id: command for command in COMMANDS}
BY_ALIAS: dict[str, Command] = {alias: c for c in COMMANDS for alias in c.aliases}

_KEY_NAMES = {"question_mark": "?", "colon": ":", "slash": "/", "backspace": "bksp", "escape": "esc"}


def get(command_id: str) -> Command | None:
    return BY_ID.get(command_id)


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


def bindings(commands: Iterable[Command] = COMMANDS) -> list[BindingType]:
    """Textual bindings for the registry; each binding's id is the command id (for keymaps)."""
    return [
        Binding(c.keys, c.action or f"app.run('{c.id}')", c.label, show=c.show, id=c.id, tooltip=c.description)
        for c in commands
    ]


def applies(command: Command, pane: str) -> bool:
    return pane in command.panes


@dataclass
class Gate:
    """What the session may do: read-only mode plus AuthCanI verdicts (permission -> allowed)."""

    read_only: bool = False
    verdicts: dict[str, bool] = field(default_factory=dict)

    def refusal(self, command: Command) -> str | None:
        """Why `command` is refused now, or None when it may run. Unknown verdicts do not block."""
        if command.mutates and self.read_only:
            return f"{command.title}: refused, the session is read-only"
        if command.permission and self.verdicts.get(command.permission) is False:
            return f"{command.title}: refused, your principal lacks {command.permission}"
        return None


def permissions_needed(commands: Iterable[Command] = COMMANDS) -> list[str]:
    """Distinct permissions the registry checks with AuthCanI, in a stable order."""
    return sorted({c.permission for c in commands if c.permission})


@dataclass(frozen=True)
class ParsedLine:
    """A `:` command line resolved to a command id plus an optional argument."""

    command_id: str
    argument: str = ""


def parse_command_line(text: str) -> ParsedLine | None:
    """`:b bucket/prefix/`, `:keys`, `:pol`, `:objects.delete` ... -> ParsedLine, or None if unknown."""
    words = text.strip().lstrip(":").strip().split(maxsplit=1)
    if not words:
        return None
    head = words[0]
    argument = words[1].strip() if len(words) > 1 else ""
    command = BY_ALIAS.get(head) or BY_ALIAS.get(head.lower()) or BY_ID.get(head)
    if command is None:
        return None
    return ParsedLine(command.id, argument)


def split_location(argument: str) -> tuple[str, str]:
    """`s3://bucket/a/b/` or `bucket/a/b/` -> ("bucket", "a/b/"); the prefix keeps its trailing slash."""
    text = argument.strip().removeprefix("s3://").lstrip("/")
    bucket, _, prefix = text.partition("/")
    return bucket, prefix
