"""Bucket policies on the Buckets pane against the real sandbox (SeaweedFS behind the S3 front): create
from a template, view, edit with the same validator, the diff before applying, delete; read-only refuses."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from textual.widgets import Input, OptionList, Static, TextArea

from cwos_tui.ui.modals.policy_editor import PolicyEditorScreen
from cwos_tui.ui.modals.policy_review import PolicyDiffScreen, TemplatePickerScreen
from cwos_tui.ui.modals.policy_view import PolicyViewScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from tests.helpers import new_key, s3_client
from tests.ui_support import make_app, notices, wait_for

SIZE = (110, 32)


@pytest.fixture
def admin_s3(sandbox):
    key = new_key(sandbox, sandbox.token)
    return s3_client(sandbox, key["accessKeyId"], key["secretKey"])


def live(admin_s3, bucket: str) -> dict | None:
    try:
        return json.loads(admin_s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchBucketPolicy"
        return None


async def shown(pilot, app, screen_class, what: str):
    """Wait until a screen of `screen_class` is on top and mounted (composed, its on_mount run)."""
    await wait_for(pilot, lambda: isinstance(app.screen, screen_class) and app.screen.is_mounted
                   and app.screen.query("*"), what)
    return app.screen


def rendered(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def select_bucket(app, pilot, bucket: str) -> None:
    await pilot.press("4")
    pane = app.pane("buckets")
    await wait_for(pilot, lambda: pane.complete and app.principal, "buckets listed")
    pane.apply_filter(bucket)
    await wait_for(pilot, lambda: pane.row_list.count == 1, f"only {bucket} shown")


async def test_bucket_policy_from_template_then_view_edit_and_delete(sandbox, admin_s3):
    bucket = f"bp-{uuid.uuid4().hex[:10]}"
    admin_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, bucket)
        await pilot.press("p")
        await shown(pilot, app, TemplatePickerScreen, "no policy yet: templates")
        titles = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert titles == ["Org-wide read", "Cross-org read", "A specific user and a SAML group",
                          "Deny deletes for one user"]
        app.screen.query_one(OptionList).highlighted = 3
        await pilot.press("enter")
        await shown(pilot, app, PolicyEditorScreen, "editor")
        editor = app.screen
        assert f"arn:aws:s3:::{bucket}/*" in editor.text and sandbox.org_id in editor.text
        assert "no problems" in rendered(editor, "#pe-summary")
        wrong = editor.text.replace(f"arn:aws:s3:::{bucket}/*", "arn:aws:s3:::other-bucket/*", 1)
        area = editor.query_one(TextArea)
        area.replace(wrong, (0, 0), area.document.end)
        await wait_for(pilot, lambda: f"is not a resource of bucket '{bucket}'" in rendered(editor, "#pe-findings"),
                       "the same validator, told the bucket")
        area.replace(wrong.replace("other-bucket", bucket), (0, 0), area.document.end)
        await wait_for(pilot, lambda: "no problems" in rendered(editor, "#pe-summary"), "clean again")
        await pilot.press("ctrl+s")
        await shown(pilot, app, PolicyDiffScreen, "diff")
        assert f"Set a policy on bucket {bucket}?" in rendered(app.screen, "Static")
        assert '+      "Sid": "DenyDeletes",' in rendered(app.screen, "#pd-lines")
        await pilot.click("#pd-apply")
        await wait_for(pilot, lambda: f"Applied the policy of bucket {bucket}" in notices(app), "applied")
        assert [s["Sid"] for s in live(admin_s3, bucket)["Statement"]] == ["OrgWideAccess", "DenyDeletes"]

        await pilot.press("p")
        await shown(pilot, app, PolicyViewScreen, "the live policy, viewed")
        await pilot.press("e")
        await shown(pilot, app, PolicyEditorScreen, "editor on the live policy")
        editor = app.screen
        area = editor.query_one(TextArea)
        area.replace(editor.text.replace('"s3:DeleteObjectVersion"', '"s3:PutObject"'), (0, 0), area.document.end)
        await wait_for(pilot, lambda: '"s3:PutObject"' in editor.linted, "edited")
        await pilot.press("ctrl+s")
        await shown(pilot, app, PolicyDiffScreen, "diff against the live policy")
        diff = rendered(app.screen, "#pd-lines")
        assert '-        "s3:DeleteObjectVersion"' in diff and '+        "s3:PutObject"' in diff
        await pilot.click("#pd-apply")
        await wait_for(pilot, lambda: notices(app).count(f"Applied the policy of bucket {bucket}") == 2, "applied")
        assert "s3:PutObject" in live(admin_s3, bucket)["Statement"][1]["Action"]

        await pilot.press("P")
        await shown(pilot, app, TypeToConfirmScreen, "typed confirmation")
        app.screen.query_one(Input).value = bucket
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"Deleted the policy of bucket {bucket}" in notices(app), "deleted")
        assert live(admin_s3, bucket) is None


async def test_read_only_views_bucket_policies_but_does_not_edit_them(sandbox):
    app = make_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, "training-data")
        await pilot.press("p")
        await shown(pilot, app, PolicyViewScreen, "view")
        await pilot.press("e")
        await wait_for(pilot, lambda: any("read-only" in n for n in notices(app)), "refused")
        assert not isinstance(app.screen, PolicyEditorScreen)


def test_bucket_policy_view_snapshot_80x24(private_sandbox, snap_compare):
    """The seeded training-data policy on a sandbox of this module's own (reading it mints an S3 key only)."""
    from tests.ui_support import stable_filter

    app = make_app(private_sandbox, display_filter=stable_filter(private_sandbox), initial_pane="buckets")

    async def prepare(pilot) -> None:
        pane = app.pane("buckets")
        await wait_for(pilot, lambda: pane.complete and app.principal and app.gate.verdicts, "buckets listed")
        pane.apply_filter("training-data")
        await wait_for(pilot, lambda: pane.row_list.count == 1, "training-data only")
        await pilot.press("p")
        await shown(pilot, app, PolicyViewScreen, "bucket policy")

    assert snap_compare(app, terminal_size=(80, 24), run_before=prepare)
