"""Who may use a served dashboard: every visitor acts with the server user's tokens, keys and profiles.

- On loopback (the default) only requests naming a loopback host (`127.0.0.1`, `localhost`, `[::1]`) with
  our port pass: a web page elsewhere that rebinds its own DNS name to 127.0.0.1 is refused.
- With an access token (any other bind address needs `--allow-remote`, which makes one) every request
  carries it: `?token=...` once (answered with an HttpOnly, SameSite=Strict cookie and a redirect that
  drops it from the address bar), then the cookie.
- The websocket that drives the dashboard also needs a same-origin `Origin` header, so no other site
  open in the same browser can drive it.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

TOKEN_PARAM = "token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    """`127.0.0.1`, `::1`, `localhost`: True. Names other than localhost are not resolved (not loopback)."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """An address as it goes into a URL (`::1` -> `[::1]`)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass
class Access:
    """The rules of one server. `port` is set once the socket is bound (`--port 0` picks one)."""

    token: str | None
    loopback_only: bool
    port: int = 0

    @property
    def cookie(self) -> str:
        return f"cwos-tui-token-{self.port}"

    def host_ok(self, host: str | None) -> bool:
        if not self.loopback_only:
            return True  # a remote server answers to any name; the token guards it
        if not host:
            return False
        name, _, port = host.rpartition(":")
        return port == str(self.port) and is_loopback(name)

    def token_ok(self, offered: str | None) -> bool:
        if self.token is None:
            return True
        return offered is not None and hmac.compare_digest(offered.encode(), self.token.encode())

    @staticmethod
    def same_origin(request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if not origin:
            return False
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == request.host


def refusal(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text + "\n", content_type="text/plain")


def access_middleware(access: Access) -> Middleware:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not access.host_ok(request.headers.get("Host")):
            return refusal(403, "cwos-tui serves this dashboard to 127.0.0.1 and localhost only.")
        from_query = request.query.get(TOKEN_PARAM)
        if access.token is not None:
            if access.token_ok(from_query):
                if request.method == "GET" and request.path == "/":
                    kept = {k: v for k, v in request.query.items() if k != TOKEN_PARAM}
                    response = web.Response(status=303, headers={"Location": str(request.rel_url.with_query(kept))})
                    remember(response, access)
                    return response
            elif not access.token_ok(request.cookies.get(access.cookie)):
                return refusal(403, "An access token is needed: open the URL that `cwos-tui serve` printed.")
        if request.path == "/ws" and not access.same_origin(request):
            return refusal(403, "The dashboard's websocket answers only to its own page.")
        answer = await handler(request)
        if from_query is not None and access.token_ok(from_query) and not answer.prepared:
            remember(answer, access)
        return answer

    return guard


def remember(response: web.StreamResponse, access: Access) -> None:
    if access.token is not None:
        response.set_cookie(access.cookie, access.token, httponly=True, samesite="Strict", path="/")
