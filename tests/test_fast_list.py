"""The fast listing path returns exactly what boto3 returns, against SeaweedFS behind the sandbox's S3 front.

Generated key sets carry the hostile characters (control characters, bidi marks, newlines, `&`, `<`,
`]]>`, non-BMP characters, 1 KiB keys); both paths list them through the same StorageService client,
page by page (small pages, so continuation tokens carry those characters too), in both addressing
styles and with static and refreshing credentials. Errors are compared as the user gets them.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import JwtKeySource
from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.fast_list import FastLister, Request, boto_pages, fast_lister
from cwos_tui.cloud.fast_list_xml import parse_page, xml_text
from cwos_tui.cloud.listing import ListedPage, ListingStore, stream_listing
from cwos_tui.cloud.storage import StorageService
from tests.helpers import make_principal, new_key, storage_service

HOSTILE = ["\x01", "\x1b", "\x7f", "\x85", "\t", "\n", "\r", "\u202e", "\u200f", "\u2066", "&", "<", ">", "]]>",
           "&amp;", "\"", "'", "%", "+", " ", "?", "#", "😀", "\U0001d518", "é", "/", "a", "Z", "0", "~"]


def _segment() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=6).map("".join)


def _valid(key: str) -> bool:
    parts = key.split("/")
    names_fit = all(len(p.encode()) <= 255 for p in parts)  # SeaweedFS's limit on one name
    return names_fit and "." not in parts and ".." not in parts and "" not in parts[:-1]


KEYS = st.lists(_segment().filter(_valid), min_size=1, max_size=6, unique=True)


def kib_key(seed: int, prefix: str = "hostile/") -> str:
    """A key of exactly 1024 UTF-8 bytes, its parts under SeaweedFS's 255-byte name limit."""
    part = ("😀\x01é&<]]>\u202e\n" + str(seed)) * 20
    part = part.encode()[:200].decode("utf-8", "ignore")
    text = (prefix + "/".join([part] * 6)).encode()[:1000].decode("utf-8", "ignore").rstrip("/")
    return text + "x" * (1024 - len(text.encode()))


