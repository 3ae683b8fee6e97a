"""Versions of one object (delete markers included): preview one (p/Enter), download it (D), restore it
by copying it over the key, or delete it for good. The list is an OptionList of inert text; the storage
service and the download (the Objects pane's, through the transfer queue) come in the constructor and
every call runs in a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cwos_tui.cloud.objects import key_versions, restore_version
from cwos_tui.cloud.s3_models import ObjectVersion
from cwos_tui.cloud.storage import StorageService
from cwos_tui.ui import commands
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.mutation import mutate, run_work
from cwos_tui.ui.text import DisplayFilter, human_size, no_filter, safe_text

#: a line fits the dialog at 80 columns (76 inside its border and padding, one of them for a scroll bar)
ID_WIDTH = 32


def version_line(v: ObjectVersion) -> str:
    when = "-" if v.last_modified is None else v.last_modified.strftime("%Y-%m-%d %H:%M:%S")
    what = "delete marker" if v.is_delete_marker else human_size(v.size)
    latest = "latest" if v.is_latest else ""
    version_id = safe_text(v.version_id)
    if len(version_id) > ID_WIDTH:  # the whole id is in the preview's title and in what D downloads
        version_id = version_id[:ID_WIDTH - 1] + "…"
    return f"{version_id:<{ID_WIDTH}}  {latest:<6}  {what:>13} {when}"


class VersionsScreen(ModalScreen[None]):
    BINDINGS = commands.screen_bindings("versions")
    DEFAULT_CSS = """
    VersionsScreen { align: center middle; }
    VersionsScreen > Vertical { width: 100%; max-width: 100; height: auto; max-height: 100%;
                                border: round $accent; background: $surface; padding: 0 1; }
    VersionsScreen #versions-note { height: auto; color: $text-muted; }
    VersionsScreen #versions-head { text-style: bold; }
    VersionsScreen OptionList, VersionsScreen OptionList:focus {
        height: auto; max-height: 20; border: none; padding: 0;
    }
    """

    class Loaded(Message):
        def __init__(self, versions: list[ObjectVersion]) -> None:
            super().__init__()
            self.versions = versions

    class Changed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, storage: StorageService, bucket: str, key: str, *,
                 display_filter: DisplayFilter = no_filter,
                 download: Callable[[str, ObjectVersion], None] | None = None) -> None:
        super().__init__()
        self.storage, self.bucket, self.key = storage, bucket, key
        self.display_filter = display_filter
        self.download = download
        self.versions: list[ObjectVersion] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self.display_filter(safe_text(f"Versions of s3://{self.bucket}/{self.key}")))
            box.border_subtitle = "p preview  D download  r restore  d delete  Esc close"
            yield Static("Listing versions…", id="versions-note", markup=False)
            yield Static(f"{'Version ID':<{ID_WIDTH}}  {'':<6}  {'Size':>13} Modified (UTC)", id="versions-head",
                         markup=False)
            yield OptionList(id="versions-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    def reload(self) -> None:
        async def load() -> VersionsScreen.Loaded:
            return self.Loaded(await key_versions(self.storage, self.bucket, self.key))

        run_work(self, load(), "versions", "versions")

    def on_versions_screen_loaded(self, message: VersionsScreen.Loaded) -> None:
        self.versions = message.versions
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([Option(Text(self.display_filter(version_line(v)))) for v in self.versions])
        if self.versions:
            choices.highlighted = 0
        markers = sum(v.is_delete_marker for v in self.versions)
        note = f"{len(self.versions)} version{'s' if len(self.versions) != 1 else ''}"
        note += f", {markers} delete marker{'s' if markers != 1 else ''}" if markers else ""
        if len(self.versions) <= 1 and not markers:
            note += " (is versioning on for this bucket?)"
        self.query_one("#versions-note", Static).update(note)

    def on_versions_screen_changed(self, message: VersionsScreen.Changed) -> None:
        self.app.notify(safe_text(message.text), markup=False)
        self.reload()

    def _selected(self) -> ObjectVersion | None:
        index = self.query_one(OptionList).highlighted
        return self.versions[index] if index is not None and index < len(self.versions) else None

    def _content(self, doing: str) -> ObjectVersion | None:
        version = self._selected()
        if version is not None and version.is_delete_marker:
            self.app.notify(f"A delete marker has no content to {doing}: pick a version.", severity="warning")
            return None
        return version

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_preview()

    def action_preview(self) -> None:
        """p / Enter: the preview of the selected version (GetObject with its VersionId)."""
        from cwos_tui.ui.modals.preview import PreviewScreen  # loaded on first use (pygments)

        version = self._content("preview")
        if version is not None:
            self.app.push_screen(PreviewScreen(self.storage, self.bucket, self.key, version.size,
                                               display_filter=self.display_filter, version_id=version.version_id))

    def action_download(self) -> None:
        """D: the selected version into the download folder, through the transfer queue (Transfers: 6)."""
        version = self._content("download")
        if version is not None and self.download is not None:
            self.download(self.key, version)

    def action_restore(self) -> None:
        version = self._selected()
        if version is None or version.is_delete_marker or version.is_latest:
            self.app.notify("Pick an older version (not the latest, not a delete marker).", severity="warning")
            return
        storage, bucket, key = self.storage, self.bucket, self.key

        async def work(_: Any) -> VersionsScreen.Changed:
            await restore_version(storage, bucket, key, version.version_id)
            return self.Changed(f"Restored version {version.version_id} of s3://{bucket}/{key}")

        ask = ConfirmScreen("Make this version the current one (a copy over the key)?",
                            f"s3://{bucket}/{key} @ {version.version_id}", confirm_label="Restore")
        mutate(self, ask, work, "restore version")

    def action_delete(self) -> None:
        version = self._selected()
        if version is None:
            return
        storage, bucket, key = self.storage, self.bucket, self.key

        async def work(_: Any) -> VersionsScreen.Changed:
            await storage.delete_object(bucket, key, version.version_id)
            return self.Changed(f"Deleted version {version.version_id} of s3://{bucket}/{key}")

        what = "delete marker" if version.is_delete_marker else "version (for good)"
        ask = ConfirmScreen(f"Delete this {what}?", f"s3://{bucket}/{key} @ {version.version_id}")
        mutate(self, ask, work, "delete version")

    def action_close(self) -> None:
        self.dismiss(None)
