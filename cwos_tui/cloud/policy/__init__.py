"""Policies shared by client and sandbox: org and bucket policy models, validators, the S3 operation
catalogue, and one evaluator for CoreWeave's whole order (org policies, then the bucket policy)."""

from cwos_tui.cloud.policy.authorize import (
    AccessDecision,
    AccessRequest,
    MatchedStatement,
    Step,
    authorize,
    uses_bucket_policy,
)
from cwos_tui.cloud.policy.bucket_policy import (
    BucketPolicy,
    BucketPolicyError,
    BucketStatement,
    parse_bucket_policy,
    principal_arn,
)
from cwos_tui.cloud.policy.bucket_validate import is_bucket_policy, validate_bucket_policy
from cwos_tui.cloud.policy.conditions import Condition, ConditionError
from cwos_tui.cloud.policy.evaluate import Decision, Outcome, evaluate, glob_match, is_global_action
from cwos_tui.cloud.policy.findings import Finding, Severity, errors_only, has_errors
from cwos_tui.cloud.policy.lint import LintReport, lint_text
from cwos_tui.cloud.policy.model import POLICY_VERSION, OrgPolicy, PolicyStatement
from cwos_tui.cloud.policy.s3_operations import (
    ORG_POLICY_ONLY_ACTIONS,
    S3Operation,
    arn_of,
    bucket_arn,
    bucket_of,
    object_arn,
    org_resource,
    s3_operation,
)
from cwos_tui.cloud.policy.validate import validate_org_policy

__all__ = [
    "ORG_POLICY_ONLY_ACTIONS",
    "POLICY_VERSION",
    "AccessDecision",
    "AccessRequest",
    "BucketPolicy",
    "BucketPolicyError",
    "BucketStatement",
    "Condition",
    "ConditionError",
    "Decision",
    "Finding",
    "LintReport",
    "MatchedStatement",
    "OrgPolicy",
    "Outcome",
    "PolicyStatement",
    "S3Operation",
    "Severity",
    "Step",
    "arn_of",
    "authorize",
    "bucket_arn",
    "bucket_of",
    "errors_only",
    "evaluate",
    "glob_match",
    "has_errors",
    "is_bucket_policy",
    "is_global_action",
    "lint_text",
    "object_arn",
    "org_resource",
    "parse_bucket_policy",
    "principal_arn",
    "s3_operation",
    "uses_bucket_policy",
    "validate_bucket_policy",
    "validate_org_policy",
]
