"""Bucket administration on the Buckets pane: create, delete (emptying it first when asked), details,
settings, versioning, and the lifecycle, CORS and tag editors.

A mixin, like `BucketPolicies`: its handlers merge with the pane's own and the messages its workers post
are handled here. Workers only fetch and post; the handlers open the dialogs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

from cwos_tui.cloud import bucket_admin
from cwos_tui.cloud.bucket_admin import BucketContents, WaitProgress
from cwos_tui.cloud.bucket_rules import (
    Checked,
    check_cors_text,
    check_lifecycle_text,
    check_tags_text,
    tags_text,
    zone_choices,
)
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.progress import ProgressScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.panes.base import Notice
from cwos_tui.ui.text import safe_text

if TYPE_CHECKING:  # models, details and the forms load on first use, after the first frame
    from cwos_tui.cloud.models import BucketSettings, BucketSettingsUpdate
    from cwos_tui.ui.panes.base import Pane

    _Base = Pane
else:
    _Base = object

LIFECYCLE_EXAMPLE = [
    {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 30}},
    {"ID": "abort-incomplete-uploads", "Status": "Enabled", "Filter": {},
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
]
CORS_EXAMPLE = [{"AllowedOrigins": ["https://example.com"], "AllowedMethods": ["GET", "HEAD"],
                 "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]
NEEDS_TOKEN = "Bucket settings need an API token (the control plane's SetBucketSettings): press 1, then n"


class BucketLoaded(Message):
    """A worker fetched what a bucket dialog starts from (`kind`: settings, versioning, lifecycle, ...)."""

    def __init__(self, kind: str, bucket: str, value: Any) -> None:
        super().__init__()
        self.kind = kind
        self.bucket = bucket
        self.value = value


class BucketProgress(Message):
    """How far emptying a bucket got; `ended`: the job is over (its result or error follows)."""

    def __init__(self, text: str, *, ended: bool = False) -> None:
        super().__init__()
        self.text = text
        self.ended = ended


class BucketAdmin(_Base):
    """Mixed into the Buckets pane (a `Pane`)."""

    _emptying: ProgressScreen | None = None

    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), "buckets.create": self.create_bucket, "buckets.delete": self.delete_bucket,
                "buckets.settings": self.edit_settings, "buckets.versioning": self.toggle_versioning,
                "buckets.lifecycle": lambda _: self.load_for("lifecycle"),
                "buckets.cors": lambda _: self.load_for("cors"), "buckets.tags": lambda _: self.load_for("tags")}

    def chosen_bucket(self) -> str | None:
        row = self.row_list.selected
        if row is None or row.value is None:
            self.app.notify("No bucket selected.", severity="warning")
            return None
        return str(row.value)

    # ---- create ----------------------------------------------------------------------------------

    def create_bucket(self, argument: str = "") -> None:
        rows = self.row_list.rows
        zones = zone_choices(self.ctx.connection.zone, *(str(r.cells[1]) for r in rows if len(r.cells) > 1))
        storage = self.services.storage

        from cwos_tui.ui.modals.bucket_forms import BucketCreateScreen

        async def create(name: str, zone: str, versioning: bool, progress: Callable[[WaitProgress], None]) -> str:
            checks = await bucket_admin.create_bucket(storage, name, zone, on_progress=progress)
            if versioning:
                await storage.put_bucket_versioning(name, True)
            answers = "it answers" if checks else "your keys may not check it (HeadBucket needs s3:ListBucket)"
            return f"{name} in {zone}" + (" with versioning" if versioning else "") + f"; {answers}"

        def done(created: str | None) -> None:
            if created:
                self.post_message(Notice(f"Created bucket {created}"))

        screen = BucketCreateScreen(zones, create, name=argument.strip(), existing=[str(r.value) for r in rows])
        self.app.push_screen(screen, done)

    # ---- delete ----------------------------------------------------------------------------------

    def delete_bucket(self, _: str = "") -> None:
        bucket = self.chosen_bucket()
        if bucket is None:
            return
        storage = self.services.storage

        async def count() -> BucketLoaded:
            return BucketLoaded("contents", bucket, await bucket_admin.count_contents(storage, bucket))

        self.set_state(f"Counting what {bucket} holds…")
        run_work(self, count(), f"delete bucket {bucket}", "bucket-admin")

    def ask_delete(self, bucket: str, contents: BucketContents) -> None:
        storage = self.services.storage
        uploads = f"{contents.uploads:,} incomplete upload{'s' * (contents.uploads != 1)} will be aborted first." \
            if contents.uploads else ""
        if contents.empty:
            ask = TypeToConfirmScreen("Delete this empty bucket? Its name may be taken by anyone afterwards.", bucket,
                                      expected=bucket, confirm_label="Delete bucket", warning=uploads)

            async def delete(_: object) -> Notice:
                aborted = await bucket_admin.delete_bucket(storage, bucket)
                return Notice(f"Deleted bucket {bucket}" + (f" ({aborted} uploads aborted)" if aborted else ""))

            mutate(self, ask, delete, f"delete bucket {bucket}")
            return
        ask = TypeToConfirmScreen(
            f"This bucket is not empty, so it cannot be deleted as it is. It holds {contents.describe()} "
            f"({contents.size:,} bytes). Empty it, then delete it?", bucket, expected=bucket,
            confirm_label="Empty and delete",
            warning="Every object, every version and every delete marker is deleted for good. " + uploads)

        self.app.push_screen(ask, lambda yes: self._empty_and_delete(bucket, contents) if yes else None)

    def _empty_and_delete(self, bucket: str, contents: BucketContents) -> None:
        """Empty `bucket` behind a progress dialog that Esc stops (the bucket is then kept), then delete it."""
        storage = self.services.storage
        stop = threading.Event()
        total = contents.objects + contents.versions + contents.delete_markers
        self._emptying = ProgressScreen(f"Emptying bucket {bucket}", f"Deleting {contents.describe()}…",
                                        "Esc stops after the batch in flight; the bucket is then kept.", stop)
        self.app.push_screen(self._emptying)

        def progress(deleted: int) -> None:
            of = f" of {total:,}" if contents.complete else ""
            self.post_message(BucketProgress(f"Emptying {bucket}: {deleted:,}{of} deleted…"))

        async def work() -> Notice:
            try:
                deleted = await bucket_admin.empty_bucket(storage, bucket, progress, stop)
                if stop.is_set():
                    left = f", about {max(total - deleted, 0):,} left" if contents.complete else ""
                    return Notice(f"Stopped emptying bucket {bucket}: {deleted:,} versions and markers deleted"
                                  f"{left}. The bucket is kept.", warning=True)
                await bucket_admin.delete_bucket(storage, bucket)
            finally:
                self.post_message(BucketProgress("", ended=True))
            return Notice(f"Emptied bucket {bucket} ({deleted:,} versions and markers deleted) and deleted it")

        run_work(self, work(), f"empty and delete bucket {bucket}", "mutation")

    def on_bucket_progress(self, message: BucketProgress) -> None:
        message.stop()
        screen, self._emptying = self._emptying, (None if message.ended else self._emptying)
        if message.ended:
            if screen is not None:
                screen.close()
            return
        self.set_state(message.text)
        if screen is not None:  # its title names the bucket already
            screen.show(message.text.partition(": ")[2] or message.text)

    # ---- details ---------------------------------------------------------------------------------

    def open_details(self) -> bool:
        row = self.row_list.selected
        if row is None or row.value is None:
            return False
        bucket = str(row.value)
        storage = self.services.storage
        control_plane = self.services.control_plane if self.ctx.connection.token is not None else None

        async def work() -> BucketLoaded:
            from cwos_tui.cloud.bucket_details import bucket_details

            return BucketLoaded("details", bucket, await bucket_details(storage, control_plane, bucket))

        run_work(self, work(), f"details of {bucket}", "bucket-details")
        return True

    # ---- settings, versioning, editors ------------------------------------------------------------

    def edit_settings(self, _: str = "") -> None:
        if self.ctx.connection.token is None:
            self.app.notify(NEEDS_TOKEN, severity="warning", markup=False)
            return
        bucket = self.chosen_bucket()
        if bucket is not None:
            client = self.services.control_plane

            async def work() -> BucketLoaded:
                return BucketLoaded("settings", bucket, (await client.get_bucket_info(bucket)).settings)

            run_work(self, work(), f"settings of {bucket}", "bucket-admin")

    def toggle_versioning(self, _: str = "") -> None:
        bucket = self.chosen_bucket()
        if bucket is not None:
            storage = self.services.storage

            async def work() -> BucketLoaded:
                return BucketLoaded("versioning", bucket, await storage.get_bucket_versioning(bucket))

            run_work(self, work(), f"versioning of {bucket}", "bucket-admin")

    def load_for(self, kind: str) -> None:
        bucket = self.chosen_bucket()
        if bucket is None:
            return
        storage = self.services.storage
        fetch = {"lifecycle": storage.get_bucket_lifecycle, "cors": storage.get_bucket_cors,
                 "tags": storage.get_bucket_tagging}[kind]

        async def work() -> BucketLoaded:
            return BucketLoaded(kind, bucket, await fetch(bucket))

        run_work(self, work(), f"{kind} of {bucket}", "bucket-admin")

    def on_bucket_loaded(self, message: BucketLoaded) -> None:
        message.stop()
        bucket, value = message.bucket, message.value
        if message.kind == "contents":
            self.set_state(self.describe_count())
            self.ask_delete(bucket, value)
        elif message.kind == "details":
            self.app.push_screen(DetailScreen(f"Bucket {bucket}", value, display_filter=self.ctx.display_filter))
        elif message.kind == "settings":
            self.open_settings(bucket, value)
        elif message.kind == "versioning":
            self.ask_versioning(bucket, value)
        else:
            self.open_editor(message.kind, bucket, value)

    def open_settings(self, bucket: str, current: BucketSettings) -> None:
        from cwos_tui.ui.modals.bucket_forms import BucketSettingsScreen

        client = self.services.control_plane

        org_switched = [False]

        async def apply(update: BucketSettingsUpdate | None, org_audit: bool) -> BucketSettings:
            if org_audit:  # the bucket's audit logging is refused until the org's is on
                await client.set_org_settings(bucket_audit_logging_enabled=True)
                org_switched[0] = True
            return current if update is None else await client.set_bucket_settings(bucket, update)

        def done(settings: BucketSettings | None) -> None:
            if settings is not None:
                org = " (bucket audit logging switched on for the organization)" if org_switched[0] else ""
                self.post_message(Notice(f"Applied the settings of bucket {bucket}{org}"))

        self.app.push_screen(BucketSettingsScreen(bucket, current, apply), done)

    def ask_versioning(self, bucket: str, status: str | None) -> None:
        enable = status != "Enabled"
        now = {"Enabled": "enabled", "Suspended": "suspended"}.get(status or "", "never enabled")
        question = (f"Versioning of this bucket is {now}. Enable it? Every overwrite and delete then keeps "
                    "the older version (which is stored, and billed, until deleted)." if enable else
                    "Versioning of this bucket is enabled. Suspend it? Existing versions stay; new writes "
                    "replace the null version. (Versioning cannot be turned off once enabled, only suspended.)")
        storage = self.services.storage

        async def work(_: object) -> Notice:
            await storage.put_bucket_versioning(bucket, enable)
            return Notice(f"Versioning of {bucket} {'enabled' if enable else 'suspended'}", reload=False)

        verb = "Enable" if enable else "Suspend"
        mutate(self, ConfirmScreen(question, bucket, confirm_label=verb), work, f"versioning of {bucket}")

    def open_editor(self, kind: str, bucket: str, value: Any) -> None:
        from cwos_tui.ui.modals.bucket_editor import BucketEditorScreen

        storage = self.services.storage
        check: Callable[[str], Checked]
        put: Callable[[str, Any], Awaitable[None]]
        if kind == "tags":
            text, check = tags_text(value) or "# key=value, one a line\n", check_tags_text
            put, remove, what = storage.put_bucket_tagging, storage.delete_bucket_tagging, "tags"
        elif kind == "cors":
            text, check = json.dumps(value or CORS_EXAMPLE, indent=2), check_cors_text
            put, remove, what = storage.put_bucket_cors, storage.delete_bucket_cors, "CORS rules"
        else:
            text, check = json.dumps(value or LIFECYCLE_EXAMPLE, indent=2), check_lifecycle_text
            put, remove, what = storage.put_bucket_lifecycle, storage.delete_bucket_lifecycle, "lifecycle rules"

        async def apply(parsed: Any) -> str:
            if not parsed:
                await remove(bucket)
                return f"Removed the {what} of {bucket}"
            await put(bucket, parsed)
            if kind == "tags":
                return f"Applied the tags of {bucket}"
            return f"Applied {len(parsed)} {what if len(parsed) != 1 else what[:-1]} to {bucket}"

        def done(notice: str | None) -> None:
            if notice:
                self.app.notify(safe_text(notice), markup=False)

        fresh = "" if value else " (none yet: an example to edit)"
        hint = "[] removes them" if kind != "tags" else "no lines removes them"
        self.app.push_screen(BucketEditorScreen(f"{what.capitalize()} of {bucket}{fresh}", text, check, apply,
                                                hint=hint), done)
