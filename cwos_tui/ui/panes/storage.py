"""The Buckets pane (the Objects pane is in `objects.py`)."""

from __future__ import annotations

from cwos_tui.cloud.errors import PermissionDenied
from cwos_tui.ui.messages import OpenLocation
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text, short_time
from cwos_tui.ui.widgets.row_list import Column, Row

OBJECT_PAGE = 1000


class BucketsPane(Pane):
    """ListBucketInfo (location, usage); S3 ListBuckets when the principal may not call it."""

    pane_id = "buckets"
    COLUMNS = (Column("Bucket", 0), Column("Zone", 15), Column("Created (UTC)", 16), Column("Usage", 12))
    EMPTY = "No buckets yet."

    async def load(self, generation: int) -> None:
        try:
            rows = []
            async for info in self.services.control_plane.iter_bucket_info():
                usage = next((u.value_human_readable for u in info.usage if u.value_human_readable), "")
                rows.append(Row((safe_text(info.name), safe_text(info.location), short_time(info.creation_time),
                                 safe_text(usage)), info.name))
            self.post_rows(generation, rows, replace=True, done=True)
        except PermissionDenied:
            buckets = await self.services.storage.list_buckets()
            rows = [Row((safe_text(b.name), "?", short_time(b.created_at), ""), b.name) for b in buckets]
            self.post_rows(generation, rows, replace=True, done=True, note="from S3 ListBuckets")

    def open_selected(self) -> bool:
        row = self.row_list.selected
        if row is not None:
            self.post_message(OpenLocation(str(row.value), ""))
        return True
