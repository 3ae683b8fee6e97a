"""Listing a big prefix: the dashboard against bare boto3 paginators, in the same run, interleaved.

Starts a sandbox (control plane + SeaweedFS behind the authorizing S3 front), puts N empty objects under
one prefix, then for each of R rounds measures, in this order:
  boto3_default   a bare boto3 ListObjectsV2 paginator (botocore's dateutil timestamp parser)
  boto3_iso       the same with `datetime.fromisoformat` as the timestamp parser (the anchor)
  ours            the dashboard, headless in a fresh interpreter (Textual's `run_test`, 100x30): opens the
                  prefix and records the time to the first key on screen, to the full count on screen, peak
                  RSS growth per key, bytes the app would write to the terminal while listing, and input
                  latency: every 20 ms a probe goes through the app's message queue (the path a key press
                  takes) and the time until it runs is recorded (p99 over the listing).
Medians over rounds. Prints a table, and with --json one JSON object last.
Not a test: run it by hand, e.g. `python bench/list.py --keys 100000 --rounds 3 --json`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

BUCKET = "bench-list"
PREFIX = "keys/"

CHILD = r'''
import asyncio, json, sys, time
from cwos_tui.session import connection_from_sandbox
from cwos_tui.ui.app import CwosApp
from textual.screen import Screen
from textual._compositor import CompositorUpdate

ready, bucket, prefix, keys = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])

def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0

async def main():
    app = CwosApp(connection_from_sandbox(ready), initial_pane="objects")
    written = [0]
    original = app._display
    counting = [False]
    def display(screen, renderable):
        if counting[0] and isinstance(renderable, CompositorUpdate):
            written[0] += len(renderable.render_segments(app.console).encode())
        original(screen, renderable)
    app._display = display
    async with app.run_test(size=(100, 30)) as pilot:
        await app.services.storage.list_buckets()  # the S3 client and its key exist before timing
        await pilot.pause(0.2)
        base = rss("VmRSS")
        first_key = prefix + "00000000"
        def screen_text():
            return "\n".join(s.text for s in app.screen._compositor.render_strips())
        counting[0] = True
        t0 = time.perf_counter()
        app.open_location(bucket, prefix)
        first = None
        presses = []
        total = f"{keys:,} items"
        listing = app.objects.store_list
        while True:  # cheap checks first; the screen is rendered to text only to confirm
            if first is None and listing.shown and "00000000" in screen_text():
                first = time.perf_counter() - t0
            if app.objects.complete and total in screen_text():
                full = time.perf_counter() - t0
                break
            if first is not None:  # a probe through the app's message queue, the way a key press travels
                started = time.perf_counter()
                app.call_later(lambda started=started: presses.append((time.perf_counter() - started) * 1000))
            await asyncio.sleep(0.02)
        counting[0] = False
        peak = rss("VmHWM")
    presses.sort()
    p99 = presses[min(len(presses) - 1, int(len(presses) * 0.99))] if presses else 0.0
    print(json.dumps({"first": first, "full": full, "growth": max(0, peak - base), "written": written[0],
                      "p99": p99, "presses": len(presses)}))
    sys.stdout.flush()

asyncio.run(main())
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


def paginate(s3: Any) -> float:
    started = time.perf_counter()
    count = sum(p.get("KeyCount", 0) for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=PREFIX, Delimiter="/"))
    elapsed = time.perf_counter() - started
    assert count > 0
    return elapsed


def ours(ready: dict[str, Any], keys: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(ready), BUCKET, PREFIX, str(keys)],
                         capture_output=True, text=True, timeout=1200)
    if out.returncode:
        raise SystemExit(f"dashboard run failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data-dir", default="", help="keep the sandbox's objects here (a second run skips "
                        "putting them)")
    args = parser.parse_args()

    import httpx

    from cwos_tui.sandbox.process import SandboxProcess

    sandbox = SandboxProcess(*(["--data-dir", args.data_dir] if args.data_dir else []))
    ready = sandbox.start()
    try:
        key = httpx.post(f"{ready['control_plane']}/v1/cwobject/access-key", json={"durationSeconds": 0},
                         headers={"Authorization": f"Bearer {ready['token']}"}, timeout=30).json()
        plain, fast = client(ready, key, False), client(ready, key, True)
        started = time.perf_counter()
        populate(plain, args.keys, ready["zone"])
        print(f"populated {args.keys:,} keys in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        samples: dict[str, list[float]] = {k: [] for k in (
            "boto3_default_s", "boto3_iso_s", "ours_first_key_s", "ours_full_s", "bytes_per_key",
            "terminal_bytes", "input_p99_ms", "ratio_full_vs_iso")}
        for number in range(args.rounds):
            default_s, iso_s, run = paginate(plain), paginate(fast), ours(ready, args.keys)
            samples["boto3_default_s"].append(default_s)
            samples["boto3_iso_s"].append(iso_s)
            samples["ours_first_key_s"].append(run["first"])
            samples["ours_full_s"].append(run["full"])
            samples["bytes_per_key"].append(run["growth"] / args.keys)
            samples["terminal_bytes"].append(run["written"])
            samples["input_p99_ms"].append(run["p99"])
            samples["ratio_full_vs_iso"].append(run["full"] / iso_s)  # paired within the round
            print(f"round {number + 1}: default {default_s:.2f} s, iso {iso_s:.2f} s, ours first "
                  f"{run['first']:.3f} s full {run['full']:.2f} s, {run['growth'] / args.keys:.0f} B/key, "
                  f"{run['written']:,} B written, p99 {run['p99']:.1f} ms over {run['presses']} probes",
                  file=sys.stderr)
    finally:
        sandbox.stop()
    result: dict[str, Any] = {"keys": args.keys, "rounds": args.rounds}
    result.update({name: statistics.median(values) for name, values in samples.items()})
    print(f"{'measure':<20} {'median':>12}")
    for name, value in result.items():
        print(f"{name:<20} {value:>12,.3f}" if isinstance(value, float) else f"{name:<20} {value:>12,}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
