"""Validation of org access policies: findings with a rule id, a severity and a JSON path.

Errors are what the service rejects (reference §3.1, §3.3, §2.7); warnings and suggestions are this
project's advice: accepted, but probably not what the author meant (e.g. `cwobject:` actions scoped to a
bucket, a typo in an action name). Positions in the source text are added by `lint.py`.
"""

from __future__ import annotations

import re
from typing import Any

from cwos_tui.cloud.policy.actions import CWOBJECT_ACTIONS, unknown_action_message
from cwos_tui.cloud.policy.evaluate import is_global_action
from cwos_tui.cloud.policy.findings import Finding, Findings, JsonPath, Severity, errors_only
from cwos_tui.cloud.policy.model import POLICY_VERSION

__all__ = ["KNOWN_CWOBJECT_ACTIONS", "Finding", "Severity", "errors_only", "org_findings", "validate_org_policy"]

ACTION_RE = re.compile(r"^(s3|cwobject):[A-Za-z0-9*]+$")
POLICY_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$")
#: cwobject action names known from the documentation (matched case-insensitively).
KNOWN_CWOBJECT_ACTIONS = frozenset(a.lower() for a in CWOBJECT_ACTIONS)
_POLICY_FIELDS = ("version", "name", "statements")
_STATEMENT_FIELDS = ("name", "effect", "actions", "resources", "principals")
_SHORT_PREFIXES = ("coreweave/", "role/", "saml/")
_CONSOLE_GROUP_PREFIXES = ("group/", "groups/")
_IAM_ARN_RE = re.compile(r"^arn:aws:iam::[^:]*:(?P<short>.+)$")
W, S = Severity.WARNING, Severity.SUGGESTION


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def validate_org_policy(data: Any) -> list[Finding]:
    """Check a wire-form policy (the object inside `{"policy": ...}`); return every finding."""
    out = Findings()
    org_findings(data, out)
    return out.findings()


def org_findings(data: Any, out: Findings) -> None:
    """Add the findings of one org policy object to `out` (paths relative to `out.root`)."""
    if not isinstance(data, dict):
        out.add("policy-type", (), "policy must be a JSON object")
        return
    for key in data:
        if key not in _POLICY_FIELDS:
            out.add("unknown-field", (key,), f"{key!r} is not a field of org policies and is dropped "
                    f"(fields: {', '.join(_POLICY_FIELDS)})", W)
    version = data.get("version")
    if version != POLICY_VERSION:
        out.add("version", ("version",), f'version must be "{POLICY_VERSION}", got {version!r}')
    name = data.get("name")
    if not isinstance(name, str) or not name:
        out.add("policy-name", ("name",), "name is required")
    elif not POLICY_NAME_RE.match(name):
        out.add("policy-name", ("name",), "name may use letters, digits, '.', '_' and '-', and must start and "
                "end with a letter or digit (at most 128 characters)")
    statements = data.get("statements")
    if not isinstance(statements, list) or not statements:
        out.add("statements", ("statements",), "at least one statement is required")
        return
    seen_names: set[str] = set()
    for i, stmt in enumerate(statements):
        _statement(("statements", i), stmt, seen_names, out)


def _statement(at: JsonPath, stmt: Any, seen_names: set[str], out: Findings) -> None:
    if not isinstance(stmt, dict):
        out.add("statement-type", at, "statement must be a JSON object")
        return
    for key in stmt:
        if key.lower() in ("condition", "conditions"):
            # Never dropped silently: the service documents no conditions for org policies (reference §3.1).
            out.add("org-condition", at + (key,), "org policies have no conditions; put conditions in a bucket "
                    "policy (cw:PrincipalOrgID, s3:prefix, aws:SourceIp)")
        elif key not in _STATEMENT_FIELDS:
            out.add("unknown-field", at + (key,), f"{key!r} is not a field of org policy statements and is "
                    f"dropped (fields: {', '.join(_STATEMENT_FIELDS)})", W)
    sname = stmt.get("name")
    if not isinstance(sname, str) or not sname:
        out.add("statement-name", at + ("name",), "statement name is required")
    elif sname in seen_names:
        out.add("statement-name", at + ("name",), f"statement name {sname!r} is used twice")
    else:
        seen_names.add(sname)
    effect = stmt.get("effect")
    if effect not in ("Allow", "Deny"):
        hint = ""
        if isinstance(effect, str) and effect.lower() in ("allow", "deny"):
            hint = f' (effect is case-sensitive: write "{effect.capitalize()}")'
        out.add("effect", at + ("effect",), f'effect must be "Allow" or "Deny", got {effect!r}{hint}')
    actions = _actions(at, stmt.get("actions"), out)
    resources = _resources(at, stmt.get("resources"), out)
    global_actions = [a for a in actions if is_global_action(a)]
    if global_actions and resources and "*" not in resources:
        out.add("global-action-resource", at + ("resources",), f"{', '.join(global_actions)} only apply with "
                "resources [\"*\"]; scoped to buckets they grant nothing", W)
    principals = _principals(at, stmt.get("principals"), out)
    if (effect == "Allow" and "*" in principals and "*" in resources
            and any(a.lower() in ("s3:*", "*") for a in actions)):
        out.add("allow-everyone-everything", at, "this statement gives every principal of the org every S3 "
                "action on every bucket; consider naming principals or buckets", S)


def _actions(at: JsonPath, value: Any, out: Findings) -> list[str]:
    actions = _strings(value)
    if not actions:
        out.add("actions", at + ("actions",), "actions must be a non-empty list of strings")
        return []
    for j, action in enumerate(actions):
        where = at + ("actions", j)
        if not ACTION_RE.match(action):
            out.add("action-syntax", where, f"{action!r} is not an action: use s3:<Operation>, s3:*, "
                    "cwobject:<Operation> or cwobject:*")
            continue
        if (message := unknown_action_message(action)) is not None:
            out.add("unknown-action", where, message, W)
    return actions


def _resources(at: JsonPath, value: Any, out: Findings) -> list[str]:
    resources = _strings(value)
    if not resources:
        out.add("resources", at + ("resources",), "resources must be a non-empty list of strings")
        return []
    for j, resource in enumerate(resources):
        if resource.startswith("arn:"):
            short = resource.split(":::", 1)[1] if ":::" in resource else ""
            hint = f" (write {short!r})" if short else ""
            out.add("resource-arn", at + ("resources", j), "resources are bucket names or patterns "
                    f"(\"*\", \"bucket\", \"bucket/*\"), not ARNs{hint}")
    return resources


def _principals(at: JsonPath, value: Any, out: Findings) -> list[str]:
    principals = _strings(value)
    if not principals:
        out.add("principals", at + ("principals",), "principals must be a non-empty list of strings")
        return []
    for j, principal in enumerate(principals):
        where = at + ("principals", j)
        if principal.startswith("arn:"):
            found = _IAM_ARN_RE.match(principal)
            short = f"; write {found.group('short')!r}" if found else ""
            out.add("principal-arn", where, f"{principal!r} is an ARN; org policies take short forms such as "
                    f"coreweave/<UID>, role/<name> or *{short}")
        elif principal.lower().startswith(_CONSOLE_GROUP_PREFIXES):
            out.add("console-group", where, f"{principal!r}: CoreWeave console groups are not allowed in org "
                    "policies; name users (coreweave/<UID>) or SAML roles (role/<name>)")
        elif principal != "*" and not principal.startswith(_SHORT_PREFIXES):
            out.add("principal-form", where, f"{principal!r} is not a known principal form (coreweave/<UID>, "
                    "role/<name>, saml/<role>, *); it matches nobody unless the service knows it", W)
    return principals
