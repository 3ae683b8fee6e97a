"""CoreWeave's whole evaluation order for one request: org policies, then the bucket policy.

Reference §3.4: no org policy allows -> deny; an org policy denies -> deny; otherwise the bucket
policy decides: none -> allow, explicit deny -> deny, explicit allow -> allow, no statement
matches -> deny. Global actions (cwobject:*, s3:ListAllMyBuckets) and Put/Get/DeleteBucketPolicy are
judged by org policies only (reference §3.3), so a bucket policy can never lock its owners out.

The decision names the step that decided and every statement that matched, for the simulator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cwos_tui.cloud.policy.bucket_policy import BucketPolicy, principal_arn
from cwos_tui.cloud.policy.evaluate import is_global_action, statement_matches
from cwos_tui.cloud.policy.model import OrgPolicy
from cwos_tui.cloud.policy.s3_operations import ORG_POLICY_ONLY_ACTIONS, arn_of, bucket_of, org_resource


class Step(StrEnum):
    """Which step of the evaluation order decided."""

    ADMIN_ROLE = "admin-role"
    NO_ORG_ALLOW = "no-org-allow"
    ORG_DENY = "org-deny"
    ORG_ALLOW = "org-allow"  # allowed, and no bucket policy applies to this action or resource
    NO_BUCKET_POLICY = "no-bucket-policy"
    BUCKET_DENY = "bucket-deny"
    BUCKET_ALLOW = "bucket-allow"
    BUCKET_NO_MATCH = "bucket-no-match"


_ALLOWING = frozenset({Step.ADMIN_ROLE, Step.ORG_ALLOW, Step.NO_BUCKET_POLICY, Step.BUCKET_ALLOW})
_EXPLAIN = {
    Step.ADMIN_ROLE: "allowed: the Object Storage Admin role grants every cwobject action",
    Step.NO_ORG_ALLOW: "denied: no org policy statement allows it (default deny)",
    Step.ORG_DENY: "denied by an org policy",
    Step.ORG_ALLOW: "allowed by an org policy (bucket policies do not apply to this action)",
    Step.NO_BUCKET_POLICY: "allowed by an org policy; the bucket has no policy",
    Step.BUCKET_DENY: "denied by the bucket policy",
    Step.BUCKET_ALLOW: "allowed by an org policy and by the bucket policy",
    Step.BUCKET_NO_MATCH: "denied: the bucket has a policy and none of its statements allows it (implicit deny)",
}


@dataclass(frozen=True)
class MatchedStatement:
    """A statement that matched the request: `source` is "org" or "bucket"."""

    source: str
    policy: str  # org policy name, or the bucket name for a bucket policy
    statement: str  # statement name, Sid, or Statement[i]
    effect: str

    def __str__(self) -> str:
        return f"{self.effect} {self.source} {self.policy}/{self.statement}"


@dataclass(frozen=True)
class AccessRequest:
    """Who (every name the caller goes by, short form), what, on which resource, with which context.

    `resource` is an ARN (`arn:aws:s3:::b/k`) or the org-policy form (`b`, `b/k`, `*`). `context`
    holds request condition keys in lower case (`s3:prefix`, `aws:sourceip`); `cw:principalorgid`
    is filled in from `org_id`.
    """

    principals: Sequence[str]
    action: str
    resource: str = "*"
    org_id: str = ""
    is_admin: bool = False
    context: Mapping[str, str] = field(default_factory=dict)

    def principal_arns(self) -> list[str]:
        return [principal_arn(self.org_id, name) for name in self.principals]

    def condition_context(self) -> dict[str, str]:
        out = {k.lower(): v for k, v in self.context.items()}
        if self.org_id:
            out.setdefault("cw:principalorgid", self.org_id)
        return out


@dataclass(frozen=True)
class AccessDecision:
    step: Step
    org_statements: tuple[MatchedStatement, ...] = ()
    bucket_statements: tuple[MatchedStatement, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.step in _ALLOWING

    @property
    def deciding(self) -> MatchedStatement | None:
        """The statement that decided (first explicit deny, else first allow); None for default and implicit denies."""
        if self.step in (Step.BUCKET_DENY, Step.BUCKET_ALLOW):
            pool = self.bucket_statements
        elif self.step in (Step.ORG_DENY, Step.ORG_ALLOW, Step.NO_BUCKET_POLICY):
            pool = self.org_statements
        else:
            return None
        wanted = "Deny" if self.step in (Step.BUCKET_DENY, Step.ORG_DENY) else "Allow"
        return next((stmt for stmt in pool if stmt.effect == wanted), None)

    def explain(self) -> str:
        text = _EXPLAIN[self.step]
        if (stmt := self.deciding) is not None:
            text += f" (statement {stmt.statement!r} of {stmt.source} policy {stmt.policy!r})"
        return text


def uses_bucket_policy(action: str, resource: str) -> bool:
    """False for the actions and resources that org policies alone judge."""
    return not (is_global_action(action) or action.lower() in ORG_POLICY_ONLY_ACTIONS or not bucket_of(resource))


def org_matches(policies: Iterable[OrgPolicy], request: AccessRequest) -> tuple[MatchedStatement, ...]:
    resource = org_resource(request.resource)
    return tuple(
        MatchedStatement("org", policy.name, stmt.name, stmt.effect)
        for policy in policies for stmt in policy.statements
        if stmt.effect in ("Allow", "Deny") and statement_matches(stmt, request.principals, request.action, resource)
    )


def bucket_matches(policy: BucketPolicy, bucket: str, request: AccessRequest) -> tuple[MatchedStatement, ...]:
    arns, resource, context = request.principal_arns(), arn_of(request.resource), request.condition_context()
    return tuple(
        MatchedStatement("bucket", bucket, stmt.label(i), stmt.effect)
        for i, stmt in enumerate(policy.statements) if stmt.matches(arns, request.action, resource, context)
    )


def authorize(request: AccessRequest, org_policies: Iterable[OrgPolicy],
              bucket_policy: BucketPolicy | None = None) -> AccessDecision:
    """Decide `request`. `bucket_policy` is the policy of the resource's bucket (None: it has none)."""
    if request.is_admin and request.action.lower().startswith("cwobject:"):
        return AccessDecision(Step.ADMIN_ROLE)
    org = org_matches(org_policies, request)
    if any(m.effect == "Deny" for m in org):
        return AccessDecision(Step.ORG_DENY, org)
    if not org:
        return AccessDecision(Step.NO_ORG_ALLOW)
    if not uses_bucket_policy(request.action, request.resource):
        return AccessDecision(Step.ORG_ALLOW, org)
    if bucket_policy is None:
        return AccessDecision(Step.NO_BUCKET_POLICY, org)
    matched = bucket_matches(bucket_policy, bucket_of(request.resource), request)
    if any(m.effect == "Deny" for m in matched):
        return AccessDecision(Step.BUCKET_DENY, org, matched)
    if matched:
        return AccessDecision(Step.BUCKET_ALLOW, org, matched)
    return AccessDecision(Step.BUCKET_NO_MATCH, org)
