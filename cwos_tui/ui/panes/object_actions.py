"""What the Objects pane does to objects: mark, delete (one, marked, a whole prefix), details, preview,
copy/move/rename and presigned URLs. Each runs through the one mutation helper or a worker that
posts a message; names are shown through `safe_text` everywhere."""

from __future__ import annotations

from collections.abc import Awaitable

from textual.message import Message

from cwos_tui.cloud.objects import object_details
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.object_fields import folder_fields, object_fields
from cwos_tui.ui.panes.base import Notice
from cwos_tui.ui.panes.object_listing import ObjectListing
from cwos_tui.ui.text import safe_text


class DetailsReady(Message):
    def __init__(self, title: str, fields: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title = title
        self.fields = fields


class ObjectActions(ObjectListing):
    def handlers(self) -> dict[str, Handler]:
        return {"objects.up": self.up, "objects.delete": self.delete, "objects.mark": self.mark,
                "objects.jump": self.jump, "objects.preview": self.preview, "objects.find": self.find,
                "objects.sort": self.sort, "objects.continue": self.continue_listing}

    def sort(self, argument: str) -> None:
        """`:sort name|size|date`; without a word, the next of the three (within the loaded rows)."""
        choices = ("name", "size", "date")
        listing = self.store_list
        word = argument.strip().lower()
        if word and word not in choices:
            self.app.notify(f"Sort by name, size or date (not {safe_text(word)}).", severity="warning",
                            markup=False)
            return
        listing.sort(word or choices[(choices.index(listing.sort_by) + 1) % 3])
        self.show_count()

    def find(self, argument: str) -> None:
        """`:find PREFIX`: ask the server for the names in this folder that start with PREFIX (every
        page of them, not only what is loaded: unlike `/`, which filters the loaded rows)."""
        typed = argument.strip()
        if not self.bucket:
            self.app.notify("Open a bucket first.", severity="warning")
            return
        if not typed:
            from cwos_tui.ui.widgets.command_bar import CommandBar

            self.app.query_one(CommandBar).open("command", "find ")
            return
        self.go(self.bucket, self.prefix, search=typed)

    # ---- details and preview -------------------------------------------------------------------

    def open_details(self) -> bool:
        """`i`/Enter on an object: HeadObject (and its tags) in a worker, then the detail view."""
        row = self.row_list.selected
        if row is None:
            return False
        kind, key = row.value
        if kind == "prefix":
            self.post_message(DetailsReady(f"Folder {key}", folder_fields(self.bucket, key)))
            return True
        storage, bucket = self.services.storage, self.bucket

        async def work() -> DetailsReady:
            details = await object_details(storage, bucket, key)
            return DetailsReady(f"Object {key}", object_fields(details))

        run_work(self, work(), "object details", "object-details")
        return True

    def on_details_ready(self, message: DetailsReady) -> None:
        message.stop()
        self.app.push_screen(DetailScreen(message.title, message.fields, display_filter=self.ctx.display_filter))

    def preview(self, _: str = "") -> None:
        from cwos_tui.ui.modals.preview import PreviewScreen  # loaded on first use (pygments)

        index = self.store_list.store_index(self.row_list.cursor)
        if index is None or self.store_list.store.is_folder(index):
            self.app.notify("Select an object (not a folder) to preview.", severity="warning")
            return
        store = self.store_list.store
        self.app.push_screen(PreviewScreen(self.services.storage, self.bucket, store.key(index), store.sizes[index],
                                           display_filter=self.ctx.display_filter))

    def jump(self, argument: str) -> None:
        """`:jump NAME`: the first loaded row at or after NAME (relative to the folder, or a full key)."""
        name = argument.strip()
        if not name:
            from cwos_tui.ui.widgets.command_bar import CommandBar

            self.app.query_one(CommandBar).open("command", "jump ")
            return
        name = name.removeprefix(self.store_list.store.prefix)
        if not self.store_list.jump_to_name(name):
            more = "" if self.complete else " so far; more are coming"
            self.app.notify(f"No loaded name at or after {safe_text(name)} ({self.store_list.held:,} loaded{more}).",
                            severity="warning", markup=False)

    def mark(self, _: str = "") -> None:
        if not self.store_list.toggle_mark():
            self.app.notify("Only objects can be marked (not folders).", severity="warning")
        self.show_count()

    def delete(self, _: str = "") -> None:
        marked = sorted(self.store_list.marked)
        if marked:
            self.delete_keys(marked)
            return
        key = self.selected_object()
        if key is None:
            self.app.notify("Select an object (not a folder) to delete, or mark some with space.",
                            severity="warning")
            return
        self.delete_keys([key])

    def delete_keys(self, keys: list[str]) -> None:
        bucket = self.bucket
        storage = self.services.storage
        listing = self.store_list

        async def work(_: object) -> Notice:
            deleted, failures = await storage.delete_objects(bucket, keys)
            if failures:
                first = failures[0]
                return Notice(f"Deleted {len(deleted):,} of {len(keys):,}; {len(failures):,} failed, e.g. "
                              f"{first.key}: {first.code} {first.message}", warning=True)
            if len(keys) == 1:
                return Notice(f"Deleted s3://{bucket}/{keys[0]}")
            return Notice(f"Deleted {len(keys):,} objects from s3://{bucket}/")

        if len(keys) == 1:
            ask = ConfirmScreen("Delete this object?", f"s3://{bucket}/{keys[0]}")
        else:
            shown = ", ".join(keys[:5]) + (f", … ({len(keys) - 5:,} more)" if len(keys) > 5 else "")
            ask = ConfirmScreen(f"Delete {len(keys):,} marked objects?", f"s3://{bucket}/: {shown}")

        def after(answer: object) -> Awaitable[Notice]:
            listing.marked.difference_update(keys)  # on the event loop, before the worker starts
            return work(answer)

        mutate(self, ask, after, "delete objects")
