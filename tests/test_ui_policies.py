"""Policies pane against the real sandbox: the whole policy as JSON, create from a template, edit with live
findings, the diff before applying, lock-out warnings, delete with typed confirmation; snapshots."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from textual.widgets import Input, OptionList, Static, TextArea

from cwos_tui.ui.modals.policy_editor import PolicyEditorScreen
from cwos_tui.ui.modals.policy_review import PolicyDiffScreen, TemplatePickerScreen
from cwos_tui.ui.modals.policy_view import PolicyViewScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.panes.policies import PoliciesPane
from tests.helpers import admin_headers, grant
from tests.ui_support import make_app, notices, stable_filter, wait_for

SIZE = (110, 32)


def live_policy(sandbox, name: str) -> dict | None:
    r = httpx.get(f"{sandbox.control_plane}/v1/cwobject/access-policy", headers=admin_headers(sandbox))
    r.raise_for_status()
    return next((p for p in r.json()["policies"] if p["name"] == name), None)


async def shown(pilot, app, screen_class, what: str):
    """Wait until a screen of `screen_class` is on top and mounted (composed, its on_mount run)."""
    await wait_for(pilot, lambda: isinstance(app.screen, screen_class) and app.screen.is_mounted
                   and app.screen.query("*"), what)
    return app.screen


def rendered(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_policies(app, pilot, only: str = "") -> PoliciesPane:
    await pilot.press("3")
    pane = app.query_one(PoliciesPane)
    await wait_for(pilot, lambda: pane.complete and app.principal and app.gate.verdicts, "policies listed")
    if only:
        pane.apply_filter(only)
        await wait_for(pilot, lambda: pane.row_list.count == 1, f"only {only} shown")
    return pane


async def replace_text(pilot, screen: PolicyEditorScreen, text: str) -> None:
    area = screen.query_one(TextArea)
    area.replace(text, (0, 0), area.document.end)
    await wait_for(pilot, lambda: screen.linted == text, "findings refreshed")


async def test_enter_shows_the_whole_policy_as_json_and_e_edits_it(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot, "analyst-read-checkpoints")
        await pilot.press("enter")
        await shown(pilot, app, PolicyViewScreen, "policy view")
        text = plain(app, "#pv-json")
        for needle in ('"version": "v1alpha1"', '"analyst-mint-keys"', '"cwobject:CreateAccessKey"',
                       '"model-checkpoints/*"'):
            assert needle in text
        await pilot.press("e")
        await shown(pilot, app, PolicyEditorScreen, "editor")
        assert '"analyst-read"' in app.screen.text and "no problems" in rendered(app.screen, "#pe-summary")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PolicyEditorScreen), "editor closed")
        await pilot.press("i")
        await shown(pilot, app, PolicyViewScreen, "i shows the same view")


async def test_create_from_template_with_live_findings_diff_and_apply(sandbox):
    name = f"ui-new-{uuid.uuid4().hex[:8]}"
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_policies(app, pilot)
        await pilot.press("n")
        await shown(pilot, app, TemplatePickerScreen, "template picker")
        titles = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert "Full S3 for one principal or role" in titles and "Read-only on a prefix" in titles
        await pilot.press("enter")
        await shown(pilot, app, PolicyEditorScreen, "editor on the template")
        editor = app.screen
        assert sandbox.admin_principal in editor.text, "the template names the user's own principal"
        doc = json.loads(editor.text)
        doc["policy"]["name"] = name
        doc["policy"]["statements"][0]["effect"] = "allow"
        doc["policy"]["statements"][0]["actions"] = ["s3:GetObjekt"]
        await replace_text(pilot, editor, json.dumps(doc, indent=2))
        await wait_for(pilot, lambda: "1 error" in rendered(editor, "#pe-summary"), "live findings")
        findings = rendered(editor, "#pe-findings")
        assert "L8:19 ✖" in findings and "L10:11 ▲" in findings and "case-sensitive" in findings
        assert "did you mean 's3:GetObject'" in findings
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "fix 1 error first" in rendered(editor, "#pe-problem"), "refused")
        assert app.screen is editor and live_policy(sandbox, name) is None
        doc["policy"]["statements"][0]["effect"] = "Allow"
        doc["policy"]["statements"][0]["actions"] = ["s3:GetObject"]
        await replace_text(pilot, editor, json.dumps(doc, indent=2))
        await wait_for(pilot, lambda: "no problems" in rendered(editor, "#pe-summary"), "clean")
        await pilot.press("ctrl+s")
        await shown(pilot, app, PolicyDiffScreen, "diff before applying")
        diff = rendered(app.screen, "#pd-lines")
        assert f"Create org policy {name}?" in rendered(app.screen, "Static")
        assert '+          "s3:GetObject"' in diff and f"+++ new/{name}" in diff
        await pilot.click("#pd-apply")
        await wait_for(pilot, lambda: f"Applied policy {name}" in notices(app), "applied")
        await wait_for(pilot, lambda: name in pane.policies, "listed after reload")
        assert live_policy(sandbox, name)["statements"][0]["actions"] == ["s3:GetObject"]


async def test_edit_shows_the_diff_against_the_server_version(sandbox):
    name = grant(sandbox, "coreweave/ui-edit-user", ["s3:GetObject"], ["edit-bucket/*"])
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot, name)
        await pilot.press("e")
        await shown(pilot, app, PolicyEditorScreen, "editor")
        editor = app.screen
        # someone else changes the policy meanwhile: the diff is against what the server has now
        grant(sandbox, "coreweave/ui-edit-user", ["s3:ListBucket"], ["edit-bucket"], name=name)
        await replace_text(pilot, editor, editor.text.replace('"s3:GetObject"', '"s3:PutObject"'))
        await pilot.press("ctrl+s")
        await shown(pilot, app, PolicyDiffScreen, "diff")
        diff = rendered(app.screen, "#pd-lines")
        assert '-          "s3:ListBucket"' in diff and '+          "s3:PutObject"' in diff
        assert '"edit-bucket"' in diff, "the server's resources are shown as removed"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, PolicyDiffScreen), "cancelled")
        assert live_policy(sandbox, name)["statements"][0]["actions"] == ["s3:ListBucket"], "nothing applied"


async def test_delete_needs_the_typed_name(sandbox):
    name = grant(sandbox, "coreweave/ui-delete-user", ["s3:GetObject"], ["del-bucket/*"])
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_policies(app, pilot, name)
        await pilot.press("d")
        await shown(pilot, app, TypeToConfirmScreen, "typed confirmation")
        assert name in rendered(app.screen, ".ttc-target")
        app.screen.query_one(Input).value = "something-else"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "does not match" in rendered(app.screen, "#ttc-problem"), "mismatch")
        assert live_policy(sandbox, name) is not None
        app.screen.query_one(Input).value = name
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"Deleted policy {name}" in notices(app), "deleted")
        assert live_policy(sandbox, name) is None
        await wait_for(pilot, lambda: name not in pane.policies, "gone from the list")


async def test_lock_out_warnings_before_delete_and_before_apply(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot, "sandbox-admin-s3")
        await pilot.press("d")
        await shown(pilot, app, TypeToConfirmScreen, "confirmation")
        warning = rendered(app.screen, ".ttc-warning")
        assert "would lose s3:PutBucketPolicy" in warning and sandbox.admin_principal in warning
        await pilot.press("escape")
        await pilot.press("e")
        await shown(pilot, app, PolicyEditorScreen, "editor")
        editor = app.screen
        await replace_text(pilot, editor, editor.text.replace('"s3:*"', '"s3:GetObject"'))
        await pilot.press("ctrl+s")
        await shown(pilot, app, PolicyDiffScreen, "review")
        assert "would lose s3:PutBucketPolicy" in rendered(app.screen, ".pd-warning")
        assert app.screen.focused is not None and app.screen.focused.id == "pd-cancel", "Cancel is the default"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, PolicyDiffScreen), "cancelled")
        assert live_policy(sandbox, "sandbox-admin-s3")["statements"][0]["actions"] == ["s3:*"]


# ---- snapshots (pristine sandbox: nothing here changes it) ----------------------------------------


def _snapshot_app(sandbox):
    return make_app(sandbox, display_filter=stable_filter(sandbox), initial_pane="policies")


async def _listed(app, pilot) -> None:
    await wait_for(pilot, lambda: app.pane().complete and app.principal and app.gate.verdicts, "policies listed")
    app.pane().apply_filter("workload")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (110, 32)])
def test_policy_json_view_snapshot(pristine_sandbox, snap_compare, size):
    app = _snapshot_app(pristine_sandbox)

    async def prepare(pilot) -> None:
        await _listed(app, pilot)
        await pilot.press("enter")
        await shown(pilot, app, PolicyViewScreen, "view")

    assert snap_compare(app, terminal_size=size, run_before=prepare)


def test_policy_editor_with_findings_snapshot(pristine_sandbox, snap_compare):
    app = _snapshot_app(pristine_sandbox)

    async def prepare(pilot) -> None:
        await _listed(app, pilot)
        await pilot.press("e")
        await shown(pilot, app, PolicyEditorScreen, "editor")
        editor = app.screen
        text = editor.text.replace('"Allow"', '"allow"', 1).replace('"s3:GetObject"', '"s3:GetObjekt"')
        await replace_text(pilot, editor, text)
        await wait_for(pilot, lambda: "1 error" in rendered(editor, "#pe-summary"), "findings")
        area = editor.query_one(TextArea)
        area.cursor_blink = False  # a blinking cursor would make the picture depend on the moment
        area.move_cursor((0, 0))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(110, 32), run_before=prepare)


async def test_edit_in_external_editor_then_review_here(sandbox, tmp_path, monkeypatch):
    name = grant(sandbox, "coreweave/ui-external-user", ["s3:GetObject"], ["ext-bucket/*"])
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\nsed -i 's/s3:GetObject/s3:GetObjekt/' \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot, name)
        await pilot.press("E")
        await shown(pilot, app, PolicyEditorScreen, "back in the app's editor")
        assert '"s3:GetObjekt"' in app.screen.text
        await wait_for(pilot, lambda: "did you mean 's3:GetObject'" in rendered(app.screen, "#pe-findings"),
                       "the edited text is checked")
        await pilot.press("escape")
        monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
        await pilot.press("E")
        await wait_for(pilot, lambda: any("cannot run the editor" in n for n in notices(app)), "explained")
    assert live_policy(sandbox, name)["statements"][0]["actions"] == ["s3:GetObject"]


def plain(app, widget_id: str) -> str:
    content = app.screen.query_one(widget_id, Static).content
    return "".join(seg.text for seg in app.console.render(content, app.console.options.update_width(100)))


async def ask(app, pilot, principal: str, action: str, resource: str) -> str:
    from cwos_tui.ui.modals.policy_simulator import SimulatorScreen

    screen = app.screen
    assert isinstance(screen, SimulatorScreen)
    before = screen.answer
    for ident, value in (("sim-principal", principal), ("sim-action", action), ("sim-resource", resource)):
        screen.query_one(f"#{ident}", Input).value = value
    screen.query_one("#sim-resource", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.answer is not before, "the simulator answered")
    return plain(app, "#sim-result")


async def test_simulator_answers_with_step_statements_authcani_and_a_matrix(sandbox):
    from cwos_tui.ui.modals.policy_simulator import SimulatorScreen

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot)
        await pilot.press("s")
        await shown(pilot, app, SimulatorScreen, "simulator")
        assert app.screen.query_one("#sim-principal", Input).value == sandbox.admin_principal
        text = await ask(app, pilot, sandbox.admin_principal, "s3:DeleteObject", "training-data/raw/a.bin")
        assert "✖ deny" in text and "step bucket-deny" in text
        assert "Deny  bucket policy training-data / statement ProtectRawData" in text
        assert "Allow org policy sandbox-admin-s3 / statement admin-full-s3" in text
        assert "AuthCanI agrees for you: denied" in text
        text = await ask(app, pilot, sandbox.admin_principal, "cwobject:DeleteAccessPolicy", "*")
        assert "step no-org-allow" in text and "Mismatch: AuthCanI says allowed" in text and "Admin role" in text
        text = await ask(app, pilot, f"{sandbox.admin_principal}, coreweave/nobody", "s3:GetObject, s3:PutObject",
                         "arn:aws:s3:::training-data/x")
        assert text.count("✔ allow") == 2 and text.count("✖ deny") == 2
        assert "bucket-allow" in text and "no-org-allow" in text
        text = await ask(app, pilot, "x", "GetObject", "*")
        assert "is not an action" in text


async def test_what_if_simulation_from_the_editor_applies_nothing(sandbox):
    from cwos_tui.ui.modals.policy_simulator import SimulatorScreen

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot, "sandbox-admin-s3")
        await pilot.press("e")
        await shown(pilot, app, PolicyEditorScreen, "editor")
        editor = app.screen
        await replace_text(pilot, editor, editor.text.replace('"s3:*"', '"s3:GetObject"'))
        await pilot.press("ctrl+t")
        await shown(pilot, app, SimulatorScreen, "what-if simulator")
        text = await ask(app, pilot, sandbox.admin_principal, "s3:PutObject", "model-checkpoints/x")
        assert "What-if" in text and "step no-org-allow" in text and "AuthCanI" not in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is editor, "back in the editor")
    assert live_policy(sandbox, "sandbox-admin-s3")["statements"][0]["actions"] == ["s3:*"]


def test_simulator_matrix_snapshot_80x24(pristine_sandbox, snap_compare):
    """Resource `*`: nothing reads S3, so the pristine sandbox stays as seeded."""
    from cwos_tui.ui.modals.policy_simulator import SimulatorScreen

    app = _snapshot_app(pristine_sandbox)

    async def prepare(pilot) -> None:
        await _listed(app, pilot)
        await pilot.press("s")
        await shown(pilot, app, SimulatorScreen, "simulator")
        await ask(app, pilot, "role/ml-engineers, saml/ml-engineers",
                  "cwobject:CreateAccessKeyOIDC, s3:ListAllMyBuckets", "*")

    assert snap_compare(app, terminal_size=(80, 24), run_before=prepare)


async def test_hostile_statement_names_are_inert_in_the_view_and_the_editor(sandbox):
    name = f"hostile-{uuid.uuid4().hex[:8]}"
    policy = {"version": "v1alpha1", "name": name, "statements": [
        {"name": "evil\u202e\x1b[31mred\x7f", "effect": "Allow", "actions": ["s3:GetObject"],
         "resources": ["h-bucket/*"], "principals": ["coreweave/hostile"]}]}
    httpx.post(f"{sandbox.control_plane}/v1/cwobject/access-policy", json={"policy": policy},
               headers=admin_headers(sandbox)).raise_for_status()
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await open_policies(app, pilot, name)
        await pilot.press("enter")
        await shown(pilot, app, PolicyViewScreen, "view")
        text = plain(app, "#pv-json")
        assert "evil\\u202e\\u001b[31mred\\u007f" in text
        assert not any(c in text for c in "\u202e\x1b\x7f")
        await pilot.press("e")
        editor = await shown(pilot, app, PolicyEditorScreen, "editor")
        assert not any(c in editor.text for c in "\u202e\x1b\x7f")
        assert json.loads(editor.text)["policy"]["statements"][0]["name"] == "evil\u202e\x1b[31mred\x7f"
