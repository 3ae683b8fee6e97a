"""The records every credential module shares: API tokens, S3 key pairs and what a key source offers.

They sit below both `credentials` (the sources) and `boto_credentials` (the botocore bridge), so those two
never import each other back. No secret ever reaches a repr, a str, a log line or an exception message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from cwos_tui.cloud.clock import Clock
from cwos_tui.secrecy import redact, remember

_KNOWN_PREFIXES = ("CW-SECRET-", "cwo")


def mask_secret(value: str) -> str:
    """A display form that identifies a secret without revealing it (known prefix + last 4)."""
    prefix = next((p for p in _KNOWN_PREFIXES if value.startswith(p)), "")
    if len(value) - len(prefix) < 16:
        return prefix + "****"
    return f"{prefix}****{value[-4:]}"


class _Expiring:
    """`expires_in` / `is_expired` for anything with an `expires_at` (None = never)."""

    expires_at: datetime | None

    def expires_in(self, clock: Clock) -> timedelta | None:
        return None if self.expires_at is None else self.expires_at - clock.now()

    def is_expired(self, clock: Clock) -> bool:
        left = self.expires_in(clock)
        return left is not None and left <= timedelta(0)


@dataclass(frozen=True, repr=False)
class ApiToken(_Expiring):
    """A CoreWeave API access token (`CW-SECRET-...`) for the control plane."""

    value: str = field(repr=False)
    label: str = ""
    expires_at: datetime | None = None
    source: str = "manual"

    def __post_init__(self) -> None:
        remember(self.value)

    @property
    def masked(self) -> str:
        return mask_secret(self.value)

    def __repr__(self) -> str:
        return redact(
            f"ApiToken(value={self.masked!r}, label={self.label!r}, "
            f"expires_at={self.expires_at!r}, source={self.source!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class S3Credentials(_Expiring):
    """An S3 key pair; `expires_at` None means it never expires."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    source: str = "static"
    principal_name: str | None = None

    def __post_init__(self) -> None:
        remember(self.secret_access_key, self.session_token)

    def __repr__(self) -> str:
        return redact(
            f"S3Credentials(access_key_id={self.access_key_id!r}, "
            f"secret_access_key={mask_secret(self.secret_access_key)!r}, expires_at={self.expires_at!r}, "
            f"source={self.source!r}, principal_name={self.principal_name!r})"
        )

    __str__ = __repr__


class CredentialSource(Protocol):
    """Something that can hand out S3 keys; `refreshable` says whether it can mint new ones unattended."""

    @property
    def refreshable(self) -> bool: ...
    def describe(self) -> str: ...
    async def fetch(self) -> S3Credentials: ...
