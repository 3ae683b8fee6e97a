"""Org policy model, validator and evaluator: the one piece shared by client and sandbox."""

from cwos_tui.cloud.policy.evaluate import Decision, Outcome, evaluate, glob_match, is_global_action
from cwos_tui.cloud.policy.model import POLICY_VERSION, OrgPolicy, PolicyStatement
from cwos_tui.cloud.policy.validate import Finding, Severity, errors_only, validate_org_policy

__all__ = [
    "POLICY_VERSION",
    "Decision",
    "Finding",
    "OrgPolicy",
    "Outcome",
    "PolicyStatement",
    "Severity",
    "errors_only",
    "evaluate",
    "glob_match",
    "is_global_action",
    "validate_org_policy",
]