def records(pages: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for page in pages:
        chunk: ListingStore = page.chunk
        out += [(*chunk.record(i), page.next_token) for i in range(len(chunk))]
        out.append(("page", page.next_token))
    return out


@pytest.fixture
def localhost_subdomains(monkeypatch: pytest.MonkeyPatch) -> None:
    """`<bucket>.localhost` resolves to 127.0.0.1 in this process (this machine's resolver does not)."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        return real("127.0.0.1" if isinstance(name, str) and name.endswith(".localhost") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _service(sandbox: Any, key: dict[str, Any], style: str = "path") -> StorageService:
    """Virtual-hosted style needs a host name: `<bucket>.localhost` (see `localhost_subdomains`)."""
    endpoint = sandbox.s3 if style == "path" else sandbox.s3.replace("127.0.0.1", "localhost")
    return storage_service(sandbox, key, endpoint=endpoint, addressing_style=style)


@pytest.fixture(scope="module")
def bucket(sandbox: Any, admin_key: dict[str, Any]) -> str:
    name = f"fast-{uuid.uuid4().hex[:8]}"

    async def make() -> None:
        async with _service(sandbox, admin_key) as storage:
            await storage.create_bucket(name, sandbox.zone)
            await storage.put_object(name, "hostile/", b"")  # a folder marker
            keys = [kib_key(1), kib_key(2), "hostile/" + "\U0001d518" * 60 + "/x"]
            await asyncio.gather(*(storage.put_object(name, k, b"z" * i) for i, k in enumerate(keys)))

    asyncio.run(make())
    return name


async def both(storage: StorageService, request: Request, base: str) -> tuple[list[Any], list[Any]]:
    def run(client: Any) -> tuple[list[Any], list[Any]]:
        lister = FastLister(client, storage.verify)
        assert lister.usable
        return records(lister.pages(request, base)), records(boto_pages(client, request, base))

    return await storage.run_with_client("list_objects_v2", run)


async def put_all(storage: StorageService, bucket: str, keys: list[str]) -> None:
    await asyncio.gather(*(storage.put_object(bucket, k, k.encode()[:7]) for k in keys), return_exceptions=True)


# ---- against the server --------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["path", "virtual"])
async def test_generated_hostile_keys_list_exactly_as_boto3_lists_them(
    sandbox: Any, admin_key: dict[str, Any], bucket: str, style: str, localhost_subdomains: None
) -> None:
    async with _service(sandbox, admin_key, style) as storage:
        examples: list[list[str]] = []

        @settings(max_examples=8, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(keys=KEYS, size=st.integers(1, 3), delimiter=st.sampled_from(["", "/"]))
        def example(keys: list[str], size: int, delimiter: str) -> None:
            examples.append(keys)
            case = f"case-{uuid.uuid4().hex[:8]}/"
            full = [case + k for k in keys]
            future = asyncio.run_coroutine_threadsafe(_example(storage, bucket, case, full, size, delimiter), loop)
            future.result(120)

        loop = asyncio.get_running_loop()
        await asyncio.to_thread(example)
        assert len(examples) >= 8, examples


async def _example(storage: StorageService, bucket: str, case: str, full: list[str], size: int,
                   delimiter: str) -> None:
    await put_all(storage, bucket, full)
    fast, boto = await both(storage, Request(bucket, case, delimiter, size), case)
    assert fast == boto
    listed = {row[0] for row in fast if row[0] != "page"}
    assert listed
    if not delimiter:  # every hostile key round-trips exactly (SeaweedFS may shadow "a" with "a/b")
        assert listed <= set(full)


@pytest.mark.parametrize("style", ["path", "virtual"])
async def test_kib_keys_folders_and_a_folder_marker_list_as_boto3_lists_them(
    sandbox: Any, admin_key: dict[str, Any], bucket: str, style: str, localhost_subdomains: None
) -> None:
    async with _service(sandbox, admin_key, style) as storage:
        for delimiter, size in (("", 1), ("/", 2), ("", 1000)):
            fast, boto = await both(storage, Request(bucket, "hostile/", delimiter, size), "hostile/")
            assert fast == boto
        keys = [row[0] for row in fast if row[0] != "page"]
        assert kib_key(1) in keys and len(kib_key(1).encode()) == 1024
        assert "hostile/" not in keys  # the folder marker is the folder, not a row


async def test_refreshing_credentials_sign_the_fast_path_while_keys_rotate(sandbox: Any, bucket: str) -> None:
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as control_plane:
        source = JwtKeySource(control_plane, duration_seconds=4)
        async with StorageService(sandbox.s3, source, zone=sandbox.zone, addressing_style="path",
                                  refresh_margin=3) as storage:
            await storage.list_buckets()
            assert storage.credentials is not None
            first = storage.credentials.access_key_id
            deadline = time.monotonic() + 30
            while storage.credentials.access_key_id == first and time.monotonic() < deadline:
                fast, boto = await both(storage, Request(bucket, "hostile/", "/", 2), "hostile/")
                assert fast == boto and fast
                await asyncio.sleep(0.5)
            assert storage.credentials.access_key_id != first  # the keys rotated and listing kept working


async def test_the_pane_path_streams_the_fast_pages(sandbox: Any, admin_key: dict[str, Any], bucket: str) -> None:
    pages: list[ListedPage] = []
    async with _service(sandbox, admin_key) as storage:
        await stream_listing(storage, bucket, "hostile/", pages.append, page_size=1, delimiter="")

        def reference(client: Any) -> list[Any]:
            assert fast_lister(client, storage.verify) is not None
            return records(boto_pages(client, Request(bucket, "hostile/", "", 1), "hostile/"))

        expected = await storage.run_with_client("list_objects_v2", reference)
    assert [p.done for p in pages] == [False] * (len(pages) - 1) + [True]
    got = [(*p.chunk.record(i),) for p in pages for i in range(len(p.chunk))]
    assert got == [row[:-1] for row in expected if row[0] != "page"]


async def test_a_listing_resumes_from_a_pages_next_token(sandbox: Any, admin_key: dict[str, Any], bucket: str) -> None:
    """What the listing cap's L does: a new stream from the token of the last page kept lists the rest."""
    whole: list[ListedPage] = []
    rest: list[ListedPage] = []
    async with _service(sandbox, admin_key) as storage:
        await stream_listing(storage, bucket, "hostile/", whole.append, page_size=2, delimiter="")
        assert len(whole) >= 2 and whole[0].next_token and whole[-1].next_token is None
        await stream_listing(storage, bucket, "hostile/", rest.append, page_size=2, delimiter="",
                             token=whole[0].next_token)

    def names(pages: list[ListedPage]) -> list[str]:
        return [p.chunk.names[i] for p in pages for i in range(len(p.chunk))]

    assert names(whole[:1]) + names(rest) == names(whole) and rest[-1].done


async def _errors(storage: StorageService, bucket: str) -> tuple[CloudError, CloudError]:
    caught: list[CloudError] = []
    for fast in (True, False):
        def run(client: Any, fast: bool = fast) -> None:
            request = Request(bucket, "", "/", 1000)
            pages = FastLister(client).pages(request, "") if fast else boto_pages(client, request, "")
            list(pages)

        with pytest.raises(CloudError) as raised:
            await storage.run_with_client("list_objects_v2", run)
        caught.append(raised.value)
    return caught[0], caught[1]


def same(a: CloudError, b: CloudError) -> None:
    assert (type(a), a.code, a.status, a.message, a.operation) == (type(b), b.code, b.status, b.message, b.operation)


async def test_no_such_bucket_and_access_denied_are_the_errors_boto3_raises(
    sandbox: Any, admin_key: dict[str, Any]
) -> None:
    async with _service(sandbox, admin_key) as storage:
        fast, boto = await _errors(storage, f"missing-{uuid.uuid4().hex[:8]}")
        same(fast, boto)
        assert fast.code == "NoSuchBucket"
    stranger = make_principal(sandbox, admin=True, name="fast-list-stranger")  # no org policy gives it S3
    async with _service(sandbox, new_key(sandbox, stranger.token)) as storage:
        fast, boto = await _errors(storage, "training-data")
        same(fast, boto)
        assert fast.code == "AccessDenied"


async def test_an_expired_key_is_the_error_boto3_raises(sandbox: Any) -> None:
    key = new_key(sandbox, sandbox.token, duration=1)
    async with _service(sandbox, key) as storage:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the key's second passes on the server's clock
            try:
                await storage.list_page("training-data", max_keys=1)
            except CloudError:
                break
            await asyncio.sleep(0.3)
        fast, boto = await _errors(storage, "training-data")
        same(fast, boto)
        assert fast.code in ("InvalidAccessKeyId", "ExpiredToken", "AccessDenied")


# ---- the parser on its own ------------------------------------------------------------------------


def test_entities_decode_as_xml_reads_them_and_unknown_ones_are_refused() -> None:
    assert xml_text("a&amp;b&lt;&gt;&quot;&apos;&#34;&#x1F600;&#10;") == "a&b<>\"'\"😀\n"
    with pytest.raises(ValueError):
        xml_text("&nbsp;")
    with pytest.raises(ValueError):
        xml_text("&#0;")


def _body(contents: str, extra: str = "<EncodingType>url</EncodingType>") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix>p%2F</Prefix>'
            f"<IsTruncated>false</IsTruncated>{contents}{extra}</ListBucketResult>").encode()


def test_a_page_the_parser_does_not_expect_is_left_to_botocore() -> None:
    good = ("<Contents><Key>p/a%26b%0A+c</Key><ETag>&#34;0123456789abcdef0123456789abcdef&#34;</ETag>"
            "<Size>3</Size><LastModified>2026-11-30T10:17:31.000Z</LastModified></Contents>")
    page = parse_page(_body(good), "p/")
    assert page is not None and page.next_token is None
    assert page.chunk.record(0)[:4] == ("p/a&b\n c", "a&b\n c", 3, page.chunk.modified(0))
    assert page.chunk.stamp(0) == "2026-11-30T10:17:31.000Z" and page.chunk.etag(0).startswith('"0123')
    assert parse_page(_body(good, extra=""), "p/") is None  # not url-encoded: botocore parses it
    assert parse_page(_body(good.replace("<Size>3</Size>", "")), "p/") is None  # a field missing
    assert parse_page(_body(good.replace("p/a%26b", "<![CDATA[x]]>")), "p/") is None
    assert parse_page(b"\xff\xfe", "p/") is None
