"""The lean small-object path (`cloud/fast_object.py`) against the real sandbox: hostile keys round trip
both ways (lean put, boto3 read; boto3 put, lean read), errors are the boto3 path's own, faults fall back
to boto3 and the files arrive intact, and the lean path really carries the requests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cwos_tui.cloud import fast_object
from cwos_tui.cloud.storage import StorageService
from cwos_tui.cloud.transfer_model import Job, State
from cwos_tui.cloud.transfers import MIB, TransferQueue
from tests import test_transfers as shared
from tests.faultproxy import HttpFaultProxy, Rule, s3_error
from tests.helpers import storage_service
from tests.test_transfers import _client

bucket = shared.bucket  # the transfer tests' bucket fixture (admin_key and storage come from conftest)

HOSTILE = ["with space.txt", "a+b=c&d.txt", "100% sure %41%2F.txt", "ünïcödé/ключ/日本.txt", "ctl\x01\x1f\x7f.txt",
           "../up/../x", "in/../out", "a//double//slash", "~tilde/~x", "q?x=1#frag;semi", "trailing space ",
           "star*(paren)'!"]


def _collapsed(key: str) -> str:
    while "//" in key:
        key = key.replace("//", "/")
    return key


@pytest.fixture
def lean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(fast_object, "ENABLED", True)
    yield


async def _run(client: Any, jobs: list[Job], **options: Any) -> list[Any]:
    queue = TransferQueue(part_size=5 * MIB, concurrency=4, **options)
    try:
        batch = queue.submit(client, jobs)
        await queue.finished(batch)
        return list(batch.items)
    finally:
        queue.shutdown(timeout=30)


async def test_hostile_keys_round_trip_both_ways(storage: StorageService, bucket: str, tmp_path: Path,
                                                 lean: None) -> None:
    client = await _client(storage)
    accepted = []
    for key in HOSTILE:  # the server refuses some names itself (a leading `..`): then both paths must fail
        try:
            client.put_object(Bucket=bucket, Key=key, Body=b"probe")
            accepted.append(key)
        except Exception:
            pass
    assert len(accepted) >= len(HOSTILE) - 2, accepted
    sent = {key: os.urandom(100 + n) for n, key in enumerate(HOSTILE)}
    for n, data in enumerate(sent.values()):
        (tmp_path / f"up{n}").write_bytes(data)
    before = fast_object.served["put"]
    items = await _run(client, [Job("up", bucket, key, tmp_path / f"up{n}") for n, key in enumerate(HOSTILE)])
    assert [i.key for i in items if i.state is State.DONE] == accepted, [i.error for i in items]
    assert fast_object.served["put"] - before == len(accepted)
    for key in accepted:  # read back through boto3: the very key, the very bytes
        assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == sent[key], key
    listed = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert listed == {_collapsed(key) for key in accepted}  # SeaweedFS stores `a//b` as `a/b` (boto3's too)

    again = {key: os.urandom(50 + n) for n, key in enumerate(accepted)}
    for key, data in again.items():  # written by boto3, read by the lean path
        client.put_object(Bucket=bucket, Key=key, Body=data)
    before = fast_object.served["get"]
    target = tmp_path / "dst"
    items = await _run(client, [Job("down", bucket, key, target / f"d{n}") for n, key in enumerate(accepted)])
    assert [i.state for i in items] == [State.DONE] * len(accepted), [i.error for i in items]
    assert fast_object.served["get"] - before == len(accepted)
    assert {n: (target / f"d{n}").read_bytes() for n in range(len(accepted))} == dict(enumerate(again.values()))


async def test_a_version_is_fetched_by_the_lean_path(storage: StorageService, bucket: str, tmp_path: Path,
                                                     lean: None) -> None:
    client = await _client(storage)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = client.put_object(Bucket=bucket, Key="v k+1", Body=b"first")["VersionId"]
    client.put_object(Bucket=bucket, Key="v k+1", Body=b"second")
    before = fast_object.served["get"]
    items = await _run(client, [Job("down", bucket, "v k+1", tmp_path / "old", version_id=first)])
    assert items[0].state is State.DONE, items[0].error
    assert (tmp_path / "old").read_bytes() == b"first" and fast_object.served["get"] == before + 1
    for version in client.list_object_versions(Bucket=bucket).get("Versions", []):
        client.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])


async def _errors(sandbox: Any, admin_key: dict[str, Any], jobs: list[Job], monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[list[str], list[str], int, int]:
    """The transfers' errors with the lean path and without, and the requests each sent through the proxy."""
    found: list[list[str]] = []
    counts: list[int] = []
    for enabled in (True, False):
        monkeypatch.setattr(fast_object, "ENABLED", enabled)
        async with HttpFaultProxy.to(sandbox.s3) as proxy, storage_service(sandbox, admin_key, proxy.url) as through:
            items = await _run(await _client(through), jobs, attempts=1)
            found.append([i.error for i in items])
            counts.append(len(proxy.requests))
            assert all(i.state is State.FAILED for i in items)
    return found[0], found[1], counts[0], counts[1]


