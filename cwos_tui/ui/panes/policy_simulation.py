"""What the simulator screen runs in a worker: fetch the live org policies (with edited ones in place of
their live versions, for a what-if) and the bucket's live policy, decide every (principal, action), and ask
AuthCanI for the caller's own answers. No widget is touched here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.policy.authorize import uses_bucket_policy
from cwos_tui.cloud.policy.bucket_policy import BucketPolicy, BucketPolicyError, parse_bucket_policy
from cwos_tui.cloud.policy.model import OrgPolicy
from cwos_tui.cloud.policy.s3_operations import bucket_of
from cwos_tui.cloud.policy.simulate import SimulationInputError, build_request, request_resource, simulate
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.modals.policy_simulator import SimulationAnswer, SimulationCell, SimulationQuery


async def _bucket_policy(ctx: AppContext, bucket: str, notes: list[str]) -> BucketPolicy | None:
    try:
        text = await ctx.services.storage.get_bucket_policy(bucket)
    except CloudError as exc:
        if exc.needs_reauth:
            raise
        notes.append(f"The policy of bucket {bucket} could not be read ({exc.message}); answered as if it had none.")
        return None
    if text is None:
        return None
    try:
        return parse_bucket_policy(text, bucket)
    except BucketPolicyError as exc:
        notes.append(f"The live policy of bucket {bucket} is malformed ({exc}); answered as if it had none.")
        return None


async def evaluate(ctx: AppContext, question: SimulationQuery,
                   what_if: Sequence[OrgPolicy] = ()) -> SimulationAnswer:
    notes: list[str] = []
    try:
        resource = request_resource(question.resource)
    except SimulationInputError as exc:
        return SimulationAnswer([], [str(exc)])
    live = await ctx.services.control_plane.list_policies()
    edited = {p.name for p in what_if}
    policies = [p for p in live if p.name not in edited] + list(what_if)
    if what_if:
        notes.append("What-if: the edited policy replaces its live version; nothing was applied.")
    bucket = bucket_of(resource)
    needs_bucket = bucket and any(uses_bucket_policy(a, resource) for a in question.actions)
    bucket_policy = await _bucket_policy(ctx, bucket, notes) if needs_bucket else None
    identity = ctx.identity
    cells: list[SimulationCell] = []
    asks = []
    for principal in question.principals:
        for action in question.actions:
            try:
                request = build_request([principal], action, resource, identity.org_id)
            except SimulationInputError as exc:
                return SimulationAnswer([], [str(exc)])
            result = simulate(request, policies, bucket_policy)
            cells.append(SimulationCell(principal, action, result))
            mine = principal == identity.principal_name and not what_if
            asks.append(ctx.services.control_plane.can_i([action], [resource]) if mine else None)
    answers = await asyncio.gather(*(a for a in asks if a is not None), return_exceptions=True)
    it = iter(answers)
    out = []
    for cell, ask in zip(cells, asks, strict=True):
        answer = next(it) if ask is not None else None
        can_i = answer if isinstance(answer, bool) else None
        out.append(SimulationCell(cell.principal, cell.action, cell.result, can_i))
    return SimulationAnswer(out, notes)
