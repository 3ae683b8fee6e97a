"""The detail view: every field, wrapped and escaped, a field cursor, copy (harness app, 80x24)."""

from __future__ import annotations

from cwos_tui.ui.modals.detail import DetailScreen
from tests.ui_support import wait_for
from tests.widget_harness import LONG_PRINCIPAL, SAMPLE_FIELDS, DetailHarness, screen_text


def selected_label(app: DetailHarness) -> str:
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    selected = [view for view in screen.field_views if view.has_class("-selected")]
    assert len(selected) == 1
    return selected[0].label


async def test_every_field_is_shown_whole_wrapped_and_escaped():
    app = DetailHarness("Access key CWABCDEFGHIJKLMN", SAMPLE_FIELDS)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "detail view")
        await pilot.pause()
        text = "\n".join(screen_text(app))
        assert "Access key CWABCDEFGHIJKLMN" in screen_text(app)[1]
        # the long principal wraps over several lines, and every character of it is on screen
        joined = "".join(line.strip("│ ").replace(" ", "") for line in screen_text(app)[4:7])
        assert LONG_PRINCIPAL in joined.replace("Principal", "")
        # control characters are escaped; real line breaks are line breaks
        assert "nightly \\x1b[31mtraining\\x07 job" in text and "\x1b" not in text and "\x07" not in text
        lines = screen_text(app)
        note = next(i for i, line in enumerate(lines) if "line one" in line)
        assert "line two    and a tab" in lines[note + 1] and "\\x0a" not in text
        assert any('"name": "data-readers",' in line for line in lines)
        assert len(lines) == 24 and all(len(line) == 80 for line in lines)


async def test_the_cursor_picks_a_field_and_c_copies_what_the_screen_shows():
    app = DetailHarness("Key", SAMPLE_FIELDS)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "detail view")
        assert selected_label(app) == "Access key ID"
        await pilot.press("down", "j")
        assert selected_label(app) == "Principal"
        await pilot.press("c")
        assert app.copied == [LONG_PRINCIPAL]
        await wait_for(pilot, lambda: any("Copied Principal" in line for line in screen_text(app)), "copy notice")
        await pilot.press("down", "c")
        # what the screen shows goes to the clipboard: a paste can never carry an escape sequence (issue 16)
        assert app.copied[-1] == "nightly \\x1b[31mtraining\\x07 job"
        await wait_for(pilot, lambda: any("Copied Name" in line for line in screen_text(app)), "second notice")
        shown = "\n".join(screen_text(app))
        assert "\x1b[31m" not in shown  # ...but the notice shows it escaped
        await pilot.press("end")
        assert selected_label(app) == "Note"
        await pilot.press("home", "up")
        assert selected_label(app) == "Access key ID"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen), "closed")


async def test_a_value_taller_than_the_screen_scrolls_line_by_line_then_moves_on():
    tall = "\n".join(f"statement {i:03d}" for i in range(60))
    app = DetailHarness("Policy", [("Name", "big"), ("Document", tall), ("After", "the end")])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "detail view")
        await pilot.press("down")
        assert selected_label(app) == "Document"
        assert not any("statement 059" in line for line in screen_text(app))
        for _ in range(60):
            await pilot.press("down")
            if selected_label(app) == "After":
                break
        await pilot.pause()
        lines = screen_text(app)
        assert any("statement 059" in line for line in lines) and any("the end" in line for line in lines)
        await pilot.press("pageup", "pageup", "pageup", "pageup")
        await pilot.pause()
        assert any("statement 000" in line for line in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen), "closed by escape")
        for key in ("q", "enter"):
            app.push_screen(DetailScreen("again", [("a", "b")]))
            await wait_for(pilot, lambda: app.screen.query(".detail-field"), "reopened")
            await pilot.press(key)
            await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen), f"closed by {key}")
