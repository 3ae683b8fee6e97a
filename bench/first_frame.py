"""First frame of the dashboard, measured against a bare Textual app in the same run.

Each sample is a fresh interpreter: from the first line of the script to the first callback after
the first refresh (the first frame has been drawn), headless at 80x24. The package is byte-compiled
first, as `pip install .` leaves it (an editable install under PYTHONDONTWRITEBYTECODE=1 would compile
every module at every start: about 60 ms more). Wall time and the process's CPU
time over the same span (CPU time is the steadier number on a shared, loaded machine). Cases are
interleaved round by round. Prints the median of N runs for:
  bare      an App with one Static (Textual's own floor)
  profile   the dashboard the way `cwos-tui` starts it: settings read (an empty HOME), the `env` profile
            resolved (COREWEAVE_API_TOKEN, endpoints on a closed port: no server needed), then drawn
  demo      the dashboard as `--demo` draws it before the sandbox is up
Usage: python bench/first_frame.py [N]
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import cwos_tui

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
from cwos_tui.config.profiles import resolve_profile
from cwos_tui.config.settings import load_settings
from cwos_tui.session import connection_from_profile
from cwos_tui.ui.app import CwosApp
settings = load_settings()
environ = {"COREWEAVE_API_TOKEN": "CW-SECRET-bench", "COREWEAVE_API_ENDPOINT": "http://127.0.0.1:9",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
connection = connection_from_profile(resolve_profile(settings, "env", environ))
app = CwosApp(connection, settings=settings)
""",
    "demo": """
from cwos_tui.session import pending_connection
from cwos_tui.ui.app import CwosApp
app = CwosApp(pending_connection("demo", "Starting the demo sandbox…"))
""",
}


def sample(case: str, home: str) -> tuple[float, float]:
    code = PRELUDE + CASES[case] + FIRST_FRAME
    env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config", "XDG_DATA_HOME": f"{home}/.local",
           "XDG_STATE_HOME": f"{home}/.state", "XDG_CACHE_HOME": f"{home}/.cache"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    compileall.compile_dir(str(Path(cwos_tui.__file__).parent), quiet=1)
    samples: dict[str, list[tuple[float, float]]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as home:
        for _ in range(runs):
            for case in CASES:
                samples[case].append(sample(case, home))
    for case, pairs in samples.items():
        wall = [w for w, _ in pairs]
        cpu = [c for _, c in pairs]
        print(f"{case:8s} wall median {statistics.median(wall) * 1000:6.0f} ms "
              f"(min {min(wall) * 1000:.0f}, max {max(wall) * 1000:.0f})  "
              f"cpu median {statistics.median(cpu) * 1000:6.0f} ms  n={runs}")


if __name__ == "__main__":
    main()
