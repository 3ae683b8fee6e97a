"""Validation of org access policies: findings with a position and a severity.

Errors are what the service rejects (reference §3.1, §3.3, §2.7); warnings are what it accepts but
will not do what the author probably meant (e.g. `cwobject:` actions scoped to a bucket).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cwos_tui.cloud.policy.evaluate import is_global_action
from cwos_tui.cloud.policy.model import POLICY_VERSION

ACTION_RE = re.compile(r"^(s3|cwobject):[A-Za-z0-9*]+$")
POLICY_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$")

#: cwobject action names known from the documentation (matched case-insensitively).
KNOWN_CWOBJECT_ACTIONS = frozenset(
    a.lower()
    for a in (
        "AuthCanI",
        "CreateAccessKey",
        "CreateAccessKeySAML",
        "CreateAccessKeyOIDC",
        "CreateAccessKeyFromOIDC",
        "ListAccessKeyInfo",
        "GetAccessKeyInfo",
        "UpdateAccessKeyStatus",
        "RevokeAccessKeyByAccessKey",
        "RevokeAccessKeysByPrincipal",
        "ListAccessPolicy",
        "ListAccessPolicies",
        "EnsureAccessPolicy",
        "DeleteAccessPolicy",
        "ListBucketInfo",
        "GetBucketInfo",
        "SetBucketSettings",
        "SetOrganizationSettings",
    )
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: `path` points into the JSON (e.g. `statements[1].effect`)."""

    path: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def validate_org_policy(data: Any) -> list[Finding]:
    """Check a wire-form policy (the object inside `{"policy": ...}`); return every finding."""
    if not isinstance(data, dict):
        return [Finding("policy", "policy must be a JSON object")]
    found: list[Finding] = []
    version = data.get("version")
    if version != POLICY_VERSION:
        found.append(Finding("version", f'version must be "{POLICY_VERSION}", got {version!r}'))
    name = data.get("name")
    if not isinstance(name, str) or not name:
        found.append(Finding("name", "name is required"))
    elif not POLICY_NAME_RE.match(name):
        found.append(
            Finding("name", "name may use letters, digits, '.', '_' and '-', and must start and end with "
                    "a letter or digit (at most 128 characters)")
        )
    statements = data.get("statements")
    if not isinstance(statements, list) or not statements:
        found.append(Finding("statements", "at least one statement is required"))
        return found
    seen_names: set[str] = set()
    for i, stmt in enumerate(statements):
        found.extend(_validate_statement(f"statements[{i}]", stmt, seen_names))
    return found


def _validate_statement(at: str, stmt: Any, seen_names: set[str]) -> list[Finding]:
    if not isinstance(stmt, dict):
        return [Finding(at, "statement must be a JSON object")]
    found: list[Finding] = []
    for key in stmt:
        if key.lower() in ("condition", "conditions"):
            # Never dropped silently: the service documents no conditions for org policies (reference §3.1).
            found.append(Finding(f"{at}.{key}", "org policies have no conditions; put conditions in a bucket "
                                 "policy (cw:PrincipalOrgID, s3:prefix, aws:SourceIp)"))
    sname = stmt.get("name")
    if not isinstance(sname, str) or not sname:
        found.append(Finding(f"{at}.name", "statement name is required"))
    elif sname in seen_names:
        found.append(Finding(f"{at}.name", f"statement name {sname!r} is used twice"))
    else:
        seen_names.add(sname)
    effect = stmt.get("effect")
    if effect not in ("Allow", "Deny"):
        hint = ""
        if isinstance(effect, str) and effect.lower() in ("allow", "deny"):
            hint = f' (effect is case-sensitive: write "{effect.capitalize()}")'
        found.append(Finding(f"{at}.effect", f'effect must be "Allow" or "Deny", got {effect!r}{hint}'))

    actions = _strings(stmt.get("actions"))
    if not actions:
        found.append(Finding(f"{at}.actions", "actions must be a non-empty list of strings"))
        actions = []
    for j, action in enumerate(actions):
        if not ACTION_RE.match(action):
            found.append(
                Finding(f"{at}.actions[{j}]", f"{action!r} is not an action: use s3:<Operation>, s3:*, "
                        "cwobject:<Operation> or cwobject:*")
            )
        elif action.lower().startswith("cwobject:") and "*" not in action:
            if action.split(":", 1)[1].lower() not in KNOWN_CWOBJECT_ACTIONS:
                found.append(
                    Finding(f"{at}.actions[{j}]", f"{action!r} is not a known cwobject action",
                            Severity.WARNING)
                )

    resources = _strings(stmt.get("resources"))
    if not resources:
        found.append(Finding(f"{at}.resources", "resources must be a non-empty list of strings"))
        resources = []
    for j, resource in enumerate(resources):
        if resource.startswith("arn:"):
            found.append(
                Finding(f"{at}.resources[{j}]", "resources are bucket names or patterns "
                        "(\"*\", \"bucket\", \"bucket/*\"), not ARNs")
            )
    global_actions = [a for a in actions if is_global_action(a)]
    if global_actions and resources and "*" not in resources:
        found.append(
            Finding(f"{at}.resources", f"{', '.join(global_actions)} only apply with resources [\"*\"]; "
                    "scoped to buckets they grant nothing", Severity.WARNING)
        )

    principals = _strings(stmt.get("principals"))
    if not principals:
        found.append(Finding(f"{at}.principals", "principals must be a non-empty list of strings"))
        principals = []
    for j, principal in enumerate(principals):
        if principal.startswith("arn:"):
            found.append(
                Finding(f"{at}.principals[{j}]", f"{principal!r} is an ARN; org policies take short forms "
                        "such as coreweave/<UID>, role/<name> or *")
            )
    return found


def errors_only(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]
