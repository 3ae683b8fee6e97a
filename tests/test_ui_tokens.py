"""Tokens pane against the real sandbox: add (masked) + validate, capability list, use, remove."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from textual.widgets import Button, Input, Static

from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.config.tokens import TokenBook
from cwos_tui.ui.modals.add_token import AddTokenScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.panes.tokens import TokensPane
from cwos_tui.ui.widgets.countdown import CountdownRowList
from tests.helpers import grant, make_principal
from tests.ui_support import make_app, notices, wait_for

SIZE = (120, 34)


async def click(app, pilot, selector: str) -> None:
    button = app.screen.query_one(selector, Button)
    await wait_for(pilot, lambda: not button.has_class("-active"), f"{selector} clickable")
    await pilot.click(selector)


def app_with_book(sandbox, tmp_path):
    book = TokenBook(tmp_path / "tokens.json", FileSecretStore(tmp_path / "secrets.json"))
    return make_app(sandbox, initial_pane="tokens", token_book=book)


async def add_token(app, pilot, label: str, value: str, expiry: str = "") -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, AddTokenScreen), "add-token modal")
    form = app.screen
    assert "console.coreweave.com/tokens" in " ".join(str(s.render()) for s in form.query(Static))
    assert form.query_one("#at-token", Input).password  # masked input
    form.query_one("#at-label", Input).value = label
    form.query_one("#at-token", Input).value = value
    form.query_one("#at-expiry", Input).value = expiry
    await pilot.pause()
    await click(app, pilot, "#at-add")


def book_rows(app) -> dict[str, tuple[str, ...]]:
    return {row.cells[1]: row.cells for row in app.pane("tokens").row_list.rows if row.cells[0].startswith("book")}


async def select(app, pilot, label: str) -> None:
    pane = app.pane("tokens")
    for index, row in enumerate(pane.row_list.rows):
        if row.cells[1] == label:
            pane.row_list.go_to(index)
    await pilot.pause()
    assert pane.selected_entry() is not None and pane.selected_entry().label == label


async def test_add_validate_use_and_remove_a_token(sandbox, tmp_path):
    reader = make_principal(sandbox, name="token-reader")
    grant(sandbox, reader.principal_name, actions=["s3:ListBucket", "s3:GetObject"], resources=["*"])
    app = app_with_book(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TokensPane)
        await wait_for(pilot, lambda: pane.complete, "tokens listed")
        expiry = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
        await add_token(app, pilot, "reader laptop", reader.token, expiry)
        await wait_for(pilot, lambda: any("added" in n for n in notices(app)), "added notice")
        note = next(n for n in notices(app) if "added" in n)
        assert reader.principal_name in note and "may (2 of 18): s3:ListBucket, s3:GetObject" in note
        await wait_for(pilot, lambda: pane.complete and "reader laptop" in book_rows(app), "book row")
        cells = book_rows(app)["reader laptop"]
        assert cells[2].startswith("CW-SECRET-****") and reader.token not in cells
        assert cells[3] == reader.principal_name and cells[4] == expiry
        assert reader.token not in app.ctx.token_book().path.read_text()
        await select(app, pilot, "reader laptop")
        detail = str(app.query_one("#token-detail", Static).render())
        assert "May do: s3:ListBucket, s3:GetObject" in detail and "org " + sandbox.org_id in detail
        line = pane.query_one(CountdownRowList).render_line(1 + pane.row_list.cursor)
        assert "".join(seg.text for seg in line).rstrip().endswith("d 23h")  # a live countdown
        # make it the profile's token: the whole dashboard now works as that principal
        await pilot.press("u")
        await wait_for(pilot, lambda: app.principal == reader.principal_name, "identity switched")
        assert app.services.control_plane.token == reader.token
        await wait_for(pilot, lambda: pane.complete and "reader laptop" in book_rows(app), "reloaded")
        assert book_rows(app)["reader laptop"][0] == "book *"
        assert app.services.connection.token.label == "reader laptop"
        # remove it (asks first)
        await select(app, pilot, "reader laptop")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "confirm")
        assert "reader laptop" in str(app.screen.query_one(".ttc-target", Static).render())
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: any("Removed" in n for n in notices(app)), "removed notice")
        await wait_for(pilot, lambda: pane.complete and "reader laptop" not in book_rows(app), "row gone")
    assert app.ctx.token_book().entries() == [] and app.ctx.token_book().store.names() == []


async def test_a_revoked_or_bogus_token_is_reported_when_validated(sandbox, tmp_path):
    temp = make_principal(sandbox, admin=True, name="short-lived")
    app = app_with_book(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TokensPane)
        await wait_for(pilot, lambda: pane.complete, "tokens listed")
        await add_token(app, pilot, "bogus", "CW-SECRET-" + "x" * 40)
        await wait_for(pilot, lambda: any("does not work" in n for n in notices(app)), "bogus reported")
        await add_token(app, pilot, "admin2", temp.token)
        await wait_for(pilot, lambda: any("'admin2' added" in n for n in notices(app)), "admin2 added")
        # the Object Storage Admin role: every cwobject action, but no S3 access without a policy
        assert "may (10 of 18): cwobject:" in next(n for n in notices(app) if "'admin2' added" in n)
        httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{temp.token_id}").raise_for_status()
        await wait_for(pilot, lambda: pane.complete and "admin2" in book_rows(app), "row")
        await select(app, pilot, "admin2")
        await pilot.press("v")
        await wait_for(pilot, lambda: any("'admin2' validated, but it does not work" in n for n in notices(app)),
                       "revoked token reported")


async def test_add_token_form_checks_its_fields(sandbox, tmp_path):
    app = app_with_book(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("tokens").complete, "tokens listed")
        await add_token(app, pilot, "old", "CW-SECRET-abc", "2001-01-01")
        assert "in the past" in str(app.screen.query_one("#at-problem", Static).render())
        app.screen.query_one("#at-expiry", Input).value = "someday"
        await click(app, pilot, "#at-add")
        assert "YYYY-MM-DD" in str(app.screen.query_one("#at-problem", Static).render())
        await pilot.press("escape")
        assert app.ctx.token_book().entries() == []
