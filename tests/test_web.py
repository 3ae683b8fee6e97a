"""`cwos-tui serve` without a browser: who may connect, read-only for everyone, one demo sandbox shared by
every tab, nothing left running after a stop. Tabs talk to the real server over its websocket, as the
page's script does, and read what the dashboard drew."""

from __future__ import annotations

import re
import subprocess
import sys

import aiohttp
import pytest

from cwos_tui.web.access import Access, is_loopback
from cwos_tui.web.serve import ServeOptions, refusal
from cwos_tui.web.server import disposition
from tests.web_support import Tab, alive, descendants, serve

pytestmark = pytest.mark.timeout(240)


# ---- the rules, as units -----------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True),
                                                ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                                ("192.168.1.5", False), ("example.com", False), ("::", False)])
def test_only_loopback_addresses_count_as_loopback(host, loopback):
    assert is_loopback(host) is loopback
    said = refusal(ServeOptions(host=host))
    assert (said is None) is loopback
    if not loopback:
        assert "--allow-remote" in said and host in said
        assert refusal(ServeOptions(host=host, allow_remote=True)) is None


def test_a_loopback_server_answers_only_to_loopback_names_with_its_port():
    access = Access(token=None, loopback_only=True, port=8123)
    assert access.host_ok("127.0.0.1:8123") and access.host_ok("localhost:8123") and access.host_ok("[::1]:8123")
    assert not access.host_ok("attacker.example:8123")  # DNS rebinding
    assert not access.host_ok("127.0.0.1:9999") and not access.host_ok(None)


def test_served_dashboards_get_the_web_keymap_under_the_users_own_and_forced_read_only():
    from cwos_tui.config.settings import Settings
    from cwos_tui.ui.web_app import web_settings

    settings = web_settings(Settings.from_data({"keymap": {"app.help": "h"}}), read_only=True)
    assert settings.read_only is True  # profile switches read it: no visitor gets out of read-only
    assert settings.keymap["app.palette"].startswith("ctrl+k") and settings.keymap["app.help"] == "h"
    assert web_settings(Settings.from_data({}), read_only=False).read_only is False


def test_download_names_cannot_break_out_of_the_header():
    header = disposition("attachment", 'a";\r\nSet-Cookie: x=1;\u202e.txt')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a____Set-Cookie: x=1__.txt"; filename*=UTF-8\'\'')


