"""The shell as a user meets it at 80x24: what you type shows, Tab completes, the cursor stays put,
Ctrl+Q works from dialogs, every row has details, Ctrl+P reaches every pane, and the gate judges a
command on the resource it acts on."""

from __future__ import annotations

import uuid

from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.help import help_plain
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.widgets.command_bar import CommandBar
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.helpers import grant, make_principal, new_key
from tests.ui_support import make_app, notices, type_text, visible_cells, wait_for

SIZE = (80, 24)


def screen_text(app) -> str:
    return app.export_screenshot()


def screen_lines(app) -> list[str]:
    """The terminal's text, line by line (what a user reads)."""
    import re

    text = re.sub(r"<[^>]+>", "", app.export_screenshot())
    return [line.replace("&#160;", " ") for line in text.splitlines()]


async def test_typed_command_line_is_on_screen_and_tab_completes_a_bucket(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        await pilot.press("colon", "b", "space", "t", "r", "a")
        bar = app.query_one(CommandBar)
        assert bar.region.y + bar.region.height <= SIZE[1] - 1  # above the footer, not under it
        assert any(":b tra" in line for line in screen_lines(app))
        await pilot.press("tab")
        assert bar.value == "b training-data/"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.objects.complete, "bucket listed")
        assert app.active_pane == "objects" and app.objects.bucket == "training-data"
        await pilot.press("colon", "up")  # history: the last command comes back
        assert bar.value == "b training-data/"
        await pilot.press("escape")


async def test_filter_text_is_visible_while_typing(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        await pilot.press("slash", "m", "o", "d")
        assert any("/mod" in line for line in screen_lines(app))
        assert visible_cells(app) == ["model-checkpoints"]


async def test_cursor_stays_on_the_same_principal_after_suspend_and_reload(sandbox):
    user = make_principal(sandbox, name=f"cursor-{uuid.uuid4().hex[:6]}")
    grant(sandbox, user.principal_name, actions=["cwobject:CreateAccessKey"])
    key = new_key(sandbox, user.token)
    app = make_app(sandbox, initial_pane="keys")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane("keys")
        await wait_for(pilot, lambda: pane.complete and key["accessKeyId"] in pane.keys, "keys listed")
        assert pane.row_list.select_value(key["accessKeyId"])
        index_before = pane.row_list.cursor
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "suspend dialog")
        await pilot.click("#ttc-yes")
        await wait_for(pilot, lambda: pane.complete and pane.keys[key["accessKeyId"]].status == "FULL_SUSPENDED",
                       "suspended and reloaded")
        assert pane.selected_key() is not None and pane.selected_key().access_key_id == key["accessKeyId"]
        assert pane.row_list.cursor == index_before
        await pilot.press("a")  # reactivate offers the same principal, not the first row's
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "reactivate dialog")
        assert user.principal_name in app.screen.target


async def test_ctrl_q_quits_from_an_open_dialog_and_asks_first_when_something_was_typed(sandbox):
    app = make_app(sandbox, initial_pane="keys")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("keys").complete, "keys listed")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query(Input), "create-key form")
        app.screen.query(Input).first().value = "half typed"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "quit question")
        assert "lost" in app.screen.question
        await pilot.press("escape")  # no: back to the form, nothing lost
        assert app.screen.query(Input).first().value == "half typed"
        app.screen.query(Input).first().value = ""
        await pilot.press("ctrl+q")
    assert app.return_code == 0 and not app.is_running


