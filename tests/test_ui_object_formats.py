"""Previews of formats that need more than the first bytes read as text: Parquet (schema and first rows,
its footer read from the END of a big object, never more than the cap) and images (format, size and colour
mode from the header). Real objects in the sandbox, written with pyarrow / built with zlib and struct."""

from __future__ import annotations

import asyncio
import io
import re
import struct
import sys
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.objects import PREVIEW_BYTES
from cwos_tui.cloud.preview_read import read_preview
from cwos_tui.ui.image_meta import image_info
from cwos_tui.ui.modals.preview import PreviewScreen
from tests.ui_support import make_app, stable_filter, wait_for
from tests.widget_harness import screen_text

BUCKET = "formats"
SIZE = (100, 30)


def parquet_bytes(rows: int, row_group: int | None = None) -> bytes:
    table = pa.table({
        "step": pa.array(range(rows), pa.int64()),
        "loss": pa.array([round(2.5 / (i + 1), 4) for i in range(rows)], pa.float64()),
        "run": pa.array([f"run-{i % 7}" for i in range(rows)], pa.string()),
        "ok": pa.array([i % 3 != 0 for i in range(rows)], pa.bool_()),
    })
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group or rows, compression="snappy")
    return sink.getvalue()


def png_bytes(width: int, height: int, colour: int = 6, depth: int = 8) -> bytes:
    """A real PNG (zlib + struct) of one colour; stored, not compressed, so its bytes (in the picture's hex
    dump) are the same with any zlib."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = b"".join(b"\x00" + bytes([200, 30, 60, 255][:channels]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")


def gif_bytes(width: int, height: int) -> bytes:
    """A real one-colour GIF89a: a 2-entry global palette and one LZW-coded image."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\xff\x00\x00\x00\x00\x00"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return screen + image + b"\x3b"


def bmp_bytes(width: int, height: int) -> bytes:
    """A real 24-bit BMP (bottom-up rows, each padded to 4 bytes)."""
    row = b"\x10\x20\x30" * width + b"\x00" * ((4 - 3 * width % 4) % 4)
    pixels = row * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(pixels), 0, 0, 54) + info + pixels


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: SOI, a JFIF APP0 segment and the frame header (SOF0)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | (height - 1) << 14 | 1 << 28
    body = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 8
    chunk = b"VP8L" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


HOSTILE_COLUMN = "odd\x1b[31m\u202e[b]col"


