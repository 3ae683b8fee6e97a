"""The `:` / `/` line: visible above the footer, history per mode, Tab completion (harness app, 80x24)."""

from __future__ import annotations

from rich.style import Style

from cwos_tui.ui.widgets.command_bar import Mode
from tests.widget_harness import BarHarness, cursor_line, numbered_rows, screen_text

WORDS = ["keys", "key", "kill", "b data/images/", "b data/imports/", "b data/index.json"]


def cell_style(app: BarHarness, y: int, x: int) -> Style:
    """The style of one rendered screen cell."""
    strip = app.screen._compositor.render_strips()[y]
    for segment in strip.crop(x, x + 1):
        return segment.style or Style()
    raise AssertionError(f"nothing drawn at {x},{y}")


def completer(mode: Mode, text: str) -> list[str]:
    return [word for word in WORDS if word.startswith(text)] if mode == "command" else []


async def test_the_command_line_shows_above_the_footer_with_prompt_text_and_cursor():
    app = BarHarness(numbered_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.row_list.region.height == 23  # closed: the list takes everything above the footer
        await pilot.press(*["down"] * 21)  # the cursor on the list's last screen line
        await pilot.press("colon", "k", "e", "y", "s")
        await pilot.pause()
        lines = screen_text(app)
        assert lines[22].startswith(": keys") and "Quit" in lines[23]  # the typed text, right above the footer
        assert app.row_list.region.height == 22  # the rest of the layout gave up one line
        assert "item-00021" in cursor_line(app.row_list)[1]  # the list kept its cursor in view
        assert app.bar.has_focus and app.cursor_position.y == 22
        cursor_bg = app.bar.get_component_rich_style("input--cursor").bgcolor
        assert cell_style(app, 22, len(": keys")).bgcolor == cursor_bg  # the cursor block after the text
        assert cell_style(app, 22, len(": ke")).bgcolor != cursor_bg

        await pilot.press("escape")
        await pilot.pause()
        assert app.closed == [("command", "keys", False)]
        assert not screen_text(app)[22].startswith(":") and app.row_list.region.height == 23

        await pilot.press("slash", "0", "0", "4")
        await pilot.pause()
        lines = screen_text(app)
        assert lines[22].startswith("/ 004") and "item-00004" in lines[1] and "item-00040" in lines[2]
        await pilot.press("enter")
        await pilot.pause()
        assert app.closed[-1] == ("filter", "004", True) and app.row_list.count == 11


async def test_history_walks_back_per_mode_and_keeps_the_half_typed_line():
    app = BarHarness(numbered_rows(10))
    async with app.run_test(size=(80, 24)) as pilot:
        for typed in (["k", "e", "y", "s"], ["p", "o", "l"], ["p", "o", "l"], ["b", "space", "d", "slash"]):
            await pilot.press("colon", *typed, "enter")
        await pilot.press("slash", "i", "t", "enter", "escape")
        assert app.bar.history == {"command": ["b d/", "pol", "keys"], "filter": ["it"]}

        await pilot.press("colon", "x")  # half typed
        await pilot.press("up")
        await pilot.pause()
        assert screen_text(app)[22].startswith(": b d/")
        await pilot.press("up", "up")
        await pilot.pause()
        assert screen_text(app)[22].startswith(": keys")
        await pilot.press("up")  # the oldest: stays
        await pilot.pause()
        assert screen_text(app)[22].startswith(": keys")
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert screen_text(app)[22].startswith(": x ")  # back to what was being typed
        await pilot.press("escape", "slash", "up")
        await pilot.pause()
        assert screen_text(app)[22].startswith("/ it")  # filters have their own history


async def test_tab_completes_one_match_in_place():
    app = BarHarness(numbered_rows(10), completer=completer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", "k", "i", "tab")
        await pilot.pause()
        lines = screen_text(app)
        assert lines[22].startswith(": kill") and "matches" not in lines[21]
        assert app.bar.cursor_position == len("kill")


async def test_tab_with_several_matches_completes_the_common_part_shows_them_and_cycles():
    app = BarHarness(numbered_rows(10), completer=completer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", "b", "space", "d", "tab")
        await pilot.pause()
        lines = screen_text(app)
        assert lines[22].startswith(": b data/i")
        assert lines[21].startswith(" 3 matches: images/  imports/  index.json")  # a hint line above the bar
        assert "Quit" in lines[23] and app.row_list.region.height == 21

        await pilot.press("tab")
        await pilot.pause()
        assert screen_text(app)[22].startswith(": b data/images/ ")
        await pilot.press("tab")
        await pilot.pause()
        assert screen_text(app)[22].startswith(": b data/imports/ ")
        await pilot.press("tab", "tab")  # round again
        await pilot.pause()
        assert screen_text(app)[22].startswith(": b data/images/ ")
        await pilot.press("shift+tab")
        await pilot.pause()
        assert screen_text(app)[22].startswith(": b data/index.json")

        await pilot.press("x")  # typing ends the cycle and hides the candidates
        await pilot.pause()
        lines = screen_text(app)
        assert lines[22].startswith(": b data/index.jsonx") and "matches" not in lines[21]
        await pilot.press("tab")
        await pilot.pause()
        assert "no completion" in screen_text(app)[21]
        await pilot.press("enter")
        await pilot.pause()
        assert app.closed[-1] == ("command", "b data/index.jsonx", True)
        assert "no completion" not in screen_text(app)[21] and app.row_list.region.height == 23


async def test_candidates_are_shown_as_plain_text_with_control_characters_escaped():
    def hostile(mode: Mode, text: str) -> list[str]:
        return ["b [bold]x[/bold]/", "b \x1b[31mred/"]

    app = BarHarness(numbered_rows(3), completer=hostile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", "b", "tab")
        await pilot.pause()
        hint = screen_text(app)[21]
        assert "[bold]x[/bold]/" in hint and "\\x1b[31mred/" in hint and "\x1b" not in hint
