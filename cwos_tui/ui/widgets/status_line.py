"""The status line: profile, the nearest credential expiry as a live countdown, identity and endpoint.

Three parts side by side, so a tick repaints only the countdown's few cells (Textual repaints a
changed widget from its left edge): an idle dashboard writes a few dozen bytes a second over SSH.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
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


class StatusLine(Horizontal):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; padding: 0 1; }
    StatusLine > Static { width: auto; height: 1; }
    StatusLine > #status-countdown { padding-left: 2; }
    StatusLine > #status-rest { width: 1fr; padding-left: 2; }
    """

    def __init__(
        self, clock: Clock, profile: str, endpoint: str, *, read_only: bool = False,
        display_filter: DisplayFilter = no_filter, id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.display_filter = display_filter
        self.profile = profile
        self.endpoint = endpoint
        self.identity = "identity: checking…"
        self.read_only = read_only
        self.expiry_source: Callable[[], list[Expiry]] = lambda: []
        self._drawn: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="status-head", markup=False)
        yield Static("", id="status-countdown", markup=False)
        yield Static("", id="status-rest", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.tick()

    def nearest(self, expiries: list[Expiry]) -> Expiry | None:
        timed = [e for e in expiries if e.expires_at is not None]
        return min(timed, key=lambda e: e.expires_at or datetime.max) if timed else None

    def parts(self) -> tuple[Text, Text, Text]:
        """(profile and mode, countdown, identity and endpoint) as they are drawn."""
        mask = self.display_filter
        head = Text(mask(safe_text(self.profile)), "bold", no_wrap=True)
        if self.read_only:
            head.append(" [read-only]", "bold yellow")
        clock_part = Text(no_wrap=True)
        expiries = self.expiry_source()
        soonest = self.nearest([e for e in expiries if e.refresh_at is None])  # only what will really lapse
        renewing = [e for e in expiries if e.refresh_at is not None]
        if soonest is not None and soonest.expires_at is not None:
            clock_part.append(f"{soonest.label} ")
            clock_part.append_text(styled_countdown(soonest.expires_at, self.clock.now()))
        elif renewing:
            first = min(renewing, key=lambda e: e.refresh_at or datetime.max)
            when = countdown(first.refresh_at, self.clock.now())
            clock_part.append(f"{first.label} " + ("refreshing…" if when == "expired" else f"refreshes in {when}"),
                              "green")
        elif expiries:
            clock_part.append("credentials: no expiry", "dim")
        rest = Text(no_wrap=True, overflow="ellipsis")
        rest.append(mask(safe_text(self.identity)))  # leading spaces are padding in CSS: Static drops them
        rest.append("  " + mask(safe_text(self.endpoint)), "dim")  # last: the first thing cut at 80 columns
        return head, clock_part, rest

    @property
    def text(self) -> str:
        """The whole line as plain text (what a user reads)."""
        head, clock_part, rest = self.parts()
        return head.plain + ("  " + clock_part.plain if clock_part.plain else "") + "  " + rest.plain

    def set_identity(self, text: str) -> None:
        self.identity = text
        self.tick()

    def tick(self) -> None:
        """Update only the parts whose text changed."""
        for part_id, part in zip(("status-head", "status-countdown", "status-rest"), self.parts(), strict=True):
            if self._drawn.get(part_id) != part.markup:
                self._drawn[part_id] = part.markup
                for widget in self.query(f"#{part_id}").results(Static):  # none while closing
                    widget.update(part)
                    widget.display = bool(part.plain) or part_id != "status-countdown"
