"""The listing store: compact columns, typed records, key order, under 300 bytes a key at a million."""

from __future__ import annotations

from datetime import UTC, datetime

from cwos_tui.cloud.listing import ListingStore, page_chunk
from cwos_tui.cloud.listing_store import stamp_text

WHEN = datetime(2026, 11, 30, 8, 15, 42, tzinfo=UTC)


ETAG = '"0123456789abcdef0123456789abcdef"'


def million(prefix: str = "runs/", count: int = 1_000_000) -> ListingStore:
    """A million objects, added a page of 1,000 at a time as the fast listing adds them (a record at a time
    took 6-25 s of CPU; `add_object`, the boto3 path, is checked against it below)."""
    store = ListingStore(prefix)
    stamps, etags = [stamp_text(WHEN)] * 1000, bytes.fromhex(ETAG.strip('"')) * 1000
    for start in range(0, count, 1000):
        rows = range(start, start + 1000)
        store.add_page([f"shard-{i:07d}.tar" for i in rows], [str(i) for i in rows], stamps, etags, [])
    return store


def test_a_record_added_alone_reads_back_as_one_added_in_a_page():
    alone = ListingStore("runs/")
    for i in range(1000):
        alone.add_object(f"runs/shard-{i:07d}.tar", i, WHEN, ETAG, "STANDARD")
    paged = million(count=1000)
    assert [alone.record(i) for i in (0, 1, 999)] == [paged.record(i) for i in (0, 1, 999)]
    assert alone.memory_bytes() < 300 * len(alone)


def test_a_million_records_cost_under_300_bytes_a_key_and_read_back_typed():
    store = million()
    assert len(store) == 1_000_000
    assert store.memory_bytes() / len(store) < 300
    last = store.record(999_999)
    assert last.key == "runs/shard-0999999.tar" and last.name == "shard-0999999.tar" and last.size == 999_999
    assert last.modified == WHEN and last.etag == '"0123456789abcdef0123456789abcdef"' and not last.is_folder
    assert last.storage_class == "STANDARD"
    assert store.find("shard-0500000.tar") == 500_000 and store.find("shard-0500000.tar~") == 500_001


def test_a_page_merges_folders_and_objects_in_key_order_and_skips_the_folder_marker():
    result = {
        "CommonPrefixes": [{"Prefix": "p/b/"}, {"Prefix": "p/d/"}],
        "Contents": [
            {"Key": "p/", "Size": 0, "LastModified": WHEN, "ETag": '"d41d8cd98f00b204e9800998ecf8427e"'},
            {"Key": "p/a.txt", "Size": 3, "LastModified": WHEN, "ETag": '"abc-2"', "StorageClass": "GLACIER"},
            {"Key": "p/c.txt", "Size": 5, "LastModified": None, "ETag": ""},
        ],
    }
    chunk = page_chunk(result, "p/")
    assert chunk.names == ["a.txt", "b/", "c.txt", "d/"]
    assert [chunk.is_folder(i) for i in range(4)] == [False, True, False, True]
    first = chunk.record(0)
    assert (first.etag, first.storage_class) == ('"abc-2"', "GLACIER")
    assert chunk.record(2).modified is None and chunk.record(2).etag == ""

    store = ListingStore("p/")
    store.extend(page_chunk({"Contents": [{"Key": "p/0", "Size": 1, "LastModified": WHEN, "ETag": ""}]}, "p/"))
    store.extend(chunk)
    assert store.names == ["0", "a.txt", "b/", "c.txt", "d/"]
    assert store.record(1).storage_class == "GLACIER" and store.record(1).etag == '"abc-2"'
    assert store.record(0).storage_class == "STANDARD"
