"""Profiles: which endpoints, zone and credential source one CAIOS account is reached with.

A profile never holds a secret in a field. Tokens and secret keys live in the secret store, referred
to by name; the only exception is a profile built from environment variables, which keeps the token
(or secret key) from the environment in a private attribute: it is never serialised, never shown in
a repr and so can never be saved.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator, model_validator

# ConfigError lives in config.errors (imported by every config module); it stays importable from here.
from cwos_tui.config.addressing import addressing_for as addressing_for
from cwos_tui.config.addressing import addressing_warning
from cwos_tui.config.errors import ConfigError as ConfigError

DEFAULT_CONTROL_PLANE = "https://api.coreweave.com"
DEFAULT_S3_ENDPOINT = "https://cwobject.com"
LOTA_S3_ENDPOINT = "http://cwlota.com"
#: Name given to the profile built from environment variables.
ENV_PROFILE_NAME = "env"
#: The OIDC and SAML exchange routes cap `durationSeconds` at 12 hours.
WIF_MAX_DURATION = 43200
UINT32_MAX = 4294967295

_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ZONE_FORM = re.compile(r"^[A-Z]{2}-[A-Z]+-\d{2}[A-Z]$")


_STRICT = ConfigDict(extra="forbid", hide_input_in_errors=True, validate_assignment=True)


class ApiTokenSource(BaseModel):
    """Exchange the profile's API token for 15-minute access keys, renewed before they expire."""

    model_config = _STRICT
    kind: Literal["api-token"] = "api-token"


class StaticKeySource(BaseModel):
    """A long-lived access key: the key id is stored here, its secret in the secret store."""

    model_config = _STRICT
    kind: Literal["static"] = "static"
    access_key_id: str = Field(min_length=1)
    #: Name of the secret key in the secret store; defaults to "<profile>/secret-access-key".
    secret_ref: str | None = None
    _secret_access_key: SecretStr | None = PrivateAttr(default=None)

    @property
    def secret_access_key(self) -> SecretStr | None:
        """A secret key held only in memory (from AWS_SECRET_ACCESS_KEY), never saved."""
        return self._secret_access_key


class JwtKeySource(BaseModel):
    """Use the API token to create access keys of a chosen lifetime (POST /v1/cwobject/access-key)."""

    model_config = _STRICT
    kind: Literal["jwt-key"] = "jwt-key"
    duration_seconds: int = Field(default=3600, ge=1, le=UINT32_MAX)


class OidcSource(BaseModel):
    """Exchange an OIDC token (workload identity) for access keys; the token comes from exactly one place."""

    model_config = _STRICT
    kind: Literal["oidc"] = "oidc"
    org_id: str = Field(min_length=1)
    token_file: Path | None = None
    token_command: list[str] | None = None
    token_env: str | None = None
    #: 15 minutes, as the wizard's OIDC choice says (and CoreWeave's container-credential route gives).
    duration_seconds: int = Field(default=900, ge=0, le=WIF_MAX_DURATION)

    @model_validator(mode="after")
    def _one_token_origin(self) -> OidcSource:
        given = [
            name
            for name, value in (
                ("token_file", self.token_file),
                ("token_command", self.token_command),
                ("token_env", self.token_env),
            )
            if value
        ]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(
                f"an oidc credential source needs exactly one of token_file, token_command, token_env "
                f"(found: {found})"
            )
        return self


class SamlSource(BaseModel):
    """Exchange a SAML response from the organisation's identity provider for access keys."""

    model_config = _STRICT
    kind: Literal["saml"] = "saml"
    org_id: str = Field(min_length=1)
    config_id: str = Field(min_length=1)
    duration_seconds: int = Field(default=3600, ge=0, le=WIF_MAX_DURATION)


