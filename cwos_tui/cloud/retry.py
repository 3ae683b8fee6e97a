"""How control-plane failures are classified and retried.

A failed call becomes one `CloudError` class (from the gRPC code in the error envelope, else the
HTTP status) and is retried only when that is safe. Kept apart from the client so the policy can be
tested without a server, with an injected sleep and clock (tests then never wait).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from random import random as _uniform
from typing import TYPE_CHECKING

from cwos_tui.cloud import errors

if TYPE_CHECKING:
    import httpx  # imported when a request is made: not needed for the first frame

#: HTTP statuses worth retrying: throttled or a gateway/service that is briefly down.
RETRY_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]

# Connect-protocol string codes (and upper-case gRPC names) -> numeric gRPC code.
_GRPC_NAMES = {
    "canceled": 1, "cancelled": 1, "unknown": 2, "invalid_argument": 3, "deadline_exceeded": 4,
    "not_found": 5, "already_exists": 6, "permission_denied": 7, "resource_exhausted": 8,
    "failed_precondition": 9, "aborted": 10, "out_of_range": 11, "unimplemented": 12,
    "internal": 13, "unavailable": 14, "data_loss": 15, "unauthenticated": 16,
}  # fmt: skip
# gRPC codes errors.py does not map; the rest fall back to the HTTP status.
_EXTRA_GRPC_ERRORS: dict[int, type[errors.CloudError]] = {
    4: errors.Unavailable, 10: errors.Conflict, 11: errors.InvalidArgument,
    12: errors.ProtocolError, 15: errors.ServerError,
}  # fmt: skip
# HTTP status -> gRPC code, so `code` is set even when the body has no envelope.
_STATUS_GRPC = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 500: 13, 501: 12, 502: 14, 503: 14, 504: 4}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); None if absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
            return None
        return max(seconds, 0.0)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or _utc_now())).total_seconds(), 0.0)


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES


def request_not_sent(exc: BaseException) -> bool:
    """True when the request provably never reached the server (no connection was made).

    Only these failures may be retried for calls that are not idempotent, such as minting a key.
    """
    import httpx

    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def is_retryable_transport_error(exc: BaseException) -> bool:
    """Connection failures worth retrying for idempotent calls.

    A read timeout is not retried: the server may still be working, and retrying would multiply the
    wait the user already sat through.
    """
    if request_not_sent(exc):
        return True
    import httpx

    return isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError)


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, honouring `Retry-After` up to `max_retry_after`."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: A server asking for a longer pause than this is not retried: the error goes to the caller.
    max_retry_after: float = 30.0
    sleep: Sleep = asyncio.sleep
    #: Uniform random number in [0, 1); injectable so tests get a fixed jitter.
    jitter: Callable[[], float] = _uniform
    now: Callable[[], datetime] = _utc_now

    def backoff(self, retry_number: int) -> float:
        """Full-jitter delay before retry number `retry_number` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(retry_number, 0))
        return self.jitter() * ceiling

    def delay_for(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if retry_number >= self.max_retries:
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return retry_after
        return self.backoff(retry_number)

    def retry_after_of(self, response: httpx.Response) -> float | None:
        return parse_retry_after(response.headers.get("retry-after"), self.now())


def _grpc_code(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.isdigit():
            return int(text)
        return _GRPC_NAMES.get(text.lower())
    return None


def _snippet(text: str, limit: int = 200) -> str:
    """First line of a non-JSON body, without control characters, for an error message."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = "".join(ch for ch in line if ch.isprintable())
    return line[:limit] + ("…" if len(line) > limit else "")


def error_from_response(
    response: httpx.Response, operation: str, retry_after: float | None = None
) -> errors.CloudError:
    """The error for a non-2xx response: class from the envelope's gRPC code, else from the status."""
    status = response.status_code
    body: object = None
    try:
        body = response.json()
    except ValueError:
        body = None
    raw_code: object = None
    message = ""
    details: list[object] = []
    if isinstance(body, dict):
        raw_code = body.get("code")
        text = body.get("message") or body.get("error") or ""
        message = text if isinstance(text, str) else str(text)
        if isinstance(body.get("details"), list):
            details = list(body["details"])
    code = _grpc_code(raw_code)
    cls: type[errors.CloudError] | None = None
    if code is not None:
        cls = errors.GRPC_CODE_ERRORS.get(code) or _EXTRA_GRPC_ERRORS.get(code)
    if cls is None:
        cls = errors.HTTP_STATUS_ERRORS.get(status) or (errors.ServerError if status >= 500 else errors.InvalidArgument)
    if code is None:
        code = _STATUS_GRPC.get(status, 2)
    if not message:
        snippet = "" if isinstance(body, dict) else _snippet(response.text)
        message = f"HTTP {status} {response.reason_phrase}".strip() + (f": {snippet}" if snippet else "")
    if cls is errors.Unauthenticated and "expired" in message.lower():
        cls = errors.CredentialsExpired
    if cls is errors.RateLimited:
        return errors.RateLimited(
            message, retry_after=retry_after, status=status, code=code, operation=operation, details=details
        )
    return cls(message, status=status, code=code, operation=operation, details=details)


def error_from_transport(exc: httpx.HTTPError, operation: str, timeout: float) -> errors.CloudError:
    import httpx

    """The `errors.CloudError` for a request that got no HTTP answer (refused, reset, timed out)."""
    if isinstance(exc, httpx.TimeoutException):
        reason = f"timed out after {timeout:g} s ({type(exc).__name__})"
    else:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.DecodingError):
        return errors.ProtocolError(f"{operation}: undecodable response: {reason}", operation=operation)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return errors.ProtocolError(f"{operation}: bad endpoint URL: {reason}", operation=operation)
    return errors.NetworkError(f"{operation}: cannot reach the control plane: {reason}", operation=operation)
