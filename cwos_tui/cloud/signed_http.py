"""Signed S3 requests on pooled `http.client` connections, shared by the lean paths (`fast_list`,
`fast_object`).

The boto3 client stays the authority: its credentials object (static, refreshable, session tokens) is
frozen per request and signed with botocore's `S3SigV4Auth` for the client's region; requests are
addressed as botocore addresses them (path style, or virtual-hosted `bucket.host`), with the client's
TLS verification. Anything unusual (no credentials object, an addressing style not known here, an
endpoint with a path, an HTTP proxy) makes `usable` False and the caller uses the boto3 client.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit
from urllib.request import getproxies_environment, proxy_bypass

TIMEOUT = 60.0
T = TypeVar("T")
Where = tuple[str, str, int]  # (scheme, host, port)


class PerClient(Generic[T]):
    """One `T` per boto3 client (a new client, a new key: new connections), made on first use."""

    def __init__(self) -> None:
        self._made: weakref.WeakKeyDictionary[Any, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, client: Any, make: Callable[[], T]) -> T:
        with self._lock:
            made = self._made.get(client)
            if made is None:
                made = make()
                self._made[client] = made
        return made


class SignedEndpoint:
    """One boto3 client's endpoint: addressing, signing and an idle-connection pool (thread-safe: each
    request takes a connection of its own and gives it back)."""

    def __init__(self, client: Any, verify: bool | str = True) -> None:
        self.client = client
        meta = client.meta
        self.region: str = meta.region_name or "us-east-1"
        self.endpoint = urlsplit(meta.endpoint_url or "")
        self.style = ((meta.config.s3 or {}) if meta.config is not None else {}).get("addressing_style")
        self.verify = verify
        self._idle: dict[Where, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        self.usable = self._check()

    def _check(self) -> bool:
        getter = getattr(self.client, "_get_credentials", None)
        if getter is None or getter() is None:
            return False
        if self.style not in ("path", "virtual") or self.endpoint.scheme not in ("http", "https"):
            return False
        if not self.endpoint.hostname or self.endpoint.query or self.endpoint.path.strip("/"):
            return False
        proxies = getproxies_environment()
        return not (proxies.get(self.endpoint.scheme) and not proxy_bypass(self.endpoint.hostname))

    # ---- addressing ----------------------------------------------------------------------------

    def target(self, bucket: str) -> tuple[Where, str]:
        """(scheme, host, port) and the bucket's request path, as botocore addresses it."""
        scheme, host = self.endpoint.scheme, self.endpoint.hostname or ""
        port = self.endpoint.port or (443 if scheme == "https" else 80)
        if self.style == "virtual" and dns_compatible(bucket, scheme):
            return (scheme, f"{bucket}.{host}", port), "/"
        return (scheme, host, port), "/" + quote(bucket, safe="-_.~")

    def object_target(self, bucket: str, key: str) -> tuple[Where, str]:
        """Where and the path of an object: the key quoted as botocore quotes S3 keys."""
        where, path = self.target(bucket)
        return where, path.rstrip("/") + "/" + quote(key, safe="/~")

    @staticmethod
    def url(where: Where, target: str) -> str:
        scheme, host, port = where
        default = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
        return f"{scheme}://{host}{'' if default else f':{port}'}{target}"

    # ---- connections ---------------------------------------------------------------------------

    def take(self, where: Where) -> http.client.HTTPConnection:
        with self._lock:
            idle = self._idle.get(where)
            if idle:
                return idle.pop()
        scheme, host, port = where
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=self._ssl())
        return http.client.HTTPConnection(host, port, timeout=TIMEOUT)

    def give_back(self, where: Where, conn: http.client.HTTPConnection, keep: int = 4) -> None:
        with self._lock:
            idle = self._idle.setdefault(where, [])
            if len(idle) < keep:
                idle.append(conn)
                return
        conn.close()

    def _ssl(self) -> ssl.SSLContext:
        if self._context is None:
            if self.verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                from botocore.httpsession import get_cert_path

                cafile = get_cert_path(self.verify)
                context = ssl.create_default_context(cafile=cafile if isinstance(cafile, str) else None)
            self._context = context
        return self._context

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    # ---- signing -------------------------------------------------------------------------------

    def sign(self, method: str, url: str, headers: dict[str, str] | None = None,
             body: bytes = b"") -> dict[str, str]:
        """The request's headers with botocore's SigV4 signature added."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest

        credentials = self.client._get_credentials().get_frozen_credentials()
        request = AWSRequest(method, url, headers=dict(headers or {}), data=body)
        S3SigV4Auth(credentials, "s3", self.region).add_auth(request)
        return dict(request.headers.items())


def receive(conn: http.client.HTTPConnection) -> tuple[int, dict[str, str], bytes]:
    response = conn.getresponse()
    body = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def dns_compatible(bucket: str, scheme: str) -> bool:
    from botocore.utils import check_dns_name

    return bool(check_dns_name(bucket)) and not (scheme == "https" and "." in bucket)
