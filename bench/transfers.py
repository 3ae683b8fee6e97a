"""Transfers: the dashboard's transfer queue against `aws s3 cp` (v1) and plain boto3, same run, interleaved.

Starts a sandbox (control plane + SeaweedFS behind the authorizing S3 front), writes a big local file
(--big-mib, 1 GiB by default) and --small-files files of 4 KiB, then for each of R rounds and each case
(big-up, big-down, small-up, small-down) runs the three tools, in an order that rotates every round:
  aws     `aws s3 cp` (recursive for the small files), awscli v1 from the test extra, its defaults
  boto3   plain boto3: `upload_file`/`download_file` (s3transfer defaults) for the big file, 16 threads of
          `put_object`/`get_object` for the small ones
  ours    `cwos_tui.cloud.transfers.TransferQueue` with its defaults (what the dashboard uses)
Medians over rounds; big cases in MB/s (10^6 bytes), small ones in files/s. Prints a table, and with
--json one JSON object last: {"rows": [{"case", "ours", "aws", "boto3", "unit", "ratio_vs_aws"}]}.
With --ui it also runs the dashboard headless while our queue downloads the big file, probing input
latency (p99) and the UI thread's CPU time.
Not a test: run it by hand, e.g. `python bench/transfers.py --rounds 3 --json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BUCKET = "bench-transfers"
CASES = ("big-up", "big-down", "small-up", "small-down")
TOOLS = ("aws", "boto3", "ours")


class Bench:
    concurrency = 0  # ours: files at once (0: the queue's default)

    def __init__(self, ready: dict[str, Any], key: dict[str, str], work: Path, big_mib: int, small: int) -> None:
        self.ready, self.key, self.work = ready, key, work
        self.big_bytes, self.small = big_mib * 1024 * 1024, small
        self.big = work / "big.bin"
        self.small_dir = work / "small"
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": key["accessKeyId"], "AWS_SECRET_ACCESS_KEY": key["secretKey"],
                    "AWS_DEFAULT_REGION": ready["zone"], "AWS_CONFIG_FILE": str(work / "aws-config"),
                    "AWS_SHARED_CREDENTIALS_FILE": str(work / "aws-credentials")}
        (work / "aws-config").write_text("[default]\ns3 =\n  addressing_style = path\n")
        self.s3 = self._client()
        self.queue, self.ours_client = self._ours()

    def _client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.ready["s3"], region_name=self.ready["zone"],
                            aws_access_key_id=self.key["accessKeyId"], aws_secret_access_key=self.key["secretKey"],
                            config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))

    def _ours(self) -> tuple[Any, Any]:
        from cwos_tui.cloud.credentials import StaticKeySource
        from cwos_tui.cloud.storage import StorageService
        from cwos_tui.cloud.transfers import TransferQueue

        storage = StorageService(self.ready["s3"], StaticKeySource(self.key["accessKeyId"], self.key["secretKey"]),
                                 zone=self.ready["zone"], addressing_style="path")
        self.storage = storage
        client = asyncio.run(storage.run_with_client("bench", lambda c: c))
        if self.concurrency:
            return TransferQueue(concurrency=self.concurrency), client
        return TransferQueue(), client

    # ---- data ------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        with open(self.big, "wb") as out:
            for _ in range(self.big_bytes // (1024 * 1024)):
                out.write(os.urandom(1024 * 1024))
        self.small_dir.mkdir()
        for number in range(self.small):
            (self.small_dir / f"f{number:05d}").write_bytes(os.urandom(4096))
        self.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": self.ready["zone"]})
        self.s3.upload_file(str(self.big), BUCKET, "src/big.bin")
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda p: self.s3.put_object(Bucket=BUCKET, Key=f"src/small/{p.name}", Body=p.read_bytes()),
                          sorted(self.small_dir.iterdir())))

    def fresh(self, name: str) -> Path:
        path = self.work / "out" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    # ---- the tools -------------------------------------------------------------------------------------

    def aws(self, case: str) -> None:
        url = f"s3://{BUCKET}"
        args = {"big-up": [str(self.big), f"{url}/aws/big.bin"],
                "big-down": [f"{url}/src/big.bin", str(self.fresh("aws") / "big.bin")],
                "small-up": [str(self.small_dir), f"{url}/aws/small/", "--recursive"],
                "small-down": [f"{url}/src/small/", str(self.fresh("aws")), "--recursive"]}[case]
        aws = str(Path(sys.executable).parent / "aws")
        subprocess.run([aws, "s3", "cp", *args, "--endpoint-url", self.ready["s3"], "--only-show-errors"],
                       env=self.env, check=True)

    def boto3(self, case: str) -> None:
        s3 = self.s3
        if case == "big-up":
            s3.upload_file(str(self.big), BUCKET, "boto3/big.bin")
        elif case == "big-down":
            s3.download_file(BUCKET, "src/big.bin", str(self.fresh("boto3") / "big.bin"))
        elif case == "small-up":
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda p: s3.put_object(Bucket=BUCKET, Key=f"boto3/small/{p.name}",
                                                      Body=p.read_bytes()), sorted(self.small_dir.iterdir())))
        else:
            target = self.fresh("boto3")

            def get(number: int) -> None:
                name = f"f{number:05d}"
                body = s3.get_object(Bucket=BUCKET, Key=f"src/small/{name}")["Body"].read()
                (target / name).write_bytes(body)

            with ThreadPoolExecutor(16) as pool:
                list(pool.map(get, range(self.small)))

    def ours(self, case: str) -> None:
        from cwos_tui.cloud.transfer_plan import plan_download, plan_upload

        if case == "big-up":
            plan = plan_upload([self.big], BUCKET, "ours/")
        elif case == "small-up":
            plan = plan_upload([self.small_dir], BUCKET, "ours/")
        elif case == "big-down":
            plan = asyncio.run(plan_download(self.storage, BUCKET, "src/", ["src/big.bin"], [], self.fresh("ours")))
        else:
            plan = asyncio.run(plan_download(self.storage, BUCKET, "src/", [], ["src/small/"], self.fresh("ours")))
        batch = self.queue.submit(self.ours_client, plan.jobs)
        self.queue.wait(batch)
        failed = [i for i in batch.items if i.state != "done"]
        if failed:
            raise SystemExit(f"ours: {len(failed)} failed, e.g. {failed[0].key}: {failed[0].error}")

    def measure(self, tool: str, case: str) -> float:
        run: Callable[[str], None] = getattr(self, tool)
        started = time.perf_counter()
        run(case)
        elapsed = time.perf_counter() - started
        return (self.big_bytes / 1e6 if case.startswith("big") else self.small) / elapsed


UI_CHILD = r'''
import asyncio, json, sys, threading, time
from pathlib import Path
from cwos_tui.session import connection_from_sandbox
from cwos_tui.ui.app import CwosApp
from cwos_tui.cloud.transfer_model import Job

ready, bucket, key, size, target = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

async def main():
    app = CwosApp(connection_from_sandbox(ready), initial_pane="transfers")
    async with app.run_test(size=(100, 30)) as pilot:
        client = await app.services.storage.run_with_client("bench", lambda c: c)
        queue = app.ctx.transfer_queue()
        await pilot.pause(0.3)
        presses = []
        cpu0, t0 = time.thread_time(), time.perf_counter()
        batch = queue.submit(client, [Job("down", bucket, key, Path(target), size)])
        while not queue.snapshot(batch.id).finished:
            started = time.perf_counter()
            app.call_later(lambda started=started: presses.append((time.perf_counter() - started) * 1000))
            await asyncio.sleep(0.02)
        wall, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
        presses.sort()
        p99 = presses[min(len(presses) - 1, int(len(presses) * 0.99))] if presses else 0.0
        state = batch.items[0].state
    print(json.dumps({"p99": p99, "cpu_share": cpu / wall, "wall": wall, "state": str(state),
                      "probes": len(presses)}))

asyncio.run(main())
'''


def ui_probe(bench: Bench) -> dict[str, Any]:
    target = bench.fresh("ui") / "big.bin"
    out = subprocess.run([sys.executable, "-c", UI_CHILD, json.dumps(bench.ready), BUCKET, "src/big.bin",
                          str(bench.big_bytes), str(target)], capture_output=True, text=True, timeout=1200)
    if out.returncode:
        raise SystemExit(f"dashboard run failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--small-files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--ui", action="store_true", help="also probe the dashboard while it downloads")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--lean", choices=("on", "off"), default="on",
                        help="ours: small objects by the lean path (cloud/fast_object.py), or by boto3 only")
    parser.add_argument("--concurrency", type=int, default=0, help="ours: files at once (0: the queue's default)")
    args = parser.parse_args()

    import httpx

    from cwos_tui.cloud import fast_object

    fast_object.ENABLED = args.lean == "on"
    Bench.concurrency = args.concurrency

    from cwos_tui.sandbox.process import SandboxProcess

    sandbox = SandboxProcess()
    ready = sandbox.start()
    samples: dict[tuple[str, str], list[float]] = {}
    ui: list[dict[str, Any]] = []
    cases = [c for c in args.cases.split(",") if c in CASES]
    try:
        key = httpx.post(f"{ready['control_plane']}/v1/cwobject/access-key", json={"durationSeconds": 0},
                         headers={"Authorization": f"Bearer {ready['token']}"}, timeout=30).json()
        with tempfile.TemporaryDirectory(prefix="cwos-bench-") as work:
            bench = Bench(ready, key, Path(work), args.big_mib, args.small_files)
            bench.prepare()
            for number in range(args.rounds):
                for case in cases:
                    order = TOOLS[number % 3:] + TOOLS[: number % 3]
                    for tool in order:
                        value = bench.measure(tool, case)
                        samples.setdefault((case, tool), []).append(value)
                        print(f"round {number + 1} {case:<10} {tool:<5} {value:10.1f}", file=sys.stderr)
                if args.ui:
                    ui.append(ui_probe(bench))
                    print(f"round {number + 1} ui {ui[-1]}", file=sys.stderr)
            bench.queue.shutdown()
    finally:
        sandbox.stop()
    rows = []
    for case in cases:
        med = {tool: statistics.median(samples[(case, tool)]) for tool in TOOLS}
        rows.append({"case": case, "ours": round(med["ours"], 1), "aws": round(med["aws"], 1),
                     "boto3": round(med["boto3"], 1), "unit": "MB/s" if case.startswith("big") else "files/s",
                     "ratio_vs_aws": round(med["ours"] / med["aws"], 2)})
    print(f"{'case':<11} {'ours':>9} {'aws':>9} {'boto3':>9} {'unit':<8} {'ours/aws':>8}")
    for row in rows:
        print(f"{row['case']:<11} {row['ours']:>9} {row['aws']:>9} {row['boto3']:>9} {row['unit']:<8} "
              f"{row['ratio_vs_aws']:>8}")
    result: dict[str, Any] = {"rows": rows}
    if ui:
        result["ui"] = {"input_p99_ms": round(statistics.median(u["p99"] for u in ui), 1),
                        "ui_thread_cpu_share": round(statistics.median(u["cpu_share"] for u in ui), 3)}
        print(f"ui: input p99 {result['ui']['input_p99_ms']} ms, UI thread CPU "
              f"{result['ui']['ui_thread_cpu_share'] * 100:.1f} % of one core")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