def test_a_non_loopback_bind_is_refused_without_allow_remote():
    out = subprocess.run([sys.executable, "-m", "cwos_tui", "serve", "--host", "0.0.0.0", "--port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "refusing to serve on 0.0.0.0" in out.stderr and "--allow-remote" in out.stderr
    assert "served at" not in out.stdout


def test_serving_without_a_usable_profile_says_so_before_serving():
    out = subprocess.run([sys.executable, "-m", "cwos_tui", "serve", "--port", "0", "--profile", "nosuch"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "nosuch" in out.stderr and "--demo" in out.stderr
    assert "served at" not in out.stdout


def test_demo_and_profile_exclude_each_other():
    out = subprocess.run([sys.executable, "-m", "cwos_tui", "serve", "--demo", "--profile", "prod"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "exclude each other" in out.stderr


# ---- a remote-style server: the token, and read-only for every visitor ---------------------------


@pytest.fixture(scope="module")
def guarded():
    """`serve --demo --read-only --allow-remote` (on 127.0.0.1: tests bind nothing else)."""
    served = serve("--demo", "--read-only", "--allow-remote")
    yield served
    served.stop()


async def test_allow_remote_prints_a_token_once_and_every_request_needs_it(guarded):
    assert guarded.token and len(guarded.token) >= 24
    printed = "".join(guarded.lines)
    assert printed.count(guarded.token) == 1 and "shown only this once" in printed
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        for path in ("/", "/static/js/textual.js", "/download/abc", "/?token=wrong"):
            async with session.get(guarded.base + path, allow_redirects=False) as response:
                assert response.status == 403, path
                assert "access token" in await response.text()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(guarded.base.replace("http", "ws") + "/ws", origin=guarded.base)
        assert refused.value.status == 403


async def test_the_token_becomes_a_cookie_and_leaves_the_address_bar(guarded):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{guarded.base}/?token={guarded.token}&fontsize=14",
                               allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/?fontsize=14"
            cookie = response.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        async with session.get(guarded.base + "/?fontsize=14") as response:
            assert response.status == 200
            page = await response.text()
            assert "textual.js" in page and "fonts.googleapis" not in page
        # the websocket needs the cookie and the page's own origin
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(guarded.base.replace("http", "ws") + "/ws", origin="http://evil.example")
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(guarded.base.replace("http", "ws") + "/ws")


async def test_read_only_refuses_changes_for_every_visitor(guarded):
    tab = await Tab.open(guarded)
    try:
        await tab.wait_for("training-data", "read-only")
        await tab.press("2")  # Access keys
        await tab.wait_for("Principal")
        mark = tab.mark()
        await tab.press("n")  # new access key
        await tab.wait_for("New access key: refused, the session is read-only", since=mark)
    finally:
        await tab.close()


# ---- one demo sandbox for every tab; a stop leaves nothing --------------------------------------


def _sandboxes(pid: int) -> dict[int, str]:
    return {p: c for p, c in descendants(pid).items() if "cwos_tui sandbox" in c}


async def _until(condition, timeout: float = 30.0) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


def _control_plane(text: str) -> str:
    found = re.findall(r"http://127\.0\.0\.1:\d+", text)
    assert found, text[-1500:]
    return found[0]


async def test_two_tabs_share_one_demo_sandbox_and_a_stop_leaves_no_process():
    served = serve("--demo")
    tabs: list[Tab] = []
    try:
        assert len(_sandboxes(served.pid)) == 1  # started before the first tab
        tabs = [await Tab.open(served), await Tab.open(served)]
        first, second = [await tab.wait_for("training-data", "model-checkpoints") for tab in tabs]
        assert _control_plane(first) == _control_plane(second)
        # what one tab changes, the other sees: README.md deleted in the first is gone in the second
        one, other = tabs
        mark = one.mark()
        await one.press("\x1b[B\r")  # the second bucket, training-data, opened
        await one.wait_for("s3://training-data", "README.md", "3 items", since=mark)
        await one.press("d")
        await one.wait_for("Delete this object?", since=mark)
        await one.press("\t\r")  # from Cancel to Delete
        await one.wait_for("Deleted s3://training-data/README.md", since=mark)
        mark = other.mark()
        await other.press("\x1b[B\r")
        await other.wait_for("s3://training-data", "2 items", since=mark)
        assert "README.md" not in other.since(mark)
        tree = descendants(served.pid)
        assert len(_sandboxes(served.pid)) == 1, tree
        dashboards = [p for p, c in tree.items() if "cwos_tui.ui.web_app" in c]
        assert len(dashboards) == 2, tree
        assert any("weed" in c for c in tree.values()), tree  # the sandbox's SeaweedFS
        async with aiohttp.ClientSession() as session:  # a page elsewhere that rebinds its name to 127.0.0.1
            port = served.base.rsplit(":", 1)[1]
            async with session.get(served.base, headers={"Host": f"attacker.example:{port}"}) as response:
                assert response.status == 403
            async with session.get(served.base) as response:
                assert response.status == 200
        await tabs[1].close()  # a closed tab's dashboard quits; the sandbox and the other tab stay
        await _until(lambda: sum("cwos_tui.ui.web_app" in c for c in descendants(served.pid).values()) == 1)
        assert len(_sandboxes(served.pid)) == 1
    finally:
        for tab in tabs:
            await tab.session.close()
        code = served.stop()
    assert code == 0
    left = {pid: command for pid, command in tree.items() if alive(pid)}
    assert left == {}, f"still running after the server stopped: {left}"


# ---- save to browser outside a browser ------------------------------------------------------------


async def test_save_to_browser_in_a_terminal_says_where_it_works(sandbox):
    from cwos_tui.ui.web_save import NOT_SERVED
    from tests.ui_support import make_app, notices, wait_for

    app = make_app(sandbox)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.open_location("training-data", "")
        await wait_for(pilot, lambda: app.objects.selected_object() == "README.md", "README.md at the cursor")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: NOT_SERVED in notices(app), "the not-served notice")


def test_the_s3_body_reads_forward_and_odd_content_types_become_neutral():
    import io

    from cwos_tui.ui.web_save import BodyStream, content_type

    stream = BodyStream(io.BytesIO(b"abcdef"))
    assert stream.seek(0) == 0 and stream.read(4) == b"abcd" and stream.read(-1) == b"ef"
    with pytest.raises(io.UnsupportedOperation):
        stream.seek(0)
    stream.close()
    assert content_type("text/csv; charset=utf-8") == "text/csv"
    assert content_type("text/html\r\nX-Evil: 1") == "application/octet-stream"
    assert content_type(None) == "application/octet-stream"