CredentialSource = Annotated[
    ApiTokenSource | StaticKeySource | JwtKeySource | OidcSource | SamlSource,
    Field(discriminator="kind"),
]


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_lota(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "cwlota.com" or host.endswith(".cwlota.com")


def check_endpoint(value: str, *, what: str, allow_lota: bool) -> str:
    """Validate an endpoint URL and return it without a trailing slash.

    TLS stays on for every real endpoint: plain http is accepted only for loopback hosts (the local
    sandbox) and, for S3, for cwlota.com, which is served over plain HTTP inside CoreWeave clusters.
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
        _port = parts.port  # raises ValueError when the port is not a number in range
    except ValueError:
        raise ValueError(f"{what} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{what} must be an http:// or https:// URL with a host, such as {DEFAULT_S3_ENDPOINT}"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"{what} must not contain a user name or password; credentials go in the secret store"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"{what} must not contain a query string or fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        if not (allow_lota and _is_lota(parts.hostname)):
            allowed = "loopback hosts (localhost, 127.0.0.1, ::1)" + (" and cwlota.com" if allow_lota else "")
            raise ValueError(
                f"{what} {parts.scheme}://{parts.netloc} uses plain http; TLS stays on for every real "
                f"endpoint, so use https:// (plain http is only for {allowed})"
            )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def normalise_zone(value: str) -> str:
    """Upper-case a zone name; CAIOS zones look like US-EAST-04A, but any non-empty name is accepted."""
    zone = value.strip().upper()
    if not zone:
        raise ValueError("zone must not be empty (for example US-EAST-04A)")
    if any(ch.isspace() or not ch.isprintable() for ch in zone):
        raise ValueError("zone must not contain spaces or control characters (for example US-EAST-04A)")
    return zone


def looks_like_zone(zone: str) -> bool:
    """True for the usual availability-zone form (two letters, region, two digits and a letter)."""
    return _ZONE_FORM.match(zone) is not None


class Profile(BaseModel):
    """One way of reaching CAIOS: endpoints, zone, addressing style and where credentials come from."""

    model_config = _STRICT

    name: str
    control_plane_endpoint: str = DEFAULT_CONTROL_PLANE
    s3_endpoint: str = DEFAULT_S3_ENDPOINT
    zone: str | None = None
    addressing_style: Literal["virtual", "path"] = "virtual"
    credential_source: CredentialSource = Field(default_factory=ApiTokenSource)
    #: Name of this profile's API token in the secret store; defaults to "<profile>/api-token".
    token_ref: str | None = None
    read_only: bool = False
    org_id: str | None = None
    _api_token: SecretStr | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _PROFILE_NAME.match(value):
            raise ValueError(
                "profile names use letters, digits, '.', '_' and '-' "
                "(at most 64, starting with a letter or digit)"
            )
        return value

    @field_validator("control_plane_endpoint")
    @classmethod
    def _check_control_plane(cls, value: str) -> str:
        return check_endpoint(value, what="control_plane_endpoint", allow_lota=False)

    @field_validator("s3_endpoint")
    @classmethod
    def _check_s3(cls, value: str) -> str:
        return check_endpoint(value, what="s3_endpoint", allow_lota=True)

    @field_validator("zone")
    @classmethod
    def _check_zone(cls, value: str | None) -> str | None:
        return None if value is None else normalise_zone(value)

    @field_validator("token_ref", "org_id")
    @classmethod
    def _non_empty(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty when given")
        return value

    @property
    def api_token_name(self) -> str:
        """The secret-store name of this profile's API token."""
        return self.token_ref or f"{self.name}/api-token"

    @property
    def secret_key_name(self) -> str | None:
        """The secret-store name of the static secret key, for profiles with a static source."""
        source = self.credential_source
        if isinstance(source, StaticKeySource):
            return source.secret_ref or f"{self.name}/secret-access-key"
        return None

    @property
    def warnings(self) -> list[str]:
        """Settings that load but will not work as meant (said at start and by the wizard)."""
        warning = addressing_warning(self.s3_endpoint, self.addressing_style)
        return [f"profile {self.name!r}: {warning}"] if warning else []

    @property
    def api_token(self) -> SecretStr | None:
        """An API token held only in memory (from COREWEAVE_API_TOKEN); None for stored profiles."""
        return self._api_token


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def env_profile(environ: Mapping[str, str]) -> Profile | None:
    """A profile from environment variables, built the way AWS SDKs do when no profile is configured.

    COREWEAVE_API_TOKEN selects token exchange (the token stays in memory only); otherwise
    AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY select a static key. Returns None when neither is set.
    """
    token = _env(environ, "COREWEAVE_API_TOKEN")
    key_id = _env(environ, "AWS_ACCESS_KEY_ID")
    secret = _env(environ, "AWS_SECRET_ACCESS_KEY")
    if token is None and key_id is None and secret is None:
        return None
    source: ApiTokenSource | StaticKeySource
    if token is not None:
        source = ApiTokenSource()
    elif key_id is not None and secret is not None:
        source = StaticKeySource(access_key_id=key_id)
        source._secret_access_key = SecretStr(secret)
    else:
        missing = "AWS_SECRET_ACCESS_KEY" if key_id is not None else "AWS_ACCESS_KEY_ID"
        present = "AWS_ACCESS_KEY_ID" if key_id is not None else "AWS_SECRET_ACCESS_KEY"
        raise ConfigError(f"{present} is set but {missing} is not; set both, or set COREWEAVE_API_TOKEN")
    fields = {
        "control_plane_endpoint": ("COREWEAVE_API_ENDPOINT", DEFAULT_CONTROL_PLANE),
        "s3_endpoint": ("AWS_ENDPOINT_URL", DEFAULT_S3_ENDPOINT),
        "addressing_style": ("CWOS_ADDRESSING_STYLE", ""),
    }
    values: dict[str, str] = {}
    for field, (variable, default) in fields.items():
        values[field] = _env(environ, variable) or default
    values["addressing_style"] = values["addressing_style"] or addressing_for(values["s3_endpoint"])
    if values["addressing_style"] not in ("virtual", "path"):
        raise ConfigError(
            f"CWOS_ADDRESSING_STYLE must be 'virtual' or 'path', not {values['addressing_style']!r}"
        )
    zone = _env(environ, "AWS_REGION") or _env(environ, "AWS_DEFAULT_REGION")
    try:
        profile = Profile(
            name=ENV_PROFILE_NAME,
            control_plane_endpoint=values["control_plane_endpoint"],
            s3_endpoint=values["s3_endpoint"],
            zone=zone,
            addressing_style=values["addressing_style"],  # type: ignore[arg-type]
            credential_source=source,
        )
    except ValueError as exc:
        variables = {field: variable for field, (variable, _) in fields.items()}
        variables["zone"] = "AWS_REGION"
        raise ConfigError(f"environment profile: {describe_validation_error(exc, variables)}") from None
    if token is not None:
        profile._api_token = SecretStr(token)
    return profile


def describe_validation_error(
    exc: ValueError,
    rename: Mapping[str, str] | None = None,
    origin: Callable[[tuple[int | str, ...]], str | None] | None = None,
) -> str:
    """Readable, input-free text for a pydantic ValidationError: `where: why` joined by '; '.

    `rename` maps a dotted location to a better name (an environment variable); `origin` may say
    where the bad value came from, which is appended in parentheses.
    """
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    parts: list[str] = []
    for error in exc.errors(include_input=False, include_url=False):
        location = ".".join(str(item) for item in error["loc"])
        if rename and location in rename:
            location = rename[location]
        if error["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling)"
        else:
            message = error["msg"].removeprefix("Value error, ")
        source = origin(tuple(error["loc"])) if origin else None
        if source:
            message = f"{message} (from {source})"
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


class ProfileBook(Protocol):
    """What `resolve_profile` reads from the settings (structural, so profiles never imports settings)."""

    @property
    def profiles(self) -> Mapping[str, Profile]: ...

    @property
    def active_profile(self) -> str | None: ...


def resolve_profile(
    settings: ProfileBook, name: str | None = None, environ: Mapping[str, str] | None = None
) -> Profile:
    """The profile to use: explicit name > settings.active_profile > the only profile > the env profile.

    The name "env" selects the environment profile unless a configured profile has that name.
    """
    env = os.environ if environ is None else environ
    known = sorted(settings.profiles)
    known_text = ", ".join(known) if known else "none configured"
    wanted = name or settings.active_profile
    if wanted:
        if wanted in settings.profiles:
            return settings.profiles[wanted]
        if wanted == ENV_PROFILE_NAME:
            from_env = env_profile(env)
            if from_env is not None:
                return from_env
        origin = "requested" if name else "active_profile"
        raise ConfigError(f"no profile named {wanted!r} ({origin}); known profiles: {known_text}")
    if len(known) == 1:
        return settings.profiles[known[0]]
    from_env = env_profile(env)
    if from_env is not None:
        return from_env
    if known:
        raise ConfigError(
            f"several profiles are configured and none is active; choose one with --profile or "
            f"active_profile. Known profiles: {known_text}"
        )
    raise ConfigError(
        "no profile is configured: run the setup wizard, add one to the config file, "
        "or set COREWEAVE_API_TOKEN (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    )
