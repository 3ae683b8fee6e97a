"""`objects.save_browser` (Ctrl+S, `:save`): the selected object to the browser's downloads.

Only when the dashboard is served: the object's GetObject body is handed to Textual's `deliver_binary`,
which streams it chunk by chunk to the browser through the server (nothing is written on the server's
disk). In a terminal it says where downloads happen instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.mutation import run_work
from cwos_tui.ui.text import safe_text

if TYPE_CHECKING:
    from textual.app import App

    from cwos_tui.ui.panes.objects import ObjectsPane

NOT_SERVED = "Save to browser works in the dashboard served to a browser (`cwos-tui serve`)."
_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")


class BodyStream(io.RawIOBase):
    """A GetObject body as the binary file `deliver_binary` reads: forward only (`seek(0)` at the start)."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self.body = body
        self.position = 0

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset == 0 and whence == io.SEEK_SET and self.position == 0:
            return 0
        raise io.UnsupportedOperation("an S3 body reads forward only")

    def read(self, size: int | None = -1) -> bytes:
        chunk: bytes = self.body.read(None if size is None or size < 0 else size)
        self.position += len(chunk)
        return chunk

    def close(self) -> None:
        if not self.closed:
            self.body.close()
        super().close()


def content_type(value: object) -> str:
    """The object's Content-Type when it is a plain `type/subtype`, else a neutral one."""
    text = str(value or "").split(";", 1)[0].strip()
    return text if _MIME.match(text) else "application/octet-stream"


def web_handlers(app: App[Any], objects: Callable[[], ObjectsPane]) -> dict[str, Handler]:
    def save(_: str = "") -> None:
        if not app.is_web:
            app.notify(NOT_SERVED, severity="warning", markup=False)
            return
        pane = objects()
        key = pane.selected_object()
        if key is None:
            app.notify("Select an object (not a folder) to save.", severity="warning")
            return
        storage, bucket = pane.services.storage, pane.bucket
        name = key.rsplit("/", 1)[-1] or "object"

        async def work() -> None:
            response = await storage.run_with_client(
                "GetObject", lambda client: client.get_object(Bucket=bucket, Key=key))
            app.deliver_binary(cast(BinaryIO, BodyStream(response["Body"])), save_filename=name,
                               mime_type=content_type(response.get("ContentType")))
            app.notify(f"Sending {safe_text(name)} to the browser's downloads…", markup=False)

        run_work(app, work(), "save to browser", "web-save")

    return {"objects.save_browser": save}