async def test_i_shows_every_field_of_a_key_with_full_principal_and_copies_it(sandbox):
    app = make_app(sandbox, initial_pane="keys")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane("keys")
        await wait_for(pilot, lambda: pane.complete, "keys listed")
        key = pane.selected_key()
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "detail view")
        shown = "\n".join(screen_lines(app))
        assert key.access_key_id in shown and key.principal_name in shown
        await pilot.press("c")  # the first field: the key id
        assert app.clipboard == key.access_key_id
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_enter_on_an_object_shows_its_details(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.complete, "bucket root listed")
        app.objects.row_list.go_to(visible_cells(app).index("README.md"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "object details")
        assert "s3://training-data/README.md" in "\n".join(screen_lines(app))


async def test_palette_finds_a_command_of_another_pane_and_goes_there(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "palette")
        await type_text(pilot, "sort keys")
        hits = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: hits.option_count and "Sort keys" in str(hits.get_option_at_index(0).prompt),
                       "hit shown")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.active_pane == "keys", "switched to Access keys")
        await wait_for(pilot, lambda: any("sorted by" in n for n in notices(app)), "sorted")


async def test_help_lists_the_focused_panes_keys_first_and_the_footer_fits_80_columns(sandbox):
    app = make_app(sandbox, initial_pane="keys")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("keys").complete, "keys listed")
        footer = [key.region for key in app.query(FooterKey)]
        assert footer and max(r.x + r.width for r in footer) <= SIZE[0]
        assert "New" in [key.description for key in app.query(FooterKey)]
        await pilot.press("f1")
        text = help_plain(app.screen.body)
        first_rows = [line for line in text.splitlines()[1:6] if line.strip()]
        assert first_rows[0].startswith("n ") and "New access key" in first_rows[0]


async def test_gate_allows_s3_star_on_one_bucket_there_and_refuses_it_elsewhere_naming_both(sandbox):
    user = make_principal(sandbox, name=f"one-bucket-{uuid.uuid4().hex[:6]}")
    grant(sandbox, user.principal_name, actions=["s3:*"], resources=["model-checkpoints", "model-checkpoints/*"])
    grant(sandbox, user.principal_name, actions=["cwobject:CreateAccessKey", "cwobject:ListBucketInfo"])
    app = make_app(sandbox, token=user.token)
    async with app.run_test(size=SIZE) as pilot:
        key = f"gate-test/{uuid.uuid4().hex[:8]}.txt"
        admin = make_app(sandbox)  # puts the objects with the sandbox admin's keys
        await admin.services.storage.put_object("model-checkpoints", key, b"mine")
        await admin.services.storage.put_object("training-data", key, b"theirs")
        await admin.services.close()
        app.open_location("model-checkpoints", "gate-test/")
        await wait_for(pilot, lambda: app.objects.complete and app.gate.known("s3:DeleteObject",
                       "model-checkpoints/gate-test/*"), "listed and judged")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "delete asks")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: any("Deleted s3://model-checkpoints/" in n for n in notices(app)), "deleted")
        app.open_location("training-data", "gate-test/")
        await wait_for(pilot, lambda: app.gate.known("s3:DeleteObject", "training-data/gate-test/*"), "judged")
        refused = [n for n in notices(app) if "refused" in n]
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        refused = [n for n in notices(app) if "refused" in n]
        assert refused and "s3:DeleteObject" in refused[-1] and "training-data/gate-test/*" in refused[-1]


async def test_principal_aliases_from_settings_replace_bare_names_in_lists_not_in_details(sandbox):
    from cwos_tui.config.settings import Settings

    settings = Settings.from_data({"principals": {sandbox.admin_principal: "the admin"}})
    app = make_app(sandbox, settings=settings, initial_pane="keys")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.pane("keys")
        await wait_for(pilot, lambda: pane.complete and app.principal, "keys listed")
        mine = [row for row in pane.row_list.rows if pane.keys[row.value].principal_name == sandbox.admin_principal]
        assert mine and all(row.cells[2] == "the admin" for row in mine)
        assert "the admin" in app.query_one(StatusLine).text
        pane.row_list.select_value(mine[0].value)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "details")
        shown = "\n".join(screen_lines(app))
        assert sandbox.admin_principal in shown and "the admin" in shown


