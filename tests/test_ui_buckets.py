"""Bucket administration in the dashboard at 80x24 against the real sandbox: the create dialog (name
checked as you type, zone, wait), delete (typed name; a non-empty bucket emptied with counts), details,
settings with the control plane's validation message kept in the form, versioning, the lifecycle, CORS and
tag editors (malformed text refused and kept), `:mb`, and read-only refusals."""

from __future__ import annotations

import uuid

import httpx
import pytest
from botocore.exceptions import ClientError
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from cwos_tui.ui.modals.bucket_editor import BucketEditorScreen
from cwos_tui.ui.modals.bucket_forms import BucketCreateScreen, BucketSettingsScreen
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from tests.helpers import admin_headers, new_key, s3_client
from tests.ui_support import make_app, notices, type_text, visible_cells, wait_for

SIZE = (80, 24)


def unique(prefix: str = "ub") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def raw(sandbox):
    key = new_key(sandbox, sandbox.token)
    return s3_client(sandbox, key["accessKeyId"], key["secretKey"])


@pytest.fixture
def bucket(sandbox, raw):
    name = unique()
    raw.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    yield name
    try:
        raw.delete_bucket(Bucket=name)
    except ClientError:
        pass  # deleted by the test, or left with content a failed test made


async def shown(pilot, app, screen_class, what: str):
    await wait_for(pilot, lambda: isinstance(app.screen, screen_class) and app.screen.is_mounted
                   and app.screen.query("*"), what)
    return app.screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def select_bucket(app, pilot, bucket: str) -> None:
    await pilot.press("4")
    pane = app.pane("buckets")
    await wait_for(pilot, lambda: pane.complete and app.principal, "buckets listed")
    pane.apply_filter(bucket)
    await wait_for(pilot, lambda: pane.row_list.count == 1, f"only {bucket} shown")


def exists(raw, name: str) -> bool:
    try:
        raw.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


async def test_create_dialog_checks_the_name_as_you_type_creates_in_the_zone_then_delete(sandbox, raw, bucket):
    name = unique("new")
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, "training-data")
        await pilot.press("n")
        dialog = await shown(pilot, app, BucketCreateScreen, "create dialog")
        await type_text(pilot, "My_B")
        check = text_of(dialog, "#bf-name-check")
        assert "lowercase letters, digits and hyphens, not 'B' 'M' '_' (use lowercase)" in check
        await pilot.press("enter")
        assert "Not sent: the name" in text_of(dialog, "#bf-problem")
        dialog.query_one("#bf-name", Input).value = bucket  # taken: the server's answer shows in the dialog
        await wait_for(pilot, lambda: "listed already" in text_of(dialog, "#bf-name-check"), "a listed name")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Not done:" in text_of(dialog, "#bf-problem"), "the server's answer")
        assert "not available" in text_of(dialog, "#bf-problem")
        assert isinstance(app.screen, BucketCreateScreen) and dialog.query_one("#bf-name", Input).value == bucket
        dialog.query_one("#bf-name", Input).value = name
        await wait_for(pilot, lambda: "✔ a valid name" in text_of(dialog, "#bf-name-check"), "valid now")
        dialog.query_one("#bf-zone", Select).value = sandbox.zones[2]
        dialog.query_one("#bf-versioning", Checkbox).value = True
        settings = f"{sandbox.control_plane}/sandbox/settings"
        httpx.put(settings, json={"bucketPropagationSeconds": 2}).raise_for_status()
        try:  # the new bucket answers 400 for two seconds, as CoreWeave's do for about a minute
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "waiting for it to answer" in text_of(dialog, "#bf-progress"), "progress")
            await wait_for(pilot, lambda: not isinstance(app.screen, BucketCreateScreen), "created and answered")
        finally:
            httpx.put(settings, json={"bucketPropagationSeconds": 0}).raise_for_status()
        created = f"Created bucket {name} in {sandbox.zones[2]} with versioning; it answers"
        await wait_for(pilot, lambda: created in notices(app), "the notice")
        pane = app.pane("buckets")
        pane.apply_filter(name)
        await wait_for(pilot, lambda: visible_cells(app, "buckets") == [name], "listed after the reload")
        info = httpx.get(f"{sandbox.control_plane}/v1/cwobject/bucket-info/{name}", headers=admin_headers(sandbox))
        assert info.json()["info"]["location"] == sandbox.zones[2]
        assert raw.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"

        await pilot.press("d")
        ask = await shown(pilot, app, TypeToConfirmScreen, "typed confirmation")
        assert "Delete this empty bucket?" in " ".join(str(w.render()) for w in ask.query(Static))
        ask.query_one(Input).value = "wrong"
        await pilot.press("enter")
        assert "does not match" in text_of(ask, "#ttc-problem") and exists(raw, name)
        ask.query_one(Input).value = name
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"Deleted bucket {name}" in notices(app), "deleted")
    assert not exists(raw, name)


