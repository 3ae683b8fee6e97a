"""The Policies pane (Tokens and Access keys live in panes/tokens.py and panes/keys.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cwos_tui.ui.context import AppContext
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, Row

if TYPE_CHECKING:
    from cwos_tui.cloud.policy import OrgPolicy


class PoliciesPane(Pane):
    """ListAccessPolicies: one row per org policy with a summary of its statements."""

    pane_id = "policies"
    COLUMNS = (Column("Policy", 0), Column("Stmts", 5, right=True), Column("Actions", 0),
               Column("Principals", 0))
    EMPTY = "No org access policies: no bucket can be created until one exists."

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.policies: dict[str, OrgPolicy] = {}

    async def load(self, generation: int) -> None:
        policies = await self.services.control_plane.list_policies()
        rows = []
        for policy in policies:
            actions = sorted({a for s in policy.statements for a in s.actions})
            principals = sorted({self.ctx.principal_label(p) for s in policy.statements for p in s.principals})
            rows.append(Row((safe_text(policy.name), str(len(policy.statements)),
                             safe_text(", ".join(actions)), safe_text(", ".join(principals))), policy.name))
        self.post_rows(generation, rows, replace=True, done=True, records={p.name: p for p in policies})

    def keep_records(self, records: Mapping[str, Any], *, replace: bool) -> None:
        self.policies = dict(records)

    def details(self) -> tuple[str, list[tuple[str, str]]] | None:
        row = self.row_list.selected
        policy = self.policies.get(str(row.value)) if row is not None else None
        if policy is None:
            return None
        fields = [("Name", policy.name), ("Statements", str(len(policy.statements)))]
        for number, stmt in enumerate(policy.statements, start=1):
            fields.append((f"Statement {number}", "\n".join([
                f"Effect: {stmt.effect}", "Actions: " + ", ".join(stmt.actions),
                "Resources: " + ", ".join(stmt.resources), "Principals: " + ", ".join(stmt.principals)])))
        return (f"Policy {policy.name}", fields)

