"""Typed records for S3 results, and the translation of botocore's timestamps and failures.

Kept apart from the service so screens and tests can use the records without the client code;
botocore is only imported inside the functions that need it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from cwos_tui.cloud.errors import (
    HTTP_STATUS_ERRORS,
    S3_CODE_ERRORS,
    CloudError,
    InvalidArgument,
    NetworkError,
    ProtocolError,
    RateLimited,
    Unauthenticated,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ObjectEntry:
    key: str
    size: int
    last_modified: datetime | None
    etag: str
    storage_class: str


@dataclass(frozen=True, slots=True)
class ListPage:
    objects: list[ObjectEntry]
    prefixes: list[str]
    next_token: str | None
    is_truncated: bool


@dataclass(frozen=True, slots=True)
class BucketEntry:
    name: str
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ObjectHead:
    key: str
    size: int
    last_modified: datetime | None
    etag: str
    content_type: str | None
    metadata: dict[str, str]
    storage_class: str
    version_id: str | None


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    key: str
    version_id: str
    is_latest: bool
    is_delete_marker: bool
    size: int
    last_modified: datetime | None
    etag: str


@dataclass(frozen=True, slots=True)
class VersionPage:
    versions: list[ObjectVersion]
    prefixes: list[str]
    next_key_marker: str | None
    next_version_id_marker: str | None
    is_truncated: bool


@dataclass(frozen=True, slots=True)
class MultipartUpload:
    key: str
    upload_id: str
    initiated: datetime | None


@dataclass(frozen=True, slots=True)
class DeleteFailure:
    key: str
    code: str
    message: str


def fast_timestamp(value: str | int | float) -> datetime:
    """Parse S3 timestamps with `datetime.fromisoformat` (fast); fall back to botocore for HTTP dates."""
    try:
        when = datetime.fromisoformat(cast(str, value))
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        when = parse_timestamp(value)
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when if when.tzinfo is UTC else when.astimezone(UTC)


def map_error(exc: BaseException, operation: str | None = None) -> BaseException:
    """Turn a botocore failure into our hierarchy; S3's own message and code are kept."""
    if isinstance(exc, CloudError):
        return exc
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", ""))
        status = meta.get("HTTPStatusCode")
        message = str(error.get("Message") or f"{code or 'error'} (HTTP {status})")
        cls = S3_CODE_ERRORS.get(code)
        if cls is None and code.isdigit():  # HEAD responses have no body, only a status
            cls = HTTP_STATUS_ERRORS.get(int(code))
        cls = cls or CloudError
        operation = exc.operation_name or operation
        if code == "RequestTimeTooSkewed":
            message += " (this computer's clock is wrong: set it right, e.g. with NTP, and try again)"
        if cls is RateLimited:
            retry = meta.get("HTTPHeaders", {}).get("retry-after")
            retry_after = float(retry) if retry and retry.isdigit() else None
            return RateLimited(
                message, retry_after=retry_after, status=status, code=code, operation=operation
            )
        return cls(message, status=status, code=code, operation=operation)
    if isinstance(exc, bx.HTTPClientError | bx.ConnectionError):
        return NetworkError(_unreachable(exc, bx), operation=operation)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError | bx.CredentialRetrievalError):
        return Unauthenticated(str(exc), operation=operation)
    if isinstance(exc, bx.ParamValidationError):
        return InvalidArgument(str(exc), operation=operation)
    from botocore.parsers import ResponseParserError  # not in botocore.exceptions

    if isinstance(exc, ResponseParserError):
        return ProtocolError(str(exc), operation=operation)
    if isinstance(exc, TimeoutError):
        return NetworkError("timed out waiting for new credentials", operation=operation)
    if isinstance(exc, bx.BotoCoreError):
        return CloudError(str(exc), operation=operation)
    return exc


def refuse_non_s3_answer(response_dict: Mapping[str, Any], operation_model: Any, **_: Any) -> None:
    """botocore `before-parse` hook: a 2xx answer of HTML (a login page or proxy in the way) is an error, not
    an empty listing; object bodies (streaming outputs) may have any type and are left alone."""
    if getattr(operation_model, "has_streaming_output", False) or not 200 <= response_dict["status_code"] < 300:
        return
    headers = response_dict.get("headers") or {}
    kind = str(headers.get("content-type") or headers.get("Content-Type") or "")
    if kind.split(";")[0].strip().lower() == "text/html" and response_dict.get("body"):
        from botocore.parsers import ResponseParserError

        raise ResponseParserError(f"the S3 endpoint answered {operation_model.name} with {kind.split(';')[0]}, "
                                  "not S3 XML (a login page or a proxy in the way?)")


def _unreachable(exc: Exception, bx: Any) -> str:
    """A short line naming the host first (botocore's own text ends in a long URL that gets cut off)."""
    url = str(getattr(exc, "kwargs", {}).get("endpoint_url") or "")
    host = urlsplit(url).netloc or url or "the S3 endpoint"
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        why = "timed out"
    elif isinstance(exc, bx.SSLError):
        why = "TLS failed"
    else:
        why = "connection failed"
    return f"cannot reach {host}: {why} (check the S3 endpoint and the network)"


def object_entry(item: Mapping[str, Any]) -> ObjectEntry:
    return ObjectEntry(
        item["Key"], item.get("Size", 0), item.get("LastModified"), item.get("ETag", ""),
        item.get("StorageClass", "STANDARD"),
    )


def version_page(r: Mapping[str, Any]) -> VersionPage:
    """A ListObjectVersions answer as one list: per key the latest first, then newest to oldest."""
    versions = [
        ObjectVersion(
            v["Key"], v.get("VersionId", "null"), bool(v.get("IsLatest")), False, v.get("Size", 0),
            v.get("LastModified"), v.get("ETag", ""),
        )
        for v in r.get("Versions", ())
    ] + [
        ObjectVersion(
            m["Key"], m.get("VersionId", "null"), bool(m.get("IsLatest")), True, 0,
            m.get("LastModified"), "",
        )
        for m in r.get("DeleteMarkers", ())
    ]
    versions.sort(key=lambda v: (v.key, not v.is_latest, -(v.last_modified or EPOCH).timestamp()))
    truncated = bool(r.get("IsTruncated"))
    return VersionPage(
        versions, [p["Prefix"] for p in r.get("CommonPrefixes", ())],
        r.get("NextKeyMarker") if truncated else None,
        r.get("NextVersionIdMarker") if truncated else None,
        truncated,
    )
