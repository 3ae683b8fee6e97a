"""The CAIOS control plane's behaviour, free of HTTP: auth, keys, policies, buckets, settings.

Handlers in `control_plane.py` parse requests and call these methods; every rule the documentation
states (reference §1.4, §3) is enforced here and raised as an `RpcError`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from cwos_tui.cloud.policy import AccessDecision, OrgPolicy, errors_only, validate_org_policy
from cwos_tui.sandbox import rpc_errors as rpc
from cwos_tui.sandbox.authz import Authorizer
from cwos_tui.sandbox.state import (
    PERMANENT_EXPIRY,
    ZONES,
    AccessKey,
    ApiToken,
    Bucket,
    Principal,
    SandboxClock,
    State,
    default_bucket_settings,
    iso,
    new_access_key_id,
    new_api_token,
    new_secret_key,
    new_uid,
    parse_iso,
)

WIF_MAX_DURATION = 43200
API_TOKEN_EXCHANGE_SECONDS = 900
#: Lifetime of a workload-identity key requested with durationSeconds 0 (chosen: WIF keys are never permanent)
WIF_DEFAULT_SECONDS = 900
#: What SeaweedFS lets every active key do: everything. The S3 front decides (see `authz.py`).
SEAWEED_ACTIONS = ("Admin", "List", "Read", "Tagging", "Write")
UINT32_MAX = 2**32 - 1
ATTR_KEY_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ATTR_VALUE_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")

#: desired SeaweedFS identities: name -> (access key id, secret, actions)
Identities = dict[str, tuple[str, str, tuple[str, ...]]]


@dataclass(frozen=True)
class Caller:
    principal: Principal
    token: ApiToken

    @property
    def names(self) -> list[str]:
        return [self.principal.principal_name]


class Emulator:
    def __init__(self, state: State, state_file: Path | None = None) -> None:
        self.state = state
        self.clock = SandboxClock(state.clock_offset)
        self.state_file = state_file
        self.on_change: Callable[[], Awaitable[None]] | None = None
        self.zones: tuple[str, ...] = ZONES
        self.usage: Callable[[str], Awaitable[tuple[int, int]]] | None = None
        self.authz = Authorizer(state)

    # -- persistence and data-plane sync -----------------------------------------------------------
    async def changed(self) -> None:
        self.state.clock_offset = self.clock.offset_seconds
        if self.state_file is not None:
            self.state.save(self.state_file)
        if self.on_change is not None:
            await self.on_change()

    def policies(self) -> list[OrgPolicy]:
        return self.authz.org_policies()

    def desired_identities(self) -> Identities:
        """Every usable key, with full rights on SeaweedFS: the sandbox's S3 front authorizes each request."""
        now = self.clock.now()
        return {key.access_key_id: (key.access_key_id, key.secret_key, SEAWEED_ACTIONS)
                for key in self.state.keys.values() if self.state.key_status(key, now) == "ACTIVE"}

    # -- authentication and authorization ------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> Caller:
        if not authorization:
            raise rpc.unauthenticated("missing authorization header: send 'Authorization: Bearer <API token>'")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise rpc.unauthenticated("authorization header must be 'Bearer <API token>'")
        token = self.state.token_by_value(value.strip())
        if token is None or token.revoked:
            raise rpc.unauthenticated("invalid API access token")
        expires = parse_iso(token.expires_at)
        if expires is not None and expires <= self.clock.now():
            raise rpc.unauthenticated("API access token expired")
        principal = self.state.principals.get(token.principal_uid)
        if principal is None:
            raise rpc.unauthenticated("invalid API access token")
        return Caller(principal, token)

    def decide(self, names: list[str], action: str, resource: str = "*", *, is_admin: bool = False,
               context: dict[str, str] | None = None) -> AccessDecision:
        return self.authz.decide(names, action, resource, is_admin=is_admin, context=context)

    def allowed(self, names: list[str], action: str, resource: str = "*", *, is_admin: bool = False,
                context: dict[str, str] | None = None) -> bool:
        return self.decide(names, action, resource, is_admin=is_admin, context=context).allowed

    def require(self, caller: Caller, *actions: str, resource: str = "*") -> None:
        """Pass when any of `actions` is allowed (aliases the documentation disagrees on)."""
        for action in actions:
            if self.allowed(caller.names, action, resource, is_admin=caller.principal.is_admin):
                return
        raise rpc.denied(f"permission denied: {caller.principal.principal_name} may not {actions[0]}")

    def can_i(self, caller: Caller, actions: list[str], resources: list[str],
              context: dict[str, str] | None = None) -> bool:
        """All-of: every action on every resource, by the same evaluation the S3 front uses."""
        if not actions or not resources:
            raise rpc.invalid("actions and resources are both required and must not be empty")
        return all(self.allowed(caller.names, a, r, is_admin=caller.principal.is_admin, context=context)
                   for a in actions for r in resources)

    # -- access keys ----------------------------------------------------------------------------------
    @staticmethod
    def check_attributes(attributes: Any) -> dict[str, str]:
        if attributes is None:
            return {}
        if not isinstance(attributes, dict):
            raise rpc.invalid("attributes must be an object of string values")
        if len(attributes) > 15:
            raise rpc.invalid(f"at most 15 attributes are allowed, got {len(attributes)}")
        for k, v in attributes.items():
            if not isinstance(v, str):
                raise rpc.invalid(f"attribute {k!r}: value must be a string")
            if not (1 <= len(k) <= 63 and ATTR_KEY_RE.match(k)):
                raise rpc.invalid(f"attribute key {k!r} must be a DNS label: lower-case letters, digits and '-'")
            if k.startswith(("cw-", "role", "groups")):
                raise rpc.invalid(f"attribute key {k!r} uses a reserved prefix (cw-, role, groups)")
            if len(v) > 63 or not ATTR_VALUE_RE.match(v):
                raise rpc.invalid(f"attribute {k!r}: value {v!r} is not a valid label value (63 characters max, "
                                  "letters, digits, '-', '_', '.', starting and ending alphanumeric)")
        return dict(attributes)

    @staticmethod
    def check_duration(value: Any, maximum: int, *, required: bool = True) -> int:
        if value is None:
            if required:
                raise rpc.invalid("durationSeconds is required")
            return 0
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > maximum:
            raise rpc.invalid(f"durationSeconds must be an integer between 0 and {maximum}, got {value!r}")
        return value

    async def mint_key(self, principal_name: str, duration: int, attributes: dict[str, str],
                       aliases: list[str] | None = None, permanent_allowed: bool = True,
                       default_seconds: int = API_TOKEN_EXCHANGE_SECONDS) -> AccessKey:
        """A new ACTIVE key. `duration` 0 is permanent only where `permanent_allowed` (JWT keys)."""
        now = self.clock.now()
        expires = None
        if duration > 0 or not permanent_allowed:
            expires = iso(now + timedelta(seconds=duration or default_seconds))
        key = AccessKey(new_access_key_id(), new_secret_key(), principal_name, attributes, expires, iso(now) or "",
                        aliases=aliases or [])
        self.state.keys[key.access_key_id] = key
        await self.changed()
        return key

    def key_wire(self, key: AccessKey, *, with_secret: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accessKeyId": key.access_key_id,
            "principalName": key.principal_name,
            "expiry": key.expires_at or PERMANENT_EXPIRY,
            "attributes": dict(key.attributes),
        }
        if with_secret:
            out["secretKey"] = key.secret_key
        else:
            out["status"] = self.state.key_status(key, self.clock.now())
            out["orgId"] = self.state.org_id
            out["multiAttributes"] = {}
        return out

    def container_wire(self, key: AccessKey) -> dict[str, Any]:
        return {"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_key, "Token": "",
                "Expiration": key.expires_at, "attributes": dict(key.attributes), "multiAttributes": {}}

    def get_key(self, access_key_id: str) -> AccessKey:
        key = self.state.keys.get(access_key_id)
        if key is None:
            raise rpc.not_found(f"access key {access_key_id!r} not found")
        return key

    async def set_status(self, principal_name: str, status: str) -> None:
        if not principal_name:
            raise rpc.invalid("principalName is required")
        if status not in ("ACCESS_KEY_STATUS_SUSPENDED", "ACCESS_KEY_STATUS_ACTIVE"):
            raise rpc.invalid(
                f"status must be ACCESS_KEY_STATUS_ACTIVE or ACCESS_KEY_STATUS_SUSPENDED, got {status!r}"
            )
        # The status of every key the principal has now (reference §1.4.5); keys minted later start ACTIVE.
        for key in self.state.keys.values():
            if key.principal_name == principal_name:
                key.suspended = status == "ACCESS_KEY_STATUS_SUSPENDED"
        await self.changed()

    async def revoke(self, access_key_id: str) -> None:
        self.get_key(access_key_id).revoked = True
        await self.changed()

    async def revoke_principal(self, principal_name: str) -> None:
        if not principal_name:
            raise rpc.invalid("principalName is required")
        for key in self.state.keys.values():
            if key.principal_name == principal_name:
                key.revoked = True
        await self.changed()

    # -- policies -------------------------------------------------------------------------------------
    async def ensure_policy(self, policy: Any) -> dict[str, Any]:
        if not isinstance(policy, dict):
            raise rpc.invalid("policy is required")
        errors = errors_only(validate_org_policy(policy))
        if errors:
            raise rpc.invalid("invalid policy: " + "; ".join(str(f) for f in errors))
        clean = OrgPolicy.model_validate(policy).to_wire()
        self.state.policies[clean["name"]] = clean
        self.authz.policies_changed()
        await self.changed()
        return clean

    async def delete_policy(self, name: str) -> None:
        if name not in self.state.policies:
            raise rpc.not_found(f"access policy {name!r} not found")
        del self.state.policies[name]
        self.authz.policies_changed()
        await self.changed()

    # -- buckets ---------------------------------------------------------------------------------------
    def record_bucket(self, name: str, zone: str) -> None:
        if name not in self.state.buckets:
            self.state.buckets[name] = Bucket(name, zone, iso(self.clock.now()) or "", default_bucket_settings())

    def forget_bucket(self, name: str) -> None:
        self.state.buckets.pop(name, None)
        self.state.bucket_policies.pop(name, None)
        self.state.inventories.pop(name, None)

    async def bucket_wire(self, bucket: Bucket) -> dict[str, Any]:
        size, count = (0, 0)
        if self.usage is not None:
            size, count = await self.usage(bucket.name)
        return {
            "orgId": self.state.org_id,
            "name": bucket.name,
            "creationTime": bucket.created_at,
            "location": bucket.zone,
            "settings": dict(bucket.settings),
            "usage": [
                {"measurementType": "MEASUREMENT_TYPE_STANDARD_BYTES", "value": str(size),
                 "valueHumanReadable": human_bytes(size)},
                {"measurementType": "MEASUREMENT_TYPE_OBJECT_COUNT", "value": str(count),
                 "valueHumanReadable": str(count)},
            ],
        }

    def bucket_propagating(self, name: str) -> bool:
        """A bucket younger than `bucket_propagation_seconds` (by the sandbox clock) is not reachable yet."""
        seconds = self.state.bucket_propagation_seconds
        bucket = self.state.buckets.get(name)
        created = parse_iso(bucket.created_at) if bucket is not None and seconds > 0 else None
        return created is not None and self.clock.now() < created + timedelta(seconds=seconds)

    def get_bucket(self, name: str) -> Bucket:
        bucket = self.state.buckets.get(name)
        if bucket is None:
            raise rpc.not_found(f"bucket {name!r} not found")
        return bucket

    async def set_bucket_settings(self, bucket_name: Any, settings: Any) -> dict[str, Any]:
        if not isinstance(bucket_name, str) or not bucket_name:
            raise rpc.invalid("bucketName is required")
        if not isinstance(settings, dict) or not settings:
            raise rpc.invalid("bucket settings are required")
        bucket = self.get_bucket(bucket_name)
        merged = dict(bucket.settings)
        if "auditLoggingEnabled" in settings:
            value = _bool(settings["auditLoggingEnabled"], "auditLoggingEnabled")
            if value and not self.state.org_settings.get("bucketAuditLoggingEnabled"):
                raise rpc.RpcError(rpc.FAILED_PRECONDITION, "audit logging is not enabled for the organization; "
                                   "enable bucket audit logging for the organization first (contact support)")
            merged["auditLoggingEnabled"] = value
        if "archiveEnabled" in settings or "archiveAfterLastAccessDays" in settings:
            if "BucketArchive" not in self.state.entitlements:
                raise rpc.denied("organization is not entitled to feature(s): BucketArchive")
        if "archiveEnabled" in settings:
            merged["archiveEnabled"] = _bool(settings["archiveEnabled"], "archiveEnabled")
            if merged["archiveEnabled"] and "archiveAfterLastAccessDays" not in settings:
                raise rpc.invalid("invalid archive settings: archive_after_last_access_days is required when "
                                  "archive is enabled")
        if "archiveAfterLastAccessDays" in settings:
            days = settings["archiveAfterLastAccessDays"]
            if not isinstance(days, int) or isinstance(days, bool) or days < 60:
                raise rpc.invalid(f"invalid archive settings: archive_after_last_access_days must be >= 60, "
                                  f"got {days!r}")
            merged["archiveAfterLastAccessDays"] = days
        if "capacityCapBytes" in settings:
            if "BucketCapacityCap" not in self.state.entitlements:
                raise rpc.denied("organization is not entitled to feature(s): BucketCapacityCap")
            raw = settings["capacityCapBytes"]
            if isinstance(raw, str) and raw.isdigit():
                raw = int(raw)
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0 or raw >= 2**64:
                raise rpc.invalid(f"capacityCapBytes must be an unsigned 64-bit integer, got {raw!r}")
            merged["capacityCapBytes"] = str(raw)
            merged["configuredCapacityCapBytes"] = str(raw)
        bucket.settings = merged
        await self.changed()
        return dict(merged)

    async def set_org_settings(self, settings: Any) -> dict[str, bool]:
        if not isinstance(settings, dict) or not settings:
            raise rpc.invalid("organization settings are required")
        known = ("controlPlaneAuditLoggingEnabled", "bucketAuditLoggingEnabled")
        for name, value in settings.items():
            if name not in known:
                raise rpc.invalid(f"unknown organization setting {name!r}")
            flag = _bool(value, name)
            if flag and not self.state.org_audit_logging_allowed:
                raise rpc.RpcError(rpc.FAILED_PRECONDITION, "audit logging is in limited availability; contact "
                                   "support to enable it for this organization")
            self.state.org_settings[name] = flag
        await self.changed()
        return dict(self.state.org_settings)

    # -- sandbox administration -------------------------------------------------------------------------
    async def add_principal(self, display_name: str, roles: list[str], uid: str | None = None) -> Principal:
        principal = Principal(uid or new_uid(), display_name, roles)
        self.state.principals[principal.uid] = principal
        await self.changed()
        return principal

    async def add_token(self, principal_uid: str, expires_in: int | None, label: str = "") -> ApiToken:
        if principal_uid not in self.state.principals:
            raise rpc.not_found(f"principal {principal_uid!r} not found")
        expires = iso(self.clock.now() + timedelta(seconds=expires_in)) if expires_in else None
        token = ApiToken("tok-" + new_uid()[1:9], new_api_token(), principal_uid, label, expires)
        self.state.tokens[token.token_id] = token
        await self.changed()
        return token


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise rpc.invalid(f"{name} must be true or false, got {value!r}")
    return value


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{size} B"

