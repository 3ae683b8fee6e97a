"""Org policy evaluation (reference §3.3–§3.4): default deny, explicit deny wins.

Used by the sandbox to authorize every request and answer AuthCanI, and by the client's access
simulator, so both sides agree on which statement decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from cwos_tui.cloud.policy.model import OrgPolicy, PolicyStatement


class Outcome(StrEnum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    DEFAULT_DENY = "default-deny"
    ADMIN_ROLE = "admin-role"


@dataclass(frozen=True)
class Decision:
    """Whether a request is allowed and which statement (if any) decided it."""

    outcome: Outcome
    policy: str | None = None
    statement: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome in (Outcome.ALLOW, Outcome.ADMIN_ROLE)

    def explain(self) -> str:
        if self.outcome is Outcome.ADMIN_ROLE:
            return "allowed: the Object Storage Admin role grants every cwobject action"
        if self.outcome is Outcome.DEFAULT_DENY:
            return "denied: no org policy statement allows it (default deny)"
        verb = "allowed" if self.allowed else "denied"
        return f"{verb} by statement {self.statement!r} of policy {self.policy!r}"


@lru_cache(maxsize=4096)
def _pattern(glob: str, case_insensitive: bool) -> re.Pattern[str]:
    body = ".*".join(re.escape(part) for part in glob.split("*"))
    return re.compile(f"^{body}$", re.IGNORECASE if case_insensitive else 0)


def glob_match(pattern: str, value: str, *, case_insensitive: bool = False) -> bool:
    """Match with `*` as the only wildcard (any run of characters, including `/`)."""
    if pattern == "*":
        return True
    return _pattern(pattern, case_insensitive).match(value) is not None


def is_global_action(action: str) -> bool:
    """cwobject actions and s3:ListAllMyBuckets are evaluated against the resource "*" only."""
    low = action.lower()
    return low.startswith("cwobject:") or low == "s3:listallmybuckets"


def _action_matches(patterns: Iterable[str], action: str) -> bool:
    return any(glob_match(p, action, case_insensitive=True) for p in patterns)


def _resource_matches(patterns: Iterable[str], action: str, resource: str) -> bool:
    if is_global_action(action):
        # Only a statement scoped to "*" grants a global action (reference §3.3).
        return any(p == "*" for p in patterns)
    return any(glob_match(p, resource) for p in patterns)


def _principal_matches(patterns: Iterable[str], principals: Sequence[str]) -> bool:
    return any(glob_match(p, who) for p in patterns for who in principals)


def statement_matches(
    stmt: PolicyStatement, principals: Sequence[str], action: str, resource: str
) -> bool:
    return (
        _principal_matches(stmt.principals, principals)
        and _action_matches(stmt.actions, action)
        and _resource_matches(stmt.resources, action, resource)
    )


def evaluate(
    policies: Iterable[OrgPolicy],
    principals: Sequence[str],
    action: str,
    resource: str = "*",
    *,
    is_admin: bool = False,
) -> Decision:
    """Decide one request.

    `principals` are every name the caller is known by (e.g. `saml/ops` and `role/ops`).
    `resource` is a bucket name, `bucket/key`, or "*" for global actions. Admins may do every
    `cwobject:` action regardless of policies; S3 still needs a policy (reference §3.3).
    """
    if is_admin and action.lower().startswith("cwobject:"):
        return Decision(Outcome.ADMIN_ROLE)
    allow: Decision | None = None
    for policy in policies:
        for stmt in policy.statements:
            if stmt.effect not in ("Allow", "Deny"):
                continue
            if not statement_matches(stmt, principals, action, resource):
                continue
            if stmt.effect == "Deny":
                return Decision(Outcome.EXPLICIT_DENY, policy.name, stmt.name)
            if allow is None:
                allow = Decision(Outcome.ALLOW, policy.name, stmt.name)
    return allow or Decision(Outcome.DEFAULT_DENY)
