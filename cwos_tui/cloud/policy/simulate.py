"""The simulator's vocabulary on top of `authorize`: resources as users write them, principals in short
form or as ARNs, the documented step names, and the JSON the command line prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cwos_tui.cloud.policy.authorize import AccessDecision, AccessRequest, MatchedStatement, Step, authorize
from cwos_tui.cloud.policy.bucket_policy import BucketPolicy
from cwos_tui.cloud.policy.model import OrgPolicy
from cwos_tui.cloud.policy.s3_operations import S3_ARN_PREFIX, org_resource

#: The step names of CoreWeave's evaluation order (reference §3.4), as the simulator reports them.
STEP_NAMES = {
    Step.ADMIN_ROLE: "admin-role",
    Step.NO_ORG_ALLOW: "no-org-allow",
    Step.ORG_DENY: "org-deny",
    Step.ORG_ALLOW: "org-only",
    Step.NO_BUCKET_POLICY: "no-bucket-policy",
    Step.BUCKET_DENY: "bucket-deny",
    Step.BUCKET_ALLOW: "bucket-allow",
    Step.BUCKET_NO_MATCH: "bucket-implicit-deny",
}
_IAM_ARN_RE = re.compile(r"^arn:aws:iam::(?P<org>[^:]*):(?P<short>.+)$")


class SimulationInputError(ValueError):
    """A principal, action or resource the simulator cannot read."""


@dataclass(frozen=True)
class Simulation:
    request: AccessRequest
    decision: AccessDecision

    @property
    def step(self) -> str:
        return STEP_NAMES[self.decision.step]

    @property
    def matched(self) -> tuple[MatchedStatement, ...]:
        return self.decision.org_statements + self.decision.bucket_statements

    def to_json(self) -> dict[str, Any]:
        return {"decision": "allow" if self.decision.allowed else "deny", "step": self.step,
                "matched": [{"source": m.source, "policy": m.policy, "statement": m.statement, "effect": m.effect}
                            for m in self.matched]}

    def lines(self) -> list[str]:
        """A human answer: the decision and why, then every matched statement."""
        verdict = "ALLOW" if self.decision.allowed else "DENY"
        out = [f"{verdict}  ({self.step}) {self.decision.explain()}"]
        out += [f"  matched: {m.effect} {m.source} policy {m.policy!r} statement {m.statement!r}"
                for m in self.matched]
        return out


def short_principal(principal: str) -> tuple[str, str]:
    """(short form, org id from an ARN or ""): `arn:aws:iam::o1:coreweave/u1` -> (`coreweave/u1`, `o1`)."""
    found = _IAM_ARN_RE.match(principal)
    return (found.group("short"), found.group("org")) if found else (principal, "")


def request_resource(resource: str) -> str:
    """`*`, `bucket`, `bucket/key` or an `arn:aws:s3:::` ARN -> the short form `authorize` takes."""
    text = resource.strip()
    if not text:
        raise SimulationInputError("the resource is empty: use *, bucket, bucket/key or arn:aws:s3:::bucket/key")
    if text.startswith("arn:") and not text.startswith(S3_ARN_PREFIX):
        raise SimulationInputError(f"{resource!r} is not an S3 ARN (arn:aws:s3:::bucket or arn:aws:s3:::bucket/key)")
    short = org_resource(text)
    if not short or short.startswith("/"):
        raise SimulationInputError(f"{resource!r} names no bucket")
    return short


def build_request(principals: Sequence[str], action: str, resource: str, org_id: str = "") -> AccessRequest:
    if not principals or not all(p.strip() for p in principals):
        raise SimulationInputError("a principal is required (coreweave/<UID>, role/<name>, saml/<role> or an ARN)")
    if not re.match(r"^(s3|cwobject):[A-Za-z0-9]+$", action.strip(), re.IGNORECASE):
        raise SimulationInputError(f"{action!r} is not an action (s3:<Operation> or cwobject:<Operation>)")
    names = []
    for principal in principals:
        short, arn_org = short_principal(principal.strip())
        names.append(short)
        org_id = org_id or arn_org
    return AccessRequest(tuple(names), action.strip(), request_resource(resource), org_id=org_id)


def simulate(request: AccessRequest, org_policies: Iterable[OrgPolicy],
             bucket_policy: BucketPolicy | None = None) -> Simulation:
    return Simulation(request, authorize(request, list(org_policies), bucket_policy))
