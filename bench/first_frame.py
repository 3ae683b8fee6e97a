"""First frame of the dashboard, measured against a bare Textual app in the same run.

Each sample is a fresh interpreter: from the first line of the script to the first callback after
the first refresh (the first frame has been drawn), headless at 80x24. Prints the median of N runs for:
  bare      an App with one Static (Textual's own floor)
  profile   the dashboard on an `env` profile pointing at a closed port (no server needed)
  demo      the dashboard as `--demo` draws it before the sandbox is up
Usage: python bench/first_frame.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PRELUDE = "import time; t0 = time.perf_counter()\n"
FIRST_FRAME = """
class Timed(type(app)):
    def on_mount(self):
        self.call_after_refresh(lambda: (print(time.perf_counter() - t0), self.exit()))
app.__class__ = Timed
import asyncio
async def run():
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1)
asyncio.run(run())
"""
CASES = {
    "bare": """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
app = Bare()
""",
    "profile": """
from cwos_tui.session import Connection
from cwos_tui.ui.app import CwosApp
app = CwosApp(Connection("bench", "http://127.0.0.1:9", "http://127.0.0.1:9"))
""",
    "demo": """
from cwos_tui.session import pending_connection
from cwos_tui.ui.app import CwosApp
app = CwosApp(pending_connection("demo", "Starting the demo sandbox…"))
""",
}


def sample(case: str) -> float:
    code = PRELUDE + CASES[case] + FIRST_FRAME
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for case in CASES:
        times = [sample(case) for _ in range(runs)]
        print(f"{case:8s} median {statistics.median(times) * 1000:6.0f} ms  "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, n={runs})")


if __name__ == "__main__":
    main()
