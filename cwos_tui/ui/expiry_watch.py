"""Warnings for credentials that cannot refresh themselves: once at 10 minutes left, once at 2, once expired.

Keys from a refreshable source (token exchange, JWT key with a duration, OIDC with a token source)
are renewed by the storage service and need no warning; an API token, a static key or a SAML key
can only be replaced by the user, so the app says so in time and, at 2 minutes, offers re-authentication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cwos_tui.cloud.expiry import Urgency, countdown, urgency

if TYPE_CHECKING:
    from cwos_tui.session import Services

_LEVELS = (Urgency.AMBER, Urgency.RED, Urgency.EXPIRED)


@dataclass(frozen=True)
class Watched:
    label: str
    expires_at: datetime | None
    refreshable: bool = False


@dataclass(frozen=True)
class ExpiryWarning:
    label: str
    level: Urgency
    text: str

    @property
    def offer_reauth(self) -> bool:
        return self.level in (Urgency.RED, Urgency.EXPIRED)


def watched(services: Services) -> list[Watched]:
    """The API token and the S3 key the panes use, with whether each renews itself."""
    items = []
    token = services.connection.token
    if token is not None:
        items.append(Watched("API token", token.expires_at))
    credentials = services.current_keys
    if credentials is not None:
        refreshable = bool(getattr(services.storage.source, "refreshable", False))
        items.append(Watched("S3 key", credentials.expires_at, refreshable))
    return items


class ExpiryWatch:
    """Remembers which warnings were given, so each level is said once per credential."""

    def __init__(self) -> None:
        self._given: set[tuple[str, datetime, Urgency]] = set()

    def check(self, items: list[Watched], now: datetime) -> list[ExpiryWarning]:
        warnings = []
        for item in items:
            if item.refreshable or item.expires_at is None:
                continue
            level = urgency(item.expires_at, now)
            if level not in _LEVELS or (item.label, item.expires_at, level) in self._given:
                continue
            # a later level implies the earlier ones: do not repeat them after a jump in time
            for earlier in _LEVELS[: _LEVELS.index(level) + 1]:
                self._given.add((item.label, item.expires_at, earlier))
            if level is Urgency.EXPIRED:
                text = f"The {item.label} has expired and cannot renew itself: re-authenticate."
            else:
                left = countdown(item.expires_at, now)
                text = f"The {item.label} expires in {left} and cannot renew itself"
                text += ": re-authenticate now." if level is Urgency.RED else "; have a new one ready."
            warnings.append(ExpiryWarning(item.label, level, text))
        return warnings
