"""The sandbox's authorization: CoreWeave's evaluation order over the org's policies and bucket policies.

One place answers both the control plane (AuthCanI, every cwobject route) and the S3 front, so the
two can never disagree. Parsed policies are cached and re-read only after a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cwos_tui.cloud.policy import (
    AccessDecision,
    AccessRequest,
    BucketPolicy,
    OrgPolicy,
    authorize,
    bucket_of,
    parse_bucket_policy,
    uses_bucket_policy,
)
from cwos_tui.sandbox.state import State


class Authorizer:
    def __init__(self, state: State) -> None:
        self.state = state
        self._org: list[OrgPolicy] | None = None
        self._buckets: dict[str, tuple[str, BucketPolicy]] = {}

    def policies_changed(self) -> None:
        self._org = None

    def org_policies(self) -> list[OrgPolicy]:
        if self._org is None:
            self._org = [OrgPolicy.model_validate(p) for p in self.state.policies.values()]
        return self._org

    def bucket_policy(self, bucket: str) -> BucketPolicy | None:
        text = self.state.bucket_policies.get(bucket)
        if text is None:
            return None
        cached = self._buckets.get(bucket)
        if cached is None or cached[0] != text:
            cached = (text, parse_bucket_policy(text, bucket))
            self._buckets[bucket] = cached
        return cached[1]

    def decide(self, principals: Sequence[str], action: str, resource: str = "*", *, is_admin: bool = False,
               context: Mapping[str, str] | None = None) -> AccessDecision:
        request = AccessRequest(principals, action, resource, self.state.org_id, is_admin, context or {})
        policy = self.bucket_policy(bucket_of(resource)) if uses_bucket_policy(action, resource) else None
        return authorize(request, self.org_policies(), policy)
