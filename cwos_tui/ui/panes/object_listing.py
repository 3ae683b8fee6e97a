"""The Objects pane's listing: one prefix of one bucket, streamed page by page into a listing store.

The first page is on screen as soon as it arrives; later pages land in the store and the list shows
them without moving the cursor or the view. A reload keeps the old listing on screen until the new one
has reached the row the cursor was on, so the cursor never jumps back to the top.
"""

from __future__ import annotations

import gc
from typing import ClassVar

from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from cwos_tui.cloud.listing import ListedPage, ListingStore, stream_listing
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.messages import LocationShown, ShowPane, WorkFailed
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, RowList
from cwos_tui.ui.widgets.store_list import StoreList

OBJECT_PAGE = 1000
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_heap_settled: list[bool] = []


def settle_heap_once() -> None:
    """Before the first listing: move what the app has built so far (botocore's service models, the
    widgets, the stylesheet) out of the garbage collector's reach. A full collection walks every object
    the collector tracks, while holding the interpreter lock: with the S3 model loaded that stalled
    the screen and the keys for a third of a second during a big listing on a busy machine."""
    if not _heap_settled:
        _heap_settled.append(True)
        gc.freeze()


class PageListed(Message):
    """One listing page, parsed into columns by the worker; the handler appends it to the store."""

    def __init__(self, generation: int, chunk: ListingStore, done: bool, token: str | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.chunk = chunk
        self.done = done
        self.token = token  # where the listing continues after this page


class ObjectListing(Pane):
    """Enter descends into a folder (details for an object), Backspace/Esc goes up."""

    pane_id = "objects"
    COLUMNS = (Column("Name", 0), Column("Size", 10, right=True), Column("Modified (UTC)", 16))
    EMPTY = "No objects under this prefix."
    page_size: ClassVar[int] = OBJECT_PAGE

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.bucket = ""
        self.prefix = ""
        self.search = ""  # a server-side prefix search inside the folder (`:find`), or ""
        self._return_to: str | None = None  # the folder to put the cursor on after going up
        self._fresh = True  # the next listing is a new folder's (cursor to the top), not a reload
        self._receiving: ListingStore | None = None  # the store the current listing's pages go to
        self._anchor_name = ""  # on reload: the old listing stays until the new one reaches this name
        self._pages = 0
        self._paused = False  # stopped at the listing cap: L continues from `_next_token`
        self._next_token: str | None = None
        self._pause_at = 0

    def compose_top(self) -> ComposeResult:
        yield Static("", id="breadcrumb", markup=False)

    def make_list(self) -> RowList:
        return StoreList(self.COLUMNS, id=f"list-{self.pane_id}", display_filter=self.ctx.display_filter)

    @property
    def store_list(self) -> StoreList:
        return self.query_one(StoreList)

    def on_mount(self) -> None:
        self._update_breadcrumb()

    def _update_breadcrumb(self) -> None:
        if not self.bucket:
            text = "no bucket: choose one in Buckets (4) or type :b bucket/prefix/"
        else:
            parts = [self.bucket, *[p for p in self.prefix.split("/") if p]]
            text = "s3://" + " / ".join(safe_text(p) for p in parts) + " /"
            if self.search:
                text += f"  server search: names starting “{safe_text(self.search)}” (Esc ends it)"
        self.query_one("#breadcrumb", Static).update(text)

    @property
    def location(self) -> str:
        return f"{self.bucket}/{self.prefix}" if self.bucket else ""

    def go(self, bucket: str, prefix: str, return_to: str | None = None, search: str = "") -> None:
        self.bucket, self.prefix, self._return_to, self.search = bucket, prefix, return_to, search
        self._fresh = True
        self.row_list.set_filter("")
        self.store_list.marked.clear()
        self._update_breadcrumb()
        self.post_message(LocationShown(bucket, prefix))
        self.reload()

    def reload(self) -> None:
        self._receiving = None
        self._pages = 0
        self._paused, self._next_token, self._pause_at = False, None, self.ctx.settings.listing_cap
        if not self.bucket:
            self.loaded = True
            self.store_list.set_store(ListingStore())
            self.set_state("Pick a bucket first.")
            return
        if self._fresh:
            self.store_list.set_store(ListingStore(self.prefix))
        settle_heap_once()
        super().reload()

    async def load(self, generation: int, token: str | None = None) -> None:
        def landed(page: ListedPage) -> None:  # in the S3 thread: only posts
            self.post_message(PageListed(generation, page.chunk, page.done, page.next_token))

        await stream_listing(self.services.storage, self.bucket, self.prefix + self.search, landed,
                             page_size=self.page_size, names_after=self.prefix, token=token)

    # ---- the listing cap -----------------------------------------------------------------------

    def _pause(self) -> None:
        """The listing reached the cap: stop asking for pages (a page in flight is dropped and asked
        for again on L) and say so."""
        self._paused, self.busy = True, False
        self.workers.cancel_group(self, self.pane_id)
        listing = self.store_list
        if self._receiving is not None and listing.store is not self._receiving:
            listing.set_store(self._receiving, keep_value=True)  # a reload shows what it has so far
        listing.grow(now=True)

    def continue_listing(self, _: str = "") -> None:
        """L / `:continue`: list on from where the cap paused the listing, up to the cap again."""
        if not self._paused or self._receiving is None:
            self.app.notify("The listing is not paused.", severity="information")
            return
        self._paused, self.busy = False, True
        self._pause_at = len(self._receiving) + self.ctx.settings.listing_cap
        self.generation += 1  # a page the stopped run still posts is dropped, never listed twice
        generation, token = self.generation, self._next_token

        async def resume() -> None:
            try:
                await self.load(generation, token)
            except Exception as exc:  # the app's one error handler
                self.post_message(WorkFailed(f"{self.pane_id}: load", exc, self.pane_id, generation))

        self.run_worker(resume(), group=self.pane_id, exclusive=True, exit_on_error=False)
        self.show_count()

    # ---- pages land ----------------------------------------------------------------------------

    def on_page_listed(self, message: PageListed) -> None:
        message.stop()
        if message.generation != self.generation or self._paused:
            return  # a page of a listing the user already left (or one in flight when the cap paused it)
        self._pages += 1
        self._next_token = message.token
        self.complete = message.done
        self.busy = not message.done
        listing = self.store_list
        if self._receiving is None:
            self._first_page(message.chunk)
        else:
            self._receiving.extend(message.chunk)
            if self._receiving is listing.store:
                listing.grow(now=message.done)
            elif message.done or self._covers_anchor(self._receiving):
                listing.set_store(self._receiving, keep_value=True)
        if self._return_to is not None and listing.store is self._receiving and listing.cursor == 0:
            if listing.select_value(("prefix", self._return_to)):
                self._return_to = None
        if message.done:
            self._return_to = None
        elif self._pause_at and self._receiving is not None and len(self._receiving) >= self._pause_at:
            self._pause()
        if message.done or self._paused or self._pages == 1 or listing.store is not self._receiving:
            self.show_count()  # otherwise the list's next sync (a few times a second) updates the count

    def _first_page(self, chunk: ListingStore) -> None:
        listing = self.store_list
        self._receiving = chunk
        if self._fresh:
            self._fresh = False
            listing.set_store(chunk)
            return
        selected = listing.selected
        self._anchor_name = "" if selected is None else str(selected.value[1])[len(self.prefix):]
        if self.complete or self._covers_anchor(chunk):
            listing.set_store(chunk, keep_value=True)

    def _covers_anchor(self, store: ListingStore) -> bool:
        return not self._anchor_name or (len(store) > 0 and store.names[-1] >= self._anchor_name)

    def on_store_list_grown(self, message: StoreList.Grown) -> None:
        message.stop()
        self.show_count()

    def show_count(self) -> None:
        listing = self.store_list
        if self.complete and not listing.held:
            self.set_state(self.EMPTY)
            return
        self.set_state(self.describe_count())

    def describe_count(self) -> str:
        listing = self.store_list
        held = len(self._receiving) if self._receiving is not None else listing.held
        if self.complete:
            text = f"{held:,} item{'' if held == 1 else 's'}"
            if self.search:
                text += " found by the server"
        elif self._paused:
            text = f"listing paused at {held:,} — press L to continue"
        else:
            text = f"{SPINNER[self._pages % len(SPINNER)]} {held:,} of ? listed…"
        if listing.order is not None:
            text += f"  sorted by {listing.sort_by}"
            if len(listing.order) < held:
                text += f" ({len(listing.order):,} sorted; later rows follow unsorted: sort again)"
            elif not self.complete:
                text += " (of the rows loaded so far)"
        if listing.marked:
            text += f"  {len(listing.marked):,} marked"
        if listing.filter_text:
            more = "" if self.complete else " so far"
            text += f"  filter “{listing.filter_text}” (loaded rows{more}): {listing.count:,} match"
        return text

    def apply_filter(self, text: str) -> None:
        self.row_list.set_filter(text)
        if self.loaded and self.bucket:
            self.show_count()

    # ---- navigation ----------------------------------------------------------------------------

    def open_selected(self) -> bool:
        row = self.row_list.selected
        if row is None or row.value[0] != "prefix":
            return False  # an object: the app shows its details
        self.go(self.bucket, row.value[1])
        return True

    def up(self, _: str = "") -> None:
        """Up one folder (or out of a server search); from a bucket's root back to Buckets."""
        if self.search:
            self.go(self.bucket, self.prefix)
            return
        if not self.prefix:
            self.post_message(ShowPane("buckets"))
            return
        parent = self.prefix.rstrip("/").rpartition("/")[0]
        self.go(self.bucket, parent + "/" if parent else "", return_to=self.prefix)

    def folder_keys(self) -> list[str]:
        """Full keys of the folders loaded so far (for Tab completion of `:b`)."""
        store = self.store_list.store
        return [store.key(i) for i in range(min(len(store), 10_000)) if store.is_folder(i)]

    def copy_value(self) -> str | None:
        row = self.row_list.selected
        if row is None:
            return f"s3://{self.location}" if self.bucket else None
        return f"s3://{self.bucket}/{row.value[1]}"

    def selected_object(self) -> str | None:
        row = self.row_list.selected
        return str(row.value[1]) if row is not None and row.value[0] == "object" else None
