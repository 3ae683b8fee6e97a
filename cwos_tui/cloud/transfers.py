"""The transfer queue: uploads and downloads on their own threads, apart from listings.

`TransferQueue.submit(client, jobs)` queues a batch and returns at once; files run `concurrency` at a
time (a file pool), and big files are split into parts run in a part pool, with at most `concurrency`
requests in flight in all. Cancel one transfer or all, retry the failed ones, take progress snapshots,
and `shutdown()` cancels what runs and waits until every multipart upload is aborted and every
temporary file removed. No Textual here: the UI polls `snapshot()` and listens to `on_change`.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.s3_models import map_error
from cwos_tui.cloud.transfer_io import ATTEMPTS, Engine, abort, download, from_botocore, upload
from cwos_tui.cloud.transfer_model import (
    FINISHED,
    Cancelled,
    Job,
    Progress,
    State,
    Transfer,
    human_bytes,
    progress_of,
)
from cwos_tui.cloud.transfer_names import Skipped

MIB = 1024 * 1024
DEFAULT_PART_SIZE = 16 * MIB
DEFAULT_CONCURRENCY = 8  # measured: more requests in flight slow small uploads on the sandbox (docs/benchmarks.md)
MIN_PART_SIZE = 5 * MIB  # S3's smallest part (all but the last)


@dataclass(frozen=True)
class Batch:
    """One submit: its number, its transfers, what it is (for the summary) and the keys left out."""

    id: int
    items: tuple[Transfer, ...]
    label: str = ""
    skipped: tuple[Skipped, ...] = ()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def describe(exc: BaseException) -> str:
    """One line saying what went wrong (S3's own message where there is one)."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    mapped = map_error(exc) if from_botocore(exc) else exc
    text = str(mapped) if isinstance(mapped, CloudError) else (str(exc) or type(exc).__name__)
    return text.splitlines()[0] if text else type(exc).__name__


class TransferQueue:
    def __init__(self, *, part_size: int = DEFAULT_PART_SIZE, concurrency: int = DEFAULT_CONCURRENCY,
                 attempts: int = ATTEMPTS, clock: Callable[[], float] = time.monotonic) -> None:
        self.part_size = max(part_size, MIN_PART_SIZE)
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.attempts = max(1, attempts)
        self._files = ThreadPoolExecutor(self.concurrency, thread_name_prefix="cwos-transfer")
        self._parts = ThreadPoolExecutor(self.concurrency, thread_name_prefix="cwos-transfer-part")
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._umask = _umask()
        self._clients: dict[int, Any] = {}
        self._futures: dict[int, Future[None]] = {}
        #: multipart uploads whose abort failed: (client, bucket, key, upload id), tried again by `clean_up`
        self.orphans: list[tuple[Any, str, str, str]] = []
        self.items: list[Transfer] = []
        self.batches: dict[int, Batch] = {}
        #: bumped on every change of state (not of progress): the UI redraws the list when it moved
        self.version = 0
        self._next_id = 0
        self._next_batch = 0
        self.closed = False
        #: Called from worker threads whenever a transfer changes state (keep it cheap; post, don't draw).
        self.on_change: Callable[[Transfer], None] | None = None

    # ---- queueing -------------------------------------------------------------------------------------

    def submit(self, client: Any, jobs: list[Job], *, label: str = "", skipped: Sequence[Skipped] = ()) -> Batch:
        """Queue `jobs` with the boto3 `client` they run with; returns at once. `skipped`: what the plan
        left out (unsafe names), kept with the batch for its summary."""
        if self.closed:
            raise RuntimeError("the transfer queue is shut down")
        with self._lock:
            self._next_batch += 1
            batch_id = self._next_batch
            items = []
            for job in jobs:
                self._next_id += 1
                items.append(Transfer(self._next_id, batch_id, job.direction, job.bucket, job.key, job.path,
                                      job.size, job.etag, job.overwrite, job.version_id))
            self.items.extend(items)
            self._clients[batch_id] = client
            batch = self.batches[batch_id] = Batch(batch_id, tuple(items), label, tuple(skipped))
            self.version += 1
        for item in items:
            self._start(item)
        return batch

    def _start(self, item: Transfer) -> None:
        self._futures[item.id] = self._files.submit(self._run, item)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        with self._slots:
            yield

    def _advance(self, item: Transfer, count: int) -> None:
        with self._lock:
            item.done += count

    def _engine(self, item: Transfer) -> Engine:
        return Engine(self._clients[item.batch], self.part_size, self._parts, self._slot, self._advance,
                      self._orphan, self._umask, self.attempts)

    def _orphan(self, item: Transfer, upload_id: str) -> None:
        with self._lock:
            self.orphans.append((self._clients[item.batch], item.bucket, item.key, upload_id))

    def clean_up(self) -> int:
        """Abort the multipart uploads whose abort failed before; returns how many are still left. Blocking."""
        with self._lock:
            pending, self.orphans = self.orphans, []
        left = [entry for entry in pending if not abort(*entry)]
        with self._lock:
            self.orphans.extend(left)
        return len(left)

    def _run(self, item: Transfer) -> None:
        if item.cancel.is_set():
            self._finish(item, State.CANCELLED)
            return
        with self._lock:
            item.state, item.started, item.done, item.error = State.RUNNING, self.clock(), 0, ""
        self._changed(item)
        try:
            (upload if item.direction == "up" else download)(self._engine(item), item)
        except Cancelled:
            self._finish(item, State.CANCELLED)
        except Exception as exc:
            self._finish(item, State.CANCELLED if item.cancel.is_set() else State.FAILED, describe(exc))
        else:
            self._finish(item, State.DONE)
        if self.orphans and not self.closed:  # an abort that failed earlier: the network may be back
            self.clean_up()

    def _finish(self, item: Transfer, state: State, error: str = "") -> None:
        with self._lock:
            item.state, item.error, item.finished = state, error, self.clock()
        self._changed(item)

    def _changed(self, item: Transfer) -> None:
        self.version += 1
        listener = self.on_change
        if listener is not None:
            listener(item)

    # ---- control --------------------------------------------------------------------------------------

    def cancel(self, item_id: int | None = None) -> int:
        """Cancel one transfer (by id) or every one not finished; returns how many were asked to stop."""
        count = 0
        for item in list(self.items):
            if (item_id is None or item.id == item_id) and item.state not in FINISHED and not item.cancel.is_set():
                item.cancel.set()
                count += 1
                future = self._futures.get(item.id)
                if future is not None and future.cancel():  # never started: finished as cancelled here
                    self._finish(item, State.CANCELLED)
        return count

    def retry(self, item_id: int | None = None) -> list[Transfer]:
        """Queue failed (and cancelled) transfers again, in their batch, with their client."""
        again = [i for i in list(self.items) if i.state in (State.FAILED, State.CANCELLED)
                 and (item_id is None or i.id == item_id)]
        for item in again:
            with self._lock:
                item.cancel = threading.Event()
                item.state, item.error, item.done, item.started, item.finished = State.QUEUED, "", 0, 0.0, 0.0
            self._changed(item)
            self._start(item)
        return again

    def clear_finished(self) -> int:
        with self._lock:
            keep = [i for i in self.items if i.state not in FINISHED]
            removed = len(self.items) - len(keep)
            self.items = keep
            for batch in set(self._clients) - {i.batch for i in keep}:
                del self._clients[batch]
                self.batches.pop(batch, None)
            self.version += 1
        return removed

    # ---- what the UI reads ----------------------------------------------------------------------------

    @property
    def active(self) -> int:
        return sum(1 for i in self.items if i.state not in FINISHED)

    def snapshot(self, batch: int | None = None) -> Progress:
        with self._lock:
            items = [i for i in self.items if batch is None or i.batch == batch]
            return progress_of(items, self.clock())

    def wait(self, batch: Batch | None = None, timeout: float | None = None) -> bool:
        """Block until the batch (or everything) is finished; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        items = batch.items if batch is not None else tuple(self.items)
        for item in items:
            future = self._futures.get(item.id)
            if future is None:
                continue
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                future.result(left)
            except TimeoutError:
                return False
            except Exception:  # _run catches everything; a cancelled future is finished too
                pass
        return True

    async def finished(self, batch: Batch | None = None) -> None:
        await asyncio.to_thread(self.wait, batch)

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Cancel everything, wait (up to `timeout`) for uploads to be aborted and temp files removed."""
        self.closed = True
        self.cancel()
        clean = self.wait(timeout=timeout)
        clean = self.clean_up() == 0 and clean
        self._files.shutdown(wait=False, cancel_futures=True)
        self._parts.shutdown(wait=False, cancel_futures=True)
        return clean


def summary(batch: Batch) -> tuple[str, bool]:
    """One paragraph for the end of a batch, and whether it is a warning (something failed or was left out)."""
    done = [i for i in batch.items if i.state is State.DONE]
    failed = [i for i in batch.items if i.state is State.FAILED]
    cancelled = sum(1 for i in batch.items if i.state is State.CANCELLED)
    moved = sum(i.done for i in done)
    verb = "Uploaded" if batch.items and batch.items[0].direction == "up" else "Downloaded"
    parts = [f"{verb} {len(done):,} of {len(batch.items):,} file(s), {human_bytes(moved)}"
             + (f" ({batch.label})" if batch.label else "")]
    if failed:
        parts.append(f"{len(failed):,} failed, e.g. {failed[0].key}: {failed[0].error} (6, R retries)")
    if cancelled:
        parts.append(f"{cancelled:,} cancelled")
    if batch.skipped:
        shown = "; ".join(f"{s.key!r}: {s.reason}" for s in batch.skipped[:3])
        more = f"; {len(batch.skipped) - 3:,} more in Transfers (6)" if len(batch.skipped) > 3 else ""
        parts.append(f"{len(batch.skipped):,} skipped: {shown}{more}")
    return ". ".join(parts) + ".", bool(failed or batch.skipped)
