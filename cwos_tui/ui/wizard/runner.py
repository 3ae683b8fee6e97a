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
from cwos_tui.config import profiles as cfg
from cwos_tui.session import ClientOptions, Services, connection_from_profile
from cwos_tui.ui.wizard.model import WizardState, purpose_of

#: the test answers quickly instead of retrying for a long time against a wrong endpoint
TEST_OPTIONS = ClientOptions(timeout=10.0, max_retries=0)


def credential_label(profile: cfg.Profile) -> str:
    kind = profile.credential_source.kind
    return {"oidc": "OIDC token", "saml": "SAML response", "static": "access key"}.get(kind, "API token")


async def run_connection_test(state: WizardState, profile: cfg.Profile, *, clock: Clock | None = None
                              ) -> ConnectionTestResult:
    """Test `profile` (which carries the typed secrets in memory) the way its purpose needs."""
    saml = state.values.get("saml_response", "").strip() or None
    try:
        connection = connection_from_profile(profile, saml_response=saml)
    except cfg.ConfigError as exc:
        return ConnectionTestResult(problem=Problem(ProblemKind.INPUT, exc.message,
                                                    "Go back to the details page and fill it in."))
    services = Services(connection, clock, options=TEST_OPTIONS)
    try:
        if purpose_of(state.path) == "control-plane":
            return await check_control_plane(services.control_plane)
        uses_token = auth_flow.Requirement.API_TOKEN in auth_flow.requirements(state.path)
        return await check_storage(services.credentials, services.storage_for, s3_url=profile.s3_endpoint,
                                   client=services.control_plane if uses_token else None,
                                   credential=credential_label(profile), bucket=state.values.get("bucket", "").strip())
    finally:
        await services.close()
