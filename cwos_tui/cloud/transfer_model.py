"""What the transfer queue holds: one `Transfer` per file, their states, and progress snapshots.

Workers update a transfer's counters under the queue's lock; the UI never waits for them: it takes a
`Progress` snapshot when it redraws (a few times a second), so a fast transfer costs the UI nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

Direction = Literal["up", "down"]


class State(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({State.DONE, State.FAILED, State.CANCELLED})


class Cancelled(Exception):
    """Raised inside a worker when its transfer was cancelled."""


@dataclass(frozen=True)
class Job:
    """A transfer to queue: upload `path` to `bucket/key`, or download `bucket/key` to `path`."""

    direction: Direction
    bucket: str
    key: str
    path: Path
    size: int = -1
    etag: str = ""
    overwrite: bool = False
    #: downloads: this version of the key (GetObject's VersionId), not the current one
    version_id: str = ""


@dataclass(eq=False)
class Transfer:
    """One queued `Job` and how it goes. `size` is -1 while unknown (a download learns it, and the ETag, from
    the server); `done` counts bytes moved so far."""

    id: int
    batch: int
    job: Job
    size: int = -1
    etag: str = ""
    state: State = State.QUEUED
    done: int = 0
    error: str = ""
    started: float = 0.0
    finished: float = 0.0
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @classmethod
    def of(cls, transfer_id: int, batch: int, job: Job) -> Transfer:
        return cls(transfer_id, batch, job, job.size, job.etag)

    @property
    def direction(self) -> Direction:
        return self.job.direction

    @property
    def bucket(self) -> str:
        return self.job.bucket

    @property
    def key(self) -> str:
        return self.job.key

    @property
    def path(self) -> Path:
        return self.job.path

    @property
    def overwrite(self) -> bool:
        """Downloads: replace an existing local file (the user said so); otherwise never."""
        return self.job.overwrite

    @property
    def version_id(self) -> str:
        return self.job.version_id

    @property
    def name(self) -> str:
        return self.key if self.direction == "down" else str(self.path)

    def rate(self, now: float) -> float:
        """Bytes per second since this transfer started (0 before)."""
        if not self.started:
            return 0.0
        elapsed = (self.finished or now) - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def eta(self, now: float) -> float | None:
        rate = self.rate(now)
        if self.state is not State.RUNNING or rate <= 0 or self.size < 0:
            return None
        return max(0.0, (self.size - self.done) / rate)


@dataclass(frozen=True)
class Progress:
    """Totals over a set of transfers at one moment."""

    files: int
    counts: dict[State, int]
    bytes_done: int
    bytes_total: int
    rate: float
    eta: float | None

    @property
    def finished(self) -> bool:
        return sum(self.counts.get(s, 0) for s in FINISHED) == self.files

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total > 0 else (1.0 if self.finished else 0.0)


def progress_of(items: list[Transfer], now: float) -> Progress:
    counts: dict[State, int] = {}
    done = total = 0
    first = 0.0
    for item in items:
        counts[item.state] = counts.get(item.state, 0) + 1
        done += item.done
        total += max(item.size, 0) if item.state is not State.CANCELLED else item.done
        if item.started and (not first or item.started < first):
            first = item.started
    running = counts.get(State.RUNNING, 0) + counts.get(State.QUEUED, 0)
    elapsed = now - first if first else 0.0
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = (total - done) / rate if running and rate > 0 else None
    return Progress(len(items), counts, done, total, rate, eta)


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TiB"


def human_eta(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}:{seconds % 60:02d}"