def test_mb_and_rb_name_the_bucket_commands():
    from cwos_tui.ui import commands

    assert commands.parse_command_line(":mb my-bucket") == commands.ParsedLine("buckets.create", "my-bucket")
    assert commands.parse_command_line(":rb").command_id == "buckets.delete"


async def test_delete_refuses_a_non_empty_bucket_and_offers_to_empty_it_with_counts(sandbox, raw):
    name = unique("del")
    raw.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    for i in range(3):
        raw.put_object(Bucket=name, Key=f"data/{i}.txt", Body=b"hello")
    raw.create_multipart_upload(Bucket=name, Key="big.bin")
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, name)
        await pilot.press("d")
        ask = await shown(pilot, app, TypeToConfirmScreen, "the offer to empty it")
        question = " ".join(str(s.render()) for s in ask.query(Static))
        assert "is not empty" in question and "3 objects, 1 incomplete upload (15 bytes)" in question
        assert "1 incomplete upload will be aborted first" in question
        ask.query_one(Input).value = name
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.startswith(f"Emptied bucket {name}") for n in notices(app)), "done")
        assert "(3 versions and markers deleted)" in " ".join(notices(app))
    assert not exists(raw, name)


async def test_details_then_settings_with_the_control_planes_message_then_versioning(sandbox, raw, bucket):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, "training-data")
        await pilot.press("i")
        details = await shown(pilot, app, DetailScreen, "bucket details")
        fields = dict(details.fields)
        assert fields["Zone"] == sandbox.zone and fields["Automated archive"] == "off"
        assert fields["Usage (standard bytes)"].endswith("MiB") and int(fields["Usage (object count)"]) > 0
        assert fields["Versioning"] == "Enabled" and fields["Bucket policy"].startswith("set (")
        assert {"Lifecycle", "CORS", "Tags", "Capacity cap", "Audit logging"} <= set(fields)
        await pilot.press("escape")

        await select_bucket(app, pilot, bucket)
        await pilot.press("e")
        form = await shown(pilot, app, BucketSettingsScreen, "settings form")
        form.query_one("#bf-archive", Checkbox).value = True
        form.query_one("#bf-days", Input).value = "30"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Not done:" in text_of(form, "#bf-problem"), "the control plane's answer")
        assert "archive_after_last_access_days must be >= 60" in text_of(form, "#bf-problem")
        assert form.query_one("#bf-days", Input).value == "30" and form.query_one("#bf-archive", Checkbox).value
        form.query_one("#bf-days", Input).value = "90"
        form.query_one("#bf-cap", Input).value = "1TiB"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"Applied the settings of bucket {bucket}" in notices(app), "applied")
        info = httpx.get(f"{sandbox.control_plane}/v1/cwobject/bucket-info/{bucket}", headers=admin_headers(sandbox))
        settings = info.json()["info"]["settings"]
        assert settings["archiveEnabled"] and settings["archiveAfterLastAccessDays"] == 90
        assert settings["configuredCapacityCapBytes"] == str(2**40)

        for verb, status in (("enabled", "Enabled"), ("suspended", "Suspended")):
            await pilot.press("V")
            await shown(pilot, app, ConfirmScreen, "versioning question")
            await pilot.click("#confirm-yes")
            await wait_for(pilot, lambda v=verb: f"Versioning of {bucket} {v}" in notices(app), verb)
            assert raw.get_bucket_versioning(Bucket=bucket)["Status"] == status


