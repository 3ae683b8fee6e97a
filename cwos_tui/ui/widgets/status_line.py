"""The status line: profile, endpoint, identity and the nearest credential expiry as a live countdown.

Only this one-line widget is redrawn on each tick, and only when its text changed, so an idle
dashboard writes a few bytes a second over SSH.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from cwos_tui.cloud.clock import Clock
from cwos_tui.cloud.expiry import countdown
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_text
from cwos_tui.ui.widgets.countdown import styled_countdown


@dataclass
class Expiry:
    """One credential that can expire (label like "S3 key" or "token")."""

    label: str
    expires_at: datetime | None
    #: When the app renews it by itself (auto-refreshing S3 keys), None when it cannot.
    refresh_at: datetime | None = None


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(
        self, clock: Clock, profile: str, endpoint: str, *, read_only: bool = False,
        display_filter: DisplayFilter = no_filter, id: str | None = None,
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.clock = clock
        self.display_filter = display_filter
        self.profile = profile
        self.endpoint = endpoint
        self.identity = "identity: checking…"
        self.read_only = read_only
        self.expiry_source: Callable[[], list[Expiry]] = lambda: []
        self._last = ""

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.tick()

    def nearest(self, expiries: list[Expiry]) -> Expiry | None:
        timed = [e for e in expiries if e.expires_at is not None]
        return min(timed, key=lambda e: e.expires_at or datetime.max) if timed else None

    def build(self) -> Text:
        mask = self.display_filter
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(mask(safe_text(self.profile)), "bold")
        if self.read_only:
            text.append(" [read-only]", "bold yellow")
        expiries = self.expiry_source()
        soonest = self.nearest([e for e in expiries if e.refresh_at is None])  # only what will really lapse
        renewing = [e for e in expiries if e.refresh_at is not None]
        if soonest is not None and soonest.expires_at is not None:
            text.append(f"  {soonest.label} ")
            text.append_text(styled_countdown(soonest.expires_at, self.clock.now()))
        elif renewing:
            first = min(renewing, key=lambda e: e.refresh_at or datetime.max)
            when = countdown(first.refresh_at, self.clock.now())
            text.append(f"  {first.label} " + ("refreshing…" if when == "expired" else f"refreshes in {when}"),
                        "green")
        elif expiries:
            text.append("  credentials: no expiry", "dim")
        text.append("  " + mask(safe_text(self.identity)))
        text.append("  " + mask(safe_text(self.endpoint)), "dim")  # last: the first thing cut at 80 columns
        return text

    def set_identity(self, text: str) -> None:
        self.identity = text
        self.tick()

    def tick(self) -> None:
        text = self.build()
        if text.plain != self._last:
            self._last = text.plain
            self.update(text)
