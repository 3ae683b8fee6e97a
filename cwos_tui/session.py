"""The one composition path: a profile (or a sandbox's ready line) becomes a `Connection`, and a
`Connection` becomes live `Services` (control-plane client, credential source, storage service).

The CLI subcommands, the dashboard, the setup wizard's connection test and the demo all come through
here, so defaults (zone, TLS, refresh margin) are decided once. No Textual, and nothing here imports
boto3: `StorageService` imports it on its first S3 call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.credential_types import ApiToken
from cwos_tui.config import profiles
from cwos_tui.config.profiles import ConfigError, Profile
from cwos_tui.config.secrets import SecretStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the service layer is imported on first use, after the dashboard's first frame
    from cwos_tui.cloud import credentials as creds
    from cwos_tui.cloud.control_plane import ControlPlaneClient
    from cwos_tui.cloud.storage import StorageService

#: The zone S3 requests are signed for when a profile names none (CreateBucket always names its own).
DEFAULT_ZONE = "US-EAST-04A"
#: Credential kinds whose S3 keys are minted with the API token (a new token means new keys).
TOKEN_MINTED = ("api-token", "jwt-key")
#: Stands in for an endpoint not known yet (pending connection); nothing is called until it is.
UNSET_ENDPOINT = "http://127.0.0.1:9"
SAML_WAITING = "Waiting for a SAML response…"


def tls_verify(url: str) -> bool:
    """TLS verification stays on; plain-HTTP loopback sandboxes and cwlota.com have no TLS to verify."""
    return not url.startswith("http://")


def api_token_for(profile: Profile, store: SecretStore | None) -> str | None:
    """The profile's API token: in memory (env profile) or from the secret store."""
    if profile.api_token is not None:
        return profile.api_token.get_secret_value()
    if store is None:
        return None
    secret = store.get(profile.api_token_name)
    return secret.get_secret_value() if secret is not None else None


def static_key_for(profile: Profile, store: SecretStore | None) -> tuple[str, str] | None:
    """(access key id, secret) of a static-key profile; ConfigError when the secret is missing."""
    source = profile.credential_source
    if not isinstance(source, profiles.StaticKeySource):
        return None
    secret = source.secret_access_key
    if secret is None and store is not None and profile.secret_key_name:
        secret = store.get(profile.secret_key_name)
    if secret is None:
        raise ConfigError(f"profile {profile.name!r}: no secret key stored for {source.access_key_id}")
    return source.access_key_id, secret.get_secret_value()


@dataclass
class Connection:
    """Where and as whom a session connects. Secrets stay out of the repr."""

    profile_name: str
    control_plane: str
    s3_endpoint: str
    zone: str = DEFAULT_ZONE
    addressing_style: Literal["virtual", "path"] = "virtual"
    token: ApiToken | None = field(default=None, repr=False)
    static_key: tuple[str, str] | None = field(default=None, repr=False)  # (access key id, secret)
    org_id: str | None = None
    read_only: bool = False
    #: The profile behind this connection (None for a sandbox); decides the credential source.
    profile: Profile | None = None
    #: A SAML response for a SAML profile (single use; asked for at start when missing).
    saml_response: str | None = field(default=None, repr=False)
    #: Set while the connection is not usable yet (the demo sandbox is starting); the text says why.
    pending: str = ""

    @property
    def credential_kind(self) -> str:
        """api-token, jwt-key, static, oidc or saml: what the re-auth modal asks for."""
        if self.static_key is not None:
            return "static"
        return self.profile.credential_source.kind if self.profile is not None else "api-token"

    @property
    def stored_profile(self) -> bool:
        """True when the API token comes from the secret store (so a new one may be saved there)."""
        return self.profile is not None and self.profile.api_token is None


def pending_connection(profile_name: str, reason: str, *, read_only: bool = False) -> Connection:
    """A placeholder the app can draw with before the real endpoints are known."""
    return Connection(profile_name=profile_name, control_plane="", s3_endpoint="", read_only=read_only,
                      pending=reason)