async def test_rule_editors_refuse_malformed_text_keep_it_then_apply_and_remove(sandbox, raw, bucket):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, bucket)
        await pilot.press("L")
        editor = await shown(pilot, app, BucketEditorScreen, "lifecycle editor")
        assert "none yet: an example" in str(editor.query_one("#be-box").border_title)
        area = editor.query_one(TextArea)
        broken = '[{"ID": "tmp", "Status": "Enabled", "Prefix": "tmp/", "Expiration": {"Days": 0}}]'
        area.replace(broken, (0, 0), area.document.end)
        await wait_for(pilot, lambda: "2 problems" in text_of(editor, "#be-problems"), "problems as typed")
        await pilot.press("ctrl+s")
        assert "Not sent: fix 2 problems first" in text_of(editor, "#be-status") and area.text == broken
        fixed = '[{"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 7}}]'
        area.replace(fixed, (0, 0), area.document.end)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"Applied 1 lifecycle rule to {bucket}" in notices(app), "applied")
        rules = raw.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert [(r["ID"], r["Expiration"]["Days"]) for r in rules] == [("tmp", 7)]
        raw.delete_bucket_lifecycle(Bucket=bucket)
        await pilot.press("C")
        await shown(pilot, app, BucketEditorScreen, "CORS editor with an example")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"Applied 1 CORS rule to {bucket}" in notices(app), "CORS applied")
        assert raw.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["https://example.com"]
        await pilot.press("T")
        editor = await shown(pilot, app, BucketEditorScreen, "tag editor")
        area = editor.query_one(TextArea)
        area.replace("team=ml\nteam=ai\n", (0, 0), area.document.end)
        await pilot.press("ctrl+s")
        assert "Not sent" in text_of(editor, "#be-status")
        area.replace("team=ml\nowner=data\n", (0, 0), area.document.end)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"Applied the tags of {bucket}" in notices(app), "tags applied")
        assert {t["Key"]: t["Value"] for t in raw.get_bucket_tagging(Bucket=bucket)["TagSet"]} == \
            {"team": "ml", "owner": "data"}
        await pilot.press("C")
        editor = await shown(pilot, app, BucketEditorScreen, "CORS editor on the live rules")
        editor.query_one(TextArea).replace("[]", (0, 0), editor.query_one(TextArea).document.end)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"Removed the CORS rules of {bucket}" in notices(app), "CORS removed")
    with pytest.raises(ClientError):
        raw.get_bucket_cors(Bucket=bucket)
    raw.delete_bucket_tagging(Bucket=bucket)


async def test_read_only_refuses_every_bucket_change(sandbox):
    app = make_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, "training-data")
        for key, title in (("n", "New bucket"), ("d", "Delete bucket"), ("e", "Bucket settings"),
                           ("V", "Versioning"), ("L", "Lifecycle rules"), ("C", "CORS rules"), ("T", "Bucket tags")):
            await pilot.press(key)
            expected = f"{title}: refused, the session is read-only"
            await wait_for(pilot, lambda e=expected: e in notices(app), expected)
            assert len(app.screen_stack) == 1
        app.run_command("buckets.create", "some-bucket")  # `:mb` goes through the same gate
        await pilot.pause()
        assert len(app.screen_stack) == 1


async def test_a_denied_verdict_refuses_on_the_selected_bucket_only(sandbox, bucket):
    """The gate judges Buckets-pane commands on the selected bucket, not on the one open in Objects."""
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await select_bucket(app, pilot, "training-data")
        app.gate.record({("s3:PutBucketTagging", "training-data"): False})
        await pilot.press("T")
        expected = "Bucket tags: refused, your principal lacks s3:PutBucketTagging on training-data"
        await wait_for(pilot, lambda: expected in notices(app), "refused on training-data")
        assert len(app.screen_stack) == 1
        await select_bucket(app, pilot, bucket)
        await pilot.press("T")
        await shown(pilot, app, BucketEditorScreen, "allowed on another bucket")


