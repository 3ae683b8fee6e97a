"""Async client for the CoreWeave AI Object Storage control plane (`/v1/cwobject/...`).

Every call has a timeout, every failure becomes a `CloudError`, and only calls that are safe to
repeat are retried (minting a key is not: a retry could leave an orphan key with a live secret).
Tokens never appear in logs, reprs or error messages.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from cwos_tui import __version__
from cwos_tui.cloud import errors, models
from cwos_tui.cloud.errors import NoApiToken, ProtocolError
from cwos_tui.cloud.models import (
    AccessKeyInfo,
    BucketInfo,
    BucketSettings,
    BucketSettingsUpdate,
    NewAccessKey,
    OrgPolicy,
    WhoAmI,
)
from cwos_tui.cloud.retry import (
    RetryPolicy,
    Sleep,
    error_from_response,
    error_from_transport,
    is_retryable_status,
    is_retryable_transport_error,
    request_not_sent,
)
from cwos_tui.secrecy import token_problem

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_BASE_URL", "ControlPlaneClient", "error_from_response"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.coreweave.com"
DEFAULT_USER_AGENT = f"cwos-tui/{__version__}"
_V1 = "/v1/cwobject"
_MAX_PAGES = 100_000  # a bound on paging loops; 100M keys is far beyond any org

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _problems(exc: ValidationError) -> str:
    """Field locations and messages only: input values may be secrets."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)[:5]
    )


