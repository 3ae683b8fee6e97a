"""The listing store for big prefixes: raw records in compact columns, filled page by page.

A million `ObjectEntry` records (a dataclass, a datetime and a string per key) cost over 500 bytes a
key; these columns cost under 200: the name relative to the prefix (a str), the size as a machine number
in an `array`, the server's timestamp text as 24 bytes (parsed only when a row is shown or the list is
sorted by date), the ETag as 16 raw bytes when it is a plain MD5, and the storage class as a one-byte
code. Nothing is formatted here: the list formats the few rows it shows. Pages are parsed into a
`ListingStore` chunk in the S3 thread, then appended in one go.
"""

from __future__ import annotations

import bisect
import functools
import math
from array import array
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cwos_tui.cloud.s3_models import fast_timestamp

_NO_ETAG = bytes(16)
STAMP = 24  # "2026-11-30T08:15:42.000Z"
_NO_STAMP = b" " * STAMP


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

    __slots__ = ("_mtimes", "class_names", "classes", "etag_other", "etags", "names", "prefix", "sizes",
                 "stamp_other", "stamps")

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.names: list[str] = []  # key without the prefix; folders end with "/"
        self.sizes = array("q")  # -1: a folder
        self.stamps = bytearray()  # 24 bytes a row: the server's timestamp text, space-padded; blank: unknown
        self.stamp_other: dict[int, str] = {}  # timestamps longer than 24 characters, by row
        self.etags = bytearray()  # 16 bytes a row: the MD5 of a plain ETag, zeros otherwise
        self.etag_other: dict[int, str] = {}  # multipart ("…-3") or odd ETags, by row
        self.classes = array("B")
        self.class_names: list[str] = ["STANDARD"]
        self._mtimes = array("d")  # parsed timestamps of the first rows, made when sorting by date

    def __len__(self) -> int:
        return len(self.names)

    # ---- filling -------------------------------------------------------------------------------

    def add_folder(self, key: str) -> None:
        self._add(key[len(self.prefix):], -1, "", "", 0)

    def add_object(self, key: str, size: int, modified: datetime | str | None, etag: str,
                   storage_class: str) -> None:
        self._add(key[len(self.prefix):], size, stamp_text(modified), etag, self._class_code(storage_class))

    def _class_code(self, storage_class: str) -> int:
        try:
            return self.class_names.index(storage_class)
        except ValueError:
            self.class_names.append(storage_class)
            return len(self.class_names) - 1

    def _add(self, name: str, size: int, stamp: str, etag: str, code: int) -> None:
        row = len(self.names)
        self.names.append(name)
        self.sizes.append(size)
        self._add_stamp(row, stamp)
        self.classes.append(code)
        self._add_etag(row, etag)

    def _add_etag(self, row: int, etag: str) -> None:
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

    def _add_stamp(self, row: int, stamp: str) -> None:
        if len(stamp) <= STAMP and stamp.isascii():
            self.stamps += stamp.ljust(STAMP).encode("ascii")
        else:
            self.stamps += _NO_STAMP
            self.stamp_other[row] = stamp

    def add_page(self, names: list[str], sizes: list[str], stamps: list[str], etags: list[str] | bytes,
                 classes: list[str]) -> None:
        """A page of objects at once (the fast path's columns): sizes as digits, timestamps as sent,
        ETags as 16 bytes a row when all are plain MD5s; `classes` empty when the server sent none."""
        start, count = len(self.names), len(names)
        self.names += names
        self.sizes.extend(map(int, sizes))
        blob = "".join([stamp.ljust(STAMP) for stamp in stamps])
        if len(blob) == STAMP * count and blob.isascii():
            self.stamps += blob.encode("ascii")
        else:
            for row, stamp in enumerate(stamps, start):
                self._add_stamp(row, stamp)
        if isinstance(etags, bytes):
            self.etags += etags
        else:
            for row, etag in enumerate(etags, start):
                self._add_etag(row, etag)
        if not classes or classes.count("STANDARD") == count:
            self.classes.extend(bytes(count))
        else:
            self.classes.extend(self._class_code(name) for name in classes)

    def extend(self, chunk: ListingStore) -> None:
        """Append another page (parsed elsewhere) behind the rows already here."""
        start = len(self.names)
        self.names.extend(chunk.names)
        self.sizes.extend(chunk.sizes)
        self.stamps += chunk.stamps
        self.stamp_other.update({start + row: stamp for row, stamp in chunk.stamp_other.items()})
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

    def stamp(self, row: int) -> str:
        """The server's own timestamp text ("" when unknown)."""
        other = self.stamp_other.get(row)
        if other is not None:
            return other
        return self.stamps[row * STAMP : row * STAMP + STAMP].decode("ascii").rstrip()

    def modified(self, row: int) -> datetime | None:
        return parse_stamp(self.stamp(row))

    @property
    def mtimes(self) -> array[float]:
        """POSIX seconds per row (nan: unknown), parsed on first use (sorting by date) and kept."""
        parsed = self._mtimes
        seen: dict[str, float] = {}
        for row in range(len(parsed), len(self.names)):
            text = self.stamp(row)
            value = seen.get(text)
            if value is None:
                when = parse_stamp(text)
                value = seen[text] = math.nan if when is None else when.timestamp()
            parsed.append(value)
        return parsed

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
                + len(self.stamps) + self._mtimes.itemsize * len(self._mtimes) + len(self.etags)
                + len(self.classes) + sum(sys.getsizeof(v) + 100 for v in self.etag_other.values())
                + sum(sys.getsizeof(v) + 100 for v in self.stamp_other.values()))


def stamp_text(modified: datetime | str | None) -> str:
    """A timestamp as text for the store: the server's text as is; a parsed one in S3's own format."""
    if modified is None or isinstance(modified, str):
        return modified or ""
    when = modified.astimezone(UTC) if modified.tzinfo else modified.replace(tzinfo=UTC)
    if when.microsecond % 1000:
        return when.isoformat()
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}Z"


@functools.lru_cache(maxsize=4096)
def parse_stamp(text: str) -> datetime | None:
    """A server timestamp as an aware UTC datetime (None when empty or unreadable)."""
    if not text:
        return None
    try:
        return fast_timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return None


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


