"""The fast listing path: ListObjectsV2 signed by botocore, fetched on one kept-alive connection.

boto3 spends most of a big listing turning XML into generic shapes and parsing every timestamp; the
server's own floor is the signed requests themselves. This path keeps botocore where it matters and
skips the rest:

- the same credentials object the boto3 client uses (static, refreshable, session tokens), frozen per
  request and signed with botocore's `S3SigV4Auth`, for the client's region;
- one pooled `http.client` connection per endpoint (path style, or virtual-hosted `bucket.host`),
  with the client's TLS verification;
- `encoding-type=url` always; pages parsed by `fast_list_xml` straight into listing columns;
- the next page is requested as soon as a page's continuation token is read, before the page is
  parsed (pipelining within the continuation chain);
- a 4xx answer is parsed by botocore's own parser and raised as the exception class the boto3 client
  raises; a page whose XML is not what the fast parser expects is parsed by botocore's parser; a
  redirect, a 5xx, a throttle or a broken connection is retried through the boto3 client itself
  (its retries, redirects and errors). Anything that makes the path unusable (no credentials object,
  an addressing style it does not know, an HTTP proxy) means the boto3 path is used for the listing.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus

from cwos_tui.cloud.errors import ProtocolError
from cwos_tui.cloud.fast_list_xml import ParsedPage, continuation, parse_page
from cwos_tui.cloud.listing_store import page_chunk
from cwos_tui.cloud.signed_http import PerClient, SignedEndpoint, receive

OPERATION = "ListObjectsV2"
#: set to False (tests, benchmarks) to list with boto3 only
ENABLED = True
_listers: PerClient[FastLister] = PerClient()


class Request(NamedTuple):
    bucket: str
    prefix: str
    delimiter: str
    page_size: int
    token: str | None = None
    start_after: str | None = None
    later_size: int = 0  # the page size after this page (0: the same)

    def next(self, token: str) -> Request:
        """The request for the page after this one."""
        return self._replace(token=token, start_after=None, page_size=self.later_size or self.page_size, later_size=0)

    def query(self) -> str:
        params = {"list-type": "2", "encoding-type": "url", "max-keys": str(self.page_size), "prefix": self.prefix}
        if self.delimiter:
            params["delimiter"] = self.delimiter
        if self.token:
            params["continuation-token"] = self.token
        if self.start_after:
            params["start-after"] = self.start_after
        return "&".join(f"{name}={quote(value, safe='-_.~')}" for name, value in sorted(params.items()))

    def boto_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix, "MaxKeys": self.page_size}
        if self.delimiter:
            params["Delimiter"] = self.delimiter
        if self.token:
            params["ContinuationToken"] = self.token
        if self.start_after:
            params["StartAfter"] = self.start_after
        return params


def fast_lister(client: Any, verify: bool | str = True) -> FastLister | None:
    """The fast path for this boto3 client (one per client, so a new key means new connections), or None
    when it cannot be used and boto3 lists instead."""
    if not ENABLED:
        return None
    lister = _listers.get(client, lambda: FastLister(client, verify))
    return lister if lister.usable else None


class FastLister(SignedEndpoint):
    """Signed ListObjectsV2 pages for one boto3 client; thread-safe (each listing takes its own connection)."""

    # ---- requests ------------------------------------------------------------------------------

    def _send(self, conn: http.client.HTTPConnection, where: tuple[str, str, int], path: str,
              request: Request) -> None:
        target = f"{path}?{request.query()}"
        conn.request("GET", target, headers=self.sign("GET", self.url(where, target)))

    def pages(self, request: Request, base: str, stop: threading.Event | None = None) -> Iterator[ParsedPage]:
        """Pages from `request` on, names relative to `base`. The page after the one yielded is already
        requested while it is parsed; stopping (the event, or closing the iterator) drops the connection
        if an answer is still due."""
        where, path = self.target(request.bucket)
        conn = self.take(where)
        todo: Request | None = request  # the next page not yet yielded
        pending = False  # todo's request is sent already
        try:
            while todo is not None and not _stopped(stop):
                answer = self._exchange(conn, where, path, todo, pending)
                pending = False
                if answer is None:  # the connection broke twice: boto3 lists the rest
                    yield from self._boto_chain(todo, base, stop)
                    return
                status, headers, body = answer
                following = _following(status, body, todo)
                if following is not None and not _stopped(stop):
                    pending = self._send_quietly(conn, where, path, following)
                page = self._page(status, headers, body, todo, base, following)
                if page.next_token is not None and page.next_token == todo.token:
                    raise ProtocolError("the server repeated a continuation token", operation=OPERATION)
                yield page
                todo = following or (todo.next(page.next_token) if page.next_token else None)
        finally:
            if pending:
                conn.close()
            else:
                self.give_back(where, conn)

    def _exchange(self, conn: http.client.HTTPConnection, where: tuple[str, str, int], path: str,
                  request: Request, sent: bool) -> tuple[int, dict[str, str], bytes] | None:
        """The answer to `request` (sent already, or sent now); a kept-alive connection the server
        closed meanwhile is reopened once. None: it broke again."""
        for attempt in range(2):
            try:
                if not sent or attempt:
                    self._send(conn, where, path, request)
                return receive(conn)
            except (OSError, http.client.HTTPException):
                conn.close()
        return None

    def _send_quietly(self, conn: http.client.HTTPConnection, where: tuple[str, str, int], path: str,
                      request: Request) -> bool:
        """Send the next page's request ahead; False (and a closed connection) if that failed."""
        try:
            self._send(conn, where, path, request)
            return True
        except (OSError, http.client.HTTPException):
            conn.close()
            return False

    def _page(self, status: int, headers: dict[str, str], body: bytes, request: Request, base: str,
              following: Request | None) -> ParsedPage:
        if status == 200:
            page = parse_page(body, base)
            if page is None:
                page = self._botocore_page(status, headers, body, base)
            if following is not None and page.next_token != following.token:
                raise ProtocolError("the page's continuation token was read two ways", operation=OPERATION)
            return page
        if 400 <= status < 500 and status != 429:
            self._raise(status, headers, body)
        return self._boto_page(request, base)

    def _raise(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """The exception the boto3 client raises for this answer, from botocore's own parser."""
        parsed = _parse(self.client, status, headers, body)
        error = parsed.get("Error", {})
        code = error.get("QueryErrorCode") or error.get("Code")
        raise self.client.exceptions.from_code(code)(parsed, OPERATION)

    def _botocore_page(self, status: int, headers: dict[str, str], body: bytes, base: str) -> ParsedPage:
        parsed = _parse(self.client, status, headers, body)
        if parsed.get("EncodingType") == "url":  # as botocore's handler does after its parser
            for item in parsed.get("Contents", ()):
                item["Key"] = unquote_plus(item["Key"])
            for item in parsed.get("CommonPrefixes", ()):
                item["Prefix"] = unquote_plus(item["Prefix"])
        return _shaped(parsed, base)

    def _boto_page(self, request: Request, base: str) -> ParsedPage:
        return _shaped(self.client.list_objects_v2(**request.boto_params()), base)

    def _boto_chain(self, request: Request, base: str, stop: threading.Event | None) -> Iterator[ParsedPage]:
        """After a broken connection: the rest of the chain through the boto3 client (its retries and errors)."""
        return boto_pages(self.client, request, base, stop)


def boto_pages(client: Any, request: Request, base: str, stop: threading.Event | None = None) -> Iterator[ParsedPage]:
    """The same pages through the boto3 client (the fallback path, and the reference for tests)."""
    todo: Request | None = request
    while todo is not None and not _stopped(stop):
        page = _shaped(client.list_objects_v2(**todo.boto_params()), base)
        if page.next_token is not None and page.next_token == todo.token:
            raise ProtocolError("the server repeated a continuation token", operation=OPERATION)
        yield page
        todo = todo.next(page.next_token) if page.next_token else None


def _following(status: int, body: bytes, request: Request) -> Request | None:
    """The next page's request when this answer is a good page that says there is one (read before parsing)."""
    if status != 200:
        return None
    try:
        state = continuation(body.decode("utf-8", "replace"))
    except ValueError:
        return None
    if state is None or not state[0] or not state[1] or state[1] == request.token:
        return None
    return request.next(state[1])


def _shaped(parsed: dict[str, Any], base: str) -> ParsedPage:
    following = parsed.get("NextContinuationToken") if parsed.get("IsTruncated") else None
    return ParsedPage(page_chunk(parsed, base), following or None)


def _parse(client: Any, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    from botocore.parsers import RestXMLParser

    shape = client.meta.service_model.operation_model(OPERATION).output_shape
    parser = RestXMLParser(timestamp_parser=str)
    return dict(parser.parse({"status_code": status, "headers": headers, "body": body}, shape))


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()
