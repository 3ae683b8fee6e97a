"""What a preview reads: the first bytes of an object, or, for Parquet, its footer and first row group.

Every byte read counts against one cap (256 KiB by default): a Parquet file's metadata is at its END,
so a Parquet preview asks for the last 8 bytes (the footer's length and the `PAR1` magic), then the
footer, then the first row group's column chunks only if all of that still fits under the cap.
`pyarrow` is optional (`pip install 'cwos-tui[parquet]'`) and imported only here, on first use.
"""

from __future__ import annotations

import asyncio
import io
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cwos_tui.cloud.objects import PREVIEW_BYTES

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

PARQUET_MAGIC = b"PAR1"
PARQUET_EXTENSIONS = ("parquet", "parq", "pq")
PARQUET_ROWS = 50
NO_PYARROW = "Parquet: install the optional extra for schema and rows: pip install 'cwos-tui[parquet]'"


@dataclass
class ParquetPreview:
    rows_total: int
    row_groups: int
    schema: list[tuple[str, str]]  # column path, type
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)
    note: str = ""  # why no rows are shown, when none are


@dataclass
class PreviewData:
    head: bytes  # the first bytes of the object (what a text or hex preview shows)
    read: int  # every byte downloaded for this preview (never above the cap)
    parquet: ParquetPreview | None = None
    message: str = ""  # a one-line note above the preview (e.g. how to get Parquet support)


def looks_parquet(name: str) -> bool:
    return name.lower().rpartition(".")[2] in PARQUET_EXTENSIONS and "." in name


def has_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


class SparseFile(io.RawIOBase):
    """A read-only file of `size` bytes of which only some ranges were downloaded; the rest reads as zeros.

    pyarrow reads a speculative tail (up to 64 KiB) before it knows the footer's length: the bytes it
    then uses are the footer's, which are here; the zeros in front of it are never parsed."""

    def __init__(self, size: int, pieces: dict[int, bytes]) -> None:
        super().__init__()
        self.size, self.pieces, self.position = size, pieces, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self.size - self.position))
        view[:count] = bytes(count)
        end = self.position + count
        for start, piece in self.pieces.items():
            low, high = max(start, self.position), min(start + len(piece), end)
            if low < high:
                view[low - self.position : high - self.position] = piece[low - start : high - start]
        self.position = end
        return count


def _cell(value: Any) -> str:
    text = repr(value) if isinstance(value, bytes) else str(value)
    return text if len(text) <= 200 else text[:199] + "…"


def parse_parquet(size: int, pieces: dict[int, bytes], *, with_rows: bool, note: str = "") -> ParquetPreview:
    """Schema (and the first rows of row group 0 when its bytes are in `pieces`); raises on a bad file."""
    import pyarrow.parquet as pq

    source = SparseFile(size, pieces)
    parquet = pq.ParquetFile(source)
    meta = parquet.metadata
    schema = [(parquet.schema_arrow.field(i).name, str(parquet.schema_arrow.field(i).type))
              for i in range(len(parquet.schema_arrow))]
    preview = ParquetPreview(meta.num_rows, meta.num_row_groups, schema, note=note)
    if with_rows and meta.num_row_groups:
        table = parquet.read_row_group(0).slice(0, PARQUET_ROWS)
        preview.columns = list(table.column_names)
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        preview.rows = [tuple(_cell(column[r]) for column in columns) for r in range(table.num_rows)]
    return preview


def first_group_span(size: int, pieces: dict[int, bytes]) -> tuple[int, int] | None:
    """Where row group 0's column chunks lie: (start, length), from the footer alone."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(SparseFile(size, pieces)).metadata
    if meta.num_row_groups == 0:
        return None
    group = meta.row_group(0)
    starts, ends = [], []
    for i in range(group.num_columns):
        column = group.column(i)
        start = column.data_page_offset
        if column.has_dictionary_page and column.dictionary_page_offset is not None:
            start = min(start, column.dictionary_page_offset)
        starts.append(start)
        ends.append(start + column.total_compressed_size)
    return min(starts), max(ends) - min(starts)


async def _read_parquet_tail(storage: StorageService, bucket: str, key: str, size: int, cap: int,
                             version_id: str | None) -> PreviewData:
    """A Parquet object bigger than the cap: footer first, then row group 0 if the cap allows."""
    tail = await storage.get_object_range(bucket, key, size - 8, size - 1, version_id=version_id)
    read = len(tail)
    if len(tail) != 8 or tail[4:] != PARQUET_MAGIC:
        return PreviewData(b"", read, message="Not a Parquet file (no PAR1 at its end): nothing more read")
    footer_length = struct.unpack("<I", tail[:4])[0]
    if footer_length + 8 > size or read + footer_length > cap:
        return PreviewData(b"", read, message=f"Parquet footer of {footer_length:,} bytes: more than the "
                                              f"{cap:,}-byte preview cap (nothing more read)")
    footer_at = size - 8 - footer_length
    footer = await storage.get_object_range(bucket, key, footer_at, size - 9, version_id=version_id)
    read += len(footer)
    pieces = {footer_at: footer, size - 8: tail}
    span = await asyncio.to_thread(first_group_span, size, pieces)
    note = ""
    if span is not None and read + span[1] <= cap:
        start, length = span
        pieces[start] = await storage.get_object_range(bucket, key, start, start + length - 1,
                                                       version_id=version_id)
        read += length
    elif span is not None:
        note = (f"first row group is {span[1]:,} bytes: more than the preview cap allows "
                f"({cap:,} bytes in all), so schema only")
    parsed = await asyncio.to_thread(parse_parquet, size, pieces, with_rows=not note, note=note)
    return PreviewData(b"", read, parsed)


async def _parsed(size: int, pieces: dict[int, bytes], data: bytes, read: int) -> PreviewData:
    try:
        parsed = await asyncio.to_thread(parse_parquet, size, pieces, with_rows=True)
    except Exception as exc:  # pyarrow's errors (ArrowInvalid, OSError…): the bytes are shown as they are
        return PreviewData(data, read, message=f"Not readable as Parquet: {str(exc).splitlines()[0][:200]}")
    return PreviewData(data, read, parsed)


async def read_preview(storage: StorageService, bucket: str, key: str, size: int, cap: int = PREVIEW_BYTES,
                       version_id: str | None = None) -> PreviewData:
    """What the preview of `key` shows, in at most `cap` bytes downloaded (nothing for an empty object)."""
    if size <= 0:
        return PreviewData(b"", 0)
    named = looks_parquet(key)
    arrow = named and await asyncio.to_thread(has_pyarrow)
    if arrow and size > cap and size >= 12:
        try:
            return await _read_parquet_tail(storage, bucket, key, size, cap, version_id)
        except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            return PreviewData(b"", 0, message=f"Not readable as Parquet: {str(exc).splitlines()[0][:200]}")
    data = await storage.get_object_range(bucket, key, 0, min(size, cap) - 1, version_id=version_id)
    if data[:4] != PARQUET_MAGIC:
        return PreviewData(data, len(data), message="Not a Parquet file (no PAR1 at its start)" if named else "")
    arrow = arrow or await asyncio.to_thread(has_pyarrow)
    if not arrow:
        return PreviewData(data, len(data), message=NO_PYARROW)
    if len(data) == size:
        return await _parsed(size, {0: data}, data, len(data))
    return PreviewData(data, len(data))  # PAR1 but no Parquet name, and bigger than the cap: its bytes
