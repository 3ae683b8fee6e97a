"""The Policies pane: org access policies listed, shown whole as highlighted JSON, created from templates,
edited with live validation, reviewed as a diff against the server version with lock-out warnings, applied
and deleted (typed confirmation). Workers fetch and apply; handlers here push the screens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import Screen

from cwos_tui.ui import commands
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.panes.base import Notice, Pane
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, Row

if TYPE_CHECKING:  # the policy package and the editor screens load on first use, after the first frame
    from cwos_tui.cloud.policy.model import OrgPolicy
    from cwos_tui.cloud.policy.templates import Template


class PolicyReview(Message):
    """An edited policy, checked against what the server has now: the diff and the lock-out warnings."""

    def __init__(self, policy: OrgPolicy, diff: Sequence[str], warnings: Sequence[str], new: bool) -> None:
        super().__init__()
        self.policy = policy
        self.diff = list(diff)
        self.warnings = list(warnings)
        self.new = new


class ExternallyEdited(Message):
    """The text back from `$EDITOR` (None: unchanged or the editor failed)."""

    def __init__(self, title: str, text: str | None) -> None:
        super().__init__()
        self.title = title
        self.text = text


def policy_row(policy: OrgPolicy, label: Any = str) -> Row:
    actions = sorted({a for s in policy.statements for a in s.actions})
    principals = sorted({label(p) for s in policy.statements for p in s.principals})
    return Row((safe_text(policy.name), str(len(policy.statements)), safe_text(", ".join(actions)),
                safe_text(", ".join(principals))), policy.name)


class PoliciesPane(Pane):
    """ListAccessPolicies: one row per org policy with a summary of its statements."""

    pane_id = "policies"
    COLUMNS = (Column("Policy", 0), Column("Stmts", 5, right=True), Column("Actions", 0),
               Column("Principals", 0))
    EMPTY = "No org access policies: no bucket can be created until one exists. Press n to create one."

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.policies: dict[str, OrgPolicy] = {}

    def handlers(self) -> dict[str, Handler]:
        return {"policies.view": self.view, "policies.create": self.create, "policies.edit": self.edit,
                "policies.external": self.edit_external, "policies.delete": self.delete,
                "policies.simulate": lambda _: self.simulate()}

    async def load(self, generation: int) -> None:
        policies = await self.services.control_plane.list_policies()
        rows = [policy_row(p, self.ctx.principal_label) for p in policies]
        self.post_rows(generation, rows, replace=True, done=True, records={p.name: p for p in policies})

    def keep_records(self, records: Mapping[str, Any], *, replace: bool) -> None:
        self.policies = dict(records)

    @property
    def selected(self) -> OrgPolicy | None:
        row = self.row_list.selected
        return self.policies.get(str(row.value)) if row is not None else None

    # ---- view ----------------------------------------------------------------------------------

    def details_screen(self) -> Screen[Any] | None:
        from cwos_tui.cloud.policy.diff import policy_text
        from cwos_tui.ui.modals.policy_view import PolicyViewScreen

        policy = self.selected
        if policy is None:
            return None
        name = policy.name

        def edit() -> None:
            if self.allowed("policies.edit"):
                self._edit_named(name)

        return PolicyViewScreen(f"Policy {name}", policy_text(policy.to_wire()),
                                display_filter=self.ctx.display_filter, on_edit=edit)

    def allowed(self, command_id: str) -> bool:
        """The gate's word for a command reached from a screen (the view's `e`), said when it refuses."""
        command = commands.get(command_id)
        refusal = self.ctx.gate.refusal(command) if command is not None else None
        if refusal:
            self.app.notify(refusal, severity="warning", markup=False)
        return refusal is None

    def view(self, _: str = "") -> None:
        screen = self.details_screen()
        if screen is None:
            self.app.notify("No policy selected.", severity="warning")
        else:
            self.app.push_screen(screen)

    # ---- create, edit, review, apply -----------------------------------------------------------

    def create(self, _: str = "") -> None:
        from cwos_tui.cloud.policy.templates import ORG_TEMPLATES, TemplateInputs
        from cwos_tui.ui.modals.policy_review import TemplatePickerScreen

        def picked(template: Template | None) -> None:
            if template is not None:
                inputs = TemplateInputs(principal=self.ctx.identity.principal_name or "coreweave/<UID>",
                                        org_id=self.ctx.identity.org_id or "<ORG-ID>")
                self.open_editor(f"New policy: {template.title}", template.text(inputs))

        self.app.push_screen(TemplatePickerScreen("New org policy", ORG_TEMPLATES), picked)

    def edit(self, _: str = "") -> None:
        policy = self.selected
        if policy is None:
            self.app.notify("No policy selected.", severity="warning")
            return
        self._edit_named(policy.name)

    def edit_external(self, _: str = "") -> None:
        from cwos_tui.cloud.policy.diff import policy_text

        policy = self.selected
        if policy is None:
            self.app.notify("No policy selected.", severity="warning")
            return
        title, text = f"Edit policy {policy.name}", policy_text(policy.to_wire())
        run_work(self, self._external(title, text), "policies: $EDITOR", "policies-editor")

    async def _external(self, title: str, text: str) -> Message:
        """Worker on the event loop: `App.suspend` must be entered there."""
        from cwos_tui.ui.external_editor import EditorError, edit_text

        try:
            return ExternallyEdited(title, await edit_text(self.app, text))
        except EditorError as exc:
            return Notice(str(exc), warning=True, reload=False)

    def on_externally_edited(self, message: ExternallyEdited) -> None:
        message.stop()
        if message.text is None:
            self.app.notify("Nothing changed in the editor; nothing to apply.", markup=False)
        else:
            self.open_editor(message.title, message.text)

    def _edit_named(self, name: str) -> None:
        from cwos_tui.cloud.policy.diff import policy_text

        policy = self.policies.get(name)
        if policy is not None:
            self.open_editor(f"Edit policy {policy.name}", policy_text(policy.to_wire()))

    def open_editor(self, title: str, text: str) -> None:
        from cwos_tui.cloud.policy.lint import lint_text, org_policy_object
        from cwos_tui.cloud.policy.model import OrgPolicy
        from cwos_tui.ui.modals.policy_editor import PolicyEditorScreen

        def edited(result: str | None) -> None:
            if result is not None:
                run_work(self, self.review(result), "policies: review", "policies-review")

        def what_if(edited_text: str) -> None:
            report = lint_text(edited_text, kind="org")
            self.simulate([OrgPolicy.model_validate(org_policy_object(report.value))])

        self.app.push_screen(PolicyEditorScreen(title, text, kind="org", on_simulate=what_if), edited)

    async def review(self, text: str) -> PolicyReview:
        """Worker: compare the edited policy with the server's current policies."""
        from cwos_tui.cloud.policy.diff import diff_lines
        from cwos_tui.cloud.policy.lint import lint_text, org_policy_object
        from cwos_tui.cloud.policy.lockout import lockout_warnings
        from cwos_tui.cloud.policy.model import OrgPolicy

        report = lint_text(text, kind="org")
        policy = OrgPolicy.model_validate(org_policy_object(report.value))
        live = await self.services.control_plane.list_policies()
        current = next((p for p in live if p.name == policy.name), None)
        after = [p for p in live if p.name != policy.name] + [policy]
        warnings = lockout_warnings(live, after, self.ctx.identity.principal_name, self.ctx.identity.org_id)
        diff = diff_lines(policy.name, current.to_wire() if current else None, policy.to_wire())
        return PolicyReview(policy, diff, warnings, current is None)

    def on_policy_review(self, message: PolicyReview) -> None:
        from cwos_tui.ui.modals.policy_review import PolicyDiffScreen

        message.stop()
        policy = message.policy
        verb = "Create" if message.new else "Apply changes to"
        question = f"{verb} org policy {policy.name}?" if message.diff else f"Policy {policy.name} is unchanged."

        async def apply(_: object) -> Notice:
            await self.services.control_plane.ensure_policy(policy)
            return Notice(f"Applied policy {policy.name}")

        mutate(self, PolicyDiffScreen(question, message.diff, message.warnings), apply, "policies: apply")

    # ---- simulate ------------------------------------------------------------------------------

    def simulate(self, what_if: Sequence[OrgPolicy] = ()) -> None:
        from cwos_tui.ui.modals.policy_simulator import SimulatorScreen
        from cwos_tui.ui.panes.policy_simulation import evaluate

        ctx = self.ctx
        title = "Access simulator" + (" (what-if: edited policy, not applied)" if what_if else "")
        self.app.push_screen(SimulatorScreen(title, lambda q: evaluate(ctx, q, what_if),
                                             principal=ctx.identity.principal_name))

    # ---- delete --------------------------------------------------------------------------------

    def delete(self, _: str = "") -> None:
        from cwos_tui.cloud.policy.lockout import lockout_warnings

        policy = self.selected
        if policy is None:
            self.app.notify("No policy selected.", severity="warning")
            return
        live = list(self.policies.values())
        after = [p for p in live if p.name != policy.name]
        warnings = lockout_warnings(live, after, self.ctx.identity.principal_name, self.ctx.identity.org_id)
        count = len(policy.statements)
        ask = TypeToConfirmScreen(
            "Delete this org access policy and its " + (f"{count} statements?" if count != 1 else "statement?"),
            policy.name, expected=policy.name, confirm_label="Delete", warning="\n".join(warnings))

        async def work(_: object) -> Notice:
            await self.services.control_plane.delete_policy(policy.name)
            return Notice(f"Deleted policy {policy.name}")

        mutate(self, ask, work, "policies: delete")
