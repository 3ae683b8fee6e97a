"""Overhead of the sandbox's authorizing S3 front over SeaweedFS alone.

Starts a sandbox (`cwos-tui sandbox --json --seed empty`, its own process), mints a key for the
admin with an `s3:*` org policy, then measures with boto3 against the front and against SeaweedFS
directly (the same key works on both): N small GETs on one connection, and a SIZE upload and
download (default transfer settings). Prints one table; numbers vary ±10-20 % between runs.

    python bench/proxy_overhead.py [--gets 1000] [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

from cwos_tui.sandbox.process import SandboxProcess


def client(endpoint: str, key: dict[str, Any], zone: str) -> Any:
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=zone, aws_access_key_id=key["accessKeyId"],
        aws_secret_access_key=key["secretKey"], config=Config(s3={"addressing_style": "path"}))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def measure(s3: Any, bucket: str, gets: int, source: Path, work: Path) -> dict[str, float]:
    s3.get_object(Bucket=bucket, Key="small")["Body"].read()  # warm the connection
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(gets):
            s3.get_object(Bucket=bucket, Key="small")["Body"].read()
        rounds.append((time.perf_counter() - started) / gets * 1000)
    started = time.perf_counter()
    s3.upload_file(str(source), bucket, "big")
    upload = time.perf_counter() - started
    target = work / "down.bin"
    started = time.perf_counter()
    s3.download_file(bucket, "big", str(target))
    download = time.perf_counter() - started
    assert sha256(target) == sha256(source), "the bytes did not survive the trip"
    target.unlink()
    s3.delete_object(Bucket=bucket, Key="big")
    return {"ms_per_get": statistics.median(rounds), "upload_s": upload, "download_s": download}


def run(gets: int, size_mib: int) -> dict[str, dict[str, float]]:
    proc = SandboxProcess("--seed", "empty")
    ready = proc.start()
    try:
        cp, token, zone = ready["control_plane"], ready["token"], ready["zone"]
        info = httpx.get(f"{cp}/sandbox/info").json()
        headers = {"Authorization": f"Bearer {token}"}
        httpx.post(f"{cp}/v1/cwobject/access-policy", headers=headers, json={"policy": {
            "version": "v1alpha1", "name": "bench", "statements": [{
                "name": "all", "effect": "Allow", "actions": ["s3:*"], "resources": ["*"],
                "principals": [info["admin_principal"]]}]}}).raise_for_status()
        key = httpx.post(f"{cp}/v1/cwobject/access-key", headers=headers, json={"durationSeconds": 0}).json()
        front = client(ready["s3"], key, zone)
        front.create_bucket(Bucket="bench", CreateBucketConfiguration={"LocationConstraint": zone})
        front.put_object(Bucket="bench", Key="small", Body=b"x" * 1024)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            source = work / "source.bin"
            with open(source, "wb") as fh:
                for _ in range(size_mib):
                    fh.write(os.urandom(1 << 20))
            return {"SeaweedFS direct": measure(client(info["data_plane_direct"], key, zone), "bench", gets,
                                                source, work),
                    "through the S3 front": measure(front, "bench", gets, source, work)}
    finally:
        proc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    results = run(args.gets, args.size_mib)
    direct, front = results["SeaweedFS direct"], results["through the S3 front"]
    print(f"{'':24s} {'ms/GET':>8s} {'upload MiB/s':>13s} {'download MiB/s':>15s}")
    for name, r in results.items():
        print(f"{name:24s} {r['ms_per_get']:8.2f} {args.size_mib / r['upload_s']:13.0f} "
              f"{args.size_mib / r['download_s']:15.0f}")
    print(f"overhead per request: {front['ms_per_get'] - direct['ms_per_get']:.2f} ms; throughput vs direct: "
          f"upload {direct['upload_s'] / front['upload_s'] * 100:.0f} %, "
          f"download {direct['download_s'] / front['download_s'] * 100:.0f} %")


if __name__ == "__main__":
    main()
