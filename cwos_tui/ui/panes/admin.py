"""Tokens, Access keys and Policies: the control-plane panes."""

from __future__ import annotations

from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text, short_time
from cwos_tui.ui.widgets.row_list import Column, Row

KEY_PAGE = 1000


class TokensPane(Pane):
    """The credentials this profile knows: its API token (masked) and the S3 key in use."""

    pane_id = "tokens"
    COLUMNS = (Column("Kind", 7), Column("Label", 0), Column("Secret / key ID", 18),
               Column("Principal", 0), Column("Expires (UTC)", 16))
    EMPTY = "No API token in this profile: add one with the setup wizard or COREWEAVE_API_TOKEN."

    async def load(self, generation: int) -> None:
        connection = self.services.connection
        rows: list[Row] = []
        token = connection.token
        if token is not None:
            who = await self.services.control_plane.whoami()
            expires = "never" if token.expires_at is None else short_time(token.expires_at)
            if token.expires_at is None and token.source == "profile":
                expires = "unknown"  # a stored token whose expiry the Console did not tell us
            rows.append(Row(("token", safe_text(token.label or "API token"), token.masked,
                             safe_text(who.principal_name), expires), token.masked))
        credentials = self.services.storage.credentials
        if credentials is not None:
            rows.append(Row(("S3 key", safe_text(credentials.source), credentials.access_key_id,
                             safe_text(credentials.principal_name or ""), short_time(credentials.expires_at)),
                            credentials.access_key_id))
        self.post_rows(generation, rows, replace=True, done=True)


def _key_row(key: object) -> Row:
    from cwos_tui.cloud.models import AccessKeyInfo

    assert isinstance(key, AccessKeyInfo)
    name = key.attributes.get("name", "")
    expires = "never" if key.expires_at is None else short_time(key.expires_at)
    return Row((safe_text(key.access_key_id), safe_text(str(key.status)), safe_text(key.principal_name),
                safe_text(name), expires), key.access_key_id)


class KeysPane(Pane):
    """ListAccessKeyInfo, page by page: the first page shows while the rest load."""

    pane_id = "keys"
    COLUMNS = (Column("Access key ID", 17), Column("Status", 14), Column("Principal", 0),
               Column("Name", 0), Column("Expires (UTC)", 16))
    EMPTY = "No access keys in this organization."

    async def load(self, generation: int) -> None:
        offset = 0
        for page_number in range(100_000):
            page = await self.services.control_plane.list_access_keys_page(offset, KEY_PAGE)
            done = len(page) < KEY_PAGE
            self.post_rows(generation, [_key_row(k) for k in page], replace=page_number == 0, done=done)
            if done:
                return
            offset += len(page)


class PoliciesPane(Pane):
    """ListAccessPolicies: one row per org policy with a summary of its statements."""

    pane_id = "policies"
    COLUMNS = (Column("Policy", 0), Column("Stmts", 5, right=True), Column("Actions", 0),
               Column("Principals", 0))
    EMPTY = "No org access policies: no bucket can be created until one exists."

    async def load(self, generation: int) -> None:
        policies = await self.services.control_plane.list_policies()
        rows = []
        for policy in policies:
            actions = sorted({a for s in policy.statements for a in s.actions})
            principals = sorted({p for s in policy.statements for p in s.principals})
            rows.append(Row((safe_text(policy.name), str(len(policy.statements)),
                             safe_text(", ".join(actions)), safe_text(", ".join(principals))), policy.name))
        self.post_rows(generation, rows, replace=True, done=True)

