"""`cwos-tui serve --demo` in a real headless Chromium (Debian's `chromium` + `chromium-driver`, driven by
Selenium through the system chromedriver: nothing is downloaded). Keys are typed into the page's
terminal; what the dashboard drew is read from the websocket frames the page received (the terminal
itself draws on a canvas). Skipped, saying why, only when no Chromium is installed.

`SAVE_WEB_SCREENSHOT=screenshots/web.png pytest tests/test_web_browser.py` refreshes the README's picture.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web_support import Served, serve, terminal_text

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                       reason="no Chromium installed: install Debian's chromium and chromium-driver "
                              "(`apt-get install -y chromium chromium-driver`; .ci/run does this as root)"),
    pytest.mark.timeout(240),
]

#: Recorded before the page's own script runs: the text of every frame its websocket receives.
RECORDER = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__cwosText = "";
  function Recording(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        window.__cwosText += decoder.decode(new Uint8Array(event.data), {stream: true});
      }
    });
    return socket;
  }
  Recording.prototype = Native.prototype;
  Object.assign(Recording, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Recording;
})();
"""
WIDTH, HEIGHT = 1100, 640


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = serve("--demo")
    yield server
    server.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={WIDTH},{HEIGHT}", "--no-first-run", "--disable-extensions",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER or ""))
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(tmp_path / "downloads")})
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The served dashboard in the browser: keys in, terminal text out."""

    def __init__(self, driver: object) -> None:
        self.driver = driver

    def received(self) -> str:
        return terminal_text(self.driver.execute_script("return window.__cwosText || ''"))  # type: ignore[attr-defined]

    def mark(self) -> int:
        return len(self.received())

    def wait_for(self, *texts: str, since: int = 0, timeout: float = 60.0) -> str:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
                lambda _: all(t in self.received()[since:] for t in texts))
        except TimeoutException:
            raise AssertionError(f"{texts!r} did not arrive; the page shows:\n{self.received()[-3000:]}") from None
        return self.received()[since:]

    def type(self, *keys: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(*keys)  # type: ignore


def test_the_dashboard_in_chromium_switches_panes_opens_a_bucket_previews_and_saves_an_object(
        served, browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    browser.get(served.url)
    page = Page(browser)
    page.wait_for("Buckets", "model-checkpoints", "training-data", "^k Palette")  # the web keymap's footer
    mark = page.mark()
    page.type("?")  # help: the pane's own keys first, then the app's, with the web keys
    page.wait_for("Enter", "Open the selected bucket", since=mark)
    page.type(Keys.END)  # the Buckets pane has more keys than the help window is tall
    page.wait_for("? F1", "ctrl+k", "Command palette", since=mark)
    mark = page.mark()
    page.type("q")  # closes it (a lone Esc waits to see whether a sequence follows)
    page.wait_for("model-checkpoints", since=mark)
    mark = page.mark()
    page.type("1")
    page.wait_for("sandbox admin", since=mark)  # the Tokens pane names the session's token
    mark = page.mark()
    page.type("4")
    page.wait_for("Bucket", "training-data", since=mark)
    mark = page.mark()
    page.type(Keys.ARROW_DOWN, Keys.ENTER)  # the second bucket, opened
    page.wait_for("s3://training-data", "datasets/", since=mark)
    page.wait_for("README.md", since=mark)
    shot = tmp_path / "web.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if target := os.environ.get("SAVE_WEB_SCREENSHOT"):
        shutil.copyfile(shot, target)

    # a preview, as in the terminal
    mark = page.mark()
    page.type("p")
    page.wait_for("training-data (revision 3)", since=mark)
    mark = page.mark()
    page.type("q")
    page.wait_for("datasets/", since=mark)
    # Ctrl+S saves the object at the cursor (README.md, the folder's first row) through the browser
    mark = page.mark()
    page.type(Keys.CONTROL, "s")
    page.wait_for("Sending README.md", since=mark)
    saved = tmp_path / "downloads" / "README.md"
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30, poll_frequency=0.1).until(lambda _: saved.exists())
    assert saved.read_bytes() == b"# training-data (revision 3)\n"
