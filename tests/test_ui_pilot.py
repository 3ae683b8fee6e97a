"""Pilot tests of the dashboard against the real sandbox (control plane over HTTP, SeaweedFS S3)."""

from __future__ import annotations

import httpx

from cwos_tui.config.settings import Settings
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.help import HelpScreen, help_plain
from cwos_tui.ui.modals.reauth import ReauthScreen
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.helpers import make_principal
from tests.ui_support import make_app, notices, run_command, type_text, visible_cells, wait_checks_done, wait_for

SIZE = (100, 30)


async def test_keys_1_to_5_switch_panes_and_each_lists_its_data(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        assert {"training-data", "model-checkpoints"} <= set(visible_cells(app))
        await pilot.press("2")
        await wait_for(pilot, lambda: app.pane("keys").complete, "keys listed")
        assert app.active_pane == "keys" and app.pane("keys").row_list.count >= 4
        statuses = {row.cells[1] for row in app.pane("keys").row_list.rows}
        assert {"ACTIVE", "FULL_SUSPENDED"} <= statuses
        await pilot.press("3")
        await wait_for(pilot, lambda: app.pane("policies").complete, "policies listed")
        assert "sandbox-admin-s3" in visible_cells(app)
        await pilot.press("1")
        await wait_for(pilot, lambda: app.pane("tokens").complete, "tokens listed")
        token_row = app.pane("tokens").row_list.rows[0]
        assert token_row.cells[2].startswith("CW-SECRET-****") and sandbox.token not in token_row.cells
        assert token_row.cells[3] == sandbox.admin_principal
        await pilot.press("5")
        assert app.active_pane == "objects"
        assert "no bucket" in str(app.query_one("#breadcrumb").render())


async def test_objects_enter_descends_backspace_goes_up_and_colon_b_jumps(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, "b training-data/datasets/")
        objects = app.objects
        await wait_for(pilot, lambda: objects.complete and objects.prefix == "datasets/", "datasets listed")
        assert (objects.bucket, objects.prefix) == ("training-data", "datasets/")
        assert visible_cells(app) == ["captions/", "imagenet/"]
        assert "training-data / datasets" in str(app.query_one("#breadcrumb").render())
        await pilot.press("down", "enter")  # into imagenet/
        await wait_for(pilot, lambda: objects.complete and objects.prefix == "datasets/imagenet/", "imagenet")
        assert visible_cells(app) == ["train/", "val/"]
        await pilot.press("enter")  # into train/: 120 shards
        await wait_for(pilot, lambda: objects.complete and objects.prefix.endswith("train/"), "train shards")
        assert objects.row_list.count == 120 and visible_cells(app)[0] == "shard-0000.tar"
        await pilot.press("backspace")
        await wait_for(pilot, lambda: objects.complete and objects.prefix == "datasets/imagenet/", "back up")
        assert objects.row_list.selected is not None and objects.row_list.selected.cells[0] == "train/"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: objects.complete and objects.prefix == "", "bucket root")
        assert "README.md" in visible_cells(app)
        await pilot.press("backspace")
        assert app.active_pane == "buckets"


async def test_help_f1_and_question_mark_list_the_focused_panes_keys(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        body = help_plain(app.screen.body)
        assert "Buckets pane" in body and "Open" in body and "Delete object" not in body
        await pilot.press("escape")
        await run_command(pilot, "b training-data/")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        body = help_plain(app.screen.body)
        assert "Objects pane" in body and "Delete object" in body and "s3:DeleteObject" in body
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_ctrl_p_palette_lists_registry_commands_and_runs_them(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        from textual.command import CommandPalette

        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "palette open")
        await type_text(pilot, "access keys")
        await wait_for(pilot, lambda: "Go to Access keys" in _palette_text(app), "registry hit listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.active_pane == "keys", "palette ran pane.keys")


def _palette_text(app) -> str:
    from textual.command import CommandList

    try:
        options = app.screen.query_one(CommandList)
    except Exception:
        return ""
    return " ".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


async def test_colon_commands_aliases_and_unknown_command_message(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, "pol")
        assert app.active_pane == "policies"
        await run_command(pilot, "keys")
        assert app.active_pane == "keys"
        await run_command(pilot, "tokens")
        assert app.active_pane == "tokens"
        await run_command(pilot, "b")
        assert app.active_pane == "buckets"
        await run_command(pilot, "frobnicate")
        assert any("Unknown command: frobnicate" in n for n in notices(app))


async def test_slash_filters_loaded_rows_and_escape_clears(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("model-checkpoints", "eval/")
        await wait_for(pilot, lambda: app.objects.complete, "eval listed")
        assert app.objects.row_list.count == 60
        await pilot.press("slash")
        await type_text(pilot, "results-01")
        assert visible_cells(app) == [f"results-01{i}.json" for i in range(10)]
        assert "10 match" in app.objects.state_text
        await pilot.press("enter")  # keep the filter, back to the list
        assert app.objects.row_list.count == 10 and app.focused is app.objects.row_list
        await pilot.press("slash", "escape")
        assert app.objects.row_list.count == 60


async def test_read_only_hides_mutations_from_the_footer_and_refuses_them_with_a_message(sandbox):
    from textual.widgets._footer import FooterKey

    app = make_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.complete, "bucket root listed")
        app.objects.row_list.go_to(visible_cells(app).index("README.md"))
        await pilot.pause()
        footer = [key.description for key in app.query(FooterKey)]
        assert "Up" in footer and "Delete" not in footer
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("read-only" in n for n in notices(app))
        assert "[read-only]" in app.query_one(StatusLine).text


async def test_delete_object_asks_first_then_deletes_for_real(sandbox):
    import boto3  # noqa: F401  (the storage service needs it; imported here to keep timing honest)

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gate.verdicts, "permissions known")
        key = "ui-test/delete-me.txt"
        await app.services.storage.put_object("model-checkpoints", key, b"bye")
        app.open_location("model-checkpoints", "ui-test/")
        await wait_for(pilot, lambda: app.objects.complete, "listed")
        assert visible_cells(app) == ["delete-me.txt"]
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen) and app.screen.target == f"s3://model-checkpoints/{key}"
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: any("Deleted s3://model-checkpoints/" in n for n in notices(app)), "deleted")
        await wait_for(pilot, lambda: app.objects.complete and app.objects.row_list.count == 0, "relisted")
        assert app.objects.state_text == "No objects under this prefix."


