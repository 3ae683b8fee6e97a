"""Access keys pane commands (handlers in panes/keys.py)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_KEYS = frozenset({"keys"})

COMMANDS: tuple[Command, ...] = (
    Command("keys.create", "New access key", "n", "Create a temporary or permanent key; its secret is shown once.",
            contexts=_KEYS, mutates=True, permission="cwobject:CreateAccessKey", footer="New", priority=11,
            aliases=("newkey",)),
    Command("keys.exchange", "Exchange credential", "x",
            "Exchange the API token, an OIDC token or a SAML response for a session key.",
            contexts=_KEYS, mutates=True, footer="Exchange", priority=31, aliases=("exchange",)),
    Command("keys.revoke", "Revoke key", "d", "Revoke the selected key (type its ID to confirm).",
            contexts=_KEYS, mutates=True, permission="cwobject:RevokeAccessKeyByAccessKey", footer="Revoke",
            priority=32),
    Command("keys.revoke_all", "Revoke all keys of principal", "D",
            "Revoke every key of the selected key's principal (type the principal to confirm).",
            contexts=_KEYS, mutates=True, permission="cwobject:RevokeAccessKeysByPrincipal",
            show=False, footer="Revoke all"),
    Command("keys.suspend", "Suspend principal's keys", "s", "Suspend every key of the selected key's principal.",
            contexts=_KEYS, mutates=True, permission="cwobject:UpdateAccessKeyStatus", footer="Suspend",
            priority=33),
    Command("keys.reactivate", "Reactivate principal's keys", "a",
            "Reactivate every suspended key of the selected key's principal.",
            contexts=_KEYS, mutates=True, permission="cwobject:UpdateAccessKeyStatus",
            show=False, footer="Reactivate"),
    Command("keys.sort", "Sort keys", "o", "Cycle the sort: server order, expiry, key ID, principal, status, name.",
            contexts=_KEYS, show=False, footer="Sort"),
)
