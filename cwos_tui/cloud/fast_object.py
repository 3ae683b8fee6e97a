"""The lean path for single-request transfers of small objects: PutObject and GetObject signed by botocore
and sent on pooled `http.client` connections (`signed_http`).

boto3 spends a few milliseconds of CPU on every request (event hooks, checksums, parsing); for a small file
that is most of the client's share of the work. This path sends the same request with the same signer and
credentials and reads only what the transfer needs (the ETag; the body and its length).

It answers only the plain case: a 2xx answer that looks like S3's. Anything else (any other status, a
redirect, a broken connection, an answer without an ETag, a client it cannot serve) returns None, and the
caller makes the same request through the boto3 client, so retries, errors and messages stay botocore's.
A PUT carries Content-MD5, so the server refuses bytes that changed on the way (S3, SeaweedFS and CAIOS
check it); the caller still compares the ETag with the MD5 it sent.
"""

from __future__ import annotations

import base64
import http.client
import threading
from collections import Counter
from typing import Any
from urllib.parse import quote

from cwos_tui.cloud.signed_http import PerClient, SignedEndpoint, Where

#: set to False (tests, benchmarks) to transfer with boto3 only
ENABLED = True
#: requests answered by the lean path, by operation ("put", "get"): for tests and benchmarks
served: Counter[str] = Counter()
_served_lock = threading.Lock()
_paths: PerClient[LeanObjects] = PerClient()
_FAILURES = (OSError, http.client.HTTPException)


def lean_objects(client: Any) -> LeanObjects | None:
    """The lean path for this boto3 client, or None when it cannot be used (boto3 does the request)."""
    if not ENABLED or not _plain_client(client):
        return None
    lean = _paths.get(client, lambda: LeanObjects(client, _client_verify(client)))
    return lean if lean.usable else None


def _plain_client(client: Any) -> bool:
    """A botocore client itself (a wrapper that watches or changes its calls gets its calls)."""
    from botocore.client import BaseClient

    return isinstance(client, BaseClient)


def _client_verify(client: Any) -> bool | str:
    """The TLS verification the client's own HTTP session uses (True when it is not found)."""
    verify = _found_verify(client)
    return True if verify is None else verify


def _found_verify(client: Any) -> bool | str | None:
    verify = getattr(getattr(getattr(client, "_endpoint", None), "http_session", None), "_verify", None)
    return verify if isinstance(verify, bool | str) else None


def _count(operation: str) -> None:
    with _served_lock:
        served[operation] += 1


class LeanObjects(SignedEndpoint):
    """PutObject / GetObject for one boto3 client; thread-safe (each request takes its own connection)."""

    def _check(self) -> bool:
        # over TLS, only with the client's own verification (not found: boto3 does the request)
        return super()._check() and (self.endpoint.scheme == "http" or _found_verify(self.client) is not None)

    def put(self, bucket: str, key: str, data: bytes, md5: bytes) -> str | None:
        """PUT `data` (whose MD5 digest is `md5`); the ETag, or None: send it through boto3."""
        where, path = self.object_target(bucket, key)
        headers = {"Content-MD5": base64.b64encode(md5).decode("ascii")}
        headers = self.sign("PUT", self.url(where, path), headers, data)
        conn = self.take(where)
        try:
            conn.request("PUT", path, body=data, headers=headers)
            response = conn.getresponse()
            response.read()
        except _FAILURES:
            conn.close()
            return None
        etag = response.getheader("ETag")
        self._done(where, conn, response)
        if not 200 <= response.status < 300 or not etag or _html(response):
            return None
        _count("put")
        return etag

    def get(self, bucket: str, key: str, version_id: str = "", if_match: str = "") -> dict[str, Any] | None:
        """GET the object (one version, only if its ETag still matches): {"Body", "ETag", "ContentLength"?},
        the body streamed from the connection; or None: send it through boto3."""
        where, path = self.object_target(bucket, key)
        if version_id:
            path += "?versionId=" + _quote_value(version_id)
        headers = self.sign("GET", self.url(where, path), {"If-Match": if_match} if if_match else None)
        conn = self.take(where)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
        except _FAILURES:
            conn.close()
            return None
        if not 200 <= response.status < 300 or response.status == 206:
            try:
                response.read()
            except _FAILURES:
                conn.close()
                return None
            self._done(where, conn, response)
            return None
        _count("get")
        answer: dict[str, Any] = {"Body": LeanBody(self, where, conn, response),
                                  "ETag": response.getheader("ETag", "")}
        length = response.getheader("Content-Length")
        if length is not None and length.isdigit():
            answer["ContentLength"] = int(length)
        return answer

    def _done(self, where: Where, conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        """Keep the connection for the next request unless the server is closing it."""
        if response.will_close:
            conn.close()
        else:
            self.give_back(where, conn, keep=64)


class LeanBody:
    """An answer's body, read in chunks; the connection goes back to the pool when the body was read to
    its end. A read that breaks raises ConnectionError (the transfer code tries the GET again)."""

    def __init__(self, lean: LeanObjects, where: Where, conn: http.client.HTTPConnection,
                 response: http.client.HTTPResponse) -> None:
        self._lean, self._where, self._conn, self._response = lean, where, conn, response
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        try:
            chunk = self._response.read(size if size >= 0 else None)
        except _FAILURES as exc:
            raise ConnectionError(f"the object's body was cut off: {exc!r}") from exc
        if size != 0 and not chunk and self._response.length:  # closed before the length it announced
            raise ConnectionError(f"the object's body was cut off ({self._response.length:,} bytes missing)")
        if not chunk or self._response.isclosed():
            self._ended = True
        return chunk

    def close(self) -> None:
        if self._ended and self._response.isclosed():
            self._lean._done(self._where, self._conn, self._response)
        else:
            self._conn.close()

    def __enter__(self) -> LeanBody:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _html(response: http.client.HTTPResponse) -> bool:
    """A 2xx answer of HTML is a login page or a proxy in the way, not S3."""
    return (response.getheader("Content-Type") or "").split(";")[0].strip().lower() == "text/html"


def _quote_value(value: str) -> str:
    return quote(value, safe="-_.~")
