"""Typed requests and responses of the control-plane API (reference §1.4, plus whoami).

The public documents disagree on several wire details, so parsing accepts every documented
variant (`accessKeyID`, PascalCase container credentials, expiry sentinels, uint64 as string or
number, status strings or `ACCESS_KEY_STATUS_*` enums) and exposes one snake_case shape.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from cwos_tui.cloud.policy.model import OrgPolicy, PolicyStatement

__all__ = [
    "AccessKeyInfo",
    "BucketInfo",
    "BucketSettings",
    "BucketSettingsUpdate",
    "BucketUsage",
    "KeyStatus",
    "NewAccessKey",
    "OrgPolicy",
    "OrgSettingsUpdate",
    "PolicyStatement",
    "WhoAmI",
    "parse_timestamp",
    "status_filter_value",
]

_NEVER_EXPIRES = (datetime(1, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC))


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from an RFC 3339 string or epoch seconds.

    None, empty, and the zero-time sentinels (`0001-01-01T00:00:00Z`, `1970-01-01T00:00:00Z`, 0) all
    mean "no time": for an expiry that is "never expires".
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if value <= 0:
            return None
        when = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_timestamp(int(text))
        try:
            when = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError("not an RFC 3339 timestamp") from None
    else:
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if when in _NEVER_EXPIRES:
        return None
    return when


def _unwrap(value: object) -> object:
    """Proto wrapper values may arrive as `{"value": x}`; take x."""
    if isinstance(value, dict) and set(value) == {"value"}:
        return value["value"]
    return value


def _to_uint(value: object) -> int | None:
    value = _unwrap(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise ValueError("not an integer") from None
            if number.is_integer():
                return int(number)
    raise ValueError("not an integer")


def _to_uint_or_none(value: object) -> int | None:
    """For fields whose type is undocumented (usage values): unreadable means unknown, not an error."""
    try:
        return _to_uint(value)
    except ValueError:
        return None


def _to_bool(value: object) -> object:
    value = _unwrap(value)
    return False if value is None else value


def _to_multi(value: object) -> dict[str, list[str]]:
    """`multiAttributes` has no documented shape; accept lists, `{"values": [...]}` or single strings."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError("multiAttributes must be an object")
    result: dict[str, list[str]] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = item.get("values", [])
        if isinstance(item, str):
            item = [item]
        result[str(key)] = [str(v) for v in (item or [])]
    return result


def _to_str_map(value: object) -> object:
    return {} if value is None else value


def _to_list(value: object) -> object:
    """grpc-gateway may omit an empty repeated field or send null: both mean an empty list."""
    return [] if value is None else value


Timestamp = Annotated[datetime | None, BeforeValidator(parse_timestamp)]
UInt = Annotated[int | None, BeforeValidator(_to_uint)]
Flag = Annotated[bool, BeforeValidator(_to_bool)]
StrMap = Annotated[dict[str, str], BeforeValidator(_to_str_map)]
MultiMap = Annotated[dict[str, list[str]], BeforeValidator(_to_multi)]


class KeyStatus(StrEnum):
    """Key status as `AccessKeyInfo` reports it (plain strings on the wire)."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    FULL_SUSPENDED = "FULL_SUSPENDED"
    DELETED = "DELETED"


_STATUS_ALIASES = {"SUSPENDED": KeyStatus.FULL_SUSPENDED}
_ENUM_PREFIX = "ACCESS_KEY_STATUS_"


def _to_status(value: object) -> object:
    """Map `ACTIVE` and `ACCESS_KEY_STATUS_ACTIVE` alike to KeyStatus; keep unknown strings verbatim."""
    if not isinstance(value, str):
        return value
    name = value.strip().upper().removeprefix(_ENUM_PREFIX)
    if name in KeyStatus.__members__:
        return KeyStatus(name)
    return _STATUS_ALIASES.get(name, value)


def status_filter_value(status: str) -> str:
    """The `ACCESS_KEY_STATUS_*` enum the list route's `status` filter takes, from either spelling."""
    name = status.strip().upper().removeprefix(_ENUM_PREFIX)
    if name == KeyStatus.FULL_SUSPENDED:
        name = "SUSPENDED"
    return _ENUM_PREFIX + name


