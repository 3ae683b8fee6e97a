"""Everything the dashboard shows about one bucket, gathered concurrently: GetBucketInfo (zone, created,
usage, settings) from the control plane and versioning, lifecycle, CORS, tags and policy from S3.

A part that cannot be had (no API token, a denied Get*) becomes a line saying why instead of failing the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.models import BucketInfo, BucketSettings

if TYPE_CHECKING:
    from cwos_tui.cloud.control_plane import ControlPlaneClient
    from cwos_tui.cloud.storage import StorageService

T = TypeVar("T")
Fields = list[tuple[str, str]]


def human_bytes(value: int) -> str:
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def settings_fields(settings: BucketSettings) -> Fields:
    days = settings.archive_after_last_access_days
    archive = f"on: to STANDARD_IA after {days} days without access" if settings.archive_enabled else "off"
    cap = settings.capacity_cap_bytes
    configured = settings.configured_capacity_cap_bytes
    return [
        ("Automated archive", archive),
        ("Capacity cap", "not reported" if cap is None else f"{cap:,} bytes ({human_bytes(cap)})"),
        ("Configured cap", "not reported" if configured is None else f"{configured:,} bytes"),
        ("Audit logging", "on" if settings.audit_logging_enabled else "off"),
    ]


def info_fields(info: BucketInfo) -> Fields:
    fields = [("Zone", info.location or "?"),
              ("Created", info.creation_time.strftime("%Y-%m-%d %H:%M:%S UTC") if info.creation_time else "?")]
    for usage in info.usage:
        shown = usage.value_human_readable or ("" if usage.value is None else f"{usage.value:,}")
        kind = (usage.measurement_type or "?").removeprefix("MEASUREMENT_TYPE_").replace("_", " ").lower()
        fields.append((f"Usage ({kind})", shown))
    return fields + settings_fields(info.settings)


def lifecycle_summary(rules: list[dict[str, Any]] | None) -> str:
    if not rules:
        return "none"
    parts = []
    for rule in rules[:5]:
        what = []
        if "Expiration" in rule:
            exp = rule["Expiration"]
            what.append(f"expire {exp.get('Days', exp.get('Date', 'markers'))}")
        if "NoncurrentVersionExpiration" in rule:
            what.append(f"noncurrent {rule['NoncurrentVersionExpiration'].get('NoncurrentDays')}d")
        if "AbortIncompleteMultipartUpload" in rule:
            what.append(f"abort uploads {rule['AbortIncompleteMultipartUpload'].get('DaysAfterInitiation')}d")
        prefix = (rule.get("Filter") or {}).get("Prefix", "")
        parts.append(f"{rule.get('ID') or '?'} [{rule.get('Status')}] {prefix or '(all)'}: {', '.join(what)}")
    more = f"; and {len(rules) - 5} more" if len(rules) > 5 else ""
    return f"{len(rules)} rule{'s' * (len(rules) != 1)}: " + "; ".join(parts) + more


def cors_summary(rules: list[dict[str, Any]] | None) -> str:
    if not rules:
        return "none"
    parts = [f"{','.join(r.get('AllowedMethods', []))} from {','.join(r.get('AllowedOrigins', []))}"
             for r in rules[:5]]
    return f"{len(rules)} rule{'s' * (len(rules) != 1)}: " + "; ".join(parts)


async def _part(fetch: Awaitable[T]) -> T | CloudError:
    try:
        return await fetch
    except CloudError as exc:
        if exc.needs_reauth:
            raise
        return exc


def _shown(value: object, render: Callable[[Any], str]) -> str:
    if isinstance(value, CloudError):
        return f"unavailable: {value.message}"
    return render(value)


async def bucket_details(storage: StorageService, control_plane: ControlPlaneClient | None, bucket: str) -> Fields:
    """Name, zone, created, usage and settings (with a token), then the S3 configuration."""

    async def no_token() -> BucketInfo:
        raise CloudError("no API token in this profile (GetBucketInfo needs one)")

    info_call = control_plane.get_bucket_info(bucket) if control_plane is not None else no_token()
    info, versioning, lifecycle, cors, tags, policy = await asyncio.gather(
        _part(info_call), _part(storage.get_bucket_versioning(bucket)), _part(storage.get_bucket_lifecycle(bucket)),
        _part(storage.get_bucket_cors(bucket)), _part(storage.get_bucket_tagging(bucket)),
        _part(storage.get_bucket_policy(bucket)))
    fields: Fields = [("Bucket", bucket)]
    if isinstance(info, CloudError):
        fields.append(("Bucket info", f"unavailable: {info.message}"))
    else:
        fields += info_fields(info)
    fields += [
        ("Versioning", _shown(versioning, lambda v: v or "never enabled")),
        ("Lifecycle", _shown(lifecycle, lifecycle_summary)),
        ("CORS", _shown(cors, cors_summary)),
        ("Tags", _shown(tags, lambda t: ", ".join(f"{k}={v}" for k, v in t.items()) or "none")),
        ("Bucket policy", _shown(policy, lambda p: "none" if p is None else f"set ({len(p):,} characters)")),
    ]
    return fields
