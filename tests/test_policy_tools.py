"""Templates, lock-out warnings and the simulator's step names (pure: no server)."""

from __future__ import annotations

import pytest

from cwos_tui.cloud.policy import OrgPolicy, Step
from cwos_tui.cloud.policy.lint import lint_text
from cwos_tui.cloud.policy.lockout import lockout_warnings
from cwos_tui.cloud.policy.simulate import STEP_NAMES, SimulationInputError, build_request, request_resource
from cwos_tui.cloud.policy.templates import BUCKET_TEMPLATES, ORG_TEMPLATES, TemplateInputs


def org(name: str, *statements: tuple[str, list[str], list[str], list[str]]) -> OrgPolicy:
    return OrgPolicy.model_validate({"version": "v1alpha1", "name": name, "statements": [
        {"name": n, "effect": "Allow", "actions": a, "resources": r, "principals": p} for n, a, r, p in statements]})


@pytest.mark.parametrize("template", ORG_TEMPLATES + BUCKET_TEMPLATES, ids=lambda t: t.id)
def test_every_template_is_clean_for_the_users_names(template):
    inputs = TemplateInputs(principal="coreweave/u1", bucket="data", org_id="o1", user_id="u2", saml_group="g1")
    report = lint_text(template.text(inputs), bucket="data")
    assert report.kind == template.kind and report.findings == ()


def test_lockout_warns_when_the_editor_loses_policy_rights_or_the_org_loses_every_policy():
    me = "coreweave/me"
    admin = org("admin", ("all", ["cwobject:EnsureAccessPolicy", "s3:PutBucketPolicy"], ["*"], [me]))
    scoped = org("scoped", ("bp", ["s3:PutBucketPolicy"], ["data"], [me]))
    reads = org("reads", ("r", ["s3:GetObject"], ["*"], [me]))
    warnings = lockout_warnings([admin, reads], [reads], me)
    assert any("cwobject:EnsureAccessPolicy" in w for w in warnings)
    assert any("s3:PutBucketPolicy" in w for w in warnings)
    assert lockout_warnings([admin, reads], [admin], me) == []
    assert any("on data" in w for w in lockout_warnings([scoped], [reads], me))
    assert any("no access policy" in w for w in lockout_warnings([reads], [], me))
    assert lockout_warnings([admin], [admin, reads], "coreweave/someone-else") == []


def test_every_step_has_its_documented_name_and_inputs_are_read_as_written():
    assert set(STEP_NAMES) == set(Step)
    assert {STEP_NAMES[s] for s in Step} >= {"no-org-allow", "org-deny", "no-bucket-policy", "bucket-deny",
                                             "bucket-allow", "bucket-implicit-deny", "org-only"}
    request = build_request(["arn:aws:iam::o9:coreweave/u1"], "s3:GetObject", "arn:aws:s3:::b/k")
    assert request.principals == ("coreweave/u1",) and request.org_id == "o9" and request.resource == "b/k"
    assert request_resource("*") == "*" and request_resource("bucket") == "bucket"
    for bad in ("", "arn:aws:iam::o:x", "/k"):
        with pytest.raises(SimulationInputError):
            request_resource(bad)
