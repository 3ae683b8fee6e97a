"""Translate org-policy `s3:` grants into SeaweedFS identity actions, as far as they can be expressed.

SeaweedFS knows five action classes (Read, Write, List, Tagging, Admin), optionally scoped to a
bucket. Allow statements map onto them; a Deny of every S3 action on every resource removes all
of them. Narrower denies cannot be expressed and are enforced only by the control plane's
evaluator (AuthCanI), which the README says plainly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from cwos_tui.cloud.policy import OrgPolicy, glob_match

ALL_CLASSES = ("Read", "Write", "List", "Tagging", "Admin")
_SCOPE_RE = re.compile(r"^[A-Za-z0-9.*/_-]+$")

# Representative S3 actions for each SeaweedFS class; a statement grants the class when one of its
# action patterns matches one of these.
_CLASS_ACTIONS: dict[str, tuple[str, ...]] = {
    "Read": ("s3:GetObject", "s3:GetObjectVersion", "s3:HeadObject"),
    "Write": ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"),
    "List": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListAllMyBuckets",
             "s3:ListBucketMultipartUploads"),
    "Tagging": ("s3:PutObjectTagging", "s3:GetObjectTagging", "s3:PutBucketTagging"),
    "Admin": ("s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutBucketVersioning",
              "s3:PutLifecycleConfiguration", "s3:PutBucketCORS"),
}


def _classes_for(actions: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for pattern in actions:
        if not pattern.lower().startswith("s3:"):
            continue
        for cls, reps in _CLASS_ACTIONS.items():
            if any(glob_match(pattern, rep, case_insensitive=True) for rep in reps):
                out.add(cls)
    return out


def _scope(resource: str) -> str | None:
    """"*" -> "" (unscoped); "bucket", "bucket/*" -> "bucket"; "bucket/raw/*" -> "bucket/raw/*";
    "logs-*" -> "logs-*" (SeaweedFS 4.48 matches both prefixes and wildcards). None when unusable."""
    if resource == "*":
        return ""
    if resource.endswith("/*") and resource.count("/") == 1:
        resource = resource[:-2]
    if not resource or resource.startswith("/") or not _SCOPE_RE.match(resource):
        return None
    return resource


def seaweed_actions(policies: Iterable[OrgPolicy], principals: Sequence[str]) -> list[str]:
    """The SeaweedFS action list for a key whose principal goes by `principals`."""
    granted: set[str] = set()
    policies = list(policies)
    for policy in policies:
        for stmt in policy.statements:
            if not any(glob_match(p, who) for p in stmt.principals for who in principals):
                continue
            classes = _classes_for(stmt.actions)
            if stmt.effect == "Deny":
                if classes == set(ALL_CLASSES) and "*" in stmt.resources:
                    return []
                continue
            if stmt.effect != "Allow":
                continue
            for resource in stmt.resources:
                scope = _scope(resource)
                if scope is None:
                    continue
                for cls in classes:
                    granted.add(f"{cls}:{scope}" if scope else cls)
    unscoped = {a for a in granted if ":" not in a}
    # A bucket-scoped grant is redundant when the class is granted everywhere.
    return sorted(a for a in granted if ":" not in a or a.split(":", 1)[0] not in unscoped)
