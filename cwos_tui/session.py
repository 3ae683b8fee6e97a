"""From a profile to live services: the control-plane client, a credential source and the storage service.

The one place where `config` (what the user chose) meets `cloud` (how to talk to CAIOS); the UI, the CLI
subcommands and scripts all connect through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cwos_tui.cloud import credentials as creds
from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.storage import StorageService
from cwos_tui.config import profiles
from cwos_tui.config.profiles import ConfigError, Profile
from cwos_tui.config.secrets import SecretStore


def api_token_for(profile: Profile, store: SecretStore | None) -> str | None:
    """The profile's API token: in memory (env profile) or from the secret store."""
    if profile.api_token is not None:
        return profile.api_token.get_secret_value()
    if store is None:
        return None
    secret = store.get(profile.api_token_name)
    return secret.get_secret_value() if secret is not None else None


def credential_source_for(profile: Profile, client: ControlPlaneClient, store: SecretStore | None,
                          *, saml_response: str | None = None) -> creds.CredentialSource:
    """Build the runtime credential source the profile's settings describe."""
    source = profile.credential_source
    if isinstance(source, profiles.ApiTokenSource):
        return creds.ApiTokenExchangeSource(client)
    if isinstance(source, profiles.JwtKeySource):
        return creds.JwtKeySource(client, source.duration_seconds)
    if isinstance(source, profiles.StaticKeySource):
        secret = source.secret_access_key
        if secret is None and store is not None and profile.secret_key_name:
            secret = store.get(profile.secret_key_name)
        if secret is None:
            raise ConfigError(f"profile {profile.name!r}: no secret key stored for {source.access_key_id}")
        return creds.StaticKeySource(source.access_key_id, secret.get_secret_value())
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


def tls_verify(url: str) -> bool:
    """TLS verification stays on; plain-HTTP loopback sandboxes and cwlota.com have no TLS to verify."""
    return not url.startswith("http://")


@dataclass
class Connection:
    profile: Profile
    control_plane: ControlPlaneClient
    credentials: creds.CredentialSource
    storage: StorageService

    async def aclose(self) -> None:
        await self.control_plane.aclose()
        await self.storage.close()


def connect(profile: Profile, *, store: SecretStore | None = None, clock: Clock | None = None,
            token: str | None = None, saml_response: str | None = None, refresh_margin: float = 120.0,
            on_refresh: Any = None) -> Connection:
    """Wire up the services for a profile. Nothing is contacted until the first call."""
    token = token or api_token_for(profile, store)
    client = ControlPlaneClient(profile.control_plane_endpoint, token,
                                verify=tls_verify(profile.control_plane_endpoint))
    source = credential_source_for(profile, client, store, saml_response=saml_response)
    storage = StorageService(
        profile.s3_endpoint, source, zone=profile.zone or "US-EAST-04A",
        addressing_style=profile.addressing_style, clock=clock or SystemClock(),
        verify=tls_verify(profile.s3_endpoint), refresh_margin=refresh_margin, on_refresh=on_refresh,
    )
    return Connection(profile, client, source, storage)


def demo_profile(ready: dict[str, Any]) -> Profile:
    """A profile for a sandbox from its ready line (path-style S3, token held in memory)."""
    environ = {
        "COREWEAVE_API_TOKEN": ready["token"],
        "COREWEAVE_API_ENDPOINT": ready["control_plane"],
        "AWS_ENDPOINT_URL": ready["s3"],
        "AWS_REGION": ready["zone"],
        "CWOS_ADDRESSING_STYLE": "path",
    }
    profile = profiles.env_profile(environ)
    assert profile is not None
    return profile.model_copy(update={"name": "sandbox", "org_id": ready.get("org_id")})
