"""A Parquet preview on screen: the schema as a table, then the first rows of the first row group.
Column names, types and cell values come from the object, so each goes through `safe_text`."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cwos_tui.cloud.preview_read import ParquetPreview, PreviewData
from cwos_tui.ui.preview_render import Preview, hex_dump, render_preview
from cwos_tui.ui.text import safe_text


def _schema_table(parquet: ParquetPreview) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=False, header_style="bold", title_justify="left")
    table.add_column("Column", overflow="ellipsis", no_wrap=True, max_width=40)
    table.add_column("Type", overflow="ellipsis", no_wrap=True, max_width=40)
    for name, kind in parquet.schema:
        table.add_row(Text(safe_text(name)), Text(safe_text(kind)))
    return table


def _rows_table(parquet: ParquetPreview) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=False, header_style="bold")
    for name in parquet.columns:
        table.add_column(Text(safe_text(name)), overflow="ellipsis", no_wrap=True, max_width=30)
    for row in parquet.rows:
        table.add_row(*(Text(safe_text(cell)) for cell in row))
    return table


def render_parquet(parquet: ParquetPreview, read: int) -> Preview:
    groups = f"{parquet.row_groups:,} row group{'' if parquet.row_groups == 1 else 's'}"
    columns = f"{len(parquet.schema)} column{'' if len(parquet.schema) == 1 else 's'}"
    summary = f"Parquet: {parquet.rows_total:,} row{'' if parquet.rows_total == 1 else 's'}, {columns}, {groups}"
    parts: list[RenderableType] = [Text(summary, style="bold"), Text("Schema"), _schema_table(parquet)]
    if parquet.rows:
        parts += [Text(f"First {len(parquet.rows):,} rows (row group 1)"), _rows_table(parquet)]
    elif parquet.note:
        parts.append(Text(safe_text(parquet.note), style="italic"))
    shown = f"first {len(parquet.rows)} rows" if parquet.rows else "schema only"
    return Preview("parquet", Group(*parts), f"Parquet: schema and {shown} ({read:,} bytes read)")


def render_data(name: str, found: PreviewData, size: int) -> Preview:
    """The preview of what `read_preview` found: Parquet when it was parsed, otherwise by content."""
    if found.parquet is not None:
        return render_parquet(found.parquet, found.read)
    if not found.head and found.message:
        return Preview("hex", Text(safe_text(found.message), style="bold"), f"{found.read:,} bytes read")
    shown = render_preview(name, found.head, size)
    if not found.message:
        return shown
    body = hex_dump(found.head) if shown.kind in ("text", "json", "csv") else shown.body
    return Preview("hex", Group(Text(safe_text(found.message), style="bold yellow"), Text(""), body), shown.note)
