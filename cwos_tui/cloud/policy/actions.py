"""The action catalogue: every `s3:` and `cwobject:` action name the validator knows, and lookups with a
nearest-name suggestion for typos. Names match case-insensitively, as the service matches them.

The S3 names are IAM's (what bucket and org policies use); the S3 operation catalogue
(`s3_operations.py`) maps requests onto a subset of them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from cwos_tui.cloud.policy.conditions import like_pattern

S3_ACTIONS = (
    "AbortMultipartUpload", "CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "DeleteObject",
    "DeleteObjectTagging", "DeleteObjectVersion", "DeleteObjectVersionTagging", "GetBucketAcl", "GetBucketCORS",
    "GetBucketLocation", "GetBucketLogging", "GetBucketNotification", "GetBucketObjectLockConfiguration",
    "GetBucketOwnershipControls", "GetBucketPolicy", "GetBucketPolicyStatus", "GetBucketPublicAccessBlock",
    "GetBucketTagging", "GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration",
    "GetInventoryConfiguration", "GetLifecycleConfiguration", "GetObject", "GetObjectAcl", "GetObjectAttributes",
    "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging", "GetObjectVersion", "GetObjectVersionAcl",
    "GetObjectVersionAttributes", "GetObjectVersionTagging", "ListAllMyBuckets", "ListBucket",
    "ListBucketMultipartUploads", "ListBucketVersions", "ListMultipartUploadParts", "PutBucketAcl", "PutBucketCORS",
    "PutBucketLogging", "PutBucketNotification", "PutBucketObjectLockConfiguration", "PutBucketOwnershipControls",
    "PutBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketTagging", "PutBucketVersioning", "PutBucketWebsite",
    "PutEncryptionConfiguration", "PutInventoryConfiguration", "PutLifecycleConfiguration", "PutObject",
    "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention", "PutObjectTagging", "PutObjectVersionAcl",
    "PutObjectVersionTagging", "RestoreObject", "BypassGovernanceRetention",
)
#: cwobject action names from the documentation (reference §3.2) and the RPC names the emulator accepts.
CWOBJECT_ACTIONS = (
    "AuthCanI", "CreateAccessKey", "CreateAccessKeySAML", "CreateAccessKeyOIDC", "CreateAccessKeyFromOIDC",
    "ListAccessKeyInfo", "GetAccessKeyInfo", "UpdateAccessKeyStatus", "RevokeAccessKeyByAccessKey",
    "RevokeAccessKeysByPrincipal", "ListAccessPolicy", "ListAccessPolicies", "EnsureAccessPolicy",
    "DeleteAccessPolicy", "ListBucketInfo", "GetBucketInfo", "SetBucketSettings", "SetOrganizationSettings",
)
ALL_ACTIONS = tuple(f"s3:{a}" for a in S3_ACTIONS) + tuple(f"cwobject:{a}" for a in CWOBJECT_ACTIONS)
_BY_LOWER = {a.lower(): a for a in ALL_ACTIONS}


@dataclass(frozen=True)
class ActionLookup:
    """`known`: the name (or pattern) names at least one catalogue action; `suggestion`: the nearest name."""

    known: bool
    suggestion: str = ""


def canonical(action: str) -> str:
    """The catalogue's spelling of `action`, or `action` itself."""
    return _BY_LOWER.get(action.lower(), action)


@lru_cache(maxsize=1024)
def lookup(action: str, prefixes: tuple[str, ...] = ("s3", "cwobject")) -> ActionLookup:
    service, _, _name = action.partition(":")
    pool = [a for a in ALL_ACTIONS if a.split(":", 1)[0] in prefixes]
    if action == "*" or (service.lower() in prefixes and any(c in action for c in "*?")):
        pattern = like_pattern(action, True)
        return ActionLookup(any(pattern.match(a) for a in pool))
    if action.lower() in _BY_LOWER and action.split(":", 1)[0].lower() in prefixes:
        return ActionLookup(True)
    lowered = {a.lower(): a for a in pool}
    near = difflib.get_close_matches(action.lower(), list(lowered), n=1, cutoff=0.6)
    return ActionLookup(False, lowered[near[0]] if near else "")


def unknown_action_message(action: str, prefixes: tuple[str, ...] = ("s3", "cwobject")) -> str | None:
    """Why `action` is not in the catalogue (with the nearest name), or None when it is (or matches some)."""
    found = lookup(action, prefixes)
    if found.known:
        return None
    if any(c in action for c in "*?"):
        return f"{action!r} matches no known action"
    hint = f"; did you mean {found.suggestion!r}?" if found.suggestion else ""
    kind = "cwobject" if action.lower().startswith("cwobject:") else "S3"
    return f"{action!r} is not a known {kind} action{hint}"
