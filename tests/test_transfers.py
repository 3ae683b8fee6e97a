"""The transfer queue against the sandbox's real S3: uploads and downloads of files, folders and
prefixes (checksums compared), cancel, faults injected mid-transfer, and hostile keys."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from cwos_tui.cloud.errors import NotFound
from cwos_tui.cloud.storage import StorageService
from cwos_tui.cloud.transfer_model import Job, State
from cwos_tui.cloud.transfer_names import local_path
from cwos_tui.cloud.transfer_plan import plan_download, plan_upload, resolve
from cwos_tui.cloud.transfers import MIB, TransferQueue
from tests.faultproxy import FaultProxy, HttpFaultProxy, Rule, s3_error
from tests.helpers import storage_service

PART = 5 * MIB


@pytest.fixture
async def bucket(storage: StorageService, sandbox: Any) -> AsyncIterator[str]:
    name = f"t-xfer-{uuid.uuid4().hex[:10]}"
    await storage.create_bucket(name, sandbox.zone)
    yield name
    for upload in await storage.list_multipart_uploads(name):
        await storage.abort_multipart_upload(name, upload.key, upload.upload_id)
    async for page in storage.iter_pages(name, delimiter=""):
        for entry in page.objects:  # one by one: DeleteObjects' XML cannot carry control characters
            await storage.delete_object(name, entry.key)
    await storage.delete_bucket(name)


@pytest.fixture
def queue() -> Any:
    q = TransferQueue(part_size=PART, concurrency=4)
    yield q
    q.shutdown(timeout=30)


def _write(path: Path, size: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _client(storage: StorageService) -> Any:
    return await storage.run_with_client("transfers", lambda c: c)


async def _run(queue: TransferQueue, client: Any, jobs: list[Job]) -> list[Any]:
    batch = queue.submit(client, jobs)
    await queue.finished(batch)
    return list(batch.items)


class Hooked:
    """The real client, with a callback run before the n-th call of one operation (to act mid-transfer)."""

    def __init__(self, client: Any, operation: str, at: int, hook: Callable[[], None]) -> None:
        self._client, self._operation, self._at, self._hook = client, operation, at, hook
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._operation:
            return real

        def call(**params: Any) -> Any:
            self.calls += 1
            if self.calls == self._at:
                self._hook()
            return real(**params)

        return call


async def test_upload_and_download_files_folders_and_prefixes(
        storage: StorageService, bucket: str, queue: TransferQueue, tmp_path: Path) -> None:
    source = tmp_path / "src"
    sums = {"one.bin": _write(source / "one.bin", 1234),
            "big.bin": _write(source / "big.bin", 12 * MIB + 7),  # multipart, three parts
            "tree/a.txt": _write(source / "tree" / "a.txt", 10),
            "tree/deep/b.txt": _write(source / "tree" / "deep" / "b.txt", 0)}
    plan = plan_upload([source / "one.bin", source / "big.bin", source / "tree"], bucket, "in/")
    assert sorted(j.key for j in plan.jobs) == ["in/big.bin", "in/one.bin", "in/tree/a.txt", "in/tree/deep/b.txt"]
    client = await _client(storage)
    items = await _run(queue, client, plan.jobs)
    assert [i.state for i in items] == [State.DONE] * 4, [i.error for i in items]
    assert queue.snapshot().bytes_done == sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
    assert await storage.list_multipart_uploads(bucket) == []

    target = tmp_path / "dst"
    target.mkdir()
    plan = await plan_download(storage, bucket, "in/", ["in/one.bin", "in/big.bin"], ["in/tree/"], target)
    assert not plan.skipped and not plan.conflicts
    items = await _run(queue, client, plan.jobs)
    assert [i.state for i in items] == [State.DONE] * 4, [i.error for i in items]
    assert {str(p.relative_to(target)): _sha(p) for p in target.rglob("*") if p.is_file()} == sums

    # downloading again: every file exists, so each waits for an answer; rename keeps both copies
    plan = await plan_download(storage, bucket, "in/", ["in/one.bin"], [], target)
    assert [j.path for j in plan.conflicts] == [target / "one.bin"] and not plan.jobs
    renamed = resolve(plan.conflicts[0], "rename", set())
    assert renamed is not None and renamed.path == target / "one (1).bin"
    assert resolve(plan.conflicts[0], "skip", set()) is None
    items = await _run(queue, client, [renamed])
    assert items[0].state is State.DONE and _sha(target / "one (1).bin") == sums["one.bin"]
    # a file that appears while downloading is not replaced without the user's word
    (target / "late.bin").write_bytes(b"mine")
    items = await _run(queue, client, [Job("down", bucket, "in/one.bin", target / "late.bin")])
    assert items[0].state is State.FAILED and "exists" in items[0].error
    assert (target / "late.bin").read_bytes() == b"mine"
    assert not [p for p in target.iterdir() if p.name.startswith(".cwos-part-")]


async def test_cancel_mid_upload_leaves_no_incomplete_upload(
        storage: StorageService, bucket: str, tmp_path: Path) -> None:
    queue = TransferQueue(part_size=PART, concurrency=1)
    _write(tmp_path / "big.bin", 4 * PART)
    client = Hooked(await _client(storage), "upload_part", 2, lambda: queue.cancel())
    items = await _run(queue, client, [Job("up", bucket, "big.bin", tmp_path / "big.bin")])
    queue.shutdown()
    assert items[0].state is State.CANCELLED and client.calls >= 2
    assert await storage.list_multipart_uploads(bucket) == []
    with pytest.raises(NotFound):
        await storage.head_object(bucket, "big.bin")


async def test_cancel_mid_download_leaves_no_partial_file(
        storage: StorageService, bucket: str, tmp_path: Path) -> None:
    await storage.put_object(bucket, "big.bin", os.urandom(3 * PART))
    queue = TransferQueue(part_size=PART, concurrency=1)
    client = Hooked(await _client(storage), "get_object", 2, lambda: queue.cancel())
    target = tmp_path / "dst"
    target.mkdir()
    items = await _run(queue, client, [Job("down", bucket, "big.bin", target / "big.bin")])
    queue.shutdown()
    assert items[0].state is State.CANCELLED
    assert list(target.iterdir()) == []


async def test_hostile_keys_never_leave_the_target_folder(
        storage: StorageService, bucket: str, queue: TransferQueue, tmp_path: Path) -> None:
    hostile = ["h/../../escape.txt", "h//etc/passwd", "h/a\\..\\b.txt", "h/bell\x07.txt", "h/nul\x00.txt",
               "h/" + "n" * 300, "h/./dot.txt", "h/ok.txt"]
    for key in hostile:
        try:
            await storage.put_object(bucket, key, b"x")
        except Exception:  # the server may refuse some names itself: then there is nothing to fear
            pass
    listed = [o.key for page in [await storage.list_page(bucket, "h/", "")] for o in page.objects]
    target = tmp_path / "dst" / "inside"
    target.mkdir(parents=True)
    plan = await plan_download(storage, bucket, "h/", [], ["h/"], target)
    assert "h/ok.txt" in [j.key for j in plan.jobs]
    skipped = {s.key: s.reason for s in plan.skipped}
    unsafe = [k for k in listed if any(bad in k for bad in ("..", "\\", "\x07", "\x00", "n" * 300, "/./"))]
    assert unsafe and sorted(skipped) == sorted(unsafe), listed  # the server keeps some of them as they are
    assert all(skipped.values())
    items = await _run(queue, await _client(storage), plan.jobs)
    assert all(i.state is State.DONE for i in items)
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(target.resolve() in p.parents for p in written), written
    # and the rules themselves, for names a server might not even store
    root = target.resolve()
    for relative in ("../x", "/abs", "a/../../x", "a\\b", "c\x00", "e\x1b[2J", "x" * 256, "", "a//b"):
        assert isinstance(local_path(root, relative), str), relative
    (target / "link").symlink_to(tmp_path)
    assert isinstance(local_path(root, "link/out.txt"), str)
    assert local_path(root, "sub/ok.txt") == root / "sub" / "ok.txt"


@pytest.mark.parametrize("mode", ["reset", "503"])
async def test_a_fault_mid_upload_is_retried(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path,
        mode: str) -> None:
    """The proxy drops every open connection and fails the next two after the first part went up."""
    host, port = sandbox.s3.removeprefix("http://").split(":")
    digest = _write(tmp_path / "big.bin", 3 * PART + 1)
    loop = asyncio.get_running_loop()
    async with FaultProxy(host, int(port.rstrip("/")), mode=mode) as proxy:  # type: ignore[arg-type]
        def fault() -> None:
            def now() -> None:
                proxy.failures = proxy.failed + 2
                for writer in list(proxy._writers):
                    writer.transport.abort()
            loop.call_soon_threadsafe(now)

        async with storage_service(sandbox, admin_key, proxy.url) as through:
            queue = TransferQueue(part_size=PART, concurrency=1)
            client = Hooked(await _client(through), "upload_part", 2, fault)
            items = await _run(queue, client, [Job("up", bucket, "big.bin", tmp_path / "big.bin")])
            queue.shutdown()
        assert proxy.failed >= 1
    assert items[0].state is State.DONE, items[0].error
    await queue.finished()
    target = tmp_path / "back.bin"
    q2 = TransferQueue(part_size=PART, concurrency=2)
    await _run(q2, await _client(storage), [Job("down", bucket, "big.bin", target)])
    q2.shutdown()
    assert _sha(target) == digest
    assert await storage.list_multipart_uploads(bucket) == []


async def test_a_lasting_fault_is_reported_and_nothing_is_half_applied(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path) -> None:
    host, port = sandbox.s3.removeprefix("http://").split(":")
    _write(tmp_path / "big.bin", 3 * PART)
    await storage.put_object(bucket, "down.bin", os.urandom(2 * PART))
    target = tmp_path / "dst"
    target.mkdir()
    loop = asyncio.get_running_loop()
    async with FaultProxy(host, int(port.rstrip("/")), mode="503") as proxy:
        def fault() -> None:
            def now() -> None:
                proxy.failures = 10_000
                for writer in list(proxy._writers):
                    writer.transport.abort()
            loop.call_soon_threadsafe(now)

        async with storage_service(sandbox, admin_key, proxy.url) as through:
            queue = TransferQueue(part_size=PART, concurrency=1, attempts=1)
            up = Hooked(await _client(through), "upload_part", 2, fault)
            items = await _run(queue, up, [Job("up", bucket, "big.bin", tmp_path / "big.bin")])
            assert items[0].state is State.FAILED and items[0].error
            items = await _run(queue, up, [Job("down", bucket, "down.bin", target / "down.bin")])
            assert items[0].state is State.FAILED and items[0].error
            proxy.failures = 0  # the network is back: the upload that could not be aborted is aborted now
            assert await asyncio.to_thread(queue.clean_up) == 0
            queue.shutdown()
    assert await storage.list_multipart_uploads(bucket) == []
    with pytest.raises(NotFound):
        await storage.head_object(bucket, "big.bin")
    assert list(target.iterdir()) == []


def test_rename_answers_pick_free_names(tmp_path: Path) -> None:
    up = Job("up", "b", "dir/report.csv", tmp_path / "report.csv")
    taken = {"dir/report.csv", "dir/report (1).csv"}
    renamed = resolve(up, "rename", set(), taken)
    assert renamed is not None and renamed.key == "dir/report (2).csv" and "dir/report (2).csv" in taken
    dotfile = resolve(Job("up", "b", ".bashrc", tmp_path / ".bashrc"), "rename", set(), set())
    assert dotfile is not None and dotfile.key == ".bashrc (1)"
    assert resolve(up, "overwrite", set()) == Job("up", "b", "dir/report.csv", tmp_path / "report.csv", overwrite=True)
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a (1).txt").write_text("x")
    down = resolve(Job("down", "b", "k/a.txt", tmp_path / "a.txt"), "rename", {tmp_path / "a (2).txt"})
    assert down is not None and down.path == tmp_path / "a (3).txt"


def test_transfer_settings_are_checked() -> None:
    import pydantic

    from cwos_tui.config.settings import Settings

    settings = Settings.from_data({"transfer_part_size_mib": 8, "transfer_concurrency": 4, "download_dir": "~/dl"})
    assert (settings.transfer_part_size_mib, settings.transfer_concurrency) == (8, 4)
    for bad in ({"transfer_part_size_mib": 4}, {"transfer_concurrency": 0}):
        with pytest.raises(pydantic.ValidationError):
            Settings.from_data(bad)


def _part_two(method: str, target: str) -> bool:
    return method == "PUT" and "partNumber=2" in target


def _ranged_get(method: str, target: str) -> bool:
    return method == "GET" and "/down.bin" in target


@pytest.mark.parametrize("lasting", [False, True], ids=["retried", "exhausted"])
async def test_an_http_500_mid_transfer(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path,
        lasting: bool) -> None:
    """S3's InternalError (500) on the second UploadPart and on the ranged GETs of a download: a few are
    retried and the files arrive intact; when they never stop, both are reported failed and nothing is
    half-applied (no object, no incomplete multipart upload, no partial local file)."""
    digest = _write(tmp_path / "big.bin", 3 * PART + 1)
    original = os.urandom(2 * PART + 3)
    await storage.put_object(bucket, "down.bin", original)
    target = tmp_path / "dst"
    target.mkdir()
    times = -1 if lasting else 4  # botocore itself tries 3 times: 4 failures reach the queue's own retry
    async with HttpFaultProxy.to(sandbox.s3) as proxy, storage_service(sandbox, admin_key, proxy.url) as through:
        upload_fault = proxy.add(s3_error("InternalError", "We encountered an internal error.", 500))
        upload_fault.match, upload_fault.times = _part_two, times
        get_fault = proxy.add(s3_error("InternalError", "We encountered an internal error.", 500))
        get_fault.match, get_fault.times = _ranged_get, times
        queue = TransferQueue(part_size=PART, concurrency=2, attempts=2)
        client = await _client(through)
        up = await _run(queue, client, [Job("up", bucket, "big.bin", tmp_path / "big.bin")])
        down = await _run(queue, client, [Job("down", bucket, "down.bin", target / "down.bin")])
        queue.shutdown()
    assert upload_fault.hits >= 4 and get_fault.hits >= 4
    assert await storage.list_multipart_uploads(bucket) == []
    if lasting:
        for item in (up[0], down[0]):
            assert item.state is State.FAILED and "internal error" in item.error, item.error
        with pytest.raises(NotFound):
            await storage.head_object(bucket, "big.bin")
        assert list(target.iterdir()) == []
        return
    assert [up[0].state, down[0].state] == [State.DONE, State.DONE], (up[0].error, down[0].error)
    assert (target / "down.bin").read_bytes() == original
    back = tmp_path / "back.bin"
    q2 = TransferQueue(part_size=PART, concurrency=2)
    await _run(q2, await _client(storage), [Job("down", bucket, "big.bin", back)])
    q2.shutdown()
    assert _sha(back) == digest


async def _multipart(storage: StorageService, bucket: str, key: str, sizes: list[int]) -> bytes:
    """An object uploaded in parts of `sizes` (its ETag is a multipart ETag, `md5-of-md5s-N`)."""
    data = os.urandom(sum(sizes))
    client = await _client(storage)

    def run() -> None:
        upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        parts, offset = [], 0
        for number, size in enumerate(sizes, 1):
            result = client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                        Body=data[offset:offset + size])
            parts.append({"PartNumber": number, "ETag": result["ETag"]})
            offset += size
        client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                         MultipartUpload={"Parts": parts})

    await asyncio.to_thread(run)
    return data


async def test_downloads_are_checked_against_plain_and_multipart_etags(
        storage: StorageService, bucket: str, tmp_path: Path) -> None:
    """Multipart ETags are checked part by part (the part size learned from HeadObject PartNumber=1),
    whether our ranges match the object's parts or not, and by one GET; plain ETags by MD5."""
    from cwos_tui.cloud.transfer_verify import learn_part_size, multipart_etag

    six = 6 * MIB
    mp = await _multipart(storage, bucket, "mp.bin", [six, six, 1234])
    uneven = await _multipart(storage, bucket, "uneven.bin", [six, PART, 1234])  # checked by size only
    plain = os.urandom(2 * PART + 5)
    await storage.put_object(bucket, "plain.bin", plain)
    client = await _client(storage)
    head = await asyncio.to_thread(client.head_object, Bucket=bucket, Key="mp.bin")
    assert multipart_etag(head["ETag"]) is not None and multipart_etag(head["ETag"])[1] == 3
    assert await asyncio.to_thread(learn_part_size, client, bucket, "mp.bin", head["ETag"], len(mp)) == six
    head = await asyncio.to_thread(client.head_object, Bucket=bucket, Key="uneven.bin")
    assert await asyncio.to_thread(learn_part_size, client, bucket, "uneven.bin", head["ETag"], len(uneven)) == 0
    for part_size in (PART, 16 * MIB, 32 * MIB):  # ranges of one part, of two parts, and a single GET
        queue = TransferQueue(part_size=part_size, concurrency=3)
        target = tmp_path / str(part_size)
        items = await _run(queue, client, [Job("down", bucket, "mp.bin", target / "mp.bin"),
                                           Job("down", bucket, "plain.bin", target / "plain.bin"),
                                           Job("down", bucket, "uneven.bin", target / "uneven.bin")])
        queue.shutdown()
        assert [i.state for i in items] == [State.DONE] * 3, [i.error for i in items]
        assert (target / "mp.bin").read_bytes() == mp and (target / "plain.bin").read_bytes() == plain
        assert (target / "uneven.bin").read_bytes() == uneven