class WireModel(BaseModel):
    """Base: lowerCamelCase on the wire, snake_case in Python, unknown fields ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class WhoAmI(WireModel):
    """Who the API token belongs to (`GET /v1beta1/auth/whoami`)."""

    principal_uid: str = Field(validation_alias=AliasChoices("uid", "principalUid", "principal_uid"))
    org_uid: str = Field(default="", validation_alias=AliasChoices("orgUid", "orgUID", "org_uid"))

    @model_validator(mode="before")
    @classmethod
    def _unwrap_principal(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("principal"), dict):
            return data["principal"]
        return data

    @property
    def principal_name(self) -> str:
        """The short principal form org policies use for CoreWeave users."""
        return f"coreweave/{self.principal_uid}"


class NewAccessKey(WireModel):
    """A freshly minted key, secret included: the only time the API returns the secret."""

    access_key_id: str = Field(
        validation_alias=AliasChoices("accessKeyId", "accessKeyID", "AccessKeyId", "access_key_id")
    )
    secret_key: str = Field(
        repr=False,
        validation_alias=AliasChoices("secretKey", "SecretAccessKey", "secretAccessKey", "secret_key"),
    )
    principal_name: str = Field(default="", validation_alias=AliasChoices("principalName", "principal_name"))
    expires_at: Timestamp = Field(
        default=None, validation_alias=AliasChoices("expiry", "Expiration", "expiration", "expires_at")
    )
    attributes: StrMap = Field(default_factory=dict)
    multi_attributes: MultiMap = Field(
        default_factory=dict, validation_alias=AliasChoices("multiAttributes", "multi_attributes")
    )
    #: The container-credential `Token` field (its meaning is undocumented; usually empty).
    session_token: str = Field(default="", repr=False, validation_alias=AliasChoices("Token", "session_token"))


class AccessKeyInfo(WireModel):
    """A key as List/Get report it: never carries the secret."""

    access_key_id: str = Field(
        validation_alias=AliasChoices("accessKeyId", "accessKeyID", "AccessKeyId", "access_key_id")
    )
    status: Annotated[KeyStatus | str, BeforeValidator(_to_status)] = ""
    principal_name: str = Field(default="", validation_alias=AliasChoices("principalName", "principal_name"))
    attributes: StrMap = Field(default_factory=dict)
    expires_at: Timestamp = Field(default=None, validation_alias=AliasChoices("expiry", "expires_at"))
    org_id: str = Field(default="", validation_alias=AliasChoices("orgId", "orgID", "org_id"))
    multi_attributes: MultiMap = Field(
        default_factory=dict, validation_alias=AliasChoices("multiAttributes", "multi_attributes")
    )


class BucketUsage(WireModel):
    """One usage measurement; the enum of measurement types is undocumented, so it stays a string."""

    measurement_type: str = ""
    value: Annotated[int | None, BeforeValidator(_to_uint_or_none)] = None
    value_human_readable: str = ""


class BucketSettings(WireModel):
    """Effective bucket settings; a value the server omits is None.

    A read `capacity_cap_bytes` of 0 is ambiguous in the docs: the documented default bucket shows "0",
    yet setting 0 "blocks all new STANDARD writes". It is kept as reported, not interpreted.
    """

    audit_logging_enabled: Flag = False
    archive_enabled: Flag = False
    archive_after_last_access_days: UInt = None
    capacity_cap_bytes: UInt = None
    configured_capacity_cap_bytes: UInt = None


class BucketInfo(WireModel):
    org_id: str = Field(default="", validation_alias=AliasChoices("orgId", "orgID", "org_id"))
    name: str
    creation_time: Timestamp = None
    location: str = ""
    settings: BucketSettings = Field(default_factory=BucketSettings)
    usage: Annotated[list[BucketUsage], BeforeValidator(_to_list)] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _nulls_to_defaults(cls, data: object) -> object:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if not (k == "settings" and v is None)}
        return data


class BucketSettingsUpdate(WireModel):
    """A partial settings change: a field left None is omitted from the request and stays unchanged."""

    audit_logging_enabled: bool | None = None
    archive_enabled: bool | None = None
    archive_after_last_access_days: int | None = None
    capacity_cap_bytes: int | None = Field(default=None, ge=0)

    def to_wire(self) -> dict[str, Any]:
        wire = super().to_wire()
        if self.capacity_cap_bytes is not None:
            wire["capacityCapBytes"] = str(self.capacity_cap_bytes)  # uint64: a JSON string
        return wire


class OrgSettingsUpdate(WireModel):
    """Org-wide audit logging switches; None leaves a switch unchanged."""

    control_plane_audit_logging_enabled: bool | None = None
    bucket_audit_logging_enabled: bool | None = None


# ---- request bodies -------------------------------------------------------------------------


class CanIRequest(WireModel):
    actions: list[str]
    resources: list[str]


class CreateAccessKeyRequest(WireModel):
    duration_seconds: int = Field(ge=0, le=2**32 - 1)
    attributes: dict[str, str] | None = None


class UpdateKeyStatusRequest(WireModel):
    principal_name: str
    status: str


class RevokeKeyRequest(WireModel):
    access_key: str


class RevokePrincipalRequest(WireModel):
    principal_name: str


class SetBucketSettingsRequest(WireModel):
    bucket_name: str
    settings: BucketSettingsUpdate

    def to_wire(self) -> dict[str, Any]:
        return {"bucketName": self.bucket_name, "settings": self.settings.to_wire()}


class SetOrgSettingsRequest(WireModel):
    settings: OrgSettingsUpdate


class OidcExchangeRequest(WireModel):
    duration_seconds: int = Field(ge=0, le=2**32 - 1)
    org_id: str
    oidc_token: str = Field(repr=False)
    attributes: dict[str, str] | None = None


class SamlExchangeRequest(WireModel):
    duration_seconds: int = Field(ge=0, le=2**32 - 1)
    org_id: str
    saml_response: str = Field(repr=False)
    config_id: str
    attributes: dict[str, str] | None = None


# ---- response envelopes ---------------------------------------------------------------------


class CanIResponse(WireModel):
    verdict: bool = False


class AccessKeyInfoList(WireModel):
    info: Annotated[list[AccessKeyInfo], BeforeValidator(_to_list)] = Field(default_factory=list)


class AccessKeyInfoResponse(WireModel):
    info: AccessKeyInfo


class PolicyList(WireModel):
    policies: Annotated[list[OrgPolicy], BeforeValidator(_to_list)] = Field(default_factory=list)


class BucketInfoList(WireModel):
    info: Annotated[list[BucketInfo], BeforeValidator(_to_list)] = Field(default_factory=list)


class BucketInfoResponse(WireModel):
    info: BucketInfo


class BucketSettingsResponse(WireModel):
    settings: BucketSettings = Field(default_factory=BucketSettings)
