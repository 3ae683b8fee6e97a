"""The Buckets pane (the Objects pane is in `objects.py`)."""

from __future__ import annotations

from cwos_tui.cloud.errors import PermissionDenied
from cwos_tui.ui.messages import OpenLocation
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.panes.bucket_admin import BucketAdmin
from cwos_tui.ui.panes.bucket_policies import BucketPolicies
from cwos_tui.ui.text import safe_text, short_time
from cwos_tui.ui.widgets.row_list import Column, Row

OBJECT_PAGE = 1000
LIST_DENIED = "These keys may not list buckets (s3:ListAllMyBuckets); open one with :b NAME"


class BucketsPane(BucketAdmin, BucketPolicies, Pane):
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