@pytest.mark.parametrize("key", ["mp.bin", "plain.bin"])
async def test_a_download_whose_bytes_do_not_match_the_etag_leaves_no_file(
        sandbox: Any, admin_key: dict[str, Any], storage: StorageService, bucket: str, tmp_path: Path,
        key: str) -> None:
    """The proxy swaps the first range's bytes for others of the same length: the checksum catches it, the
    transfer fails with a message saying so, and no file (not even a temporary one) is left."""
    if key == "mp.bin":
        await _multipart(storage, bucket, key, [PART, PART, 99])
    else:
        await storage.put_object(bucket, key, os.urandom(2 * PART + 99))
    size = 2 * PART + 99
    target = tmp_path / "dst"
    target.mkdir()
    async with HttpFaultProxy.to(sandbox.s3) as proxy, storage_service(sandbox, admin_key, proxy.url) as through:
        forged = proxy.add(Rule("status", status=206, body=b"z" * PART, content_type="application/octet-stream",
                                headers={"Content-Range": f"bytes 0-{PART - 1}/{size}"}))
        forged.match = lambda method, target: method == "GET" and f"/{key}" in target
        queue = TransferQueue(part_size=PART, concurrency=1)
        items = await _run(queue, await _client(through), [Job("down", bucket, key, target / key)])
        queue.shutdown()
    assert forged.hits == 1
    expected = "the parts' MD5s give" if key == "mp.bin" else "does not match the ETag"
    assert items[0].state is State.FAILED and expected in items[0].error, items[0].error
    assert list(target.iterdir()) == []


