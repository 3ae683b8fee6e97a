"""Bucket policies (reference §4): parsing into a checked model, and matching one statement.

The language: `Version`, `Statement` (an object or a list), `Sid`, `Effect`, `Principal` (`"*"`,
`{"AWS": ...}`, `{"CW": ...}` with the ARNs of reference §2.7), `Action` or `NotAction`, `Resource`
ARNs with `*`/`?` wildcards, and `Condition` (see `conditions.py`). Anything else is refused with a
message, as S3 refuses it with `MalformedPolicy`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cwos_tui.cloud.policy.conditions import Condition, ConditionError, like_pattern, parse_conditions
from cwos_tui.cloud.policy.s3_operations import S3_ARN_PREFIX

POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
PRINCIPAL_KEYS = ("AWS", "CW")
STATEMENT_FIELDS = frozenset({"Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "Condition"})
SID_RE = re.compile(r"^[A-Za-z0-9]*$")
ACTION_RE = re.compile(r"^(\*|s3:[A-Za-z0-9*?]+)$")
PRINCIPAL_ARN_RE = re.compile(r"^arn:aws:iam::[^:]*:.+$")


class BucketPolicyError(ValueError):
    """Why a bucket policy document is malformed (S3 `MalformedPolicy`)."""


@dataclass(frozen=True)
class BucketStatement:
    sid: str
    effect: str
    principals: tuple[str, ...]  # "*" or principal ARNs (patterns)
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...]

    def label(self, index: int) -> str:
        return self.sid or f"Statement[{index}]"

    def matches(self, principal_arns: Sequence[str], action: str, resource_arn: str,
                context: Mapping[str, str]) -> bool:
        if "*" not in self.principals and not any(
                like_pattern(p).match(arn) for p in self.principals for arn in principal_arns):
            return False
        if self.actions and not any(like_pattern(a, True).match(action) for a in self.actions):
            return False
        if self.not_actions and any(like_pattern(a, True).match(action) for a in self.not_actions):
            return False
        if not any(like_pattern(r).match(resource_arn) for r in self.resources):
            return False
        return all(c.holds(context) for c in self.conditions)


@dataclass(frozen=True)
class BucketPolicy:
    version: str
    statements: tuple[BucketStatement, ...]


def principal_arn(org_id: str, principal_name: str) -> str:
    """`coreweave/<uid>` -> `arn:aws:iam::<org>:coreweave/<uid>` (reference §2.7; same scheme for saml/, role/)."""
    return f"arn:aws:iam::{org_id}:{principal_name}"


def parse_bucket_policy(text: str | bytes, bucket: str) -> BucketPolicy:
    """Parse and check a policy for `bucket`; raise BucketPolicyError naming the first problem."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BucketPolicyError(f"Policies must be valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BucketPolicyError("Policies must be a JSON object")
    unknown = set(doc) - {"Version", "Statement", "Id"}
    if unknown:
        raise BucketPolicyError(f"Unknown field(s) in policy: {', '.join(sorted(unknown))}")
    version = doc.get("Version")
    if version not in POLICY_VERSIONS:
        raise BucketPolicyError(f"Version must be \"2012-10-17\" (or \"2008-10-17\"), got {version!r}")
    raw = doc.get("Statement")
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise BucketPolicyError("Statement is required: an object or a non-empty list of objects")
    statements = tuple(_statement(item, f"Statement[{i}]", bucket) for i, item in enumerate(items))
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise BucketPolicyError("Statement ids (Sid) must be unique")
    return BucketPolicy(str(version), statements)


def _statement(item: object, at: str, bucket: str) -> BucketStatement:
    if not isinstance(item, dict):
        raise BucketPolicyError(f"{at} must be an object")
    unknown = set(item) - STATEMENT_FIELDS
    if unknown:
        raise BucketPolicyError(f"{at}: unsupported field(s) {', '.join(sorted(unknown))} (the sandbox supports "
                                "Sid, Effect, Principal, Action, NotAction, Resource, Condition)")
    sid = item.get("Sid", "")
    if not isinstance(sid, str) or not SID_RE.match(sid):
        raise BucketPolicyError(f"{at}.Sid may contain only ASCII letters and digits")
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise BucketPolicyError(f"{at}.Effect must be \"Allow\" or \"Deny\", got {effect!r}")
    if ("Action" in item) == ("NotAction" in item):
        raise BucketPolicyError(f"{at} needs exactly one of Action and NotAction")
    actions = _actions(item.get("Action"), f"{at}.Action") if "Action" in item else ()
    not_actions = _actions(item.get("NotAction"), f"{at}.NotAction") if "NotAction" in item else ()
    try:
        conditions = parse_conditions(item["Condition"], f"{at}.Condition") if "Condition" in item else ()
    except ConditionError as exc:
        raise BucketPolicyError(str(exc)) from None
    return BucketStatement(sid, effect, _principals(item.get("Principal"), f"{at}.Principal"), actions,
                           not_actions, _resources(item.get("Resource"), f"{at}.Resource", bucket), conditions)


def _strings(value: object, at: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        raise BucketPolicyError(f"{at} must be a string or a non-empty list of strings")
    return tuple(items)


def _principals(value: object, at: str) -> tuple[str, ...]:
    if value is None:
        raise BucketPolicyError(f"{at} is required in a bucket policy")
    if value == "*":
        return ("*",)
    if not isinstance(value, dict) or not value:
        raise BucketPolicyError(f"{at} must be \"*\" or an object with \"AWS\" and/or \"CW\"")
    out: list[str] = []
    for key, names in value.items():
        if key not in PRINCIPAL_KEYS:
            raise BucketPolicyError(f"{at}: unsupported principal type {key!r} (use \"AWS\" or \"CW\")")
        for name in _strings(names, f"{at}.{key}"):
            if name != "*" and not PRINCIPAL_ARN_RE.match(name):
                raise BucketPolicyError(f"{at}.{key}: invalid principal {name!r}; use \"*\" or an ARN such as "
                                        "arn:aws:iam::<org-id>:coreweave/<user-id> or "
                                        "arn:aws:iam::<org-id>:saml/<group-id>")
            out.append(name)
    return tuple(out)


def _actions(value: object, at: str) -> tuple[str, ...]:
    actions = _strings(value, at)
    for action in actions:
        if action.lower().startswith("cwobject:"):
            raise BucketPolicyError(f"{at}: {action!r}: bucket policies grant only S3 actions; cwobject actions "
                                    "come from org policies")
        if not ACTION_RE.match(action):
            raise BucketPolicyError(f"{at}: {action!r} is not an S3 action (s3:<Operation>, s3:* or *)")
    return actions


def _resources(value: object, at: str, bucket: str) -> tuple[str, ...]:
    resources = _strings(value, at)
    for resource in resources:
        name = resource[len(S3_ARN_PREFIX):].split("/", 1)[0] if resource.startswith(S3_ARN_PREFIX) else None
        if name is None or not like_pattern(name).match(bucket):
            raise BucketPolicyError(f"{at}: {resource!r} is not a resource of bucket {bucket!r} (use "
                                    f"arn:aws:s3:::{bucket} or arn:aws:s3:::{bucket}/<key pattern>)")
    return resources
