"""Preview of an object (or of one version of it): ranged GETs of 256 KiB at most in all, shown as JSON,
a CSV table, highlighted text, Parquet schema and rows, image metadata or a hex dump. Esc cancels a read
in flight and closes; nothing beyond the cap is read."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from cwos_tui.cloud.objects import PREVIEW_BYTES
from cwos_tui.cloud.preview_read import PreviewData, looks_parquet, read_preview
from cwos_tui.cloud.storage import StorageService
from cwos_tui.ui import commands
from cwos_tui.ui.preview_parquet import render_data
from cwos_tui.ui.text import DisplayFilter, human_size, no_filter, safe_text


class PreviewScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("preview")
    DEFAULT_CSS = """
    PreviewScreen { align: center middle; }
    PreviewScreen > #preview-box { width: 100%; height: 100%; border: round $accent; background: $surface;
                                   border-title-style: bold; padding: 0 1; }
    PreviewScreen #preview-note { height: 1; color: $text-muted; }
    PreviewScreen #preview-body { height: 1fr; }
    PreviewScreen #preview-content { width: auto; }
    """

    class Loaded(Message):
        def __init__(self, data: PreviewData) -> None:
            super().__init__()
            self.data = data

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, storage: StorageService, bucket: str, key: str, size: int, *,
                 display_filter: DisplayFilter = no_filter, cap: int = PREVIEW_BYTES,
                 version_id: str | None = None) -> None:
        super().__init__()
        self.storage = storage
        self.bucket = bucket
        self.key = key
        self.object_size = size
        self.cap = cap
        self.version_id = version_id
        self.display_filter = display_filter
        self.kind = ""  # what is shown once loaded ("json", "csv", "text", "hex", "image", "parquet", "empty")

    def compose(self) -> ComposeResult:
        with Vertical(id="preview-box") as box:
            version = f" @ version {self.version_id}" if self.version_id else ""
            title = f"Preview s3://{self.bucket}/{self.key}{version}"
            box.border_title = Text(self.display_filter(safe_text(title)))
            box.border_subtitle = "Esc close  ↑↓ PgUp PgDn scroll"
            reading = f"Reading the first {human_size(min(self.object_size, self.cap))}…"
            if looks_parquet(self.key) and self.object_size > self.cap:
                reading = f"Reading the Parquet footer, then the first rows (at most {human_size(self.cap)})…"
            yield Static(f"{reading}  (Esc cancels)", id="preview-note", markup=False)
            with VerticalScroll(id="preview-body"):
                yield Static("", id="preview-content", markup=False)

    def on_mount(self) -> None:
        self.query_one("#preview-body", VerticalScroll).focus()
        self.run_worker(self._read(), group="preview", exclusive=True, exit_on_error=False)

    async def _read(self) -> None:
        from cwos_tui.cloud.errors import CloudError

        try:
            data = await read_preview(self.storage, self.bucket, self.key, self.object_size, self.cap,
                                      self.version_id)
        except CloudError as exc:
            self.post_message(self.Failed(exc.message))
            return
        self.post_message(self.Loaded(data))

    def on_preview_screen_loaded(self, message: PreviewScreen.Loaded) -> None:
        preview = render_data(self.key.rpartition("/")[2], message.data, self.object_size)
        self.kind = preview.kind
        self.query_one("#preview-note", Static).update(self.display_filter(preview.note))
        self.query_one("#preview-content", Static).update(preview.body)

    def on_preview_screen_failed(self, message: PreviewScreen.Failed) -> None:
        self.kind = "error"
        self.query_one("#preview-note", Static).update(f"Could not read: {safe_text(message.text)}")

    def action_close(self) -> None:
        """Esc: stop a read still in flight (its worker is cancelled) and close."""
        self.workers.cancel_group(self, "preview")
        self.dismiss(None)
