"""The dashboard heals itself (issue 11): a revoked own S3 key is replaced by a fresh exchange while the token
is valid (a notice, no dialog); auto-refreshing keys say "refreshes in …" instead of counting down to a red
"expired"; a key past its expiry shows EXPIRED without a reload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from textual.screen import ModalScreen

from cwos_tui.cloud.clock import ManualClock
from cwos_tui.ui.widgets.status_line import StatusLine
from tests.helpers import grant, make_principal, new_key
from tests.test_ui_keys import SIZE, open_keys
from tests.ui_support import make_app, notices, wait_for


async def open_training_data(pilot: Any, app: Any) -> None:
    app.open_location("training-data", "")
    objects = app.objects
    await wait_for(pilot, lambda: app.active_pane == "objects" and objects.complete and objects.row_list.count,
                   "the objects of training-data")


async def test_revoked_own_key_is_replaced_with_a_fresh_exchange(sandbox: Any) -> None:
    me = make_principal(sandbox, admin=True, name="self-heal")
    grant(sandbox, me.principal_name, ["s3:*"])
    clock = ManualClock()
    app = make_app(sandbox, token=me.token, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_data(pilot, app)
        old = app.services.current_keys
        assert old is not None
        revoked = httpx.post(f"{sandbox.control_plane}/v1/cwobject/revoke-access-key/access-key",
                             json={"accessKeyId": old.access_key_id},
                             headers={"Authorization": f"Bearer {me.token}"})
        revoked.raise_for_status()
        clock.advance(60)  # past the grace in which a denial may only mean a new key is not live yet
        app.objects.reload()
        await wait_for(pilot, lambda: any("stopped working" in n for n in notices(app)), "the replacement notice")
        await wait_for(pilot, lambda: app.objects.complete and app.objects.row_list.count, "the objects again")
        fresh = app.services.current_keys
        assert fresh is not None and fresh.access_key_id != old.access_key_id
        assert not isinstance(app.screen, ModalScreen), app.screen
        assert not app.objects.state_text.startswith("Error")


async def test_auto_refreshing_keys_say_when_they_refresh_not_a_red_countdown(sandbox: Any) -> None:
    clock = ManualClock()
    app = make_app(sandbox, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_training_data(pilot, app)
        keys = app.services.current_keys
        assert keys is not None and keys.expires_at is not None
        status = app.query_one(StatusLine)
        clock.set(keys.expires_at - timedelta(minutes=5))
        status.tick()
        text = status.text
        assert "S3 key refreshes in 3m 00s" in text, text  # 5 minutes left, renewed 2 minutes before expiry
        clock.set(keys.expires_at - timedelta(seconds=90))
        assert "S3 key refreshing…" in status.text
        assert "expired" not in status.text


async def test_a_key_past_its_expiry_shows_expired_without_a_reload(sandbox: Any) -> None:
    key = new_key(sandbox, sandbox.token, duration=3600, attributes={"name": "lapse-probe"})
    clock = ManualClock()
    app = make_app(sandbox, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_keys(app, pilot, key["accessKeyId"])
        row = pane.row_list.row_at(0)
        assert row is not None and row.cells[1] == "ACTIVE"
        expires_at = pane.keys[key["accessKeyId"]].expires_at
        assert expires_at is not None
        clock.set(expires_at + timedelta(seconds=1))
        pane.tick()
        await pilot.pause()
        row = pane.row_list.row_at(0)
        assert row is not None and row.cells[1] == "EXPIRED" and row.value == key["accessKeyId"]
