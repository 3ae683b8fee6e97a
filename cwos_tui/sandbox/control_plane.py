"""HTTP routes of the emulated control plane: /v1/cwobject/..., /v1beta1/auth/whoami, /sandbox/...

Request parsing and JSON shapes only; the rules live in `Emulator`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cwos_tui.sandbox import rpc_errors as rpc
from cwos_tui.sandbox.emulator import UINT32_MAX, WIF_DEFAULT_SECONDS, WIF_MAX_DURATION, Emulator
from cwos_tui.sandbox.idp import (
    OIDC_AUDIENCE,
    OIDC_ISSUER,
    IdpError,
    mint_oidc_token,
    mint_saml_response,
    principal_for_oidc,
    verify_oidc_token,
    verify_saml_response,
)

Handler = Callable[[Request], Awaitable[Any]]
BAD_TOKEN = "invalid request sent to auth endpoint, Invalid token"
API = "/v1/cwobject"


async def body_of(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise rpc.invalid(f"request body is not valid JSON: {exc.msg} at position {exc.pos}") from exc
    if not isinstance(data, dict):
        raise rpc.invalid("request body must be a JSON object")
    return data


def paging(request: Request) -> tuple[int, int]:
    try:
        offset = int(request.query_params.get("offset", "0"))
        limit = int(request.query_params.get("limit", "100"))
    except ValueError as exc:
        raise rpc.invalid("offset and limit must be integers") from exc
    if offset < 0:
        raise rpc.invalid(f"offset must be >= 0, got {offset}")
    if not 1 <= limit <= 1000:
        raise rpc.invalid(f"limit must be between 1 and 1000, got {limit}")
    return offset, limit


class ControlPlaneApi:
    """The documented /v1/cwobject routes plus the sandbox's own, each a method over one emulator."""

    def __init__(self, emu: Emulator, info: Callable[[], dict[str, Any]]) -> None:
        self.emu = emu
        self.info = info

    @staticmethod
    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                result = await handler(request)
            except rpc.RpcError as err:
                return err.response()
            return result if isinstance(result, Response) else JSONResponse(result)

        return run

    def caller(self, request: Request) -> Any:
        return self.emu.authenticate(request.headers.get("authorization"))

    # -- control plane --------------------------------------------------------------------------------
    async def whoami(self, request: Request) -> Any:
        who = self.caller(request)
        return {"principal": {"orgUid": self.emu.state.org_id, "uid": who.principal.uid}}

    async def can_i(self, request: Request) -> Any:
        who = self.caller(request)
        body = await body_of(request)
        actions, resources = body.get("actions"), body.get("resources")
        if not isinstance(actions, list) or not isinstance(resources, list):
            raise rpc.invalid("actions and resources are both required")
        # The caller's address is aws:SourceIp, as it is for the S3 front on the same host.
        context = {"aws:sourceip": request.client.host} if request.client else {}
        return {"verdict": self.emu.can_i(who, [str(a) for a in actions], [str(r) for r in resources], context)}

    async def create_key(self, request: Request) -> Any:
        who = self.caller(request)
        body = await body_of(request)
        self.emu.require(who, "cwobject:CreateAccessKey")
        duration = self.emu.check_duration(body.get("durationSeconds"), UINT32_MAX)
        attrs = self.emu.check_attributes(body.get("attributes"))
        key = await self.emu.mint_key(who.principal.principal_name, duration, attrs)
        return self.emu.key_wire(key, with_secret=True)

    async def list_keys(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:ListAccessKeyInfo")
        offset, limit = paging(request)
        status = request.query_params.get("status")
        wanted = {"ACCESS_KEY_STATUS_ACTIVE": "ACTIVE", "ACCESS_KEY_STATUS_SUSPENDED": "FULL_SUSPENDED",
                  "ACCESS_KEY_STATUS_EXPIRED": "EXPIRED", "ACCESS_KEY_STATUS_DELETED": "DELETED"}
        if status and status not in wanted and status not in wanted.values():
            raise rpc.invalid(f"unknown status filter {status!r}")
        rows = [self.emu.key_wire(k) for k in self.emu.state.keys.values()]
        if status:
            rows = [r for r in rows if r["status"] == wanted.get(status, status)]
        return {"info": rows[offset : offset + limit]}

    async def get_key(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:GetAccessKeyInfo", "cwobject:ListAccessKeyInfo")
        return {"info": self.emu.key_wire(self.emu.get_key(request.path_params["key_id"]))}

    async def key_status(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:UpdateAccessKeyStatus")
        body = await body_of(request)
        await self.emu.set_status(str(body.get("principalName") or ""), str(body.get("status") or ""))
        return {}

    async def revoke_key(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:RevokeAccessKeyByAccessKey")
        body = await body_of(request)
        key_id = body.get("accessKey") or body.get("accessKeyId")
        if not isinstance(key_id, str) or not key_id:
            raise rpc.invalid("accessKey (the access key ID to revoke) is required")
        await self.emu.revoke(key_id)
        return {}

    async def revoke_principal(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:RevokeAccessKeysByPrincipal")
        body = await body_of(request)
        await self.emu.revoke_principal(str(body.get("principalName") or ""))
        return {}

    async def list_policies(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:ListAccessPolicy", "cwobject:ListAccessPolicies")
        return {"policies": list(self.emu.state.policies.values())}

    async def ensure_policy(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:EnsureAccessPolicy")
        body = await body_of(request)
        await self.emu.ensure_policy(body.get("policy"))
        return {}

    async def delete_policy(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:DeleteAccessPolicy")
        await self.emu.delete_policy(request.path_params["name"])
        return {}

    async def list_buckets(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:ListBucketInfo")
        offset, limit = paging(request)
        buckets = sorted(self.emu.state.buckets.values(), key=lambda b: b.name)[offset : offset + limit]
        return {"info": [await self.emu.bucket_wire(b) for b in buckets]}

    async def get_bucket(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:GetBucketInfo", "cwobject:ListBucketInfo")
        return {"info": await self.emu.bucket_wire(self.emu.get_bucket(request.path_params["name"]))}

    async def bucket_settings(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:SetBucketSettings")
        body = await body_of(request)
        return {"settings": await self.emu.set_bucket_settings(body.get("bucketName"), body.get("settings"))}

    async def org_settings(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:SetOrganizationSettings")
        body = await body_of(request)
        return {"settings": await self.emu.set_org_settings(body.get("settings"))}

    # -- workload identity exchanges (anonymous) ------------------------------------------------------
    def check_org(self, org_id: Any) -> None:
        if not org_id:
            raise rpc.invalid("orgId is required")
        if org_id != self.emu.state.org_id:
            raise rpc.invalid(f"unknown organization {org_id!r}")

    def oidc_principal(self, token: Any) -> str:
        if not isinstance(token, str) or not token:
            raise rpc.invalid(BAD_TOKEN)
        try:
            claims = verify_oidc_token(self.emu.state.idp_secret, token, self.emu.clock.now())
        except IdpError as exc:
            raise rpc.invalid(BAD_TOKEN) from exc
        return principal_for_oidc(claims)

    def require_wif(self, names: list[str], *actions: str) -> None:
        if not any(self.emu.allowed(names, a) for a in actions):
            raise rpc.denied(f"permission denied: no org policy allows {names[0]} to {actions[0]}")

    async def oidc_exchange(self, request: Request) -> Any:
        body = await body_of(request)
        duration = self.emu.check_duration(body.get("durationSeconds"), WIF_MAX_DURATION)
        self.check_org(body.get("orgId"))
        principal = self.oidc_principal(body.get("oidcToken"))
        self.require_wif([principal], "cwobject:CreateAccessKeyOIDC", "cwobject:CreateAccessKeyFromOIDC")
        attrs = self.emu.check_attributes(body.get("attributes"))
        key = await self.emu.mint_key(principal, duration, attrs, permanent_allowed=False,
                                      default_seconds=WIF_DEFAULT_SECONDS)
        return self.emu.key_wire(key, with_secret=True)

    async def container_creds(self, request: Request) -> Any:
        self.check_org(request.path_params["org_id"])
        principal = self.oidc_principal(request.headers.get("authorization"))
        self.require_wif([principal], "cwobject:CreateAccessKeyOIDC", "cwobject:CreateAccessKeyFromOIDC")
        key = await self.emu.mint_key(principal, 900, {}, permanent_allowed=False)
        return self.emu.container_wire(key)

    async def saml_exchange(self, request: Request) -> Any:
        body = await body_of(request)
        duration = self.emu.check_duration(body.get("durationSeconds"), WIF_MAX_DURATION)
        self.check_org(body.get("orgId"))
        if not body.get("samlResponse"):
            raise rpc.invalid("samlResponse is required")
        # configId is optional (reference §1.4.17); without it the org's SAML configuration is used.
        config_id = str(body.get("configId") or self.emu.state.saml_config_id)
        try:
            role = verify_saml_response(self.emu.state.idp_secret, config_id, str(body["samlResponse"]),
                                        self.emu.clock.now())
        except IdpError as exc:
            raise rpc.invalid(f"invalid SAML response: {exc}") from exc
        names = [f"saml/{role}", f"role/{role}"]
        self.require_wif(names, "cwobject:CreateAccessKeySAML")
        attrs = self.emu.check_attributes(body.get("attributes"))
        key = await self.emu.mint_key(names[0], duration, attrs, aliases=names[1:], permanent_allowed=False,
                                      default_seconds=WIF_DEFAULT_SECONDS)
        return self.emu.key_wire(key, with_secret=True)

    async def token_exchange(self, request: Request) -> Any:
        who = self.caller(request)
        self.emu.require(who, "cwobject:CreateAccessKey")
        key = await self.emu.mint_key(who.principal.principal_name, 900, {}, permanent_allowed=False)
        return self.emu.container_wire(key)

    # -- sandbox administration ------------------------------------------------------------------------
    async def sandbox_info(self, request: Request) -> Any:
        return self.info()

    async def add_principal(self, request: Request) -> Any:
        body = await body_of(request)
        roles = body.get("roles") or []
        if not isinstance(roles, list):
            raise rpc.invalid("roles must be a list")
        p = await self.emu.add_principal(str(body.get("displayName") or "user"), [str(r) for r in roles])
        return {"principal": p.to_wire()}

    async def list_principals(self, request: Request) -> Any:
        return {"principals": [p.to_wire() for p in self.emu.state.principals.values()]}

    async def set_roles(self, request: Request) -> Any:
        body = await body_of(request)
        p = self.emu.state.principals.get(request.path_params["uid"])
        if p is None:
            raise rpc.not_found("principal not found")
        p.roles = [str(r) for r in body.get("roles") or []]
        await self.emu.changed()
        return {"principal": p.to_wire()}

    async def add_token(self, request: Request) -> Any:
        body = await body_of(request)
        expires_in = body.get("expiresInSeconds")
        if expires_in is not None and (not isinstance(expires_in, int) or expires_in <= 0):
            raise rpc.invalid("expiresInSeconds must be a positive integer or null")
        t = await self.emu.add_token(str(body.get("principalUid") or ""), expires_in, str(body.get("label") or ""))
        return {"tokenId": t.token_id, "token": t.value,
                "principalName": self.emu.state.principals[t.principal_uid].principal_name, "expiry": t.expires_at}

    async def revoke_token(self, request: Request) -> Any:
        t = self.emu.state.tokens.get(request.path_params["token_id"])
        if t is None:
            raise rpc.not_found("token not found")
        t.revoked = True
        await self.emu.changed()
        return {}

    async def oidc_token(self, request: Request) -> Any:
        body = await body_of(request)
        subject = body.get("subject")
        if not isinstance(subject, str) or not subject:
            raise rpc.invalid("subject is required")
        token = mint_oidc_token(self.emu.state.idp_secret, subject, self.emu.clock.now(),
                                audience=str(body.get("audience") or OIDC_AUDIENCE),
                                expires_in=int(body.get("expiresInSeconds") or 3600))
        return {"token": token, "issuer": OIDC_ISSUER, "subject": subject,
                "principalName": f"role/{OIDC_ISSUER}:{subject}"}

    async def saml_response(self, request: Request) -> Any:
        body = await body_of(request)
        role = body.get("role")
        if not isinstance(role, str) or not role or "<" in role:
            raise rpc.invalid("role is required")
        doc = mint_saml_response(self.emu.state.idp_secret, self.emu.state.saml_config_id, role, self.emu.clock.now())
        return {"samlResponse": doc, "configId": self.emu.state.saml_config_id, "principalName": f"saml/{role}"}

    async def advance_clock(self, request: Request) -> Any:
        body = await body_of(request)
        seconds = body.get("advanceSeconds")
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise rpc.invalid("advanceSeconds must be a non-negative number")
        self.emu.clock.advance(float(seconds))
        await self.emu.changed()
        return {"now": self.emu.clock.now().isoformat()}

    async def sandbox_settings(self, request: Request) -> Any:
        body = await body_of(request)
        seconds = body.get("bucketPropagationSeconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 <= seconds <= 3600:
            raise rpc.invalid("bucketPropagationSeconds must be a number of seconds from 0 to 3600")
        self.emu.state.bucket_propagation_seconds = float(seconds)
        await self.emu.changed()
        return {"bucketPropagationSeconds": self.emu.state.bucket_propagation_seconds}

    async def health(self, request: Request) -> Any:
        return {"ok": True}

    async def not_routed(self, request: Request) -> Any:
        raise rpc.RpcError(5, f"Not Found: no route for {request.method} {request.url.path}")

    def routes(self) -> list[Route]:
        return [
            Route("/v1beta1/auth/whoami", self.endpoint(self.whoami), methods=["GET"]),
            Route(f"{API}/auth/can-i", self.endpoint(self.can_i), methods=["POST"]),
            Route(f"{API}/access-key", self.endpoint(self.create_key), methods=["POST"]),
            Route(f"{API}/access-key", self.endpoint(self.list_keys), methods=["GET"]),
            Route(API + "/access-key/{key_id}", self.endpoint(self.get_key), methods=["GET"]),
            Route(f"{API}/access-key-status", self.endpoint(self.key_status), methods=["PUT"]),
            Route(f"{API}/revoke-access-key/access-key", self.endpoint(self.revoke_key), methods=["POST"]),
            Route(f"{API}/revoke-access-key/principal", self.endpoint(self.revoke_principal), methods=["POST"]),
            Route(f"{API}/access-policy", self.endpoint(self.list_policies), methods=["GET"]),
            Route(f"{API}/access-policy", self.endpoint(self.ensure_policy), methods=["POST"]),
            Route(API + "/access-policy/{name}", self.endpoint(self.delete_policy), methods=["DELETE"]),
            Route(f"{API}/bucket-info", self.endpoint(self.list_buckets), methods=["GET"]),
            Route(API + "/bucket-info/{name}", self.endpoint(self.get_bucket), methods=["GET"]),
            Route(f"{API}/bucket/settings", self.endpoint(self.bucket_settings), methods=["PUT"]),
            Route(f"{API}/organization/settings", self.endpoint(self.org_settings), methods=["PUT"]),
            Route(f"{API}/temporary-credentials/oidc", self.endpoint(self.oidc_exchange), methods=["POST"]),
            Route(API + "/temporary-credentials/oidc/{org_id}", self.endpoint(self.container_creds), methods=["GET"]),
            Route(f"{API}/temporary-credentials/saml", self.endpoint(self.saml_exchange), methods=["POST"]),
            Route(f"{API}/temporary-credentials/api-token", self.endpoint(self.token_exchange), methods=["GET"]),
            Route("/sandbox/info", self.endpoint(self.sandbox_info), methods=["GET"]),
            Route("/sandbox/health", self.endpoint(self.health), methods=["GET"]),
            Route("/sandbox/principals", self.endpoint(self.add_principal), methods=["POST"]),
            Route("/sandbox/principals", self.endpoint(self.list_principals), methods=["GET"]),
            Route("/sandbox/principals/{uid}/roles", self.endpoint(self.set_roles), methods=["PUT"]),
            Route("/sandbox/tokens", self.endpoint(self.add_token), methods=["POST"]),
            Route("/sandbox/tokens/{token_id}", self.endpoint(self.revoke_token), methods=["DELETE"]),
            Route("/sandbox/idp/oidc-token", self.endpoint(self.oidc_token), methods=["POST"]),
            Route("/sandbox/idp/saml-response", self.endpoint(self.saml_response), methods=["POST"]),
            Route("/sandbox/clock", self.endpoint(self.advance_clock), methods=["POST"]),
            Route("/sandbox/settings", self.endpoint(self.sandbox_settings), methods=["PUT"]),
            Route("/{path:path}", self.endpoint(self.not_routed), methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        ]


def build_app(emu: Emulator, info: Callable[[], dict[str, Any]]) -> Starlette:
    return Starlette(routes=ControlPlaneApi(emu, info).routes())
