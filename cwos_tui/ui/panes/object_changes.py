"""Objects pane actions that change things or hand out access: delete a whole prefix (counted, typed
confirmation, batched, progress, cancel with x), copy / move / rename (server-side copy), presigned URLs."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message import Message

from cwos_tui.cloud.objects import copy_object, count_prefix, delete_prefix, describe_seconds, parse_expiry
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.panes.base import Notice
from cwos_tui.ui.panes.object_actions import ObjectActions
from cwos_tui.ui.text import safe_text

PREFIX_DELETE_GROUP = "prefix-delete"


class PrefixCounted(Message):
    def __init__(self, bucket: str, prefix: str, count: int) -> None:
        super().__init__()
        self.bucket, self.prefix, self.count = bucket, prefix, count


class DeleteProgress(Message):
    def __init__(self, prefix: str, deleted: int, failed: int, total: int) -> None:
        super().__init__()
        self.prefix, self.deleted, self.failed, self.total = prefix, deleted, failed, total


class Presigned(Message):
    def __init__(self, title: str, url: str, fields: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title, self.url, self.fields = title, url, fields


class ObjectChanges(ObjectActions):
    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), "objects.delete_prefix": self.delete_prefix,
                "objects.cancel": self.cancel_running, "objects.copy": self.copy_to,
                "objects.move": self.move_to, "objects.rename": self.rename, "objects.presign": self.presign,
                "objects.uploads": self.uploads}

    def uploads(self, _: str = "") -> None:
        from cwos_tui.ui.modals.uploads import UploadsScreen  # loaded on first use

        if not self.bucket:
            self.app.notify("Open a bucket first.", severity="warning")
            return
        self.app.push_screen(UploadsScreen(self.services.storage, self.bucket, self.prefix,
                                           display_filter=self.ctx.display_filter))

    def _bar(self, text: str) -> None:
        from cwos_tui.ui.widgets.command_bar import CommandBar

        self.app.query_one(CommandBar).open("command", text)

    # ---- a whole prefix ------------------------------------------------------------------------

    def delete_prefix(self, argument: str) -> None:
        """`:delete-prefix [PREFIX]` (relative to this folder, or s3://bucket/prefix); default: the folder
        under the cursor."""
        bucket, prefix = self.bucket, argument.strip()
        if prefix.startswith("s3://"):
            bucket, _, prefix = prefix.removeprefix("s3://").partition("/")
        elif prefix:
            prefix = self.prefix + prefix
        else:
            row = self.row_list.selected
            if row is None or row.value[0] != "prefix":
                self.app.notify("Put the cursor on a folder, or type :delete-prefix PREFIX.", severity="warning")
                return
            prefix = str(row.value[1])
        if not bucket or not prefix:
            self.app.notify("A prefix inside a bucket is needed (the whole bucket is not deleted here).",
                            severity="warning")
            return
        storage = self.services.storage
        self.set_state(f"Counting the objects under s3://{bucket}/{prefix} …")

        async def count() -> PrefixCounted:
            return PrefixCounted(bucket, prefix, await count_prefix(storage, bucket, prefix))

        run_work(self, count(), "count prefix", "prefix-count")

    def on_prefix_counted(self, message: PrefixCounted) -> None:
        message.stop()
        self.show_count()
        bucket, prefix, total = message.bucket, message.prefix, message.count
        if total == 0:
            self.app.notify(f"Nothing under s3://{safe_text(bucket)}/{safe_text(prefix)}", markup=False)
            return
        storage = self.services.storage
        ask = TypeToConfirmScreen(
            f"Delete {total:,} object{'s' if total != 1 else ''} under this prefix?", f"s3://{bucket}/{prefix}",
            expected=prefix if total > 1 else None, confirm_label="Delete",
            warning="Batched DeleteObjects; x cancels while it runs. Deleted objects do not come back.")

        async def work(_: Any) -> Notice:
            done = [0, 0]

            def progress(deleted: int, failed: int) -> None:
                done[:] = [deleted, failed]
                self.post_message(DeleteProgress(prefix, deleted, failed, total))

            try:
                deleted, failures = await delete_prefix(storage, bucket, prefix, progress)
            except asyncio.CancelledError:
                self.post_message(Notice(f"Prefix delete cancelled after {done[0]:,} of {total:,} objects "
                                         f"under s3://{bucket}/{prefix}", warning=True))
                raise
            if failures:
                first = failures[0]
                return Notice(f"Deleted {deleted:,} of {total:,} under s3://{bucket}/{prefix}; "
                              f"{len(failures):,} failed, e.g. {first.key}: {first.code} {first.message}",
                              warning=True)
            return Notice(f"Deleted {deleted:,} objects under s3://{bucket}/{prefix}")

        mutate(self, ask, work, "delete prefix", group=PREFIX_DELETE_GROUP)

    def on_delete_progress(self, message: DeleteProgress) -> None:
        message.stop()
        failed = f", {message.failed:,} failed" if message.failed else ""
        self.set_state(f"Deleting {message.prefix}: {message.deleted:,} of {message.total:,}{failed}…  (x cancels)")

    def cancel_running(self, _: str = "") -> None:
        running = [w for w in self.workers if w.group == PREFIX_DELETE_GROUP and w.is_running]
        if not running:
            self.app.notify("Nothing to cancel.", severity="warning")
            return
        self.workers.cancel_group(self, PREFIX_DELETE_GROUP)

    # ---- copy, move, rename --------------------------------------------------------------------

    def _target(self, argument: str, source: str) -> tuple[str, str] | None:
        """DEST: s3://bucket/key, or a key relative to this folder; a trailing / keeps the name."""
        text = argument.strip()
        if not text:
            return None
        if text.startswith("s3://"):
            bucket, _, key = text.removeprefix("s3://").partition("/")
        else:
            bucket, key = self.bucket, self.prefix + text
        if not key or key.endswith("/"):
            key += source.rpartition("/")[2]
        return bucket, key

    def _source(self) -> tuple[str, int] | None:
        index = self.store_list.store_index(self.row_list.cursor)
        store = self.store_list.store
        if index is None or store.is_folder(index):
            self.app.notify("Select an object (not a folder).", severity="warning")
            return None
        return store.key(index), store.sizes[index]

    def copy_to(self, argument: str) -> None:
        self._copy_or_move(argument, move=False, verb="copy")

    def move_to(self, argument: str) -> None:
        self._copy_or_move(argument, move=True, verb="move")

    def rename(self, argument: str) -> None:
        """`:rename NEW-NAME`: a move inside this folder."""
        if argument.strip() and "/" in argument.strip().rstrip("/"):
            self.app.notify("A new name only (no /); use :move for another folder.", severity="warning")
            return
        self._copy_or_move(argument, move=True, verb="rename")

    def _copy_or_move(self, argument: str, *, move: bool, verb: str) -> None:
        source = self._source()
        if source is None:
            return
        key, size = source
        target = self._target(argument, key)
        if target is None:
            start = key.rpartition("/")[2] if verb == "rename" else f"s3://{self.bucket}/{key}"
            self._bar(f"{verb} {start}")
            return
        bucket, storage = self.bucket, self.services.storage
        dst_bucket, dst_key = target
        if (dst_bucket, dst_key) == (bucket, key):
            self.app.notify("The destination is the object itself.", severity="warning")
            return

        async def work(_: Any) -> Notice:
            await copy_object(storage, bucket, key, dst_bucket, dst_key, size)
            if move:
                await storage.delete_object(bucket, key)
            done = "Moved" if move else "Copied"
            return Notice(f"{done} s3://{bucket}/{key} to s3://{dst_bucket}/{dst_key}")

        ask = ConfirmScreen(f"{verb.capitalize()} this object?", f"s3://{bucket}/{key} → s3://{dst_bucket}/{dst_key}",
                            confirm_label=verb.capitalize()) if move else None
        mutate(self, ask, work, verb)

    # ---- presigned URLs ------------------------------------------------------------------------

    def presign(self, argument: str) -> None:
        from cwos_tui.ui.modals.expiry_picker import ExpiryPickerScreen  # loaded on first use

        """`:presign [DURATION] [put]`: a presigned GET (or PUT) URL; without a duration, a picker."""
        source = self._source()
        if source is None:
            return
        key = source[0]
        words = argument.split()
        method = "put" if "put" in (w.lower() for w in words) else "get"
        durations = [w for w in words if w.lower() not in ("get", "put")]
        if not durations:
            def picked(seconds: int | None) -> None:
                if seconds:
                    self._presign(key, seconds, method)

            self.app.push_screen(ExpiryPickerScreen(f"s3://{self.bucket}/{key}"), picked)
            return
        try:
            seconds = parse_expiry(durations[0])
        except ValueError as exc:
            self.app.notify(safe_text(str(exc)), severity="warning", markup=False)
            return
        self._presign(key, seconds, method)

    def _presign(self, key: str, seconds: int, method: str) -> None:
        storage, bucket = self.services.storage, self.bucket

        async def work() -> Presigned:
            if method == "put":
                url = await storage.presign_put(bucket, key, seconds)
                use = f"curl -X PUT --upload-file FILE '{url}'"
            else:
                url = await storage.presign_get(bucket, key, seconds)
                use = f"curl -o '{key.rpartition('/')[2]}' '{url}'"
            life = describe_seconds(seconds)
            fields = [("URL", url), ("Method", method.upper()), ("Valid for", life), ("Object", f"s3://{bucket}/{key}"),
                      ("curl", use)]
            return Presigned(f"Presigned {method.upper()} s3://{bucket}/{key}", url, fields)

        run_work(self, work(), "presign", "presign")

    def on_presigned(self, message: Presigned) -> None:
        message.stop()
        self.app.copy_to_clipboard(message.url)
        self.app.notify("Presigned URL copied (OSC 52); it is shown in the view.", markup=False)
        self.app.push_screen(DetailScreen(message.title, message.fields, display_filter=self.ctx.display_filter))