async def test_a_version_downloads_its_own_bytes_in_one_get_and_in_ranges(
        storage: StorageService, bucket: str, queue: TransferQueue, tmp_path: Path) -> None:
    from cwos_tui.cloud.objects import key_versions
    from cwos_tui.cloud.transfer_plan import plan_version

    await storage.put_bucket_versioning(bucket, True)
    small_old, big_old = b"the first words", os.urandom(2 * PART + 123)
    await storage.put_object(bucket, "small.txt", small_old)
    await storage.put_object(bucket, "small.txt", b"the current words")
    await storage.put_object(bucket, "big.bin", big_old)  # above the part size: ranged GETs
    await storage.put_object(bucket, "big.bin", os.urandom(PART))
    jobs = []
    for key, folder in (("small.txt", "s"), ("big.bin", "b")):
        old = [v for v in await key_versions(storage, bucket, key) if not v.is_latest][0]
        (tmp_path / folder).mkdir()
        plan = plan_version(bucket, key, old.version_id, old.size, old.etag, tmp_path / folder)
        assert not plan.conflicts and not plan.skipped
        jobs += plan.jobs
    items = await _run(queue, await _client(storage), jobs)
    assert [i.state for i in items] == [State.DONE, State.DONE], [i.error for i in items]
    assert (tmp_path / "s" / "small.txt").read_bytes() == small_old
    assert _sha(tmp_path / "b" / "big.bin") == hashlib.sha256(big_old).hexdigest()
    for key in ("small.txt", "big.bin"):  # the bucket fixture deletes current objects only
        for version in await key_versions(storage, bucket, key):
            await storage.delete_object(bucket, key, version.version_id)
