"""The Transfers pane (`6`) and the one-line transfer bar that stays visible while you browse.

Both read the transfer queue (`cloud/transfers.py`) on a timer: a snapshot a few times a second, rows
rebuilt only when something changed state or moved bytes, and only while the pane is shown. The queue's
workers never touch the UI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.widgets import Static

from cwos_tui.cloud.transfer_model import FINISHED, State, Transfer, human_bytes, human_eta
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.panes.base import Notice, Pane
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.widgets.row_list import Column, Row

if TYPE_CHECKING:  # loaded with the first transfer
    from cwos_tui.cloud.transfers import Batch, TransferQueue

TICK = 0.5  # seconds between redraws while something runs
BAR = 8


def bar(fraction: float, width: int = BAR) -> str:
    filled = max(0, min(width, int(fraction * width + 0.5)))
    return "█" * filled + "░" * (width - filled)


def total_line(queue: TransferQueue, now: float) -> str:
    """`▶ 2 running  3 queued  10 done  1 failed  ███░░░░░ 41%  12.0 MiB of 29.3 MiB  5.1 MiB/s  ETA 0:03`"""
    progress = queue.snapshot()
    if not progress.files:
        return ""
    counts = "  ".join(f"{progress.counts[s]:,} {s.value}" for s in State if progress.counts.get(s))
    fraction = progress.fraction
    line = (f"{counts}  {bar(fraction)} {fraction * 100:3.0f}%  {human_bytes(progress.bytes_done)} of "
            f"{human_bytes(progress.bytes_total)}")
    if progress.finished:
        return line
    return f"{line}  {human_bytes(progress.rate)}/s  ETA {human_eta(progress.eta)}"


def transfer_row(item: Transfer, now: float) -> Row:
    arrow = "↑" if item.direction == "up" else "↓"
    name = f"{arrow} s3://{item.bucket}/{item.key}"
    if item.state is State.FAILED and item.error:
        name += f"  — {item.error}"
    size = human_bytes(item.size) if item.size >= 0 else "?"
    fraction = item.done / item.size if item.size > 0 else (1.0 if item.state is State.DONE else 0.0)
    running = item.state is State.RUNNING
    rate = f"{human_bytes(item.rate(now))}/s" if running else ""
    eta = human_eta(item.eta(now)) if running else ""
    progress = f"{bar(fraction)} {fraction * 100:3.0f}%"
    return Row((item.state.value, safe_text(name), progress, size, rate, eta), item.id)


class TransfersPane(Pane):
    """Every transfer of this session: state, name, progress, size, rate, ETA; skipped keys at the end."""

    pane_id = "transfers"
    COLUMNS: ClassVar = (Column("State", 9), Column("Name", 0), Column("Progress", 13), Column("Size", 10, right=True),
                         Column("Rate", 12, right=True, hide_below=90), Column("ETA", 6, right=True, hide_below=70))
    DEFAULT_CSS = """
    TransfersPane > #transfer-total { height: 1; padding: 0 1; text-style: bold; }
    """
    EMPTY = "No transfers yet: in Objects (5), u uploads into the open folder and D downloads the selection."

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._drawn = -1

    def compose_top(self) -> ComposeResult:
        yield Static("", id="transfer-total", markup=False)

    def on_mount(self) -> None:
        self.set_interval(TICK, self.tick)

    @property
    def queue(self) -> TransferQueue:
        return self.ctx.transfer_queue()

    def handlers(self) -> dict[str, Handler]:
        return {"transfers.cancel": self.cancel, "transfers.cancel_all": self.cancel_all,
                "transfers.retry": self.retry, "transfers.clear": self.clear}

    # ---- drawing -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Nothing to fetch: the rows come from the queue in memory."""
        self.loaded = True
        self._drawn = -1
        self.redraw()

    def tick(self) -> None:
        if not self.display:
            return
        queue = self.ctx.transfer_queue()
        if queue.version != self._drawn or queue.active:
            self.redraw()

    def redraw(self) -> None:
        queue = self.queue
        now = queue.clock()
        self._drawn = queue.version
        rows = [transfer_row(item, now) for item in list(queue.items)]
        for batch in list(queue.batches.values()):
            rows += [Row(("skipped", safe_text(f"{s.key!r}: {s.reason}"), "", "", "", ""), f"skip-{batch.id}-{n}")
                     for n, s in enumerate(batch.skipped)]
        self.row_list.set_rows(rows, keep_value=True)
        self.complete = True
        self.query_one("#transfer-total", Static).update(total_line(queue, now) or " ")
        self.set_state(f"{len(queue.items):,} transfer(s)" if rows else self.EMPTY)

    def details(self) -> tuple[str, list[tuple[str, str]]] | None:
        item = self._selected()
        if item is None:
            return super().details()
        now = self.queue.clock()
        fields = [("State", item.state.value), ("Direction", "upload" if item.direction == "up" else "download"),
                  ("Object", f"s3://{item.bucket}/{item.key}"), ("Local file", str(item.path)),
                  ("Size", f"{item.size:,} bytes" if item.size >= 0 else "unknown"),
                  ("Moved", f"{item.done:,} bytes"), ("Rate", f"{human_bytes(item.rate(now))}/s")]
        if item.error:
            fields.append(("Error", item.error))
        return (f"Transfer {item.key}", [(name, safe_text(value)) for name, value in fields])

    # ---- commands ----------------------------------------------------------------------------------

    def _selected(self) -> Transfer | None:
        row = self.row_list.selected
        return next((i for i in self.queue.items if i.id == row.value), None) if row is not None else None

    def cancel(self, _: str = "") -> None:
        item = self._selected()
        if item is None or item.state in FINISHED:
            self.app.notify("Select a queued or running transfer to cancel.", severity="warning")
            return
        self.queue.cancel(item.id)
        self.app.notify(f"Cancelling {safe_text(item.key)}…", markup=False)

    def cancel_all(self, _: str = "") -> None:
        count = self.queue.cancel()
        self.app.notify(f"Cancelling {count:,} transfer(s)…" if count else "Nothing is running.", markup=False)

    def retry(self, argument: str = "") -> None:
        item = self._selected()
        every = argument.strip() == "all" or item is None or item.state not in (State.FAILED, State.CANCELLED)
        again = self.queue.retry(None if every else item.id if item else None)
        if not again:
            self.app.notify("Nothing failed or was cancelled.", severity="warning")
            return
        self.app.notify(f"Retrying {len(again):,} transfer(s).", markup=False)
        for batch_id in sorted({i.batch for i in again}):
            watch_batch(self, self.queue, self.queue.batches[batch_id], reload=False)
        self.redraw()

    def clear(self, _: str = "") -> None:
        removed = self.queue.clear_finished()
        self.app.notify(f"Cleared {removed:,} finished transfer(s).", markup=False)
        self.redraw()


def watch_batch(owner: Pane, queue: TransferQueue, batch: Batch, *, reload: bool) -> None:
    """When `batch` is finished, say so (a notification with the summary); `reload` the owner's list."""

    from cwos_tui.cloud.transfers import summary

    async def wait() -> None:
        await queue.finished(batch)
        text, warning = summary(batch)
        owner.post_message(Notice(text, warning=warning, reload=reload))

    owner.run_worker(wait(), group=f"transfer-batch-{batch.id}", exit_on_error=False)


class TransferBar(Static):
    """One line above the footer while transfers run (and a moment after), in every pane."""

    DEFAULT_CSS = """
    TransferBar { height: 1; padding: 0 1; background: $boost; color: $text; display: none; }
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("", id="transfer-bar", markup=False)
        self.ctx = ctx

    def on_mount(self) -> None:
        self.set_interval(TICK, self.tick)

    def tick(self) -> None:
        active = self.ctx.transfers_running
        if active:
            queue = self.ctx.transfer_queue()
            self.update(f"Transfers (6): {total_line(queue, queue.clock())}")
        if self.display != bool(active):  # no relayout (and no repaint) while nothing changes
            self.display = bool(active)
