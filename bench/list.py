"""Listing a big prefix: the dashboard in a real terminal against bare clients, in the same run, interleaved.

Starts a sandbox (control plane + SeaweedFS behind the authorizing S3 front), puts N empty objects under
one prefix, then for each of R rounds measures, in this order:
  boto3_default   a bare boto3 ListObjectsV2 paginator (botocore's dateutil timestamp parser)
  boto3_iso       the same with `datetime.fromisoformat` as the timestamp parser (the objects issue's anchor)
  fetch_only      the same signed pages (botocore's SigV4 signer, one kept-alive connection), no parsing: only
                  the continuation token is read (the server's floor for one chain of requests)
  rclone_lsf      `rclone lsf` of the prefix (the Go client from the test extra, ListObjectsV2)
  ours            the dashboard in a real terminal: tmux (`tmux -L <own socket> new -d -x 80 -y 24`) runs it
                  in a fresh interpreter; once it is up (its S3 client made, like a user who has looked at
                  the bucket list), the bench types `:b BUCKET/PREFIX/` and Enter with `send-keys` and reads
                  the screen with `capture-pane -p`: time to the first key and to the full count on screen,
                  from the Enter (when `send-keys Enter` returned). Bytes written to the terminal while
                  listing: `pipe-pane` (from just before the Enter to the full count). Input latency: while
                  the listing streams, every 100 ms the bench sends Down or Up; the dashboard records when
                  each key has been handled (CLOCK_MONOTONIC, one clock for both processes): p99 of handled
                  minus delivered (when `send-keys` returned); `input_p99_with_tmux_client_ms` counts from
                  before the tmux client started (that includes starting a process on a busy machine).
                  Peak RSS growth per key: the dashboard's VmHWM at the end minus its VmRSS before the Enter.
Medians over rounds; ratios are paired within each round. Prints a table, and with --json one JSON object last.
Not a test: run it by hand, e.g. `python bench/list.py --keys 100000 --rounds 3 --json --data-dir DIR`.
Needs tmux (`apt-get install -y tmux`) and the test extra (`pip install -e '.[test]'`, for rclone).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUCKET = "bench-list"
PREFIX = "keys/"

CHILD = r'''
import asyncio, json, sys, time
from pathlib import Path
from cwos_tui.ui.widgets.store_list import StoreList
from cwos_tui.session import connection_from_sandbox
import cwos_tui.ui.app
from cwos_tui.ui.app import CwosApp

ready, work = json.loads(sys.argv[1]), Path(sys.argv[2])

def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0

handled = []
moved = StoreList.move_cursor

def move_cursor(self, delta):  # a Down or Up press has moved the list's cursor
    moved(self, delta)
    handled.append(time.monotonic())

StoreList.move_cursor = move_cursor

class Bench(CwosApp):
    CSS_PATH = str(Path(cwos_tui.ui.app.__file__).parent / CwosApp.CSS_PATH)
    base = 0

    def on_mount(self):
        self.run_worker(self._bench(), exclusive=False)

    async def _bench(self):
        await self.services.storage.list_buckets()  # the S3 client and its key exist before timing
        await asyncio.sleep(0.5)
        self.base = rss("VmRSS")
        (work / "ready").write_text("1")
        while not (work / "stop").exists():
            await asyncio.sleep(0.1)
        (work / "result.json").write_text(json.dumps(
            {"handled": handled, "growth": max(0, rss("VmHWM") - self.base)}))
        self.exit()

Bench(connection_from_sandbox(ready), initial_pane="objects").run()
'''


def iso_parser(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        when = parse_timestamp(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def client(ready: dict[str, Any], key: dict[str, str], iso: bool) -> Any:
    import boto3
    import botocore.session
    from botocore.config import Config

    core = botocore.session.Session()
    if iso:
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=iso_parser)
    session = boto3.Session(botocore_session=core, aws_access_key_id=key["accessKeyId"],
                            aws_secret_access_key=key["secretKey"], region_name=ready["zone"])
    return session.client("s3", endpoint_url=ready["s3"], config=Config(s3={"addressing_style": "path"}))


def populate(s3: Any, keys: int, zone: str) -> None:
    existing = sum(p.get("KeyCount", 0) for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=PREFIX)) if _bucket_exists(s3) else -1
    if existing < 0:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": zone})
    if existing == keys:
        return
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda i: s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}{i:08d}", Body=b""), range(keys)))


def _bucket_exists(s3: Any) -> bool:
    try:
        s3.head_bucket(Bucket=BUCKET)
        return True
    except Exception:
        return False


def paginate(s3: Any, keys: int) -> float:
    started = time.perf_counter()
    count = sum(p.get("KeyCount", 0) for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=PREFIX, Delimiter="/"))
    elapsed = time.perf_counter() - started
    assert count == keys, count
    return elapsed


def fetch_only(ready: dict[str, Any], key: dict[str, str], keys: int) -> float:
    """The signed pages on one kept-alive connection, nothing parsed but the continuation token."""
    import http.client
    from urllib.parse import quote, urlsplit

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials(key["accessKeyId"], key["secretKey"])
    endpoint = urlsplit(ready["s3"])
    token_re = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")
    started = time.perf_counter()
    conn = http.client.HTTPConnection(endpoint.hostname or "", endpoint.port or 80, timeout=60)
    token, pages, size = "", 0, 0
    while True:
        params = {"delimiter": "/", "encoding-type": "url", "list-type": "2", "max-keys": "1000", "prefix": PREFIX}
        if token:
            params["continuation-token"] = token
        target = f"/{BUCKET}?" + "&".join(f"{k}={quote(v, safe='-_.~')}" for k, v in sorted(params.items()))
        request = AWSRequest("GET", f"{ready['s3']}{target}")
        S3SigV4Auth(credentials, "s3", ready["zone"]).add_auth(request)
        conn.request("GET", target, headers=dict(request.headers.items()))
        body = conn.getresponse().read()
        pages, size = pages + 1, size + len(body)
        found = token_re.search(body)
        if found is None:
            break
        token = found.group(1).decode().replace("&amp;", "&")
    elapsed = time.perf_counter() - started
    conn.close()
    assert pages >= keys // 1000, pages
    return elapsed


def rclone_lsf(ready: dict[str, Any], key: dict[str, str], keys: int) -> float:
    rclone = Path(sys.executable).parent / "rclone"
    env = {**os.environ, "RCLONE_CONFIG": "/dev/null", "RCLONE_CONFIG_SB_TYPE": "s3",
           "RCLONE_CONFIG_SB_PROVIDER": "Other",
           "RCLONE_CONFIG_SB_ACCESS_KEY_ID": key["accessKeyId"], "RCLONE_CONFIG_SB_SECRET_ACCESS_KEY": key["secretKey"],
           "RCLONE_CONFIG_SB_ENDPOINT": ready["s3"], "RCLONE_CONFIG_SB_REGION": ready["zone"],
           "RCLONE_CONFIG_SB_FORCE_PATH_STYLE": "true", "RCLONE_CONFIG_SB_LIST_VERSION": "2"}
    started = time.perf_counter()
    out = subprocess.run([str(rclone), "lsf", f"sb:{BUCKET}/{PREFIX}"], capture_output=True, env=env, timeout=600)
    elapsed = time.perf_counter() - started
    lines = out.stdout.count(b"\n")
    if out.returncode or lines != keys:
        raise SystemExit(f"rclone lsf failed ({lines} lines): {out.stderr.decode()[-2000:]}")
    return elapsed


class Terminal:
    """One tmux server of our own (its own socket), one 80x24 session running the dashboard.

    While measuring, commands go through one control-mode client (`tmux -C`, pane output turned off)
    instead of a new tmux process per command, so the bench itself takes little CPU from the listing.
    """

    def __init__(self, work: Path) -> None:
        self.socket = f"cwos-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.work = work
        self.control: subprocess.Popen[str] | None = None

    def tmux(self, *args: str) -> str:
        if self.control is not None:
            return self._command(" ".join(_quoted(a) for a in args))
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def start(self, command: str) -> None:
        self.tmux("new", "-d", "-s", "s", "-x", "80", "-y", "24", command)
        self.tmux("set", "-g", "window-size", "manual")  # the control client must not resize the window
        self.control = subprocess.Popen(["tmux", "-L", self.socket, "-C", "attach", "-t", "s", "-f", "no-output"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def _command(self, line: str) -> str:
        assert self.control is not None and self.control.stdin is not None and self.control.stdout is not None
        self.control.stdin.write(line + "\n")
        self.control.stdin.flush()
        out: list[str] = []
        inside = False
        for raw in self.control.stdout:
            text = raw.rstrip("\n")
            if not inside:
                inside = text.startswith("%begin")
                continue
            if text.startswith(("%end", "%error")):
                if text.startswith("%error"):
                    raise SystemExit(f"tmux {line}: {' '.join(out)}")
                return "\n".join(out)
            out.append(text)
        raise SystemExit("the tmux control client went away")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "s")

    def stop(self) -> None:
        if self.control is not None:
            self.control.kill()
            self.control.wait()
            self.control = None
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _quoted(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'" if not re.fullmatch(r"[\w./:-]+", arg) else arg


def wait_for(check: Any, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(every)


def ours(ready: dict[str, Any], keys: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cwos-bench-") as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        (work / "child.py").write_text(CHILD)
        env = f"HOME={work / 'home'} XDG_CONFIG_HOME={work / 'home'} XDG_DATA_HOME={work / 'home'}"
        command = f"env {env} {sys.executable} {work / 'child.py'} '{json.dumps(ready)}' {work}"
        term = Terminal(work)
        term.start(command)
        try:
            return _drive(term, work, keys)
        finally:
            term.stop()


def _drive(term: Terminal, work: Path, keys: int) -> dict[str, Any]:
    wait_for(lambda: (work / "ready").exists(), 120, "the dashboard to start")
    term.tmux("send-keys", "-t", "s", ":")
    term.tmux("send-keys", "-t", "s", "-l", f"b {BUCKET}/{PREFIX}")
    wait_for(lambda: f"{BUCKET}/{PREFIX}" in term.screen(), 10, "the command line")
    bytes_file = work / "terminal.bytes"
    term.tmux("pipe-pane", "-o", "-t", "s", f"cat >> {bytes_file}")
    time.sleep(0.2)  # pipe-pane starts its cat asynchronously
    total = f"{keys:,} items"
    term.tmux("send-keys", "-t", "s", "Enter")
    t0 = time.monotonic()  # the Enter is in the terminal: the moment the user pressed it
    first: float | None = None
    sent: list[tuple[float, float]] = []  # (before starting the tmux client, after it delivered the key)
    while True:
        text = term.screen()
        now = time.monotonic()
        if first is None and "00000000" in text:
            first = now - t0
        if total in text:
            full = now - t0
            break
        if now - t0 > 600:
            raise SystemExit(f"no full count after 600 s; screen:\n{text}")
        if first is not None and (not sent or now - sent[-1][0] >= 0.1):
            before = time.monotonic()
            term.tmux("send-keys", "-t", "s", "Down" if len(sent) % 2 else "Up")
            sent.append((before, time.monotonic()))
        time.sleep(0.01 if first is None else 0.04)
    term.tmux("pipe-pane", "-t", "s")
    written = bytes_file.stat().st_size if bytes_file.exists() else 0
    (work / "stop").write_text("1")
    wait_for(lambda: (work / "result.json").exists(), 30, "the dashboard's numbers")
    result = json.loads((work / "result.json").read_text())
    handled = result["handled"]
    delays = sorted((h - s[1]) * 1000 for s, h in zip(sent, handled, strict=False))
    spawned = sorted((h - s[0]) * 1000 for s, h in zip(sent, handled, strict=False))
    return {"first": first or full, "full": full, "growth": result["growth"], "written": written,
            "p99": p99(delays), "p99_spawn": p99(spawned), "presses": len(delays)}


def p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0


MEASURES = ("boto3_default_s", "boto3_iso_s", "fetch_only_s", "rclone_lsf_s", "ours_first_key_s", "ours_full_s",
            "ratio_full_vs_iso", "ratio_full_vs_fetch_only", "ratio_full_vs_rclone", "bytes_per_key",
            "terminal_bytes", "input_p99_ms", "input_p99_with_tmux_client_ms")


def one_round(ready: dict[str, Any], key: dict[str, str], clients: tuple[Any, Any], keys: int) -> dict[str, float]:
    default_s, iso_s = paginate(clients[0], keys), paginate(clients[1], keys)
    fetch_s, rclone_s = fetch_only(ready, key, keys), rclone_lsf(ready, key, keys)
    run = ours(ready, keys)
    return {"boto3_default_s": default_s, "boto3_iso_s": iso_s, "fetch_only_s": fetch_s, "rclone_lsf_s": rclone_s,
            "ours_first_key_s": run["first"], "ours_full_s": run["full"], "ratio_full_vs_iso": run["full"] / iso_s,
            "ratio_full_vs_fetch_only": run["full"] / fetch_s, "ratio_full_vs_rclone": run["full"] / rclone_s,
            "bytes_per_key": run["growth"] / keys, "terminal_bytes": run["written"], "input_p99_ms": run["p99"],
            "input_p99_with_tmux_client_ms": run["p99_spawn"], "presses": run["presses"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data-dir", default="", help="keep the sandbox's objects here (a second run skips "
                        "putting them)")
    parser.add_argument("--ready", default="", help="use a running sandbox: the file holding its ready JSON")
    args = parser.parse_args()

    import httpx

    from cwos_tui.sandbox.process import SandboxProcess

    sandbox = None if args.ready else SandboxProcess(*(["--data-dir", args.data_dir] if args.data_dir else []))
    ready = json.loads(Path(args.ready).read_text()) if sandbox is None else sandbox.start()
    try:
        key = httpx.post(f"{ready['control_plane']}/v1/cwobject/access-key", json={"durationSeconds": 0},
                         headers={"Authorization": f"Bearer {ready['token']}"}, timeout=30).json()
        clients = client(ready, key, False), client(ready, key, True)
        started = time.perf_counter()
        populate(clients[0], args.keys, ready["zone"])
        print(f"populated {args.keys:,} keys in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        samples: dict[str, list[float]] = {k: [] for k in MEASURES}
        for number in range(args.rounds):
            got = one_round(ready, key, clients, args.keys)
            for name in MEASURES:
                samples[name].append(got[name])
            print(f"round {number + 1}: " + ", ".join(f"{k} {v:,.3f}" for k, v in got.items()), file=sys.stderr)
    finally:
        if sandbox is not None:
            sandbox.stop()
    result: dict[str, Any] = {"keys": args.keys, "rounds": args.rounds}
    result.update({name: statistics.median(values) for name, values in samples.items()})
    print(f"{'measure':<26} {'median':>12}")
    for name, value in result.items():
        print(f"{name:<26} {value:>12,.3f}" if isinstance(value, float) else f"{name:<26} {value:>12,}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
