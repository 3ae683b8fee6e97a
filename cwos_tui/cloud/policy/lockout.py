"""Lock-out checks before a change to org policies is applied: would the editor lose the right to edit
policies (`cwobject:EnsureAccessPolicy`) or bucket policies (`s3:PutBucketPolicy`), or would the org be
left with no policy at all (then no bucket can be created, reference §3.3)?
"""

from __future__ import annotations

from collections.abc import Sequence

from cwos_tui.cloud.policy.authorize import AccessRequest, authorize
from cwos_tui.cloud.policy.model import OrgPolicy

GUARDED_ACTIONS = ("cwobject:EnsureAccessPolicy", "s3:PutBucketPolicy")


def _resources(policies: Sequence[OrgPolicy]) -> list[str]:
    """`*` and every bucket named in the policies (where a PutBucketPolicy grant may be scoped)."""
    names = {r.split("/", 1)[0] for p in policies for s in p.statements for r in s.resources}
    return ["*", *sorted(n for n in names if n and n != "*" and "*" not in n)]


def lockout_warnings(before: Sequence[OrgPolicy], after: Sequence[OrgPolicy], principal: str,
                     org_id: str = "") -> list[str]:
    """What `principal` can do now and could no longer do after the change, in words."""
    warnings: list[str] = []
    if before and not after:
        warnings.append("This leaves the org with no access policy: every request is denied and no bucket can "
                        "be created until a policy exists again.")
    if not principal:
        return warnings
    for action in GUARDED_ACTIONS:
        resources = ["*"] if action.startswith("cwobject:") else _resources(before)
        for resource in resources:
            request = AccessRequest((principal,), action, resource, org_id=org_id)
            if authorize(request, before).allowed and not authorize(request, after).allowed:
                where = "" if resource == "*" else f" on {resource}"
                warnings.append(f"You ({principal}) would lose {action}{where}; unless you hold the Object Storage "
                                "Admin role, you could not undo this yourself.")
                break
    return warnings