def connection_from_profile(profile: Profile, *, store: SecretStore | None = None, read_only: bool = False,
                            saml_response: str | None = None, token: str | None = None) -> Connection:
    """A Connection for a configured (or environment) profile; secrets are looked up once, here, so a
    missing one fails before anything starts. A SAML profile without a response is pending: the app
    asks for the response in a modal."""
    token_value = token or api_token_for(profile, store)
    api_token = ApiToken(token_value, label=f"{profile.name} token", source="profile") if token_value else None
    static_key = static_key_for(profile, store)
    kind = profile.credential_source.kind
    if static_key is None and api_token is None and kind in TOKEN_MINTED:
        raise ConfigError(
            f"profile {profile.name!r}: no API token (stored as {profile.api_token_name!r} in the secret "
            "store, or COREWEAVE_API_TOKEN)"
        )
    return Connection(
        profile_name=profile.name, control_plane=profile.control_plane_endpoint,
        s3_endpoint=profile.s3_endpoint, zone=profile.zone or DEFAULT_ZONE, addressing_style=profile.addressing_style,
        token=api_token, static_key=static_key, org_id=profile.org_id, read_only=read_only or profile.read_only,
        profile=profile, saml_response=saml_response,
        pending=SAML_WAITING if kind == "saml" and not saml_response else "",
    )


def connection_from_sandbox(ready: Mapping[str, Any], *, read_only: bool = False) -> Connection:
    """A Connection for a sandbox's ready line (its S3 needs path-style addressing)."""
    return Connection(
        profile_name="demo", control_plane=ready["control_plane"], s3_endpoint=ready["s3"],
        zone=ready.get("zone") or DEFAULT_ZONE,
        addressing_style="virtual" if ready.get("addressing_style") == "virtual" else "path",
        token=ApiToken(ready["token"], label="sandbox admin", source="sandbox"),
        org_id=ready.get("org_id"), read_only=read_only,
    )


def credential_source_for(profile: Profile, client: ControlPlaneClient, store: SecretStore | None,
                          *, saml_response: str | None = None) -> creds.CredentialSource:
    """Build the runtime credential source the profile's settings describe."""
    from cwos_tui.cloud import credentials as creds

    source = profile.credential_source
    if isinstance(source, profiles.ApiTokenSource):
        return creds.ApiTokenExchangeSource(client)
    if isinstance(source, profiles.JwtKeySource):
        return creds.JwtKeySource(client, source.duration_seconds)
    if isinstance(source, profiles.StaticKeySource):
        key = static_key_for(profile, store)
        assert key is not None
        return creds.StaticKeySource(*key)
    if isinstance(source, profiles.OidcSource):
        provider: creds.OidcTokenProvider
        if source.token_file is not None:
            provider = creds.OidcTokenFile(source.token_file)
        elif source.token_command:
            provider = creds.OidcTokenCommand(source.token_command)
        else:
            provider = creds.OidcTokenEnv(source.token_env or "")
        return creds.OidcSource(client, source.org_id, provider, source.duration_seconds)
    if isinstance(source, profiles.SamlSource):
        return creds.SamlSource(client, source.org_id, source.config_id, saml_response or "",
                                source.duration_seconds)
    raise ConfigError(f"profile {profile.name!r}: unknown credential source")


@dataclass(frozen=True)
class ClientOptions:
    """How patient the control-plane client is (the wizard's connection test answers quickly)."""

    timeout: float = 15.0
    max_retries: int = 3
    refresh_margin: float = 120.0
    #: seconds a replaced self-minted key stays valid (requests signed just before may still be in flight)
    retire_grace: float = 30.0


