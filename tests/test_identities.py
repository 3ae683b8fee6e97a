"""Org-policy grants translated into SeaweedFS identity actions."""

from cwos_tui.cloud.policy import OrgPolicy
from cwos_tui.sandbox.identities import seaweed_actions


def pol(*stmts):
    return [OrgPolicy.model_validate({"version": "v1alpha1", "name": "p", "statements": list(stmts)})]


def st(actions, resources, principals=("coreweave/u1",), effect="Allow"):
    return {"name": "s", "effect": effect, "actions": list(actions), "resources": list(resources),
            "principals": list(principals)}


def test_full_access_everywhere():
    assert seaweed_actions(pol(st(["s3:*"], ["*"])), ["coreweave/u1"]) == ["Admin", "List", "Read", "Tagging", "Write"]


def test_bucket_and_prefix_scopes():
    acts = seaweed_actions(pol(st(["s3:GetObject"], ["data/raw/*"]), st(["s3:ListBucket"], ["data"])),
                           ["coreweave/u1"])
    assert acts == ["List:data", "Read:data/raw/*"]
    assert seaweed_actions(pol(st(["s3:Get*"], ["b", "b/*"])), ["coreweave/u1"]) == ["Read:b", "Tagging:b"]
    assert seaweed_actions(pol(st(["s3:GetObject"], ["logs-*"])), ["coreweave/u1"]) == ["Read:logs-*"]


def test_other_principals_and_cwobject_actions_grant_nothing():
    assert seaweed_actions(pol(st(["s3:*"], ["*"], principals=["coreweave/u2"])), ["coreweave/u1"]) == []
    assert seaweed_actions(pol(st(["cwobject:*"], ["*"])), ["coreweave/u1"]) == []


def test_deny_everything_removes_all_and_scoped_grants_are_redundant_under_global():
    assert seaweed_actions(pol(st(["s3:*"], ["*"]), st(["s3:*"], ["*"], effect="Deny")), ["coreweave/u1"]) == []
    assert seaweed_actions(pol(st(["s3:GetObject"], ["*"]), st(["s3:GetObject"], ["b"])), ["coreweave/u1"]) == ["Read"]
