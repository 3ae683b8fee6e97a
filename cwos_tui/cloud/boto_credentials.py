"""The bridge from our credential sources to botocore: keys that refresh themselves before expiry.

boto3 and botocore are imported inside the functions only, so importing this module stays cheap.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.credential_types import CredentialSource, S3Credentials


@dataclass(frozen=True)
class RefreshEvent:
    """Reported after each background refresh so the UI can say so (runs on the owning event loop)."""

    ok: bool
    source: str
    credentials: S3Credentials | None = None
    error: BaseException | None = None
    #: the keys the new ones replace (the owner may revoke them once nothing signs with them any more)
    replaced: S3Credentials | None = None


RefreshCallback = Callable[[RefreshEvent], None]


#: at most this share of a key's lifetime is spent refreshing early: a 60 s key is used for 45 s
REFRESH_SHARE = 0.25


def refresh_windows(margin: float, lifetime: timedelta) -> tuple[float, float]:
    """(advisory, mandatory) seconds before expiry: the margin, but never more than a quarter of the key's
    lifetime, so short keys are used for most of their life instead of being minted again and again."""
    advisory = max(0.0, min(margin, lifetime.total_seconds() * REFRESH_SHARE))
    return advisory, advisory / 2


async def botocore_credentials(
    source: CredentialSource,
    *,
    first: S3Credentials | None = None,
    clock: Clock | None = None,
    refresh_margin: float = 120.0,
    on_refresh: RefreshCallback | None = None,
    timeout: float = 30.0,
) -> Any:
    """Fetch keys once and wrap them for botocore.

    Static or non-expiring keys become plain `Credentials`. Refreshable ones become
    `RefreshableCredentials` whose callback (run in boto's worker thread) fetches new keys on this
    event loop, `refresh_margin` seconds before expiry, using `clock` for "now". `first` saves the
    initial fetch when the caller already holds keys from this source.
    """
    from botocore.credentials import Credentials, RefreshableCredentials

    clock = clock or SystemClock()
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    method = f"cwos-{type(source).__name__}"
    first = first or await source.fetch()
    if not source.refreshable or first.expires_at is None:
        return Credentials(first.access_key_id, first.secret_access_key, first.session_token, method=method)

    current = [first]
    notify = _notifier(loop, on_refresh)

    def refresh() -> dict[str, Any]:
        if threading.get_ident() == loop_thread:
            raise RuntimeError("S3 calls must run in a worker thread, not on the event loop")
        future = asyncio.run_coroutine_threadsafe(source.fetch(), loop)
        try:
            fresh = future.result(timeout)
        except BaseException as exc:
            future.cancel()
            notify(RefreshEvent(ok=False, source=source.describe(), error=exc))
            raise
        expires_at = fresh.expires_at or clock.now() + timedelta(days=36500)
        creds._advisory_refresh_timeout, creds._mandatory_refresh_timeout = refresh_windows(
            refresh_margin, expires_at - clock.now()
        )
        replaced, current[0] = current[0], fresh
        notify(RefreshEvent(ok=True, source=source.describe(), credentials=fresh, replaced=replaced))
        return _metadata(fresh, expires_at)

    advisory, mandatory = refresh_windows(refresh_margin, first.expires_at - clock.now())
    creds = RefreshableCredentials(
        access_key=first.access_key_id, secret_key=first.secret_access_key, token=first.session_token,
        expiry_time=first.expires_at, refresh_using=refresh, method=method, time_fetcher=clock.now,
        advisory_timeout=advisory, mandatory_timeout=mandatory,
    )
    return creds


def _metadata(fresh: S3Credentials, expires_at: datetime) -> dict[str, Any]:
    """Fresh keys in the shape botocore's `RefreshableCredentials` asks its refresh callback for."""
    return {"access_key": fresh.access_key_id, "secret_key": fresh.secret_access_key,
            "token": fresh.session_token, "expiry_time": expires_at.isoformat()}


def _notifier(loop: asyncio.AbstractEventLoop, on_refresh: RefreshCallback | None) -> Callable[[RefreshEvent], None]:
    """Tell `on_refresh` (on the event loop) what a refresh in boto's worker thread did."""

    def notify(event: RefreshEvent) -> None:
        if on_refresh is None:
            return
        try:
            loop.call_soon_threadsafe(on_refresh, event)
        except RuntimeError:  # the loop closed while boto was refreshing; nobody is listening
            pass

    return notify


#: botocore's loader of service models, shared by every session this process makes (see `boto_session`)
_shared_loader: list[Any] = []


def boto_session(credentials: Any, timestamp_parser: Callable[[Any], Any]) -> Any:
    """A boto3 Session whose only credential provider is `credentials`, parsing timestamps with our parser.

    Sessions share the first one's model loader: it caches the parsed S3 model and endpoint rules, which
    every new session would otherwise read and parse again (~0.1 s of CPU for each new S3 client).
    """
    import boto3
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver

    class _Fixed(CredentialProvider):  # type: ignore[misc]
        METHOD = "cwos-tui"

        def load(self) -> Any:
            return credentials

    core = botocore.session.Session()
    if _shared_loader:
        core.register_component("data_loader", _shared_loader[0])
    else:
        _shared_loader.append(core.get_component("data_loader"))
    core.register_component("credential_provider", CredentialResolver([_Fixed()]))
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=timestamp_parser)
    return boto3.session.Session(botocore_session=core)