def _parse(model: type[M], data: object, operation: str) -> M:
    """Validate a response body; a shape we cannot read is a ProtocolError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"{operation}: unexpected response: {_problems(exc)}", operation=operation) from None


def _body(model: type[models.WireModel], operation: str, **fields: Any) -> dict[str, Any]:
    """Build a request body; arguments the wire cannot carry are an InvalidArgument before sending."""
    try:
        return model(**fields).to_wire()
    except ValidationError as exc:
        raise errors.InvalidArgument(f"{operation}: {_problems(exc)}", operation=operation) from None


class ControlPlaneClient:
    """One API token, one connection pool, every documented control-plane route."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        token: str | None = None,
        *,
        timeout: float = 15.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
        user_agent: str = DEFAULT_USER_AGENT,
        retry_policy: RetryPolicy | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self._token = token
        self._timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        if sleep is not None:
            self.retry_policy.sleep = sleep
        self.base_url = base_url.rstrip("/")
        self._transport = transport
        self._verify = verify
        self._user_agent = user_agent
        self._client: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        """The HTTP client, made on the first request (httpx is imported then, not at start-up)."""
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=httpx.Timeout(self._timeout),
                transport=self._transport,
                verify=self._verify,
                follow_redirects=False,
                headers={"User-Agent": self._user_agent, "Accept": "application/json"},
            )
        return self._client

    # ---- lifecycle and token ----------------------------------------------------------------

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value

    def __repr__(self) -> str:
        has_token = "set" if self._token else "none"
        return f"ControlPlaneClient(base_url={self.base_url!r}, token=<{has_token}>)"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # ---- transport core ---------------------------------------------------------------------

    def _bearer(self, operation: str) -> dict[str, str]:
        if not self._token:
            raise NoApiToken(f"{operation}: no API token configured", operation=operation, code=16)
        problem = token_problem(self._token)
        if problem is not None:  # httpx would echo the whole header (a line break) or fail to encode it
            raise errors.Unauthenticated(f"{operation}: {problem}", operation=operation, code=16)
        return {"Authorization": f"Bearer {self._token}"}

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        idempotent: bool,
        headers: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """Send one logical call with retries; return the decoded JSON body of the 2xx answer."""
        import httpx

        policy = self.retry_policy
        retry_number = 0
        while True:
            try:
                response = await self._http.request(method, path, headers=dict(headers or {}), json=json, params=params)
            except httpx.HTTPError as exc:
                retryable = is_retryable_transport_error(exc) if idempotent else request_not_sent(exc)
                delay = policy.delay_for(retry_number, None) if retryable else None
                if delay is None:
                    raise error_from_transport(exc, operation, self._timeout) from None
                log.info("%s: %s, retry %d in %.2f s", operation, type(exc).__name__, retry_number + 1, delay)
            else:
                if response.is_success:
                    return self._decode(response, operation)
                retry_after = policy.retry_after_of(response)
                delay = None
                if idempotent and is_retryable_status(response.status_code):
                    delay = policy.delay_for(retry_number, retry_after)
                if delay is None:
                    raise error_from_response(response, operation, retry_after)
                log.info(
                    "%s: HTTP %d, retry %d in %.2f s",
                    operation,
                    response.status_code,
                    retry_number + 1,
                    delay,
                )
            await policy.sleep(delay)
            retry_number += 1

    @staticmethod
    def _decode(response: httpx.Response, operation: str) -> Any:
        if not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(
                f"{operation}: response is not JSON (HTTP {response.status_code})",
                status=response.status_code,
                operation=operation,
            ) from None

    async def _bearer_call(
        self, operation: str, method: str, path: str, *, idempotent: bool = True, **kwargs: Any
    ) -> Any:
        headers = self._bearer(operation)
        return await self._call(operation, method, path, idempotent=idempotent, headers=headers, **kwargs)

    async def _pages(self, fetch: Callable[[int, int], Awaitable[list[T]]], page_size: int) -> AsyncIterator[T]:
        """Offset paging: stop at the first page shorter than `page_size` (no totals come back)."""
        offset = 0
        for _ in range(_MAX_PAGES):
            page = await fetch(offset, page_size)
            for item in page:
                yield item
            if len(page) < page_size:
                return
            offset += len(page)

    # ---- identity and authorization ---------------------------------------------------------

    async def whoami(self) -> WhoAmI:
        data = await self._bearer_call("whoami", "GET", "/v1beta1/auth/whoami")
        return _parse(WhoAmI, data, "whoami")

    async def can_i(self, actions: Sequence[str], resources: Sequence[str]) -> bool:
        """Whether the token's principal may do all `actions` on `resources` (AuthCanI)."""
        body = _body(models.CanIRequest, "can-i", actions=list(actions), resources=list(resources))
        data = await self._bearer_call("can-i", "POST", f"{_V1}/auth/can-i", json=body)
        return _parse(models.CanIResponse, data, "can-i").verdict

    # ---- access keys ------------------------------------------------------------------------

    async def create_access_key(
        self, duration_seconds: int, attributes: Mapping[str, str] | None = None
    ) -> NewAccessKey:
        """Mint a key for the token's principal; 0 seconds means permanent. Never retried once sent."""
        op = "create access key"
        body = _body(models.CreateAccessKeyRequest, op, duration_seconds=duration_seconds, attributes=attributes)
        data = await self._bearer_call(op, "POST", f"{_V1}/access-key", idempotent=False, json=body)
        return _parse(NewAccessKey, data, op)

    async def list_access_keys_page(
        self, offset: int = 0, limit: int = 1000, status: str | None = None
    ) -> list[AccessKeyInfo]:
        params: dict[str, str | int] = {"offset": offset, "limit": limit}
        if status:
            params["status"] = models.status_filter_value(status)
        data = await self._bearer_call("list access keys", "GET", f"{_V1}/access-key", params=params)
        return _parse(models.AccessKeyInfoList, data, "list access keys").info

    def iter_access_keys(self, status: str | None = None, page_size: int = 1000) -> AsyncIterator[AccessKeyInfo]:
        """Every key (optionally of one status), fetched page by page as the caller consumes them."""

        async def fetch(offset: int, limit: int) -> list[AccessKeyInfo]:
            return await self.list_access_keys_page(offset, limit, status)

        return self._pages(fetch, page_size)

    async def get_access_key(self, access_key_id: str) -> AccessKeyInfo:
        path = f"{_V1}/access-key/{quote(access_key_id, safe='')}"
        data = await self._bearer_call("get access key", "GET", path)
        return _parse(models.AccessKeyInfoResponse, data, "get access key").info

    async def set_principal_key_status(self, principal_name: str, active: bool) -> None:
        """Suspend or reactivate every key of a principal."""
        status = "ACCESS_KEY_STATUS_ACTIVE" if active else "ACCESS_KEY_STATUS_SUSPENDED"
        body = {"principalName": principal_name, "status": status}
        await self._bearer_call("set key status", "PUT", f"{_V1}/access-key-status", json=body)

    async def revoke_access_key(self, access_key_id: str) -> None:
        """Revoke one key; the body field is `accessKey` and holds the key ID (reference §1.4.6)."""
        body = {"accessKey": access_key_id}
        await self._bearer_call("revoke access key", "POST", f"{_V1}/revoke-access-key/access-key", json=body)

    async def revoke_principal_keys(self, principal_name: str) -> None:
        body = {"principalName": principal_name}
        await self._bearer_call("revoke principal keys", "POST", f"{_V1}/revoke-access-key/principal", json=body)

    # ---- org access policies ----------------------------------------------------------------

    async def list_policies(self) -> list[OrgPolicy]:
        data = await self._bearer_call("list policies", "GET", f"{_V1}/access-policy")
        return _parse(models.PolicyList, data, "list policies").policies

    async def ensure_policy(self, policy: OrgPolicy) -> None:
        """Create or replace (by name) an org access policy."""
        body = {"policy": policy.to_wire()}
        await self._bearer_call("ensure policy", "POST", f"{_V1}/access-policy", json=body)

    async def delete_policy(self, name: str) -> None:
        await self._bearer_call("delete policy", "DELETE", f"{_V1}/access-policy/{quote(name, safe='')}")

    # ---- buckets and org settings -----------------------------------------------------------

    async def list_bucket_info_page(self, offset: int = 0, limit: int = 1000) -> list[BucketInfo]:
        params: dict[str, str | int] = {"offset": offset, "limit": limit}
        data = await self._bearer_call("list buckets", "GET", f"{_V1}/bucket-info", params=params)
        return _parse(models.BucketInfoList, data, "list buckets").info

    def iter_bucket_info(self, page_size: int = 1000) -> AsyncIterator[BucketInfo]:
        return self._pages(self.list_bucket_info_page, page_size)

    async def get_bucket_info(self, name: str) -> BucketInfo:
        data = await self._bearer_call("get bucket", "GET", f"{_V1}/bucket-info/{quote(name, safe='')}")
        return _parse(models.BucketInfoResponse, data, "get bucket").info

    async def set_bucket_settings(self, bucket_name: str, update: BucketSettingsUpdate) -> BucketSettings:
        """Change only the settings set in `update`; returns the effective settings."""
        body = {"bucketName": bucket_name, "settings": update.to_wire()}
        data = await self._bearer_call("set bucket settings", "PUT", f"{_V1}/bucket/settings", json=body)
        return _parse(models.BucketSettingsResponse, data, "set bucket settings").settings

    async def set_org_settings(
        self,
        control_plane_audit_logging_enabled: bool | None = None,
        bucket_audit_logging_enabled: bool | None = None,
    ) -> None:
        """Switch org-wide audit logging; a switch left None is not sent and stays as it is."""
        settings = models.OrgSettingsUpdate(
            control_plane_audit_logging_enabled=control_plane_audit_logging_enabled,
            bucket_audit_logging_enabled=bucket_audit_logging_enabled,
        )
        body = {"settings": settings.to_wire()}
        await self._bearer_call("set org settings", "PUT", f"{_V1}/organization/settings", json=body)

    # ---- credential exchanges ---------------------------------------------------------------

    async def exchange_oidc(
        self,
        org_id: str,
        oidc_token: str,
        duration_seconds: int = 900,
        attributes: Mapping[str, str] | None = None,
    ) -> NewAccessKey:
        """Trade a workload's OIDC JWT for a key (anonymous: the JWT is the credential). Not retried."""
        op = "OIDC exchange"
        body = _body(
            models.OidcExchangeRequest, op, duration_seconds=duration_seconds, org_id=org_id,
            oidc_token=oidc_token, attributes=attributes,
        )  # fmt: skip
        data = await self._call(op, "POST", f"{_V1}/temporary-credentials/oidc", idempotent=False, json=body)
        return _parse(NewAccessKey, data, op)

    async def exchange_container_oidc(self, org_id: str, oidc_token: str) -> NewAccessKey:
        """The AWS container-credentials form of the OIDC exchange: the raw JWT is `Authorization`."""
        op = "OIDC container exchange"
        path = f"{_V1}/temporary-credentials/oidc/{quote(org_id, safe='')}"
        data = await self._call(op, "GET", path, idempotent=True, headers={"Authorization": oidc_token})
        return _parse(NewAccessKey, data, op)

    async def exchange_saml(
        self,
        org_id: str,
        config_id: str,
        saml_response: str,
        duration_seconds: int = 3600,
        attributes: Mapping[str, str] | None = None,
    ) -> NewAccessKey:
        """Trade a SAML response from the org's IdP for a key (anonymous). Not retried."""
        op = "SAML exchange"
        body = _body(
            models.SamlExchangeRequest, op, duration_seconds=duration_seconds, org_id=org_id,
            saml_response=saml_response, config_id=config_id, attributes=attributes,
        )  # fmt: skip
        data = await self._call(op, "POST", f"{_V1}/temporary-credentials/saml", idempotent=False, json=body)
        return _parse(NewAccessKey, data, op)

    async def exchange_api_token(self) -> NewAccessKey:
        """A 15-minute key for the token's principal (direct access token exchange)."""
        op = "API token exchange"
        data = await self._bearer_call(op, "GET", f"{_V1}/temporary-credentials/api-token")
        return _parse(NewAccessKey, data, op)
