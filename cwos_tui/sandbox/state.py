"""The emulator's state: principals, API tokens, access keys, org policies, buckets, settings.

Plain data with JSON persistence (atomic replace) so that `--data-dir` keeps state across restarts.
Times come from `SandboxClock`, which tests can move forward through `/sandbox/clock`.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ADMIN_ROLE = "ObjectStorageAdmin"
PERMANENT_EXPIRY = "0001-01-01T00:00:00Z"
ZONES = ("US-EAST-04A", "US-CENTRAL-05A", "US-WEST-01A")
_UPPER_ALNUM = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_access_key_id() -> str:
    return "CW" + "".join(secrets.choice(_UPPER_ALNUM) for _ in range(14))


def new_secret_key() -> str:
    return "cwo" + "".join(secrets.choice(_ALNUM) for _ in range(40))


def new_api_token() -> str:
    return "CW-SECRET-" + "".join(secrets.choice(_ALNUM) for _ in range(40))


def new_uid() -> str:
    return "u" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(15))


class SandboxClock:
    """Real time plus an offset that only ever grows (tests advance it to expire things)."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = offset_seconds

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset_seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset_seconds += seconds


@dataclass
class Principal:
    uid: str
    display_name: str
    roles: list[str] = field(default_factory=list)

    @property
    def principal_name(self) -> str:
        return f"coreweave/{self.uid}"

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    def to_wire(self) -> dict[str, Any]:
        return {"uid": self.uid, "principalName": self.principal_name, "displayName": self.display_name,
                "roles": list(self.roles)}


@dataclass
class ApiToken:
    token_id: str
    value: str = field(repr=False)
    principal_uid: str
    label: str = ""
    expires_at: str | None = None
    revoked: bool = False


@dataclass
class AccessKey:
    access_key_id: str
    secret_key: str = field(repr=False)
    principal_name: str
    attributes: dict[str, str] = field(default_factory=dict)
    expires_at: str | None = None  # None = permanent
    created_at: str = ""
    revoked: bool = False
    #: UpdateAccessKeyStatus acts on the keys a principal has now, not on keys minted later
    suspended: bool = False
    #: extra names the key's principal is known by in org policies (SAML: role/<role>)
    aliases: list[str] = field(default_factory=list)


@dataclass
class Bucket:
    name: str
    zone: str
    created_at: str
    settings: dict[str, Any] = field(default_factory=dict)


def default_bucket_settings() -> dict[str, Any]:
    return {"auditLoggingEnabled": False, "archiveEnabled": False, "archiveAfterLastAccessDays": 60,
            "capacityCapBytes": "0", "configuredCapacityCapBytes": "0"}


@dataclass
class State:
    org_id: str
    admin_uid: str = ""
    admin_token: str = field(default="", repr=False)
    s3_admin_key: str = ""
    s3_admin_secret: str = field(default="", repr=False)
    idp_secret: str = field(default="", repr=False)
    saml_config_id: str = ""
    clock_offset: float = 0.0
    entitlements: list[str] = field(default_factory=lambda: ["BucketArchive", "BucketCapacityCap"])
    org_audit_logging_allowed: bool = True
    #: how long a new bucket answers S3 with 400 InvalidRegion (CAIOS DNS propagation; 0 = at once)
    bucket_propagation_seconds: float = 0.0
    org_settings: dict[str, bool] = field(
        default_factory=lambda: {"controlPlaneAuditLoggingEnabled": False, "bucketAuditLoggingEnabled": False}
    )
    principals: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    keys: dict[str, AccessKey] = field(default_factory=dict)
    suspended: list[str] = field(default_factory=list)  # read from older state files only
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    #: bucket policies as the JSON text PutBucketPolicy stored (the sandbox judges them, not SeaweedFS)
    bucket_policies: dict[str, str] = field(default_factory=dict)
    #: inventory configurations: bucket -> id -> XML document
    inventories: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def new(cls) -> State:
        return cls(
            org_id=secrets.token_hex(3),
            s3_admin_key="SANDBOX" + "".join(secrets.choice(_UPPER_ALNUM) for _ in range(13)),
            s3_admin_secret=secrets.token_urlsafe(30),
            idp_secret=secrets.token_urlsafe(32),
            saml_config_id="saml-" + secrets.token_hex(6),
        )

    # -- lookups ---------------------------------------------------------------------------------
    def token_by_value(self, value: str) -> ApiToken | None:
        for token in self.tokens.values():
            if secrets.compare_digest(token.value, value):
                return token
        return None

    def key_status(self, key: AccessKey, now: datetime) -> str:
        if key.revoked:
            return "DELETED"
        if key.suspended:
            return "FULL_SUSPENDED"
        expires = parse_iso(key.expires_at)
        if expires is not None and expires <= now:
            return "EXPIRED"
        return "ACTIVE"

    # -- persistence -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        data = dict(data)
        data["principals"] = {k: Principal(**v) for k, v in data.get("principals", {}).items()}
        data["tokens"] = {k: ApiToken(**v) for k, v in data.get("tokens", {}).items()}
        data["keys"] = {k: AccessKey(**v) for k, v in data.get("keys", {}).items()}
        data["buckets"] = {k: Bucket(**v) for k, v in data.get("buckets", {}).items()}
        state = cls(**data)
        for key in state.keys.values():  # older files kept suspension per principal
            key.suspended = key.suspended or key.principal_name in state.suspended
        state.suspended = []
        return state

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(self.to_json(), fh)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> State:
        return cls.from_json(json.loads(path.read_text()))