class Services:
    """The control-plane client, the credential source and the storage service for one connection.

    Each is made on first use, so building `Services` costs nothing before the first frame."""

    def __init__(self, connection: Connection, clock: Clock | None = None,
                 on_refresh: creds.RefreshCallback | None = None, options: ClientOptions = ClientOptions()) -> None:
        self.connection = connection
        self.clock = clock or SystemClock()
        self.options = options
        #: Told about every background S3 key refresh (the app turns it into a message); settable later.
        self.on_refresh = on_refresh
        self._control_plane: ControlPlaneClient | None = None
        self._credentials: creds.CredentialSource | None = None
        self._storage: StorageService | None = None
        self._retiring: dict[str, asyncio.Task[None]] = {}
        #: access key ids this dashboard minted for itself, replaced and revoked (tests and the log read it)
        self.retired: list[str] = []

    @property
    def control_plane(self) -> ControlPlaneClient:
        if self._control_plane is None:
            from cwos_tui.cloud.control_plane import ControlPlaneClient

            token = self.connection.token.value if self.connection.token else None
            endpoint = self.connection.control_plane or UNSET_ENDPOINT
            self._control_plane = ControlPlaneClient(endpoint, token, timeout=self.options.timeout,
                                                     max_retries=self.options.max_retries,
                                                     verify=tls_verify(endpoint))
        return self._control_plane

    @property
    def credentials(self) -> creds.CredentialSource:
        if self._credentials is None:
            self._credentials = self._source()
        return self._credentials

    @property
    def storage(self) -> StorageService:
        if self._storage is None:
            self._storage = self.storage_for(self.credentials)
        return self._storage

    @storage.setter
    def storage(self, storage: StorageService) -> None:
        """Use a storage service made elsewhere (e.g. with another credential source)."""
        self._storage = storage

    @property
    def current_keys(self) -> creds.S3Credentials | None:
        """The S3 keys in use now, or None when no S3 call has been made yet (it makes nothing)."""
        return self._storage.credentials if self._storage is not None else None

    def refresh_at(self, keys: creds.S3Credentials) -> datetime | None:
        """When `keys` are renewed by themselves (refresh margin before expiry), None when they are not."""
        if keys.expires_at is None or self._credentials is None or not self._credentials.refreshable:
            return None
        return keys.expires_at - timedelta(seconds=self.options.refresh_margin)

    def _source(self) -> creds.CredentialSource:
        from cwos_tui.cloud import credentials as creds

        if self.connection.static_key is not None:
            return creds.StaticKeySource(*self.connection.static_key)
        profile = self.connection.profile
        if profile is not None:
            return credential_source_for(profile, self.control_plane, None,
                                         saml_response=self.connection.saml_response)
        return creds.ApiTokenExchangeSource(self.control_plane)

    def _refreshed(self, event: creds.RefreshEvent) -> None:
        if event.ok and event.replaced is not None and self._mints_own_keys():
            self._retire_later(event.replaced.access_key_id)
        if self.on_refresh is not None:
            self.on_refresh(event)

    def _mints_own_keys(self) -> bool:
        """Keys of API-token exchange and JWT sources are minted by us, for us: replaced ones are ours to revoke."""
        from cwos_tui.cloud import credentials as creds

        return isinstance(self._credentials, creds.ApiTokenExchangeSource | creds.JwtKeySource)

    def _retire_later(self, access_key_id: str) -> None:
        """Revoke a replaced key of ours after the grace period (a failure is logged, never shown)."""

        async def retire() -> None:
            await asyncio.sleep(self.options.retire_grace)
            self._retiring.pop(access_key_id, None)
            await self._revoke(access_key_id)

        self._retiring[access_key_id] = asyncio.get_running_loop().create_task(retire())

    async def _revoke(self, access_key_id: str) -> None:
        try:
            await self.control_plane.revoke_access_key(access_key_id)
        except Exception as exc:  # it expires by itself anyway
            log.info("could not revoke replaced key %s: %s", access_key_id, type(exc).__name__)
        else:
            self.retired.append(access_key_id)

    def storage_for(self, source: creds.CredentialSource) -> StorageService:
        """A storage service on this connection's endpoint for `source` (the wizard tests fetched keys)."""
        from cwos_tui.cloud.storage import StorageService

        endpoint = self.connection.s3_endpoint or UNSET_ENDPOINT
        return StorageService(
            endpoint, source, zone=self.connection.zone, addressing_style=self.connection.addressing_style,
            clock=self.clock, verify=tls_verify(endpoint), refresh_margin=self.options.refresh_margin,
            on_refresh=self._refreshed,
        )

    async def _renew_storage(self) -> None:
        if self._storage is not None:
            await self._storage.close()
        self._credentials = self._storage = None

    async def swap_token(self, value: str) -> None:
        """Use a new API token from now on; S3 keys minted with the old one are dropped."""
        old = self.connection.token
        self.connection.token = ApiToken(value, label=old.label if old else "entered", source="re-auth")
        self.control_plane.token = value
        if self.connection.credential_kind in TOKEN_MINTED:
            await self._renew_storage()

    async def swap_static_key(self, access_key_id: str, secret: str) -> None:
        """Use a new static key pair from now on (a static-key profile's re-authentication)."""
        self.connection.static_key = (access_key_id, secret)
        await self._renew_storage()

    async def renew_saml(self, saml_response: str) -> None:
        """Exchange a new SAML response for keys from now on (SAML keys cannot refresh themselves)."""
        self.connection.saml_response = saml_response
        await self._renew_storage()

    async def close(self) -> None:
        pending, self._retiring = self._retiring, {}
        for access_key_id, task in pending.items():  # closing: nothing signs with the replaced keys any more
            task.cancel()
            await self._revoke(access_key_id)
        if self._storage is not None:
            await self._storage.close()
        if self._control_plane is not None:
            await self._control_plane.aclose()


def connect(profile: Profile, *, store: SecretStore | None = None, clock: Clock | None = None,
            token: str | None = None, saml_response: str | None = None,
            options: ClientOptions = ClientOptions(), on_refresh: creds.RefreshCallback | None = None) -> Services:
    """Wire up the services for a profile. Nothing is contacted until the first call."""
    connection = connection_from_profile(profile, store=store, token=token, saml_response=saml_response)
    return Services(connection, clock, on_refresh, options)
