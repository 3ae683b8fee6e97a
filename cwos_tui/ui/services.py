"""The service-layer objects one dashboard session talks through, built from a `Connection`.

Kept apart from the widgets so the app can swap the API token (re-authentication) in one place.
Nothing here imports boto3: `StorageService` imports it on its first S3 call, after the first paint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import (
    ApiToken,
    ApiTokenExchangeSource,
    CredentialSource,
    RefreshCallback,
    RefreshEvent,
    StaticKeySource,
)
from cwos_tui.cloud.storage import StorageService
from cwos_tui.config.profiles import Profile
from cwos_tui.session import credential_source_for, tls_verify

#: Credential kinds whose S3 keys are minted with the API token (a new token means new keys).
TOKEN_MINTED = ("api-token", "jwt-key")
#: Stands in for an endpoint not known yet (pending connection); the app makes no calls until it is.
UNSET_ENDPOINT = "http://127.0.0.1:9"


@dataclass
class Connection:
    """Where and as whom this session connects. Secrets stay out of the repr."""

    profile_name: str
    control_plane: str
    s3_endpoint: str
    zone: str = ""
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


class Services:
    """The control-plane client and the storage service for one connection."""

    def __init__(
        self, connection: Connection, clock: Clock | None = None, on_refresh: RefreshCallback | None = None
    ) -> None:
        self.connection = connection
        self.clock = clock or SystemClock()
        #: Told about every background S3 key refresh (the app turns it into a message); settable later.
        self.on_refresh = on_refresh
        token = connection.token.value if connection.token else None
        verify = tls_verify(connection.control_plane) if connection.control_plane else True
        self.control_plane = ControlPlaneClient(connection.control_plane or UNSET_ENDPOINT, token,
                                                verify=verify)
        self.storage = self._new_storage()

    def _source(self) -> CredentialSource:
        if self.connection.static_key is not None:
            key_id, secret = self.connection.static_key
            return StaticKeySource(key_id, secret)
        profile = self.connection.profile
        if profile is not None:
            return credential_source_for(profile, self.control_plane, None,
                                         saml_response=self.connection.saml_response)
        return ApiTokenExchangeSource(self.control_plane)

    def _refreshed(self, event: RefreshEvent) -> None:
        if self.on_refresh is not None:
            self.on_refresh(event)

    def _new_storage(self) -> StorageService:
        endpoint = self.connection.s3_endpoint
        return StorageService(
            endpoint or UNSET_ENDPOINT, self._source(), zone=self.connection.zone,
            addressing_style=self.connection.addressing_style, clock=self.clock,
            verify=tls_verify(endpoint) if endpoint else True, on_refresh=self._refreshed,
        )

    async def swap_token(self, value: str) -> None:
        """Use a new API token from now on; S3 keys minted with the old one are dropped."""
        old = self.connection.token
        self.connection.token = ApiToken(value, label=old.label if old else "entered", source="re-auth")
        self.control_plane.token = value
        if self.connection.credential_kind in TOKEN_MINTED:
            await self.storage.close()
            self.storage = self._new_storage()

    async def swap_static_key(self, access_key_id: str, secret: str) -> None:
        """Use a new static key pair from now on (a static-key profile's re-authentication)."""
        self.connection.static_key = (access_key_id, secret)
        await self.storage.close()
        self.storage = self._new_storage()

    async def renew_saml(self, saml_response: str) -> None:
        """Exchange a new SAML response for keys from now on (SAML keys cannot refresh themselves)."""
        self.connection.saml_response = saml_response
        await self.storage.close()
        self.storage = self._new_storage()

    async def close(self) -> None:
        await self.storage.close()
        await self.control_plane.aclose()
