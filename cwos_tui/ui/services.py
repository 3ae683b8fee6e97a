"""The service-layer objects one dashboard session talks through, built from a `Connection`.

Kept apart from the widgets so the app can swap the API token (re-authentication) in one place.
Nothing here imports boto3: `StorageService` imports it on its first S3 call, after the first paint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import ApiToken, ApiTokenExchangeSource, CredentialSource, StaticKeySource
from cwos_tui.cloud.storage import StorageService


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


class Services:
    """The control-plane client and the storage service for one connection."""

    def __init__(self, connection: Connection, clock: Clock | None = None) -> None:
        self.connection = connection
        self.clock = clock or SystemClock()
        token = connection.token.value if connection.token else None
        self.control_plane = ControlPlaneClient(connection.control_plane, token)
        self.storage = self._new_storage()

    def _source(self) -> CredentialSource:
        if self.connection.static_key is not None:
            key_id, secret = self.connection.static_key
            return StaticKeySource(key_id, secret)
        return ApiTokenExchangeSource(self.control_plane)

    def _new_storage(self) -> StorageService:
        return StorageService(
            self.connection.s3_endpoint, self._source(), zone=self.connection.zone,
            addressing_style=self.connection.addressing_style, clock=self.clock,
        )

    async def swap_token(self, value: str) -> None:
        """Use a new API token from now on; S3 keys minted with the old one are dropped."""
        old = self.connection.token
        self.connection.token = ApiToken(value, label=old.label if old else "entered", source="re-auth")
        self.control_plane.token = value
        await self.storage.close()
        self.storage = self._new_storage()

    async def close(self) -> None:
        await self.storage.close()
        await self.control_plane.aclose()
