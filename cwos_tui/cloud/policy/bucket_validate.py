"""Validation of bucket policies (reference §4) as findings, with the same rules `parse_bucket_policy`
enforces (errors: what S3 refuses as `MalformedPolicy`) plus this project's advice (warnings, suggestions).

A document with no error findings is exactly one `parse_bucket_policy` accepts for that bucket.
"""

from __future__ import annotations

from typing import Any

from cwos_tui.cloud.policy.actions import unknown_action_message
from cwos_tui.cloud.policy.bucket_policy import (
    ACTION_RE,
    POLICY_VERSIONS,
    PRINCIPAL_ARN_RE,
    PRINCIPAL_KEYS,
    SID_RE,
    STATEMENT_FIELDS,
)
from cwos_tui.cloud.policy.conditions import ConditionError, like_pattern, parse_conditions
from cwos_tui.cloud.policy.findings import Finding, Findings, JsonPath, Severity
from cwos_tui.cloud.policy.s3_operations import S3_ARN_PREFIX

W, S = Severity.WARNING, Severity.SUGGESTION
_DOC_FIELDS = ("Version", "Statement", "Id")


def validate_bucket_policy(data: Any, bucket: str | None = None) -> list[Finding]:
    """Check a bucket policy document (parsed JSON). Without `bucket`, resources may name any one bucket."""
    out = Findings()
    bucket_findings(data, out, bucket)
    return out.findings()


def is_bucket_policy(data: Any) -> bool:
    """Bucket policies are told from org policies by their `Version`/`Statement` keys."""
    return isinstance(data, dict) and ("Version" in data or "Statement" in data)


def bucket_findings(data: Any, out: Findings, bucket: str | None = None) -> None:
    if not isinstance(data, dict):
        out.add("policy-type", (), "a bucket policy must be a JSON object")
        return
    for key in data:
        if key not in _DOC_FIELDS:
            out.add("unknown-field", (key,), f"{key!r} is not a field of bucket policies (S3 refuses the policy; "
                    "fields: Version, Statement, Id)")
    version = data.get("Version")
    if version not in POLICY_VERSIONS:
        out.add("version", ("Version",), f'Version must be "2012-10-17" (or "2008-10-17"), got {version!r}')
    raw = data.get("Statement")
    if isinstance(raw, dict):
        items: list[tuple[JsonPath, Any]] = [(("Statement",), raw)]
    elif isinstance(raw, list) and raw:
        items = [(("Statement", i), item) for i, item in enumerate(raw)]
    else:
        out.add("statements", ("Statement",), "Statement is required: an object or a non-empty list of objects")
        return
    sids: set[str] = set()
    named: set[str] = set()
    for at, item in items:
        _statement(at, item, out, bucket, sids, named)
    if bucket is None and len(named) > 1:
        out.add("resource-bucket", ("Statement",), f"resources name several buckets ({', '.join(sorted(named))}); "
                "a bucket policy applies to one bucket", W)


def _statement(at: JsonPath, item: Any, out: Findings, bucket: str | None, sids: set[str], named: set[str]) -> None:
    if not isinstance(item, dict):
        out.add("statement-type", at, "a statement must be a JSON object")
        return
    for key in item:
        if key not in STATEMENT_FIELDS:
            out.add("unknown-field", at + (key,), f"{key!r} is not supported in statements (use Sid, Effect, "
                    "Principal, Action, NotAction, Resource, Condition)")
    sid = item.get("Sid", "")
    if not isinstance(sid, str) or not SID_RE.match(sid):
        out.add("sid", at + ("Sid",), "Sid may contain only ASCII letters and digits")
    elif sid and sid in sids:
        out.add("sid", at + ("Sid",), f"Sid {sid!r} is used twice; Sids must be unique")
    elif sid:
        sids.add(sid)
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        hint = ' (Effect is case-sensitive)' if isinstance(effect, str) and effect.lower() in ("allow", "deny") else ""
        out.add("effect", at + ("Effect",), f'Effect must be "Allow" or "Deny", got {effect!r}{hint}')
    if ("Action" in item) == ("NotAction" in item):
        out.add("action", at, "a statement needs exactly one of Action and NotAction")
    for key in ("Action", "NotAction"):
        if key in item:
            _actions(at + (key,), item[key], out)
    public = _principals(at + ("Principal",), item.get("Principal"), out)
    _resources(at + ("Resource",), item.get("Resource"), out, bucket, named)
    if "Condition" in item:
        _conditions(at + ("Condition",), item["Condition"], out)
    elif effect == "Allow" and public:
        out.add("public-bucket", at + ("Principal",), "this statement allows everyone, from any org, with no "
                "Condition; add a cw:PrincipalOrgID condition unless the bucket is meant to be public", W)


