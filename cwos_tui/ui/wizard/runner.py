"""Run the connection test for the wizard's draft profile (async; no widgets, the screen renders the result)."""

from __future__ import annotations

from cwos_tui.cloud import auth_flow
from cwos_tui.cloud.clock import Clock
from cwos_tui.cloud.connection_test import (
    ConnectionTestResult,
    Problem,
    ProblemKind,
    check_control_plane,
    check_storage,
)
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import CredentialSource
from cwos_tui.cloud.storage import StorageService
from cwos_tui.config import profiles as cfg
from cwos_tui.session import credential_source_for, tls_verify
from cwos_tui.ui.wizard.model import WizardState, purpose_of

#: the test answers quickly instead of retrying for a long time against a wrong endpoint
TEST_TIMEOUT = 10.0


def credential_label(profile: cfg.Profile) -> str:
    kind = profile.credential_source.kind
    return {"oidc": "OIDC token", "saml": "SAML response", "static": "access key"}.get(kind, "API token")


async def run_connection_test(state: WizardState, profile: cfg.Profile, *, clock: Clock | None = None
                              ) -> ConnectionTestResult:
    """Test `profile` (which carries the typed secrets in memory) the way its purpose needs."""
    token = profile.api_token.get_secret_value() if profile.api_token is not None else None
    client = ControlPlaneClient(profile.control_plane_endpoint, token, timeout=TEST_TIMEOUT, max_retries=0,
                                verify=tls_verify(profile.control_plane_endpoint))
    try:
        if purpose_of(state.path) == "control-plane":
            return await check_control_plane(client)
        saml = state.values.get("saml_response", "").strip() or None
        source = credential_source_for(profile, client, None, saml_response=saml)

        def make_storage(fetched: CredentialSource) -> StorageService:
            return StorageService(profile.s3_endpoint, fetched, zone=profile.zone or "US-EAST-04A",
                                  addressing_style=profile.addressing_style, clock=clock,
                                  verify=tls_verify(profile.s3_endpoint))

        uses_token = auth_flow.Requirement.API_TOKEN in auth_flow.requirements(state.path)
        return await check_storage(source, make_storage, s3_url=profile.s3_endpoint,
                                   client=client if uses_token else None, credential=credential_label(profile),
                                   bucket=state.values.get("bucket", "").strip())
    except cfg.ConfigError as exc:
        return ConnectionTestResult(problem=Problem(ProblemKind.INPUT, exc.message,
                                                    "Go back to the details page and fill it in."))
    finally:
        await client.aclose()
