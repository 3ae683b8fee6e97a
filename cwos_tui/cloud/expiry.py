"""How long a credential has left, as text and an urgency level, from an injected clock.

Shared by every countdown in the app so they all agree: amber under 10 minutes, red under 2,
"expired" after, "never" for credentials without an expiry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

AMBER_SECONDS = 10 * 60
RED_SECONDS = 2 * 60


class Urgency(StrEnum):
    NONE = "none"  # never expires
    OK = "ok"
    AMBER = "amber"
    RED = "red"
    EXPIRED = "expired"


def remaining_seconds(expires_at: datetime | None, now: datetime) -> float | None:
    return None if expires_at is None else (expires_at - now).total_seconds()


def urgency(expires_at: datetime | None, now: datetime) -> Urgency:
    left = remaining_seconds(expires_at, now)
    if left is None:
        return Urgency.NONE
    if left <= 0:
        return Urgency.EXPIRED
    if left < RED_SECONDS:
        return Urgency.RED
    if left < AMBER_SECONDS:
        return Urgency.AMBER
    return Urgency.OK


def countdown(expires_at: datetime | None, now: datetime) -> str:
    """`never`, `expired`, `45s`, `9m 05s`, `3h 07m`, `12d 4h`."""
    left = remaining_seconds(expires_at, now)
    if left is None:
        return "never"
    if left <= 0:
        return "expired"
    total = int(left)
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


def nearest(expiries: list[datetime | None]) -> datetime | None:
    """The soonest expiry among credentials that expire (None when none of them does)."""
    dated = [e for e in expiries if e is not None]
    return min(dated) if dated else None