def hostile_parquet() -> bytes:
    table = pa.table({HOSTILE_COLUMN: ["[red]m[/red]\x1b]8;;x\x07", "plain"]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


SMALL = parquet_bytes(40)
GROUPED = parquet_bytes(200_000, row_group=2_000)  # ~4 MB in 100 row groups: the first one fits the cap
ONE_GROUP = parquet_bytes(200_000)  # one big row group: more than the cap, schema only
OBJECTS = {
    "data/metrics.parquet": SMALL,
    "data/grouped.parquet": GROUPED,
    "data/one-group.parquet": ONE_GROUP,
    "data/odd\x1b[7m.parquet": hostile_parquet(),
    "img/photo.png": png_bytes(64, 48),
    "img/grey.png": png_bytes(3, 2, colour=0, depth=16),
    "img/anim.gif": gif_bytes(320, 200),
    "img/scan.bmp": bmp_bytes(5, 4),
    "img/camera.jpg": jpeg_header(4032, 3024),
    "img/sticker.webp": webp_lossless(512, 256),
}


async def ensure_objects(storage, zone: str) -> None:
    try:
        await storage.create_bucket(BUCKET, zone)
    except CloudError:
        pass  # made by an earlier test of this module
    await asyncio.gather(*(storage.put_object(BUCKET, key, data) for key, data in OBJECTS.items()))


class Counting:
    """The storage service, counting the bytes every ranged GET returns."""

    def __init__(self, storage) -> None:
        self.storage, self.bytes, self.ranges = storage, 0, []

    async def get_object_range(self, bucket, key, start, end, version_id=None):
        data = await self.storage.get_object_range(bucket, key, start, end, version_id=version_id)
        self.bytes += len(data)
        self.ranges.append((start, end))
        return data


async def open_preview(app, pilot, sandbox, key: str) -> None:
    await ensure_objects(app.services.storage, sandbox.zone)
    folder, _, _ = key.rpartition("/")
    app.open_location(BUCKET, folder + "/")
    await wait_for(pilot, lambda: app.objects.complete and app.objects.store_list.held, "listed")
    assert app.objects.store_list.select_value(("object", key))
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.kind, "preview shown")
    await pilot.pause()


def test_parquet_preview_snapshot(private_sandbox, snap_compare):
    # the file's exact length depends on the pyarrow that wrote it
    shown = stable_filter(private_sandbox, extra=[(re.compile(r"\([\d,]+ bytes read\)"), "(N bytes read)")])
    app = make_app(private_sandbox, display_filter=shown, initial_pane="objects")

    async def prepare(pilot) -> None:
        await open_preview(app, pilot, private_sandbox, "data/metrics.parquet")

    assert snap_compare(app, terminal_size=SIZE, run_before=prepare)


def test_image_preview_snapshot(private_sandbox, snap_compare):
    app = make_app(private_sandbox, display_filter=stable_filter(private_sandbox), initial_pane="objects")

    async def prepare(pilot) -> None:
        await open_preview(app, pilot, private_sandbox, "img/photo.png")

    assert snap_compare(app, terminal_size=(100, 24), run_before=prepare)


async def test_parquet_preview_shows_schema_and_first_rows(sandbox):
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, sandbox, "data/metrics.parquet")
        text = "\n".join(screen_text(app))
        assert app.screen.kind == "parquet"
        assert "Parquet: 40 rows, 4 columns, 1 row group" in text
        for column, kind in (("step", "int64"), ("loss", "double"), ("run", "string"), ("ok", "bool")):
            assert re.search(rf"{column}\s+{kind}", text), column
        assert re.search(r"\b1\s+1\.25\s+run-1\s+True", text)  # the second row


async def test_big_parquet_reads_footer_then_first_row_group_within_the_cap(sandbox):
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, sandbox, "data/grouped.parquet")
        text = "\n".join(screen_text(app))
        assert "Parquet: 200,000 rows, 4 columns, 100 row groups" in text
        assert "First 50 rows (row group 1)" in text
        read = int(re.search(r"\(([\d,]+) bytes read\)", text).group(1).replace(",", ""))
        assert 0 < read <= PREVIEW_BYTES < len(GROUPED)
        counting = Counting(app.services.storage)
        found = await read_preview(counting, BUCKET, "data/grouped.parquet", len(GROUPED))
        assert counting.ranges[0] == (len(GROUPED) - 8, len(GROUPED) - 1)  # the footer's length first
        assert counting.bytes == found.read <= PREVIEW_BYTES and found.parquet.rows[2][0] == "2"


async def test_parquet_whose_first_row_group_is_over_the_cap_shows_its_schema_only(sandbox):
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, sandbox, "data/one-group.parquet")
        text = "\n".join(screen_text(app))
        assert "Parquet: 200,000 rows" in text and re.search(r"loss\s+double", text)
        assert "more than the preview cap allows" in text and "schema only" in text
        read = int(re.search(r"\(([\d,]+) bytes read\)", text).group(1).replace(",", ""))
        assert read < 64 * 1024


async def test_without_pyarrow_parquet_says_which_extra_and_shows_hex(sandbox, monkeypatch):
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now raises ImportError
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, sandbox, "data/grouped.parquet")
        text = "\n".join(screen_text(app))
        assert "pip install 'cwos-tui[parquet]'" in text
        assert "00000000  50 41 52 31" in text  # the hex dump, starting with PAR1
        assert "first 262,144 of" in text