async def test_missing_permission_dims_the_pane_and_refuses_it(sandbox):
    user = make_principal(sandbox, name="no-admin")  # no role, no policy: AuthCanI says no
    app = make_app(sandbox, token=user.token)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gate.known("cwobject:ListAccessKeyInfo", "*"), "can-i answered")
        assert app.gate.verdicts[("cwobject:ListAccessKeyInfo", "*")] is False
        await pilot.press("2")
        assert app.active_pane == "buckets"
        assert any("lacks cwobject:ListAccessKeyInfo" in n for n in notices(app))


async def test_keymap_override_from_settings_rebinds_by_command_id(sandbox):
    settings = Settings.from_data({"keymap": {"list.refresh": "ctrl+r", "pane.keys": "K"}})
    app = make_app(sandbox, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        assert app.active_pane == "keys"
        await wait_for(pilot, lambda: app.pane("keys").complete, "keys listed")
        generation = app.pane().generation
        await pilot.press("r")  # no longer bound
        assert app.pane().generation == generation
        await pilot.press("ctrl+r")
        assert app.pane().generation == generation + 1
        await pilot.press("f1")
        assert "ctrl+r" in help_plain(app.screen.body)


async def test_copy_uses_osc52_and_shows_the_text(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        selected = app.pane().row_list.selected
        assert selected is not None
        await pilot.press("c")
        assert app.clipboard == selected.value
        assert selected.value in notices(app)


async def test_revoked_token_mid_session_opens_reauth_and_new_token_recovers(sandbox):
    user = make_principal(sandbox, admin=True, name="revoked-mid-session")
    app = make_app(sandbox, token=user.token)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: app.pane("keys").complete, "keys listed with the first token")
        await wait_checks_done(pilot, app)  # else the revoked token may fail a permission check, not the reload
        r = httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{user.token_id}", timeout=10)
        assert r.status_code < 300
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReauthScreen), "re-auth modal")
        assert "Error" in app.pane("keys").state_text
        fresh = httpx.post(f"{sandbox.control_plane}/sandbox/tokens",
                           json={"principalUid": user.uid, "expiresInSeconds": None, "label": "fresh"}).json()
        token_input = app.screen.query_one("#reauth-token")
        assert token_input.password is True
        token_input.value = fresh["token"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.pane("keys").complete and "Error" not in app.pane("keys").state_text,
                       "keys listed again with the new token")
        assert not isinstance(app.screen, ReauthScreen)


async def test_server_text_is_never_markup_and_bidi_overrides_are_escaped(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        key = "ui-test/[b]evil[i] \u202egnp.exe"
        await app.services.storage.put_object("model-checkpoints", key, b"x")
        app.open_location("model-checkpoints", "ui-test/")
        await wait_for(pilot, lambda: app.objects.complete, "listed")
        assert "[b]evil[i] \\u202egnp.exe" in visible_cells(app)
        line = app.objects.row_list.render_line(1 + visible_cells(app).index("[b]evil[i] \\u202egnp.exe"))
        assert "[b]evil[i] \\u202egnp.exe" in line.text and "\u202e" not in line.text
        await app.services.storage.delete_object("model-checkpoints", key)


def test_first_frame_does_not_import_boto3(sandbox):
    import subprocess
    import sys

    code = f"""
import asyncio, sys
from tests.ui_support import make_app
from types import SimpleNamespace
sb = SimpleNamespace(control_plane={sandbox.control_plane!r}, s3={sandbox.s3!r}, token={sandbox.token!r},
                     org_id={sandbox.org_id!r}, zone={sandbox.zone!r})
async def main():
    app = make_app(sb)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        print("boto3" in sys.modules)
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
