"""The Policies pane (Tokens and Access keys live in panes/tokens.py and panes/keys.py)."""

from __future__ import annotations

from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, Row


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

