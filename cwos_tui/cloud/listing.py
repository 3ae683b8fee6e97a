"""Listing a prefix page by page into `ListingStore` chunks: the fast path first, boto3 where it cannot.

The store itself lives in `listing_store`; it is importable from here too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from cwos_tui.cloud.errors import ProtocolError
from cwos_tui.cloud.listing_store import ListedObject, ListingStore, page_chunk, parse_stamp, stamp_text

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

__all__ = ["ListedObject", "ListedPage", "ListingStore", "iter_listing", "page_chunk", "parse_stamp", "stamp_text",
           "stream_listing"]

_MAX_PAGES = 1_000_000
FIRST_PAGE = 100  # keys in the first request of a streamed listing: a screenful and more, sooner


class ListedPage(NamedTuple):
    chunk: ListingStore
    done: bool
    next_token: str | None = None  # where a listing stopped after this page resumes (`stream_listing(token=)`)


async def iter_listing(
    storage: StorageService, bucket: str, prefix: str = "", delimiter: str = "/", page_size: int = 1000,
    names_after: str | None = None,
) -> AsyncIterator[ListedPage]:
    """A prefix page by page as chunks (parsed in the S3 thread), so the first one can be shown at once.

    Names are relative to `names_after` (default: `prefix`): a server-side search lists `folder/abc`
    but names rows relative to `folder/`.
    """
    base = prefix if names_after is None else names_after
    token: str | None = None
    for _ in range(_MAX_PAGES):
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
        if delimiter:
            params["Delimiter"] = delimiter
        if token:
            params["ContinuationToken"] = token
        truncated, following, chunk = await storage.call_shaped(
            "list_objects_v2", lambda r: (bool(r.get("IsTruncated")), r.get("NextContinuationToken"),
                                          page_chunk(r, base)), **params)
        following = following if truncated else None
        yield ListedPage(chunk, not following)
        if not following:
            return
        if following == token:
            raise ProtocolError("the server repeated a continuation token", operation="ListObjectsV2")
        token = following


async def stream_listing(
    storage: StorageService, bucket: str, prefix: str, on_page: Callable[[ListedPage], None], *,
    delimiter: str = "/", page_size: int = 1000, names_after: str | None = None, token: str | None = None,
) -> None:
    """List page after page in one S3 thread, handing each parsed page to `on_page` (called in that
    thread: it must only post a message). The fast path (`fast_list`) fetches and parses the pages, the
    next one requested while the current one is parsed; boto3 lists when it cannot. Cancelling the
    caller stops the thread after the page in flight; `token` (a page's `next_token`) resumes a listing
    that was stopped on purpose (a listing cap) after that page.
    """
    base = prefix if names_after is None else names_after
    stop = threading.Event()
    state: dict[str, str | None] = {"token": token}  # a retried run resumes where it stopped

    def run(client: Any) -> None:
        from cwos_tui.cloud.fast_list import Request, boto_pages, fast_lister  # loaded with the first listing

        token = state["token"]
        first = page_size if token else min(page_size, FIRST_PAGE)  # a small first page is on screen sooner
        request = Request(bucket, prefix, delimiter, first, token, later_size=page_size)
        lister = fast_lister(client, storage.verify)
        pages = lister.pages(request, base, stop) if lister is not None else boto_pages(client, request, base, stop)
        try:
            for count, page in enumerate(pages):
                if count >= _MAX_PAGES:
                    raise ProtocolError("the listing did not end", operation="ListObjectsV2")
                state["token"] = page.next_token
                if stop.is_set():
                    return
                on_page(ListedPage(page.chunk, not page.next_token, page.next_token))
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    try:
        await storage.run_with_client("list_objects_v2", run)
    except asyncio.CancelledError:
        stop.set()
        raise