async def test_emptying_a_big_bucket_shows_progress_and_esc_stops_it_keeping_the_bucket(sandbox, raw, monkeypatch):
    """A few hundred objects, deleted 50 at a time: the dialog counts them down; Esc stops after the batch in
    flight, and the summary says how many went and that the bucket is kept (with the rest in it)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from cwos_tui.cloud import bucket_admin
    from cwos_tui.ui.modals.progress import ProgressScreen
    from tests.test_ui_objects import screen

    name = unique("empty")
    raw.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sandbox.zone})
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: raw.put_object(Bucket=name, Key=f"many/{i:04d}", Body=b"x"), range(300)))
    monkeypatch.setattr(bucket_admin, "_BATCH", 50)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        storage = app.services.storage
        real, second_batch, calls = storage.call_shaped, asyncio.Event(), []

        async def paced(operation, *args, **kwargs):  # the second batch waits until Esc was pressed
            if operation == "delete_objects":
                calls.append(operation)
                if len(calls) == 2:
                    await second_batch.wait()
            return await real(operation, *args, **kwargs)

        monkeypatch.setattr(storage, "call_shaped", paced)
        await select_bucket(app, pilot, name)
        await pilot.press("d")
        ask = await shown(pilot, app, TypeToConfirmScreen, "the offer to empty it")
        ask.query_one(Input).value = name
        await pilot.press("enter")
        progress = await shown(pilot, app, ProgressScreen, "the progress dialog")
        await wait_for(pilot, lambda: "50 of 300 deleted" in screen(app), "the first batch counted")
        assert f"Emptying bucket {name}" in screen(app) and "Esc stops" in screen(app)
        await pilot.press("escape")
        assert progress.stop.is_set() and "Stopping after the batch in flight" in text_of(progress, "#progress-hint")
        second_batch.set()
        await wait_for(pilot, lambda: any(n.startswith(f"Stopped emptying bucket {name}") for n in notices(app)),
                       "the summary")
        assert (f"Stopped emptying bucket {name}: 100 versions and markers deleted, about 200 left. "
                "The bucket is kept.") in notices(app)
        await wait_for(pilot, lambda: not isinstance(app.screen, ProgressScreen), "the dialog closed")
        assert len(calls) == 2
    assert exists(raw, name)
    left = raw.list_objects_v2(Bucket=name, MaxKeys=1000)
    assert left["KeyCount"] == 200
    for start in range(0, 200, 100):
        keys = [{"Key": o["Key"]} for o in left["Contents"][start:start + 100]]
        raw.delete_objects(Bucket=name, Delete={"Objects": keys})
    raw.delete_bucket(Bucket=name)


async def test_bucket_audit_logging_with_the_org_switch_round_trip(sandbox, bucket):
    """The bucket's audit logging is refused while the org's is off (the control plane's message stays in the
    form); ticking the org switch sends SetOrganizationSettings first, then the bucket's setting holds. At
    80x24 the whole form, buttons included, fits."""
    from cwos_tui.cloud.control_plane import ControlPlaneClient

    info_url = f"{sandbox.control_plane}/v1/cwobject/bucket-info/{bucket}"
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as admin:
        await admin.set_org_settings(bucket_audit_logging_enabled=False)
        try:
            app = make_app(sandbox)
            async with app.run_test(size=SIZE) as pilot:
                await select_bucket(app, pilot, bucket)
                await pilot.press("e")
                form = await shown(pilot, app, BucketSettingsScreen, "settings form")
                submit = form.query_one("#bf-submit")
                assert submit.region.bottom <= SIZE[1] and form.query_one("#bf-org-audit").region.height
                form.query_one("#bf-audit", Checkbox).value = True
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: "Not done:" in text_of(form, "#bf-problem"), "the refusal")
                assert "not enabled for the organization" in text_of(form, "#bf-problem")
                assert not httpx.get(info_url, headers=admin_headers(sandbox)).json()["info"]["settings"].get(
                    "auditLoggingEnabled")
                form.query_one("#bf-org-audit", Checkbox).value = True
                await pilot.press("ctrl+s")
                applied = (f"Applied the settings of bucket {bucket} (bucket audit logging switched on for the "
                           "organization)")
                await wait_for(pilot, lambda: applied in notices(app), "applied with the org switch")
                await pilot.press("e")  # read back: the form opens with the bucket's audit logging on
                again = await shown(pilot, app, BucketSettingsScreen, "settings form again")
                assert again.query_one("#bf-audit", Checkbox).value is True
                assert again.query_one("#bf-org-audit", Checkbox).value is False  # never read back: unticked
            settings = httpx.get(info_url, headers=admin_headers(sandbox)).json()["info"]["settings"]
            assert settings["auditLoggingEnabled"] is True
        finally:
            await admin.set_org_settings(bucket_audit_logging_enabled=False)
