"""The S3 operation catalogue: an S3 request -> the IAM action it needs and the resource it acts on.

Shared by the sandbox's S3 front (which enforces it), the client's permission gate and the policy
simulator, so all three name the same action for the same request. Resources are ARNs
(`arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/key`) or `*` for requests without a bucket;
`org_resource` turns them into the short form org policies use (`bucket`, `bucket/key`, `*`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

S3_ARN_PREFIX = "arn:aws:s3:::"

# Sub-resources by bucket-level method: query parameter -> (operation, action).
_BUCKET_GET = {
    "policy": ("GetBucketPolicy", "s3:GetBucketPolicy"), "location": ("GetBucketLocation", "s3:GetBucketLocation"),
    "versioning": ("GetBucketVersioning", "s3:GetBucketVersioning"),
    "lifecycle": ("GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
    "cors": ("GetBucketCors", "s3:GetBucketCORS"), "tagging": ("GetBucketTagging", "s3:GetBucketTagging"),
    "acl": ("GetBucketAcl", "s3:GetBucketAcl"), "uploads": ("ListMultipartUploads", "s3:ListBucketMultipartUploads"),
    "versions": ("ListObjectVersions", "s3:ListBucketVersions"),
    "inventory": ("GetBucketInventoryConfiguration", "s3:GetInventoryConfiguration"),
    "encryption": ("GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    "object-lock": ("GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
    "ownershipControls": ("GetBucketOwnershipControls", "s3:GetBucketOwnershipControls"),
    "publicAccessBlock": ("GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    "policyStatus": ("GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
}
_BUCKET_PUT = {
    "policy": ("PutBucketPolicy", "s3:PutBucketPolicy"),
    "versioning": ("PutBucketVersioning", "s3:PutBucketVersioning"),
    "lifecycle": ("PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"),
    "cors": ("PutBucketCors", "s3:PutBucketCORS"), "tagging": ("PutBucketTagging", "s3:PutBucketTagging"),
    "acl": ("PutBucketAcl", "s3:PutBucketAcl"),
    "inventory": ("PutBucketInventoryConfiguration", "s3:PutInventoryConfiguration"),
    "encryption": ("PutBucketEncryption", "s3:PutEncryptionConfiguration"),
    "object-lock": ("PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"),
    "ownershipControls": ("PutBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    "publicAccessBlock": ("PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
}
_BUCKET_DELETE = {
    "policy": ("DeleteBucketPolicy", "s3:DeleteBucketPolicy"),
    "lifecycle": ("DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"),
    "cors": ("DeleteBucketCors", "s3:PutBucketCORS"), "tagging": ("DeleteBucketTagging", "s3:PutBucketTagging"),
    "inventory": ("DeleteBucketInventoryConfiguration", "s3:PutInventoryConfiguration"),
    "encryption": ("DeleteBucketEncryption", "s3:PutEncryptionConfiguration"),
    "ownershipControls": ("DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
    "publicAccessBlock": ("DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
}
_OBJECT_SUBRESOURCES = frozenset({"tagging", "acl", "uploads", "uploadId", "attributes", "retention", "legal-hold",
                                  "restore", "select", "torrent"})
_BUCKET_SUBRESOURCES = frozenset(_BUCKET_GET) | frozenset(_BUCKET_PUT) | frozenset(_BUCKET_DELETE) | frozenset(
    {"delete", "website", "logging", "notification", "replication", "requestPayment", "accelerate", "analytics",
     "metrics", "intelligent-tiering"})
#: Actions whose bucket policy is never consulted: only org policies judge them (reference §3.3).
ORG_POLICY_ONLY_ACTIONS = frozenset({"s3:putbucketpolicy", "s3:getbucketpolicy", "s3:deletebucketpolicy"})


@dataclass(frozen=True)
class S3Operation:
    """One S3 request's permission needs. `action` is "" for a request the catalogue does not know."""

    name: str
    action: str
    resource: str
    #: further (action, resource) pairs the request also needs (CopyObject: read the source)
    also: tuple[tuple[str, str], ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        return self.action, self.resource

    def checks(self) -> list[tuple[str, str]]:
        return [self.pair, *self.also]


def bucket_arn(bucket: str) -> str:
    return S3_ARN_PREFIX + bucket


def object_arn(bucket: str, key: str) -> str:
    return f"{S3_ARN_PREFIX}{bucket}/{key}"


def org_resource(resource: str) -> str:
    """An S3 ARN in the short form of org policies: `bucket`, `bucket/key` or `*`."""
    return resource[len(S3_ARN_PREFIX):] if resource.startswith(S3_ARN_PREFIX) else resource


def arn_of(resource: str) -> str:
    """The ARN of an org-policy style resource (`bucket`, `bucket/key`); `*` stays `*`."""
    if resource == "*" or resource.startswith(S3_ARN_PREFIX):
        return resource
    return S3_ARN_PREFIX + resource


def bucket_of(resource: str) -> str:
    """The bucket an ARN or short resource names ("" for `*`)."""
    short = org_resource(resource)
    return "" if short == "*" else short.split("/", 1)[0]


def s3_operation(method: str, bucket: str, key: str, query: Mapping[str, str] | Iterable[tuple[str, str]],
                 headers: Mapping[str, str] | None = None) -> S3Operation:
    """The operation an S3 request performs. `key` is decoded; header names are lower-case."""
    params = dict(query.items() if isinstance(query, Mapping) else query)
    method = method.upper()
    if not bucket:
        if method in ("GET", "HEAD"):
            return S3Operation("ListBuckets", "s3:ListAllMyBuckets", "*")
        return S3Operation("Unknown", "", "*")
    if not key:
        return _bucket_operation(method, bucket, params)
    return _object_operation(method, bucket, key, params, headers or {})


def _bucket_operation(method: str, bucket: str, params: dict[str, str]) -> S3Operation:
    arn = bucket_arn(bucket)
    subs = [p for p in params if p in _BUCKET_SUBRESOURCES]
    table = {"GET": _BUCKET_GET, "HEAD": {}, "PUT": _BUCKET_PUT, "DELETE": _BUCKET_DELETE}.get(method)
    if method == "POST" and subs == ["delete"]:
        return S3Operation("DeleteObjects", "s3:DeleteObject", object_arn(bucket, "*"))
    if table is None or len(subs) > 1 or (subs and subs[0] not in table):
        return S3Operation("Unknown", "", arn)
    if subs:
        name, action = table[subs[0]]
        return S3Operation(name, action, arn)
    return {
        "GET": S3Operation("ListObjects", "s3:ListBucket", arn),
        "HEAD": S3Operation("HeadBucket", "s3:ListBucket", arn),
        "PUT": S3Operation("CreateBucket", "s3:CreateBucket", arn),
        "DELETE": S3Operation("DeleteBucket", "s3:DeleteBucket", arn),
    }[method]


def _object_operation(method: str, bucket: str, key: str, params: dict[str, str],
                      headers: Mapping[str, str]) -> S3Operation:
    arn = object_arn(bucket, key)
    subs = sorted(p for p in params if p in _OBJECT_SUBRESOURCES)
    versioned = "versionId" in params
    if method in ("GET", "HEAD"):
        if not subs:
            return S3Operation("GetObject" if method == "GET" else "HeadObject",
                               "s3:GetObjectVersion" if versioned else "s3:GetObject", arn)
        reads = {"tagging": ("GetObjectTagging", "s3:GetObjectVersionTagging" if versioned else "s3:GetObjectTagging"),
                 "acl": ("GetObjectAcl", "s3:GetObjectVersionAcl" if versioned else "s3:GetObjectAcl"),
                 "uploadId": ("ListParts", "s3:ListMultipartUploadParts"),
                 "attributes": ("GetObjectAttributes", "s3:GetObjectAttributes"),
                 "retention": ("GetObjectRetention", "s3:GetObjectRetention"),
                 "legal-hold": ("GetObjectLegalHold", "s3:GetObjectLegalHold")}
        if method == "GET" and len(subs) == 1 and subs[0] in reads:
            return S3Operation(*reads[subs[0]], arn)
    elif method == "PUT":
        return _object_put(bucket, key, subs, versioned, headers)
    elif method == "DELETE":
        if not subs:
            return S3Operation("DeleteObject", "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject", arn)
        deletes = {"uploadId": ("AbortMultipartUpload", "s3:AbortMultipartUpload"),
                   "tagging": ("DeleteObjectTagging",
                               "s3:DeleteObjectVersionTagging" if versioned else "s3:DeleteObjectTagging")}
        if len(subs) == 1 and subs[0] in deletes:
            return S3Operation(*deletes[subs[0]], arn)
    elif method == "POST":
        posts = {"uploads": ("CreateMultipartUpload", "s3:PutObject"),
                 "uploadId": ("CompleteMultipartUpload", "s3:PutObject"),
                 "restore": ("RestoreObject", "s3:RestoreObject"), "select": ("SelectObjectContent", "s3:GetObject")}
        if len(subs) == 1 and subs[0] in posts:
            return S3Operation(*posts[subs[0]], arn)
    return S3Operation("Unknown", "", arn)


def _object_put(bucket: str, key: str, subs: list[str], versioned: bool, headers: Mapping[str, str]) -> S3Operation:
    arn = object_arn(bucket, key)
    if subs == ["tagging"]:
        return S3Operation("PutObjectTagging", "s3:PutObjectVersionTagging" if versioned else "s3:PutObjectTagging",
                           arn)
    if subs == ["acl"]:
        return S3Operation("PutObjectAcl", "s3:PutObjectVersionAcl" if versioned else "s3:PutObjectAcl", arn)
    if subs not in ([], ["uploadId"]):
        return S3Operation("Unknown", "", arn)
    name = "UploadPart" if subs else "PutObject"
    source = headers.get("x-amz-copy-source")
    if source is None:
        return S3Operation(name, "s3:PutObject", arn)
    raw_path, _, source_query = source.partition("?")
    src_bucket, _, src_key = unquote(raw_path).lstrip("/").partition("/")
    read = "s3:GetObjectVersion" if "versionId=" in source_query else "s3:GetObject"
    return S3Operation(name + "Copy" if subs else "CopyObject", "s3:PutObject", arn,
                       also=((read, object_arn(src_bucket, src_key)),))
