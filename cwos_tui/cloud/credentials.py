"""Credentials: API tokens, S3 key pairs and the sources that mint keys (botocore bridge: boto_credentials).

Sources only know how to get a key pair; *when* to get a new one is decided from `expires_at`, the
injected clock and a refresh margin, so a countdown and a refresh can be tested without sleeping.
No secret ever reaches a repr, a str, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

# The botocore bridge lives in boto_credentials and the key records in credential_types (which both use);
# their names stay importable from here.
from cwos_tui.cloud.boto_credentials import RefreshCallback as RefreshCallback
from cwos_tui.cloud.boto_credentials import RefreshEvent as RefreshEvent
from cwos_tui.cloud.boto_credentials import botocore_credentials as botocore_credentials
from cwos_tui.cloud.boto_credentials import refresh_windows as refresh_windows
from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.credential_types import ApiToken as ApiToken
from cwos_tui.cloud.credential_types import CredentialSource as CredentialSource
from cwos_tui.cloud.credential_types import S3Credentials as S3Credentials
from cwos_tui.cloud.credential_types import mask_secret as mask_secret
from cwos_tui.cloud.errors import CredentialsExpired, Unauthenticated, Unavailable

# --- what the control-plane client must offer (structural, so this module does not import it) ---


class IssuedKey(Protocol):
    @property
    def access_key_id(self) -> str: ...
    @property
    def secret_key(self) -> str: ...
    @property
    def principal_name(self) -> str: ...
    @property
    def expires_at(self) -> datetime | None: ...


class ApiTokenExchanger(Protocol):
    async def exchange_api_token(self) -> IssuedKey: ...


class KeyMinter(Protocol):
    async def create_access_key(
        self, duration_seconds: int, attributes: Mapping[str, str] | None = None
    ) -> IssuedKey: ...


class OidcExchanger(Protocol):
    async def exchange_oidc(
        self, org_id: str, oidc_token: str, duration_seconds: int = 900,
        attributes: Mapping[str, str] | None = None,
    ) -> IssuedKey: ...


class SamlExchanger(Protocol):
    async def exchange_saml(
        self,
        org_id: str,
        config_id: str,
        saml_response: str,
        duration_seconds: int = 3600,
        attributes: Mapping[str, str] | None = None,
    ) -> IssuedKey: ...


def _from_issued(key: IssuedKey, source: str) -> S3Credentials:
    return S3Credentials(
        access_key_id=key.access_key_id,
        secret_access_key=key.secret_key,
        expires_at=key.expires_at,
        source=source,
        principal_name=key.principal_name or None,  # the container-credential form omits it
    )


# --- credential sources ---


class StaticKeySource:
    """A key pair the user pasted or stored: never refreshed."""

    def __init__(self, access_key_id: str, secret: str, *, expires_at: datetime | None = None) -> None:
        self._credentials = S3Credentials(access_key_id, secret, expires_at=expires_at, source="static")

    @property
    def refreshable(self) -> bool:
        return False

    def describe(self) -> str:
        return f"static access key {self._credentials.access_key_id}"

    async def fetch(self) -> S3Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticKeySource({self._credentials.access_key_id!r}, secret=****)"


class ApiTokenExchangeSource:
    """Direct API-token exchange: 15-minute keys, minted again whenever needed."""

    def __init__(self, client: ApiTokenExchanger) -> None:
        self._client = client

    @property
    def refreshable(self) -> bool:
        return True

    def describe(self) -> str:
        return "API token exchange (15-minute keys, refreshed automatically)"

    async def fetch(self) -> S3Credentials:
        return _from_issued(await self._client.exchange_api_token(), "api-token")

    def __repr__(self) -> str:
        return "ApiTokenExchangeSource()"


class JwtKeySource:
    """Keys minted with the API token for a chosen duration; 0 means one permanent key."""

    def __init__(
        self, client: KeyMinter, duration_seconds: int = 900, attributes: dict[str, str] | None = None
    ) -> None:
        if duration_seconds < 0:
            raise ValueError("duration_seconds must be >= 0")
        self._client = client
        self.duration_seconds = duration_seconds
        self.attributes = dict(attributes or {})

    @property
    def refreshable(self) -> bool:
        return self.duration_seconds > 0

    def describe(self) -> str:
        if not self.refreshable:
            return "permanent access key minted with the API token"
        return f"keys minted with the API token, {self.duration_seconds} s each, refreshed automatically"

    async def fetch(self) -> S3Credentials:
        key = await self._client.create_access_key(self.duration_seconds, self.attributes or None)
        return _from_issued(key, "jwt")

    def __repr__(self) -> str:
        return f"JwtKeySource(duration_seconds={self.duration_seconds}, attributes={self.attributes!r})"


# --- OIDC token providers ---


class OidcTokenProvider(Protocol):
    def describe(self) -> str: ...
    async def read(self) -> str: ...


def _checked_token(token: str, where: str) -> str:
    token = token.strip()
    if not token:
        raise Unauthenticated(f"the OIDC token from {where} is empty")
    return token


@dataclass(frozen=True)
class OidcTokenFile:
    """Read the token from a file each time (projected service-account tokens rotate on disk)."""

    path: Path

    def describe(self) -> str:
        return f"file {self.path}"

    async def read(self) -> str:
        try:
            text = await asyncio.to_thread(Path(self.path).read_text, encoding="utf-8")
        except OSError as exc:
            raise Unauthenticated(f"cannot read the OIDC token file {self.path}: {exc.strerror}") from None
        return _checked_token(text, self.describe())


@dataclass(frozen=True)
class OidcTokenEnv:
    """Read the token from an environment variable."""

    name: str

    def describe(self) -> str:
        return f"environment variable {self.name}"

    async def read(self) -> str:
        value = os.environ.get(self.name)
        if value is None:
            raise Unauthenticated(f"the environment variable {self.name} is not set")
        return _checked_token(value, self.describe())


@dataclass(frozen=True)
class OidcTokenCommand:
    """Run a command (argv list, no shell) and take its standard output as the token."""

    argv: tuple[str, ...]
    timeout: float = 30.0

    def __init__(self, argv: list[str] | tuple[str, ...], timeout: float = 30.0) -> None:
        if not argv:
            raise ValueError("argv must not be empty")
        object.__setattr__(self, "argv", tuple(argv))
        object.__setattr__(self, "timeout", timeout)

    def describe(self) -> str:
        return f"command {self.argv[0]}"

    async def read(self) -> str:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            message = f"cannot run the OIDC token command {self.argv[0]}: {exc.strerror}"
            raise Unauthenticated(message) from None
        try:
            stdout, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            message = f"the OIDC token command {self.argv[0]} timed out after {self.timeout:g} s"
            raise Unavailable(message) from None
        if process.returncode != 0:
            # The output is never quoted: it may hold a token.
            message = f"the OIDC token command {self.argv[0]} exited with status {process.returncode}"
            raise Unauthenticated(message)
        return _checked_token(stdout.decode("utf-8", "replace"), self.describe())


class OidcSource:
    """Workload identity: exchange a fresh OIDC token for keys every time keys are needed."""

    def __init__(
        self, client: OidcExchanger, org_id: str, token_provider: OidcTokenProvider,
        duration_seconds: int = 900,
    ) -> None:
        self._client = client
        self.org_id = org_id
        self.token_provider = token_provider
        self.duration_seconds = duration_seconds

    @property
    def refreshable(self) -> bool:
        return True

    def describe(self) -> str:
        return (
            f"OIDC workload identity (token from {self.token_provider.describe()}), "
            f"{self.duration_seconds} s keys, refreshed automatically"
        )

    async def fetch(self) -> S3Credentials:
        token = await self.token_provider.read()
        key = await self._client.exchange_oidc(self.org_id, token, self.duration_seconds)
        return _from_issued(key, "oidc")

    def __repr__(self) -> str:
        return f"OidcSource(org_id={self.org_id!r}, token_provider={self.token_provider!r})"


class SamlSource:
    """SAML exchange. A SAML response is single-use, so keys cannot be renewed without a new one."""

    def __init__(
        self, client: SamlExchanger, org_id: str, config_id: str, saml_response: str,
        duration_seconds: int = 3600, *, clock: Clock | None = None,
    ) -> None:
        self._client = client
        self.org_id = org_id
        self.config_id = config_id
        self._saml_response = saml_response
        self.duration_seconds = duration_seconds
        self._clock = clock or SystemClock()
        self._credentials: S3Credentials | None = None

    @property
    def refreshable(self) -> bool:
        return False

    def describe(self) -> str:
        return (
            f"SAML (config {self.config_id}), {self.duration_seconds} s keys; not refreshable: "
            "sign in again for a new SAML response before they expire"
        )

    def renew(self, saml_response: str) -> None:
        """Accept a new SAML response; the next fetch exchanges it."""
        self._saml_response = saml_response
        self._credentials = None

    async def fetch(self) -> S3Credentials:
        if self._credentials is None:
            key = await self._client.exchange_saml(
                self.org_id, self.config_id, self._saml_response, self.duration_seconds
            )
            self._credentials = _from_issued(key, "saml")
        elif self._credentials.is_expired(self._clock):
            raise CredentialsExpired("the SAML keys expired; sign in again to get a new SAML response")
        return self._credentials

    def __repr__(self) -> str:
        return f"SamlSource(org_id={self.org_id!r}, config_id={self.config_id!r}, saml_response=****)"
