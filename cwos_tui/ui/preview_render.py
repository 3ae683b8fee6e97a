"""Turn the first bytes of an object into something to look at: JSON pretty-printed, CSV as a table,
text highlighted by its extension, anything else as a hex dump. Every piece of object text goes through
`safe_text` first, so escape sequences, bidi overrides and markup stay inert."""

from __future__ import annotations

import csv
import io
import json
from typing import NamedTuple

from rich import box
from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from cwos_tui.ui.image_meta import image_info
from cwos_tui.ui.text import safe_text

MAX_LINES = 2000
MAX_TABLE_ROWS = 200
HEX_BYTES = 4096
_TEXT_SAMPLE = 8192


class Preview(NamedTuple):
    kind: str  # "json", "csv", "text", "hex", "image", "parquet" or "empty"
    body: RenderableType
    note: str


def _decode(data: bytes, truncated: bool) -> str | None:
    """UTF-8 text, or None for binary (a NUL byte, or bytes that are not UTF-8)."""
    if b"\x00" in data[:_TEXT_SAMPLE]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(data) - 3:  # a character cut in half by the range
            return data[: exc.start].decode("utf-8", errors="strict")
        return None


def _safe_block(text: str, *, drop_partial_line: bool) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    if drop_partial_line and len(lines) > 1:
        lines = lines[:-1]
    return "\n".join(safe_text(line.expandtabs(4)) for line in lines[:MAX_LINES])


def _syntax(code: str, lexer: str) -> Text:
    """Highlighted text without the theme's background (the preview keeps the screen's own)."""
    text = Syntax(code, lexer, theme="ansi_dark").highlight(code)
    text.no_wrap = True
    text.end = "" if text.plain.endswith("\n") else text.end
    return text


def hex_dump(data: bytes) -> Text:
    lines = []
    for offset in range(0, min(len(data), HEX_BYTES), 16):
        chunk = data[offset : offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<47}  {shown}")
    return Text("\n".join(lines))


def _csv_table(text: str, delimiter: str, truncated: bool) -> Table | None:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if truncated and len(rows) > 1:
        rows = rows[:-1]
    if not rows:
        return None
    table = Table(box=box.SIMPLE_HEAD, show_lines=False, expand=False, header_style="bold")
    width = max(len(r) for r in rows[: MAX_TABLE_ROWS + 1])
    header = rows[0] + [""] * (width - len(rows[0]))
    for name in header:
        table.add_column(Text(safe_text(name)), overflow="ellipsis", no_wrap=True, max_width=30)
    for row in rows[1 : MAX_TABLE_ROWS + 1]:
        table.add_row(*(Text(safe_text(cell)) for cell in row + [""] * (width - len(row))))
    return table


def render_preview(name: str, data: bytes, size: int) -> Preview:
    """`data` is the first bytes of an object of `size` bytes named `name`."""
    truncated = len(data) < size
    read = f"first {len(data):,} of {size:,} bytes" if truncated else f"all {size:,} bytes"
    if size == 0:
        return Preview("empty", Text("(empty object)"), "0 bytes")
    hex_note = f"hex of the first {min(len(data), HEX_BYTES):,} bytes ({read} read)"
    image = image_info(data)
    if image is not None:
        return Preview("image", Group(Text(image.describe(), style="bold"), Text(""), hex_dump(data)),
                       f"{image.format} image: its header, then {hex_note}")
    text = _decode(data, truncated)
    if text is None:
        return Preview("hex", hex_dump(data), f"binary: {hex_note}")
    lower = name.lower()
    extension = lower.rpartition(".")[2] if "." in lower else ""
    if extension in ("csv", "tsv"):
        table = _csv_table(text, "\t" if extension == "tsv" else ",", truncated)
        if table is not None:
            return Preview("csv", table, f"table, up to {MAX_TABLE_ROWS} rows ({read})")
    if extension == "json" or (not extension and text.lstrip()[:1] in ("{", "[")):
        try:
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            return Preview("json", _syntax(_safe_block(pretty, drop_partial_line=False), "json"),
                           f"JSON, pretty-printed ({read})")
        except ValueError:
            pass  # cut short or not JSON after all: shown as text
    lexer = Syntax.guess_lexer(name, code=text[:_TEXT_SAMPLE]) if extension else "text"
    return Preview("text", _syntax(_safe_block(text, drop_partial_line=truncated), lexer),
                   f"text ({lexer}, {read})")
