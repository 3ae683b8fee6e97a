"""The S3 front's authorization of one request, and the S3 requests the sandbox answers itself.

Every request is authenticated (SigV4 key lookup), mapped to its IAM action and resource by the
shared S3 operation catalogue, and judged by CoreWeave's evaluation order. Bucket policies, bucket
locations and inventory configurations are kept by the sandbox and answered here; everything else
goes on to SeaweedFS, which then only stores and serves the bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from cwos_tui.cloud.policy import BucketPolicyError, S3Operation, object_arn, s3_operation
from cwos_tui.sandbox.s3_authority import KeyRecord, S3Authority
from cwos_tui.sandbox.s3_config_rules import CONFIG_CHECKS
from cwos_tui.sandbox.s3_wire import (
    S3_XMLNS,
    Headers,
    Receive,
    Scope,
    decode_aws_chunked,
    delete_keys,
    ok_headers,
    read_small_body,
    s3_error_response,
)
from cwos_tui.sandbox.sigv4 import Signature, read_signature, signature_matches

Response = tuple[int, Headers, bytes]
_LISTS = frozenset({"ListObjects", "ListObjectVersions", "ListMultipartUploads"})
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass
class Verdict:
    """Either a response the front sends itself, or go ahead (with the request body if it was read)."""

    response: Response | None = None
    body: bytes | None = None


@dataclass
class _Request:
    scope: Scope
    receive: Receive
    bucket: str
    key: str
    raw_query: str
    params: dict[str, str]
    record: KeyRecord
    signature: Signature

    def signed_correctly(self) -> bool:
        raw_path = (self.scope.get("raw_path") or self.scope["path"].encode()).decode("latin-1")
        return signature_matches(self.signature, self.record.secret_key, self.scope["method"], raw_path,
                                 self.raw_query, self.scope["headers"])


class S3Guard:
    def __init__(self, authority: S3Authority) -> None:
        self.authority = authority
        self._local: dict[str, Callable[[_Request], Awaitable[Response]]] = {
            "GetBucketLocation": self._location, "GetBucketPolicy": self._get_policy,
            "PutBucketPolicy": self._put_policy, "DeleteBucketPolicy": self._delete_policy,
            "GetBucketInventoryConfiguration": self._get_inventory,
            "PutBucketInventoryConfiguration": self._put_inventory,
            "DeleteBucketInventoryConfiguration": self._delete_inventory,
        }

    async def check(self, scope: Scope, receive: Receive, bucket: str, key: str, raw_query: str,
                    query: list[tuple[str, str]]) -> Verdict:
        signature = read_signature(scope["headers"], raw_query)
        if signature is None:
            return Verdict(s3_error_response(403, "AccessDenied", "Access Denied (the sandbox serves only signed "
                                             "requests: anonymous access is not emulated)", bucket))
        record = self.authority.key(signature.access_key_id)
        if record is None or not record.active:
            return Verdict(s3_error_response(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does "
                                             "not exist in our records.", bucket))
        copy_source = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-amz-copy-source"), None)
        op = s3_operation(scope["method"], bucket, key, query,
                          {"x-amz-copy-source": copy_source} if copy_source is not None else None)
        req = _Request(scope, receive, bucket, key, raw_query, dict(query), record, signature)
        if not op.action:
            return Verdict(self._refuse(req, 501, "NotImplemented", "The sandbox does not implement this S3 "
                                        "request (its sub-resource or method is not emulated)."))
        checks, body = op.checks(), None
        if op.name == "DeleteObjects":
            body = await read_small_body(receive)
            keys = _delete_keys(body, scope)
            if keys is None:
                return Verdict(s3_error_response(400, "MalformedXML", "The XML you provided was not well-formed "
                                                 "or did not validate.", bucket))
            checks = [("s3:DeleteObject", object_arn(bucket, k)) for k in keys]
        context = self._context(op, req)
        for action, resource in checks:
            decision = self.authority.decide(record, action, resource, context)
            if not decision.allowed:
                return Verdict(self._refuse(req, 403, "AccessDenied", f"Access Denied ({action} on {resource}: "
                                            f"{decision.explain()})", resource=resource))
        if bucket and op.name != "CreateBucket" and self.authority.bucket_propagating(bucket):
            return Verdict(self._refuse(req, 400, "InvalidRegion", "The bucket is not reachable yet: a new bucket "
                                        "takes about a minute to propagate."))
        if op.name in CONFIG_CHECKS:
            body = await read_small_body(receive)
            refusal = _config_refusal(op.name, body, scope)
            if refusal is not None:
                return Verdict(self._refuse(req, *refusal))
        local = self._local.get(op.name)
        if local is not None:
            if not req.signed_correctly():
                return Verdict(_bad_signature(bucket))
            return Verdict(await local(req))
        return Verdict(body=body)

    @staticmethod
    def _context(op: S3Operation, req: _Request) -> dict[str, str]:
        context: dict[str, str] = {}
        client = req.scope.get("client")
        if client:
            context["aws:sourceip"] = str(client[0])
        if op.name in _LISTS:
            for name in ("prefix", "delimiter"):
                if name in req.params:
                    context[f"s3:{name}"] = req.params[name]
        return context

    @staticmethod
    def _refuse(req: _Request, status: int, code: str, message: str, resource: str = "") -> Response:
        """An error the front answers itself; a wrong signature is reported first, as S3 does."""
        if not req.signed_correctly():
            return _bad_signature(req.bucket)
        return s3_error_response(status, code, message, req.bucket, resource=resource)

    # -- what the sandbox keeps itself -------------------------------------------------------------------
    def _no_bucket(self, bucket: str) -> Response | None:
        if self.authority.bucket_zone(bucket) is None:
            return s3_error_response(404, "NoSuchBucket", "The specified bucket does not exist", bucket)
        return None

    async def _location(self, req: _Request) -> Response:
        zone = self.authority.bucket_zone(req.bucket)
        if zone is None:
            return s3_error_response(404, "NoSuchBucket", "The specified bucket does not exist", req.bucket)
        body = f'{_XML_HEAD}<LocationConstraint xmlns="{S3_XMLNS}">{escape(zone)}</LocationConstraint>'.encode()
        return 200, ok_headers("application/xml", body), body

    async def _get_policy(self, req: _Request) -> Response:
        if missing := self._no_bucket(req.bucket):
            return missing
        text = self.authority.bucket_policy(req.bucket)
        if text is None:
            return s3_error_response(404, "NoSuchBucketPolicy", "The bucket policy does not exist", req.bucket)
        body = text.encode()
        return 200, ok_headers("application/json", body), body

    async def _put_policy(self, req: _Request) -> Response:
        if missing := self._no_bucket(req.bucket):
            return missing
        body = await read_small_body(req.receive)
        try:
            text = decode_aws_chunked(body or b"", req.scope["headers"]).decode()
            await self.authority.put_bucket_policy(req.bucket, text)
        except (BucketPolicyError, UnicodeDecodeError) as exc:
            return s3_error_response(400, "MalformedPolicy", str(exc), req.bucket)
        return 204, ok_headers("application/xml", b""), b""

    async def _delete_policy(self, req: _Request) -> Response:
        if missing := self._no_bucket(req.bucket):
            return missing
        await self.authority.delete_bucket_policy(req.bucket)
        return 204, ok_headers("application/xml", b""), b""

    async def _get_inventory(self, req: _Request) -> Response:
        if missing := self._no_bucket(req.bucket):
            return missing
        configs = self.authority.inventories(req.bucket)
        if "id" not in req.params:
            docs = "".join(_strip_declaration(doc) for _, doc in sorted(configs.items()))
            body = (f'{_XML_HEAD}<ListInventoryConfigurationsResult xmlns="{S3_XMLNS}">{docs}'
                    "<IsTruncated>false</IsTruncated></ListInventoryConfigurationsResult>").encode()
            return 200, ok_headers("application/xml", body), body
        doc = configs.get(req.params["id"])
        if doc is None:
            return s3_error_response(404, "NoSuchConfiguration", "The specified configuration does not exist.",
                                     req.bucket)
        body = doc.encode()
        return 200, ok_headers("application/xml", body), body

    async def _put_inventory(self, req: _Request) -> Response:
        if missing := self._no_bucket(req.bucket):
            return missing
        body = await read_small_body(req.receive)
        try:
            text = decode_aws_chunked(body or b"", req.scope["headers"]).decode()
            await self.authority.put_inventory(req.bucket, req.params.get("id", ""), text)
        except (BucketPolicyError, UnicodeDecodeError) as exc:
            return s3_error_response(400, "MalformedXML", str(exc), req.bucket)
        return 200, ok_headers("application/xml", b""), b""

    async def _delete_inventory(self, req: _Request) -> Response:
        if missing := self._no_bucket(req.bucket):
            return missing
        if not await self.authority.delete_inventory(req.bucket, req.params.get("id", "")):
            return s3_error_response(404, "NoSuchConfiguration", "The specified configuration does not exist.",
                                     req.bucket)
        return 204, ok_headers("application/xml", b""), b""


def _bad_signature(bucket: str) -> Response:
    return s3_error_response(403, "SignatureDoesNotMatch", "The request signature we calculated does not match "
                             "the signature you provided. Check your key and signing method.", bucket)


def _delete_keys(body: bytes | None, scope: Scope) -> list[str] | None:
    if body is None:
        return None
    try:
        return delete_keys(decode_aws_chunked(body, scope["headers"]))
    except (ET.ParseError, ValueError):
        return None


def _config_refusal(operation: str, body: bytes | None, scope: Scope) -> tuple[int, str, str] | None:
    """CoreWeave's rules for a configuration document SeaweedFS would accept as it is (s3_config_rules)."""
    if body is None:
        return 400, "MalformedXML", "The configuration document is too large."
    try:
        document = decode_aws_chunked(body, scope["headers"])
    except ValueError:
        return 400, "MalformedXML", "The XML you provided was not well-formed or did not validate."
    return CONFIG_CHECKS[operation](document)


def _strip_declaration(doc: str) -> str:
    return doc.split("?>", 1)[1].strip() if doc.lstrip().startswith("<?xml") else doc.strip()
