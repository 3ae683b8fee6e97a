"""Incomplete multipart uploads of a bucket (under the folder shown): they hold storage until completed
or aborted. Abort one (d) or all of them (D)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cwos_tui.cloud.s3_models import MultipartUpload
from cwos_tui.cloud.storage import StorageService
from cwos_tui.ui import commands
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_text, short_time


class UploadsScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("uploads")
    DEFAULT_CSS = """
    UploadsScreen { align: center middle; }
    UploadsScreen > Vertical { width: 100%; max-width: 100; height: auto; max-height: 100%;
                               border: round $accent; background: $surface; padding: 0 1; }
    UploadsScreen #uploads-note { height: auto; color: $text-muted; }
    UploadsScreen OptionList, UploadsScreen OptionList:focus { height: auto; max-height: 20; border: none; padding: 0; }
    """

    class Loaded(Message):
        def __init__(self, uploads: list[MultipartUpload]) -> None:
            super().__init__()
            self.uploads = uploads

    class Changed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, storage: StorageService, bucket: str, prefix: str, *,
                 display_filter: DisplayFilter = no_filter) -> None:
        super().__init__()
        self.storage, self.bucket, self.prefix = storage, bucket, prefix
        self.display_filter = display_filter
        self.uploads: list[MultipartUpload] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self.display_filter(safe_text(
                f"Incomplete uploads in s3://{self.bucket}/{self.prefix}")))
            box.border_subtitle = "d abort  D abort all  Esc close"
            yield Static("Listing…", id="uploads-note", markup=False)
            yield OptionList(id="uploads-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    def reload(self) -> None:
        async def load() -> UploadsScreen.Loaded:
            return self.Loaded(await self.storage.list_multipart_uploads(self.bucket, self.prefix))

        run_work(self, load(), "uploads", "uploads")

    def on_uploads_screen_loaded(self, message: UploadsScreen.Loaded) -> None:
        self.uploads = message.uploads
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([Option(Text(self.display_filter(
            f"{safe_text(u.key)}  started {short_time(u.initiated)}  id {safe_text(u.upload_id)[:24]}")))
            for u in self.uploads])
        if self.uploads:
            choices.highlighted = 0
        count = len(self.uploads)
        self.query_one("#uploads-note", Static).update(
            f"{count} incomplete upload{'s' if count != 1 else ''}" if count else "No incomplete uploads here.")

    def on_uploads_screen_changed(self, message: UploadsScreen.Changed) -> None:
        self.app.notify(safe_text(message.text), markup=False)
        self.reload()

    def _abort(self, uploads: list[MultipartUpload], question: str, target: str) -> None:
        storage, bucket = self.storage, self.bucket

        async def work(_: Any) -> UploadsScreen.Changed:
            for upload in uploads:
                await storage.abort_multipart_upload(bucket, upload.key, upload.upload_id)
            return self.Changed(f"Aborted {len(uploads)} upload{'s' if len(uploads) != 1 else ''}")

        mutate(self, ConfirmScreen(question, target, confirm_label="Abort"), work, "abort uploads")

    def action_abort(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.uploads):
            return
        upload = self.uploads[index]
        self._abort([upload], "Abort this upload (its parts are deleted)?", f"s3://{self.bucket}/{upload.key}")

    def action_abort_all(self) -> None:
        if self.uploads:
            self._abort(list(self.uploads), f"Abort all {len(self.uploads)} incomplete uploads?",
                        f"s3://{self.bucket}/{self.prefix}")

    def action_close(self) -> None:
        self.dismiss(None)
