"""Buckets and Objects: the storage panes. Objects stream in page by page into the virtual list."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.widgets import Static

from cwos_tui.cloud.errors import PermissionDenied
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.messages import LocationShown, OpenLocation, ShowPane
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.mutation import mutate
from cwos_tui.ui.panes.base import Notice, Pane
from cwos_tui.ui.panes.bucket_policies import BucketPolicies
from cwos_tui.ui.text import human_size, safe_text, short_time
from cwos_tui.ui.widgets.row_list import Column, Row

OBJECT_PAGE = 1000
LIST_DENIED = "These keys may not list buckets (s3:ListAllMyBuckets); open one with :b NAME"


class BucketsPane(BucketPolicies, Pane):
    """ListBucketInfo (location, usage); S3 ListBuckets when the principal may not call it."""

    pane_id = "buckets"
    COLUMNS = (Column("Bucket", 0), Column("Zone", 15), Column("Created (UTC)", 16), Column("Usage", 12))
    EMPTY = "No buckets yet."

    async def load(self, generation: int) -> None:
        if self.ctx.connection.token is None:  # no API token: S3 is the only way to list them
            await self._load_from_s3(generation)
            return
        try:
            rows = []
            async for info in self.services.control_plane.iter_bucket_info():
                usage = next((u.value_human_readable for u in info.usage if u.value_human_readable), "")
                rows.append(Row((safe_text(info.name), safe_text(info.location), short_time(info.creation_time),
                                 safe_text(usage)), info.name))
            self.post_rows(generation, rows, replace=True, done=True)
        except PermissionDenied:
            await self._load_from_s3(generation)

    async def _load_from_s3(self, generation: int) -> None:
        try:
            buckets = await self.services.storage.list_buckets()
        except PermissionDenied:
            self.post_note(generation, LIST_DENIED)
            return
        rows = [Row((safe_text(b.name), "?", short_time(b.created_at), ""), b.name) for b in buckets]
        self.post_rows(generation, rows, replace=True, done=True, note="from S3 ListBuckets")

    def open_selected(self) -> bool:
        row = self.row_list.selected
        if row is not None:
            self.post_message(OpenLocation(str(row.value), ""))
        return True


def page_rows(prefix: str, folders: Sequence[str], objects: Sequence[tuple[str, int, object]]) -> list[Row]:
    """Rows for one listing page: folders first (as `name/`), then objects, names relative to prefix.

    A zero-byte "folder marker" whose key is the prefix itself (consoles create them; SeaweedFS leaves
    one behind when a folder's last object is deleted) is the folder we are in, not a row.
    """
    rows = [Row((safe_text(p[len(prefix):]), "", ""), ("prefix", p), "folder") for p in folders]
    for key, size, modified in objects:
        if key == prefix:
            continue
        rows.append(Row((safe_text(key[len(prefix):]), human_size(size), short_time(modified)),  # type: ignore[arg-type]
                        ("object", key)))
    return rows


class ObjectsPane(Pane):
    """One prefix of one bucket; Enter descends into a folder, Backspace/Esc goes up."""

    pane_id = "objects"
    COLUMNS = (Column("Name", 0), Column("Size", 10, right=True), Column("Modified (UTC)", 16))
    EMPTY = "No objects under this prefix."

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.bucket = ""
        self.prefix = ""
        self._return_to: str | None = None  # the folder to put the cursor on after going up
        self._fresh = True  # the next first page is a new folder's (cursor to the top), not a reload

    def compose_top(self) -> ComposeResult:
        yield Static("", id="breadcrumb", markup=False)

    def on_mount(self) -> None:
        self._update_breadcrumb()

    def _update_breadcrumb(self) -> None:
        if not self.bucket:
            text = "no bucket: choose one in Buckets (4) or type :b bucket/prefix/"
        else:
            parts = [self.bucket, *[p for p in self.prefix.split("/") if p]]
            text = "s3://" + " / ".join(safe_text(p) for p in parts) + " /"
        self.query_one("#breadcrumb", Static).update(text)

    @property
    def location(self) -> str:
        return f"{self.bucket}/{self.prefix}" if self.bucket else ""

    def go(self, bucket: str, prefix: str, return_to: str | None = None) -> None:
        self.bucket, self.prefix, self._return_to = bucket, prefix, return_to
        self._fresh = True
        self.row_list.set_filter("")
        self._update_breadcrumb()
        self.post_message(LocationShown(bucket, prefix))
        self.reload()

    def reload(self) -> None:
        if not self.bucket:
            self.loaded = True
            self.row_list.set_rows([], keep_value=False)
            self.set_state("Pick a bucket first.")
            return
        super().reload()

    async def load(self, generation: int) -> None:
        storage = self.services.storage
        first = True
        async for page in storage.iter_pages(self.bucket, self.prefix, "/", OBJECT_PAGE):
            objects = [(o.key, o.size, o.last_modified) for o in page.objects]
            rows = page_rows(self.prefix, page.prefixes, objects)
            self.post_rows(generation, rows, replace=first, done=not page.is_truncated)
            first = False

    def replace_rows(self, rows: Sequence[Row]) -> None:
        """A new folder starts at its top, or on the folder we came up from; a reload keeps the cursor."""
        if not self._fresh:
            super().replace_rows(rows)
            return
        self._fresh = False
        self.row_list.set_rows(rows, keep_value=False)
        if self._return_to is not None:
            self.row_list.select_value(("prefix", self._return_to))

    def handlers(self) -> dict[str, Handler]:
        return {"objects.up": self.up, "objects.delete": self.delete}

    def open_selected(self) -> bool:
        row = self.row_list.selected
        if row is None or row.value[0] != "prefix":
            return False  # an object: the app shows its details
        self.go(self.bucket, row.value[1])
        return True

    def up(self, _: str = "") -> None:
        """Up one folder; from a bucket's root back to Buckets."""
        if not self.prefix:
            self.post_message(ShowPane("buckets"))
            return
        parent = self.prefix.rstrip("/").rpartition("/")[0]
        self.go(self.bucket, parent + "/" if parent else "", return_to=self.prefix)

    def delete(self, _: str) -> None:
        key = self.selected_object()
        if key is None:
            self.app.notify("Select an object (not a folder) to delete.", severity="warning")
            return
        bucket = self.bucket

        async def work(_: object) -> Notice:
            await self.services.storage.delete_object(bucket, key)
            return Notice(f"Deleted s3://{bucket}/{key}")

        mutate(self, ConfirmScreen("Delete this object?", f"s3://{bucket}/{key}"), work, "delete object")

    def details(self) -> tuple[str, list[tuple[str, str]]] | None:
        row = self.row_list.selected
        if row is None:
            return None
        kind, key = row.value
        url = f"s3://{self.bucket}/{key}"
        if kind == "prefix":
            return (f"Folder {key}", [("URL", url), ("Bucket", self.bucket), ("Prefix", key)])
        return (f"Object {key}", [("URL", url), ("Bucket", self.bucket), ("Key", key), ("Size", row.cells[1]),
                                   ("Modified (UTC)", row.cells[2])])

    def copy_value(self) -> str | None:
        row = self.row_list.selected
        if row is None:
            return f"s3://{self.location}" if self.bucket else None
        return f"s3://{self.bucket}/{row.value[1]}"

    def selected_object(self) -> str | None:
        row = self.row_list.selected
        return str(row.value[1]) if row is not None and row.value[0] == "object" else None
