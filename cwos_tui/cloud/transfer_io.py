"""The work of one transfer, run in the queue's threads: multipart upload, ranged parallel download.

Guarantees: an upload that is cancelled or fails has its multipart upload aborted (nothing hidden keeps
costing money); a download is written to a random temporary file in the target folder (created with
O_EXCL) and renamed to its name only when complete and verified (size, and the MD5 where the ETag is
one, or the parts' MD5s where it is a multipart ETag: `transfer_verify.py`); an existing file is replaced
only when the user said so.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cwos_tui.cloud.errors import NetworkError, NotFound, RateLimited, ServerError, Unavailable
from cwos_tui.cloud.fast_object import lean_objects
from cwos_tui.cloud.s3_models import map_error
from cwos_tui.cloud.transfer_model import Cancelled, Transfer
from cwos_tui.cloud.transfer_names import TEMP_PREFIX
from cwos_tui.cloud.transfer_verify import (
    PartHasher,
    VerifyError,
    check_file_md5,
    check_parts,
    learn_part_size,
    multipart_etag,
    plain_md5,
)

T = TypeVar("T")
READ_CHUNK = 1024 * 1024
ATTEMPTS = 4  # ours, on top of botocore's own retries (a body cut off mid-read is not retried by botocore)
MAX_PARTS = 10_000


@dataclass
class Engine:
    """What a worker needs: the S3 client, part size, the part pool, a request slot and progress."""

    client: Any
    part_size: int
    parts: ThreadPoolExecutor
    slot: Callable[[], AbstractContextManager[Any]]
    advance: Callable[[Transfer, int], None]
    #: an upload whose abort failed (the network is down): the queue tries again later
    orphan: Callable[[Transfer, str], None]
    umask: int = 0o022
    attempts: int = ATTEMPTS


def from_botocore(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("botocore")


def _transient(exc: BaseException) -> bool:
    mapped = map_error(exc) if from_botocore(exc) else exc
    if isinstance(mapped, RateLimited | Unavailable | ServerError | NetworkError):
        return True
    name = type(exc).__name__
    return isinstance(exc, ConnectionError | TimeoutError) or name in (
        "ResponseStreamingError", "IncompleteReadError", "ProtocolError", "ReadTimeoutError")


def attempt(engine: Engine, item: Transfer, fn: Callable[[], T], undo: Callable[[], None] = lambda: None) -> T:
    """`fn()` again (after `undo()`) on a transient failure, up to `engine.attempts` times."""
    for number in range(1, engine.attempts + 1):
        if item.cancel.is_set():
            raise Cancelled()
        try:
            return fn()
        except Cancelled:
            raise
        except Exception as exc:
            if number == engine.attempts or not _transient(exc):
                raise
            undo()
            item.cancel.wait(min(0.2 * 2 ** (number - 1), 2.0))
    raise AssertionError("unreachable")


def part_ranges(size: int, part_size: int) -> list[tuple[int, int]]:
    """(offset, length) of each part; the part size grows when 10,000 parts would not hold the file."""
    while size > part_size * MAX_PARTS:
        part_size *= 2
    return [(offset, min(part_size, size - offset)) for offset in range(0, size, part_size)]


def run_parts(engine: Engine, item: Transfer, work: Callable[[int, int, int], T],
              ranges: list[tuple[int, int]]) -> list[T]:
    """`work(number, offset, length)` for every part in the part pool; the first failure stops the rest."""
    futures: list[Future[T]] = [
        engine.parts.submit(work, number, offset, length) for number, (offset, length) in enumerate(ranges, 1)]
    done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    failed = [f for f in done if f.exception() is not None]
    if failed:
        for future in pending:
            future.cancel()
        wait(pending)
        error = failed[0].exception()
        assert error is not None
        raise error
    return [f.result() for f in futures]


# ---- upload ----------------------------------------------------------------------------------------------


def upload(engine: Engine, item: Transfer) -> None:
    size = os.path.getsize(item.path)
    item.size = size
    if size <= engine.part_size:
        _upload_single(engine, item)
    else:
        _upload_multipart(engine, item, size)


def _upload_single(engine: Engine, item: Transfer) -> None:
    data = item.path.read_bytes()
    md5 = hashlib.md5(data, usedforsecurity=False)
    digest = md5.hexdigest()

    def put() -> str:
        with engine.slot():
            lean = lean_objects(engine.client)
            etag = lean.put(item.bucket, item.key, data, md5.digest()) if lean is not None else None
            if etag is None:  # the same request through boto3: its retries, errors and messages
                etag = str(engine.client.put_object(Bucket=item.bucket, Key=item.key, Body=data).get("ETag", ""))
            return etag

    etag = attempt(engine, item, put)
    sent = plain_md5(etag)
    if sent and sent != digest:
        raise VerifyError(f"the server stored different bytes (ETag {sent}, sent MD5 {digest})")
    engine.advance(item, len(data))


def _upload_multipart(engine: Engine, item: Transfer, size: int) -> None:
    client = engine.client
    with engine.slot():
        upload_id = client.create_multipart_upload(Bucket=item.bucket, Key=item.key)["UploadId"]
    try:
        fd = os.open(item.path, os.O_RDONLY)
        try:
            parts = run_parts(engine, item, lambda n, o, ln: _upload_part(engine, item, upload_id, fd, n, o, ln),
                              part_ranges(size, engine.part_size))
        finally:
            os.close(fd)
        if item.cancel.is_set():
            raise Cancelled()
        with engine.slot():
            client.complete_multipart_upload(Bucket=item.bucket, Key=item.key, UploadId=upload_id,
                                             MultipartUpload={"Parts": parts})
    except BaseException:
        if not abort(client, item.bucket, item.key, upload_id):
            engine.orphan(item, upload_id)
        raise


def _upload_part(engine: Engine, item: Transfer, upload_id: str, fd: int, number: int, offset: int,
                 length: int) -> dict[str, Any]:
    if item.cancel.is_set():
        raise Cancelled()
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise VerifyError(f"{item.path} changed while it was uploaded (short read at {offset})")

    def put() -> str:
        with engine.slot():
            if item.cancel.is_set():
                raise Cancelled()
            result = engine.client.upload_part(Bucket=item.bucket, Key=item.key, UploadId=upload_id,
                                               PartNumber=number, Body=data)
            return str(result["ETag"])

    etag = attempt(engine, item, put)
    engine.advance(item, length)
    return {"PartNumber": number, "ETag": etag}


def abort(client: Any, bucket: str, key: str, upload_id: str) -> bool:
    """Abort a multipart upload (True when it is gone): one left behind holds storage until a lifecycle
    rule ends it."""
    try:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except Exception as exc:
        return from_botocore(exc) and isinstance(map_error(exc), NotFound)
    return True


# ---- download --------------------------------------------------------------------------------------------


def _source(item: Transfer) -> dict[str, Any]:
    """What GetObject/HeadObject ask for: the key, or one version of it."""
    source: dict[str, Any] = {"Bucket": item.bucket, "Key": item.key}
    if item.version_id:
        source["VersionId"] = item.version_id
    return source


def download(engine: Engine, item: Transfer) -> None:
    folder = item.path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if item.size < 0 or not item.etag:
        with engine.slot():
            head = engine.client.head_object(**_source(item))
        item.size, item.etag = int(head.get("ContentLength", 0)), str(head.get("ETag", ""))
    part_size = 0
    if multipart_etag(item.etag) is not None:
        with engine.slot():
            part_size = learn_part_size(engine.client, item.bucket, item.key, item.etag, item.size,
                                        item.version_id)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=".tmp")  # O_EXCL, random name
    try:
        os.fchmod(fd, 0o666 & ~engine.umask)
        if item.size <= engine.part_size:
            _download_single(engine, item, fd, part_size)
        else:
            _download_ranges(engine, item, fd, part_size)
        if os.fstat(fd).st_size != item.size:
            raise VerifyError(f"got {os.fstat(fd).st_size:,} bytes of {item.size:,}")
        os.close(fd)
        fd = -1
        if item.cancel.is_set():
            raise Cancelled()
        _place(Path(temp), item.path, item.overwrite)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        _unlink(Path(temp))
        raise


def _place(temp: Path, target: Path, overwrite: bool) -> None:
    """Give the finished file its name; without `overwrite`, never replace a file that appeared meanwhile."""
    if overwrite:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)
    except FileExistsError:
        raise FileExistsError(f"{target.name} exists (created while downloading); not replaced") from None
    except OSError:  # no hard links here (some file systems): check, then rename
        if os.path.lexists(target):
            raise FileExistsError(f"{target.name} exists; not replaced") from None
        os.rename(temp, target)
        return
    _unlink(temp)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _chunks(body: Any, item: Transfer) -> Iterator[bytes]:
    with body:
        while chunk := body.read(READ_CHUNK):
            if item.cancel.is_set():
                raise Cancelled()
            yield chunk


def _download_single(engine: Engine, item: Transfer, fd: int, part_size: int) -> None:
    """One GET; the MD5 of a plain ETag, or of each part of a multipart one, computed as it streams."""
    expected = plain_md5(item.etag)

    def fetch() -> None:
        written = 0
        digest = hashlib.md5(usedforsecurity=False)
        parts = PartHasher(part_size, 0, item.size) if part_size else None
        with engine.slot():
            response = _get_single(engine, item)
            for chunk in _chunks(response["Body"], item):
                os.pwrite(fd, chunk, written)
                written += len(chunk)
                if parts is not None:
                    parts.update(chunk)
                elif expected:
                    digest.update(chunk)
                engine.advance(item, len(chunk))
        if written != int(response.get("ContentLength", written)):
            raise VerifyError(f"got {written:,} bytes of {response.get('ContentLength'):,}")
        if expected and digest.hexdigest() != expected:
            raise VerifyError(f"MD5 {digest.hexdigest()} does not match the ETag {expected}")
        if parts is not None:
            check_parts(parts.digests, item.etag)
        item.size = written

    def restart() -> None:
        engine.advance(item, -item.done)
        os.ftruncate(fd, 0)

    attempt(engine, item, fetch, restart)


def _get_single(engine: Engine, item: Transfer) -> Any:
    """GetObject for the whole object: the lean path, or (anything unusual) the boto3 client."""
    lean = lean_objects(engine.client)
    if lean is not None:
        answer = lean.get(item.bucket, item.key, item.version_id or "", item.etag)
        if answer is not None:
            return answer
    params = _source(item)
    if item.etag:
        params["IfMatch"] = item.etag
    return engine.client.get_object(**params)


def _download_ranges(engine: Engine, item: Transfer, fd: int, part_size: int) -> None:
    """Ranged GETs in parallel, each pinned to the ETag (If-Match), written in place with pwrite. With a
    known part size the ranges are whole parts, hashed as they stream; a plain ETag is checked at the end."""
    os.ftruncate(fd, item.size)
    step = part_size * max(1, engine.part_size // part_size) if part_size else engine.part_size
    digests: dict[int, bytes] = {}

    def part(_: int, offset: int, length: int) -> None:
        moved = [0]

        def fetch() -> None:
            hasher = PartHasher(part_size, offset, item.size) if part_size else None
            with engine.slot():
                response = engine.client.get_object(**_source(item), IfMatch=item.etag,
                                                    Range=f"bytes={offset}-{offset + length - 1}")
                position = offset
                for chunk in _chunks(response["Body"], item):
                    os.pwrite(fd, chunk, position)
                    position += len(chunk)
                    moved[0] += len(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
                    engine.advance(item, len(chunk))
            if position - offset != length:
                raise VerifyError(f"range at {offset:,}: got {position - offset:,} bytes of {length:,}")
            if hasher is not None:
                digests.update(hasher.digests)  # whole parts of this range only (dict updates are atomic)

        def restart() -> None:
            engine.advance(item, -moved[0])
            moved[0] = 0

        attempt(engine, item, fetch, restart)

    run_parts(engine, item, part, part_ranges(item.size, step))
    if part_size:
        check_parts(digests, item.etag)
    elif expected := plain_md5(item.etag):
        check_file_md5(fd, item.size, expected)
