"""A listing store for big prefixes: raw records in compact columns, filled page by page.

A million `ObjectEntry` records (a dataclass, a datetime and a string per key) cost over 500 bytes a
key; these columns cost under 200: the name relative to the prefix (a str), the size and the
modification time as machine numbers in `array`s, the ETag as 16 raw bytes when it is a plain MD5,
and the storage class as a one-byte code. Nothing is formatted here: the list formats the few rows it
shows. Pages are parsed into a `ListingStore` chunk in the S3 thread, then appended in one go.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import threading
from array import array
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from cwos_tui.cloud.errors import ProtocolError

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

_MAX_PAGES = 1_000_000
_NO_ETAG = bytes(16)


class ListedObject(NamedTuple):
    """One listed entry as typed values (a folder has `is_folder` and size -1)."""

    key: str
    name: str
    size: int
    modified: datetime | None
    etag: str
    storage_class: str
    is_folder: bool


class ListingStore:
    """Columns of one listing, in S3's order (lexicographic by key, so `find` bisects)."""

    __slots__ = ("class_names", "classes", "etag_other", "etags", "mtimes", "names", "prefix", "sizes")

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.names: list[str] = []  # key without the prefix; folders end with "/"
        self.sizes = array("q")  # -1: a folder
        self.mtimes = array("d")  # POSIX seconds; nan: unknown
        self.etags = bytearray()  # 16 bytes a row: the MD5 of a plain ETag, zeros otherwise
        self.etag_other: dict[int, str] = {}  # multipart ("…-3") or odd ETags, by row
        self.classes = array("B")
        self.class_names: list[str] = ["STANDARD"]

    def __len__(self) -> int:
        return len(self.names)

    # ---- filling -------------------------------------------------------------------------------

    def add_folder(self, key: str) -> None:
        self._add(key[len(self.prefix):], -1, math.nan, "", 0)

    def add_object(self, key: str, size: int, modified: datetime | None, etag: str, storage_class: str) -> None:
        try:
            code = self.class_names.index(storage_class)
        except ValueError:
            code = len(self.class_names)
            self.class_names.append(storage_class)
        self._add(key[len(self.prefix):], size, math.nan if modified is None else modified.timestamp(), etag, code)

    def _add(self, name: str, size: int, mtime: float, etag: str, code: int) -> None:
        row = len(self.names)
        self.names.append(name)
        self.sizes.append(size)
        self.mtimes.append(mtime)
        self.classes.append(code)
        plain = etag.strip('"')
        if len(plain) == 32:
            try:
                self.etags += bytes.fromhex(plain)
                return
            except ValueError:
                pass
        self.etags += _NO_ETAG
        if etag:
            self.etag_other[row] = etag

    def extend(self, chunk: ListingStore) -> None:
        """Append another page (parsed elsewhere) behind the rows already here."""
        start = len(self.names)
        self.names.extend(chunk.names)
        self.sizes.extend(chunk.sizes)
        self.mtimes.extend(chunk.mtimes)
        self.etags += chunk.etags
        self.etag_other.update({start + row: etag for row, etag in chunk.etag_other.items()})
        if self.class_names[: len(chunk.class_names)] == chunk.class_names:
            self.classes.extend(chunk.classes)
            return
        codes = []
        for name in chunk.class_names:
            if name not in self.class_names:
                self.class_names.append(name)
            codes.append(self.class_names.index(name))
        self.classes.extend(codes[c] for c in chunk.classes)

    # ---- reading -------------------------------------------------------------------------------

    def key(self, row: int) -> str:
        return self.prefix + self.names[row]

    def is_folder(self, row: int) -> bool:
        return self.sizes[row] < 0

    def etag(self, row: int) -> str:
        other = self.etag_other.get(row)
        if other is not None:
            return other
        raw = self.etags[row * 16 : row * 16 + 16]
        return "" if raw == _NO_ETAG else f'"{raw.hex()}"'

    def modified(self, row: int) -> datetime | None:
        value = self.mtimes[row]
        return None if math.isnan(value) else datetime.fromtimestamp(value, UTC)

    def record(self, row: int) -> ListedObject:
        folder = self.is_folder(row)
        return ListedObject(self.key(row), self.names[row], self.sizes[row], self.modified(row),
                            self.etag(row), "" if folder else self.class_names[self.classes[row]], folder)

    def find(self, name: str) -> int:
        """The row of `name` (relative to the prefix), or where it would be (the first name after it)."""
        return bisect.bisect_left(self.names, name)

    def memory_bytes(self) -> int:
        """What the columns hold (strings included): for tests and the benchmark."""
        import sys

        strings = sum(sys.getsizeof(name) for name in self.names)
        return (strings + sys.getsizeof(self.names) + self.sizes.itemsize * len(self.sizes)
                + self.mtimes.itemsize * len(self.mtimes) + len(self.etags) + len(self.classes)
                + sum(sys.getsizeof(v) + 100 for v in self.etag_other.values()))


def page_chunk(result: Mapping[str, Any], prefix: str) -> ListingStore:
    """One ListObjectsV2 response as a chunk, folders and objects merged in key order.

    A zero-byte "folder marker" whose key is the prefix itself (consoles create them) is the folder
    we are in, not a row.
    """
    chunk = ListingStore(prefix)
    folders: Iterable[str] = [p["Prefix"] for p in result.get("CommonPrefixes", ())]
    objects = result.get("Contents", ())
    if not folders:
        for item in objects:
            key = item["Key"]
            if key != prefix:
                chunk.add_object(key, item.get("Size", 0), item.get("LastModified"), item.get("ETag", ""),
                                 item.get("StorageClass", "STANDARD"))
        return chunk
    merged = sorted([(key, None) for key in folders] + [(o["Key"], o) for o in objects], key=lambda t: t[0])
    for key, item in merged:
        if item is None:
            chunk.add_folder(key)
        elif key != prefix:
            chunk.add_object(key, item.get("Size", 0), item.get("LastModified"), item.get("ETag", ""),
                             item.get("StorageClass", "STANDARD"))
    return chunk


class ListedPage(NamedTuple):
    chunk: ListingStore
    done: bool


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
    delimiter: str = "/", page_size: int = 1000, names_after: str | None = None,
) -> None:
    """List page after page in one S3 thread, handing each parsed page to `on_page` (called in that
    thread: it must only post a message). Requests follow each other as fast as a bare paginator's,
    whatever the event loop is doing; cancelling the caller stops the thread after the page in flight.
    """
    base = prefix if names_after is None else names_after
    stop = threading.Event()
    state: dict[str, str | None] = {"token": None}  # a retried run resumes where it stopped

    def run(client: Any) -> None:
        for _ in range(_MAX_PAGES):
            if stop.is_set():
                return
            params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
            if delimiter:
                params["Delimiter"] = delimiter
            token = state["token"]
            if token:
                params["ContinuationToken"] = token
            result = client.list_objects_v2(**params)
            following = result.get("NextContinuationToken") if result.get("IsTruncated") else None
            if following and following == token:
                raise ProtocolError("the server repeated a continuation token", operation="ListObjectsV2")
            chunk = page_chunk(result, base)
            state["token"] = following
            if stop.is_set():
                return
            on_page(ListedPage(chunk, not following))
            if not following:
                return

    try:
        await storage.run_with_client("list_objects_v2", run)
    except asyncio.CancelledError:
        stop.set()
        raise