async def test_no_such_bucket_and_a_stale_etag_fail_as_the_boto3_path_fails(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "f").write_bytes(b"data")
    await storage.put_object(bucket, "here", b"present")
    jobs = [Job("up", f"t-none-{uuid.uuid4().hex[:8]}", "k", tmp_path / "f"),
            Job("down", bucket, "here", tmp_path / "out", size=7, etag='"0123456789abcdef0123456789abcdef"')]
    for job in jobs:
        lean_errors, boto_errors, lean_count, boto_count = await _errors(sandbox, admin_key, [job], monkeypatch)
        assert lean_errors == boto_errors and lean_errors[0], (lean_errors, boto_errors)
        assert lean_count == boto_count + 1  # the lean request was sent, then the same one through boto3
    assert not (tmp_path / "out").exists()


def _small(method: str, name: str) -> Any:
    return lambda m, target: m == method and target.split("?")[0].endswith("/" + name)


@pytest.mark.parametrize("fault", ["500", "reset"])
async def test_a_fault_on_a_small_put_and_get_falls_back_to_boto3_and_the_file_arrives_intact(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path,
        lean: None, fault: str) -> None:
    data = os.urandom(4096)
    (tmp_path / "small.bin").write_bytes(data)
    async with HttpFaultProxy.to(sandbox.s3) as proxy, storage_service(sandbox, admin_key, proxy.url) as through:
        client = await _client(through)
        put_before, get_before = fast_object.served["put"], fast_object.served["get"]
        rules = []
        for method in ("PUT", "GET"):
            rule = proxy.add(s3_error("InternalError", "We encountered an internal error.", 500)
                             if fault == "500" else Rule("reset"))
            rule.match, rule.times = _small(method, "small.bin"), 1
            rules.append(rule)
        up = await _run(client, [Job("up", bucket, "small.bin", tmp_path / "small.bin")])
        down = await _run(client, [Job("down", bucket, "small.bin", tmp_path / "back.bin")])
    assert [up[0].state, down[0].state] == [State.DONE, State.DONE], (up[0].error, down[0].error)
    assert (tmp_path / "back.bin").read_bytes() == data
    reference = await _client(storage)
    assert reference.get_object(Bucket=bucket, Key="small.bin")["Body"].read() == data
    # the faulted request was the lean one (it served nothing); boto3 sent the same request once more
    assert [r.hits for r in rules] == [1, 1]
    assert (fast_object.served["put"], fast_object.served["get"]) == (put_before, get_before)
    for method in ("PUT", "GET"):
        assert len([t for m, t in proxy.requests if m == method and t.endswith("/small.bin")]) == 2


@pytest.mark.parametrize("fault", ["reset-mid-response", "truncate"])
async def test_a_body_cut_off_mid_get_is_fetched_again_and_checked(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path,
        lean: None, fault: str) -> None:
    data = os.urandom(64 * 1024)
    await storage.put_object(bucket, "cut.bin", data)
    async with HttpFaultProxy.to(sandbox.s3) as proxy, storage_service(sandbox, admin_key, proxy.url) as through:
        rule = proxy.add(Rule(fault))  # type: ignore[arg-type]
        rule.match, rule.times = _small("GET", "cut.bin"), 1
        before = fast_object.served["get"]
        down = await _run(await _client(through), [Job("down", bucket, "cut.bin", tmp_path / "cut.bin")])
    assert down[0].state is State.DONE, down[0].error
    assert (tmp_path / "cut.bin").read_bytes() == data
    assert rule.hits == 1 and fast_object.served["get"] == before + 2  # both answers came by the lean path
    assert [p.name for p in tmp_path.iterdir()] == ["cut.bin"]


async def test_the_lean_path_carries_small_transfers_and_boto3_the_rest(
        sandbox: Any, admin_key: dict[str, Any], bucket: str, tmp_path: Path, lean: None) -> None:
    """One request per small file through the proxy, and counted by the lean path; none when it is off."""
    for n in range(6):
        (tmp_path / f"f{n}").write_bytes(os.urandom(1000 + n))
    async with HttpFaultProxy.to(sandbox.s3) as proxy, storage_service(sandbox, admin_key, proxy.url) as through:
        client = await _client(through)
        before = fast_object.served["put"]
        items = await _run(client, [Job("up", bucket, f"k/{n}", tmp_path / f"f{n}") for n in range(6)])
        assert [i.state for i in items] == [State.DONE] * 6
        assert fast_object.served["put"] - before == 6
        assert len([1 for m, _ in proxy.requests if m == "PUT"]) == 6
        fast_object.ENABLED = False
        try:
            before = fast_object.served["get"]
            items = await _run(client, [Job("down", bucket, f"k/{n}", tmp_path / "d" / f"{n}") for n in range(6)])
        finally:
            fast_object.ENABLED = True
        assert [i.state for i in items] == [State.DONE] * 6 and fast_object.served["get"] == before
    assert all((tmp_path / "d" / f"{n}").read_bytes() == (tmp_path / f"f{n}").read_bytes() for n in range(6))
