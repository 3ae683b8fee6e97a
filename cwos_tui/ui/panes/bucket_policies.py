"""Bucket policies on the Buckets pane: view, create from templates, edit with the same editor and validator
as org policies, review the diff against the live policy, apply, delete (type the bucket name).

A mixin, so the Buckets pane only names it: its handlers merge with the pane's own, and the messages
its workers post are handled here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from cwos_tui.ui import commands
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.panes.base import Notice

if TYPE_CHECKING:  # the policy package and the editor screens load on first use, after the first frame
    from cwos_tui.cloud.policy.templates import Template
    from cwos_tui.ui.panes.base import Pane

    _Base = Pane
else:
    _Base = object


class BucketPolicyLoaded(Message):
    def __init__(self, bucket: str, text: str | None, edit: bool = False) -> None:
        super().__init__()
        self.bucket = bucket
        self.text = text
        self.edit = edit


class BucketPolicyReview(Message):
    def __init__(self, bucket: str, text: str, diff: list[str], new: bool) -> None:
        super().__init__()
        self.bucket = bucket
        self.text = text
        self.diff = diff
        self.new = new


class BucketPolicies(_Base):
    """Mixed into the Buckets pane (a `Pane`)."""

    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), "buckets.policy": self.open_bucket_policy,
                "buckets.policy_edit": lambda _: self.open_bucket_policy(edit=True),
                "buckets.policy_delete": self.delete_bucket_policy}

    def may_edit_bucket_policy(self, *, quiet: bool = False) -> bool:
        """The gate's word (read-only mode) for edits reached from the view or the template picker."""
        command = commands.get("buckets.policy_edit")
        refusal = self.ctx.gate.refusal(command) if command is not None else None
        if refusal and not quiet:
            self.app.notify(refusal, severity="warning", markup=False)
        return refusal is None

    def selected_bucket(self) -> str | None:
        row = self.row_list.selected
        if row is None or row.value is None:
            self.app.notify("No bucket selected.", severity="warning")
            return None
        return str(row.value)

    def open_bucket_policy(self, _: str = "", *, edit: bool = False) -> None:
        bucket = self.selected_bucket()
        if bucket is not None:
            run_work(self, self._fetch_bucket_policy(bucket, edit), f"bucket policy of {bucket}", "bucket-policy")

    async def _fetch_bucket_policy(self, bucket: str, edit: bool) -> BucketPolicyLoaded:
        return BucketPolicyLoaded(bucket, await self.services.storage.get_bucket_policy(bucket), edit)

    def on_bucket_policy_loaded(self, message: BucketPolicyLoaded) -> None:
        message.stop()
        bucket, text = message.bucket, message.text
        from cwos_tui.cloud.policy.diff import pretty_json
        from cwos_tui.ui.modals.policy_view import PolicyViewScreen

        if text is None:
            if self.may_edit_bucket_policy(quiet=True):
                self.app.notify(f"Bucket {bucket} has no policy: start one from a template.", markup=False)
                self._pick_template(bucket)
            else:
                self.app.notify(f"Bucket {bucket} has no policy.", markup=False)
            return
        pretty = pretty_json(text)
        if message.edit:
            self._edit_bucket_policy(bucket, pretty)
            return

        def edit() -> None:
            if self.may_edit_bucket_policy():
                self._edit_bucket_policy(bucket, pretty)

        self.app.push_screen(PolicyViewScreen(f"Bucket policy of {bucket}", pretty,
                                              display_filter=self.ctx.display_filter, on_edit=edit))

    def _pick_template(self, bucket: str) -> None:
        from cwos_tui.cloud.policy.templates import BUCKET_TEMPLATES, TemplateInputs
        from cwos_tui.ui.modals.policy_review import TemplatePickerScreen

        def picked(template: Template | None) -> None:
            if template is not None:
                identity = self.ctx.identity
                inputs = TemplateInputs(bucket=bucket, org_id=identity.org_id or "<ORG-ID>",
                                        user_id=identity.principal_name.rsplit("/", 1)[-1] or "<USER-ID>")
                self._edit_bucket_policy(bucket, template.text(inputs), f"New policy for {bucket}: {template.title}")

        self.app.push_screen(TemplatePickerScreen(f"New policy for bucket {bucket}", BUCKET_TEMPLATES), picked)

    def _edit_bucket_policy(self, bucket: str, text: str, title: str = "") -> None:
        from cwos_tui.ui.modals.policy_editor import PolicyEditorScreen

        def edited(result: str | None) -> None:
            if result is not None:
                run_work(self, self._review_bucket_policy(bucket, result), f"bucket policy of {bucket}",
                         "bucket-policy")

        self.app.push_screen(PolicyEditorScreen(title or f"Edit the policy of bucket {bucket}", text, kind="bucket",
                                                bucket=bucket), edited)

    async def _review_bucket_policy(self, bucket: str, text: str) -> BucketPolicyReview:
        from cwos_tui.cloud.policy.diff import text_diff_lines

        live = await self.services.storage.get_bucket_policy(bucket)
        return BucketPolicyReview(bucket, text, text_diff_lines(bucket, live, text), live is None)

    def on_bucket_policy_review(self, message: BucketPolicyReview) -> None:
        from cwos_tui.ui.modals.policy_review import PolicyDiffScreen

        message.stop()
        bucket, text = message.bucket, message.text
        verb = "Set a policy on" if message.new else "Apply the changed policy of"

        async def apply(_: object) -> Notice:
            await self.services.storage.put_bucket_policy(bucket, text)
            return Notice(f"Applied the policy of bucket {bucket}", reload=False)

        mutate(self, PolicyDiffScreen(f"{verb} bucket {bucket}?", message.diff), apply, f"bucket policy of {bucket}")

    def delete_bucket_policy(self, _: str = "") -> None:
        bucket = self.selected_bucket()
        if bucket is None:
            return
        ask = TypeToConfirmScreen("Delete the policy of this bucket? Access then follows org policies alone.",
                                  bucket, expected=bucket, confirm_label="Delete policy")

        async def work(_: object) -> Notice:
            await self.services.storage.delete_bucket_policy(bucket)
            return Notice(f"Deleted the policy of bucket {bucket}", reload=False)

        mutate(self, ask, work, f"bucket policy of {bucket}")