@pytest.mark.parametrize("key, described", [
    ("img/photo.png", "PNG image, 64 × 48 px, RGBA, 8 bits per channel (32 bpp)"),
    ("img/grey.png", "PNG image, 3 × 2 px, greyscale, 16 bits per channel (16 bpp)"),
    ("img/anim.gif", "GIF image, 320 × 200 px, palette, up to 2 colours, 89a"),
    ("img/scan.bmp", "BMP image, 5 × 4 px, 24 bits per pixel"),
    ("img/camera.jpg", "JPEG image, 4,032 × 3,024 px, YCbCr (colour), 8 bits per channel, baseline"),
    ("img/sticker.webp", "WebP image, 512 × 256 px, lossless (VP8L), RGBA"),
])
async def test_image_preview_shows_format_size_and_mode_above_the_hex(sandbox, key, described):
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, sandbox, key)
        lines = screen_text(app)
        text = "\n".join(lines)
        assert app.screen.kind == "image" and described in text
        assert "image: its header, then hex of the first" in text and "00000000  " in text


def test_image_parser_refuses_what_it_cannot_read():
    assert image_info(b"") is None and image_info(b"\x89PNG\r\n\x1a\n") is None  # cut before IHDR
    assert image_info(b"GIF89a") is None and image_info(b"BM" + b"\x00" * 40) is None
    assert image_info(b"\xff\xd8\xff\xda\x00\x02") is None  # scan data before any frame header
    assert image_info(b"hello, world " * 10) is None


async def test_hostile_names_and_values_in_a_parquet_preview_stay_inert(sandbox):
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await open_preview(app, pilot, sandbox, "data/odd\x1b[7m.parquet")
        text = "\n".join(screen_text(app))
        assert app.screen.kind == "parquet"
        assert "Preview s3://formats/data/odd\\x1b[7m.parquet" in text
        assert "odd\\x1b[31m\\u202e[b]col" in text and "[red]m[/red]\\x1b]8;;x\\x07" in text
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text


async def test_escape_cancels_a_parquet_preview_waiting_for_its_footer(sandbox, monkeypatch):
    app = make_app(sandbox, initial_pane="objects")
    async with app.run_test(size=SIZE) as pilot:
        await ensure_objects(app.services.storage, sandbox.zone)
        app.open_location(BUCKET, "data/")
        await wait_for(pilot, lambda: app.objects.complete and app.objects.store_list.held, "listed")
        storage = app.services.storage
        real = storage.get_object_range
        asked, cancelled = [], asyncio.Event()

        async def footer_hangs(bucket, key, start, end, version_id=None):
            asked.append((start, end))
            if len(asked) == 1:
                return await real(bucket, key, start, end, version_id=version_id)  # the last 8 bytes
            try:
                await asyncio.Event().wait()  # the footer never comes
            except asyncio.CancelledError:
                cancelled.set()
                raise

        monkeypatch.setattr(storage, "get_object_range", footer_hangs)
        assert app.objects.store_list.select_value(("object", "data/grouped.parquet"))
        await pilot.press("p")
        await wait_for(pilot, lambda: len(asked) == 2, "the footer asked for")
        assert "Reading the Parquet footer, then the first rows (at most 256.0 KiB)…" in "\n".join(screen_text(app))
        assert asked[0] == (len(GROUPED) - 8, len(GROUPED) - 1) and asked[1][1] == len(GROUPED) - 9
        await pilot.press("escape")
        await wait_for(pilot, lambda: cancelled.is_set(), "the read was cancelled")
        assert not isinstance(app.screen, PreviewScreen)


def test_neither_the_app_nor_the_preview_loads_pyarrow_before_a_parquet_preview():
    import subprocess

    code = ("import sys, cwos_tui.ui.app, cwos_tui.ui.modals.preview, cwos_tui.ui.modals.versions;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyarrow'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
