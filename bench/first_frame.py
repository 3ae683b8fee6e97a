"""First frame of the dashboard, measured against a bare Textual app in the same run.

Each sample is a fresh interpreter: from the first line of the script to the first callback after
the first refresh (the first frame has been drawn), headless at 80x24. Wall time and the process's CPU
time over the same span (CPU time is the steadier number on a shared, loaded machine). Cases are
interleaved round by round. Prints the median of N runs for:
  bare      an App with one Static (Textual's own floor)
  profile   the dashboard on an `env` profile pointing at a closed port (no server needed)
  demo      the dashboard as `--demo` draws it before the sandbox is up
Usage: python bench/first_frame.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PRELUDE = "import time; t0 = time.perf_counter(); c0 = time.process_time()\n"
FIRST_FRAME = """
class Timed(type(app)):
    def on_mount(self):
        self.call_after_refresh(lambda: (print(time.perf_counter() - t0, time.process_time() - c0), self.exit()))
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


def sample(case: str) -> tuple[float, float]:
    code = PRELUDE + CASES[case] + FIRST_FRAME
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    samples: dict[str, list[tuple[float, float]]] = {case: [] for case in CASES}
    for _ in range(runs):
        for case in CASES:
            samples[case].append(sample(case))
    for case, pairs in samples.items():
        wall = [w for w, _ in pairs]
        cpu = [c for _, c in pairs]
        print(f"{case:8s} wall median {statistics.median(wall) * 1000:6.0f} ms "
              f"(min {min(wall) * 1000:.0f}, max {max(wall) * 1000:.0f})  "
              f"cpu median {statistics.median(cpu) * 1000:6.0f} ms  n={runs}")


if __name__ == "__main__":
    main()