async def test_keys_typed_right_after_colon_land_in_the_command_line_not_the_list(sandbox):
    """A paste or a fast typist: every key is queued before the line is drawn; none may reach the list."""
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        generation = app.pane().generation
        for key, char in (("colon", ":"), ("r", "r"), ("a", "a"), ("j", "j")):  # r: refresh, j: cursor down
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)  # as the terminal driver delivers a burst: no pause between keys
        await pilot.pause()
        assert app.query_one(CommandBar).value == "raj"
        assert app.pane().generation == generation and app.pane().row_list.cursor == 0


def test_exit_messages_reach_the_terminal_and_a_crash_prints_one_line(capsys):
    from cwos_tui.session import pending_connection
    from cwos_tui.ui.app import CwosApp

    app = CwosApp(pending_connection("x", "waiting"))
    app._exit_renderables.append("cwos-tui: setup skipped; run `cwos-tui setup` when ready.")
    app._print_error_renderables()
    assert capsys.readouterr().err.strip() == "cwos-tui: setup skipped; run `cwos-tui setup` when ready."
    app._crashed = True
    app._exit_renderables.append("Traceback (most recent call last): ...")
    app._print_error_renderables()
    err = capsys.readouterr().err
    assert "stopped after an unexpected error" in err and "Traceback" not in err and len(err.splitlines()) == 1


def _burst(app, keys) -> None:
    """Deliver keys as the terminal driver does for a burst: all queued before the app handles the first."""
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_typed_right_after_a_dialog_opens_land_in_its_first_field(sandbox):
    """`n` then a label typed at once: every letter reaches the label field, none is lost or taken as a key."""
    from cwos_tui.ui.modals.add_token import AddTokenScreen

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.pane("tokens").complete, "tokens listed")
        _burst(app, [("n", "n")] + [(c, c) for c in "laptop"])
        await wait_for(pilot, lambda: isinstance(app.screen, AddTokenScreen), "add-token dialog open")
        await wait_for(pilot, lambda: app.screen.query_one("#at-label", Input).value == "laptop",
                       "typed label in the field")
        assert "laptop" in "\n".join(screen_lines(app))


async def test_escape_and_a_key_read_as_alt_close_the_dialog_and_then_act(sandbox):
    """Esc then `2` within the terminal's escape delay arrives as alt+2: the help closes, pane 2 opens."""
    from cwos_tui.ui.modals.help import HelpScreen

    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help open")
        _burst(app, [("alt+2", "2")])
        await wait_for(pilot, lambda: app.active_pane == "keys", "keys pane shown")
        assert not isinstance(app.screen, HelpScreen)


async def test_a_burst_after_the_app_lost_focus_acts_in_typing_order(sandbox):
    """A browser tab or terminal that lost focus: Down then Enter at once still opens the second bucket."""
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        second = visible_cells(app)[1]
        app.post_message(events.AppBlur())
        await wait_for(pilot, lambda: app.focused is None, "focus gone with the app's")
        _burst(app, [("down", None), ("enter", "\r")])
        await wait_for(pilot, lambda: app.active_pane == "objects", "a bucket opened")
        await wait_for(pilot, lambda: f"s3://{second}" in "\n".join(screen_lines(app)), "the second bucket shown")


async def test_a_browser_tab_shows_its_web_keys_first_and_cannot_open_the_setup_wizard(sandbox):
    """`cwos-tui serve`: F2 would write the server user's profiles and secrets, so it says where to run it."""
    from cwos_tui.config.settings import Settings
    from cwos_tui.ui.web_app import web_settings

    app = make_app(sandbox, served=True, settings=web_settings(Settings.from_data({}), read_only=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("buckets").complete, "buckets listed")
        footer = [key.description for key in app.query(FooterKey)]
        assert {"Quit", "Palette", "Help"} <= set(footer[:3])  # their browser keys come first in a tab
        await pilot.press("f2")
        await wait_for(pilot, lambda: any("on the server" in n for n in notices(app)), "refusal shown")
        assert len(app.screen_stack) == 1