def _strings(value: Any) -> list[tuple[int | None, str]] | None:
    """(index, value) pairs of a string or a non-empty list of non-empty strings; None when malformed."""
    if isinstance(value, str):
        return [(None, value)] if value else None
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(enumerate(value))
    return None


def _item(at: JsonPath, index: int | None) -> JsonPath:
    return at if index is None else at + (index,)


def _actions(at: JsonPath, value: Any, out: Findings) -> None:
    actions = _strings(value)
    if actions is None:
        out.add("action", at, "must be a string or a non-empty list of strings")
        return
    for index, action in actions:
        where = _item(at, index)
        if action.lower().startswith("cwobject:"):
            out.add("action-service", where, f"{action!r}: bucket policies grant only S3 actions; cwobject actions "
                    "come from org policies")
        elif not ACTION_RE.match(action):
            out.add("action-syntax", where, f"{action!r} is not an S3 action (s3:<Operation>, s3:* or *)")
        elif (message := unknown_action_message(action, ("s3",))) is not None:
            out.add("unknown-action", where, message, W)


def _principals(at: JsonPath, value: Any, out: Findings) -> bool:
    """Check Principal; True when it means everyone."""
    if value is None:
        out.add("principal", at, "Principal is required in a bucket policy")
        return False
    if value == "*":
        return True
    if not isinstance(value, dict) or not value:
        out.add("principal", at, 'Principal must be "*" or an object with "AWS" and/or "CW"')
        return False
    everyone = False
    for key, names in value.items():
        if key not in PRINCIPAL_KEYS:
            out.add("principal", at + (key,), f'unsupported principal type {key!r} (use "AWS" or "CW")')
            continue
        items = _strings(names)
        if items is None:
            out.add("principal", at + (key,), "must be a string or a non-empty list of strings")
            continue
        for index, name in items:
            everyone = everyone or name == "*"
            if name != "*" and not PRINCIPAL_ARN_RE.match(name):
                out.add("principal-arn", _item(at + (key,), index), f"invalid principal {name!r}; use \"*\" or an "
                        "ARN such as arn:aws:iam::<org-id>:coreweave/<user-id> (under CW) or "
                        "arn:aws:iam::<org-id>:saml/<group-id> (under AWS)")
    return everyone


def _resources(at: JsonPath, value: Any, out: Findings, bucket: str | None, named: set[str]) -> None:
    resources = _strings(value)
    if resources is None:
        out.add("resource", at, "Resource must be a string or a non-empty list of strings")
        return
    for index, resource in resources:
        where = _item(at, index)
        if not resource.startswith(S3_ARN_PREFIX):
            target = bucket or "<bucket>"
            out.add("resource", where, f"{resource!r} is not an S3 ARN (use arn:aws:s3:::{target} or "
                    f"arn:aws:s3:::{target}/<key pattern>)")
            continue
        name = resource[len(S3_ARN_PREFIX):].split("/", 1)[0]
        named.add(name)
        if bucket is not None and not like_pattern(name).match(bucket):
            out.add("resource", where, f"{resource!r} is not a resource of bucket {bucket!r} (use "
                    f"arn:aws:s3:::{bucket} or arn:aws:s3:::{bucket}/<key pattern>)")


def _conditions(at: JsonPath, block: Any, out: Findings) -> None:
    if not isinstance(block, dict):
        out.add("condition", at, "Condition must be an object of operators")
        return
    for operator, keys in block.items():
        if not isinstance(keys, dict) or not keys:
            _one_condition(at + (operator,), {operator: keys}, out)
            continue
        for key, values in keys.items():
            _one_condition(at + (operator, key), {operator: {key: values}}, out)


def _one_condition(at: JsonPath, block: dict[str, Any], out: Findings) -> None:
    try:
        parse_conditions(block, "Condition")
    except ConditionError as exc:
        out.add("condition", at, str(exc))
