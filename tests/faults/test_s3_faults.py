"""S3 faults through the loopback proxy, on the real StorageService calls: for each, no crash (a CloudError),
a clear message, no partial object, no orphaned multipart upload, and recovery once the fault ends."""

from __future__ import annotations

import pytest

from cwos_tui.cloud import errors
from cwos_tui.cloud.storage import StorageService
from tests.faultproxy import HttpFaultProxy, Rule, s3_error


def listing(method: str, target: str) -> bool:
    return method == "GET" and "list-type=2" in target


def putting(method: str, target: str) -> bool:
    return method == "PUT" and "partNumber" not in target


def reading(method: str, target: str) -> bool:
    return method == "GET" and "/dir/object-" in target


async def recovers(storage: StorageService, proxy: HttpFaultProxy, bucket: str) -> None:
    proxy.clear()
    page = await storage.list_page(bucket, "dir/")
    assert len(page.objects) == 3


def clear_message(error: BaseException, *words: str) -> None:
    message = str(error)
    assert isinstance(error, errors.CloudError) and message and "Traceback" not in message, message
    for word in words:
        assert word in message, message


async def test_slowdown_once_is_retried_transparently(storage, s3_proxy, bucket) -> None:
    s3_proxy.add(s3_error("SlowDown", "Please reduce your request rate.", 503)).match = listing
    assert len((await storage.list_page(bucket, "dir/")).objects) == 3
    assert s3_proxy.rules[0].hits == 1


async def test_slowdown_that_persists(storage, s3_proxy, bucket) -> None:
    rule = s3_proxy.add(s3_error("SlowDown", "Please reduce your request rate.", 503))
    rule.match, rule.times = listing, -1
    with pytest.raises(errors.RateLimited) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "reduce your request rate")
    await recovers(storage, s3_proxy, bucket)


async def test_internal_error(storage, s3_proxy, bucket) -> None:
    rule = s3_proxy.add(s3_error("InternalError", "We encountered an internal error.", 500))
    rule.match, rule.times = listing, -1
    with pytest.raises(errors.ServerError) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "internal error")
    await recovers(storage, s3_proxy, bucket)


async def test_service_unavailable(storage, s3_proxy, bucket) -> None:
    rule = s3_proxy.add(s3_error("ServiceUnavailable", "Service is unable to handle request.", 503))
    rule.match, rule.times = listing, -1
    with pytest.raises(errors.Unavailable) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "unable to handle")
    await recovers(storage, s3_proxy, bucket)


async def test_reset_mid_listing(storage, s3_proxy, bucket) -> None:
    s3_proxy.add(Rule("reset-mid-response", match=listing, times=-1))
    with pytest.raises(errors.NetworkError) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "cannot reach 127.0.0.1", "connection failed")
    await recovers(storage, s3_proxy, bucket)


async def test_s3_down(storage, s3_proxy, bucket) -> None:
    await storage.close_clients()  # pooled connections would outlive the switch
    s3_proxy.down = True
    with pytest.raises(errors.NetworkError) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "cannot reach 127.0.0.1")
    await recovers(storage, s3_proxy, bucket)


async def test_reset_mid_upload_leaves_no_partial_object(storage, s3_proxy, bucket) -> None:
    s3_proxy.add(Rule("reset-mid-request", match=putting, times=-1))
    with pytest.raises(errors.NetworkError) as caught:
        await storage.put_object(bucket, "upload/cut.bin", b"x" * 200_000)
    clear_message(caught.value, "cannot reach")
    s3_proxy.clear()
    with pytest.raises(errors.NotFound):
        await storage.head_object(bucket, "upload/cut.bin")
    await storage.put_object(bucket, "upload/cut.bin", b"x" * 200_000)
    assert (await storage.head_object(bucket, "upload/cut.bin")).size == 200_000


async def test_reset_mid_multipart_upload_leaves_no_orphaned_upload(storage, s3_proxy, bucket) -> None:
    s3_proxy.add(Rule("reset-mid-request", match=lambda m, t: m == "PUT" and "partNumber=2" in t, times=-1))
    key = "upload/multi.bin"
    upload = await storage.call_shaped("create_multipart_upload", dict, Bucket=bucket, Key=key)
    part = b"p" * (5 * 1024 * 1024)
    try:
        parts = []
        for number in (1, 2):
            result = await storage.call_shaped("upload_part", dict, Bucket=bucket, Key=key,
                                               UploadId=upload["UploadId"], PartNumber=number, Body=part)
            parts.append({"PartNumber": number, "ETag": result["ETag"]})
        pytest.fail("the second part should have failed")
    except errors.CloudError as exc:
        clear_message(exc, "cannot reach")
        await storage.abort_multipart_upload(bucket, key, upload["UploadId"])
    assert await storage.list_multipart_uploads(bucket) == []
    with pytest.raises(errors.NotFound):
        await storage.head_object(bucket, key)
    await recovers(storage, s3_proxy, bucket)


async def test_reset_mid_download_gives_no_partial_bytes(storage, s3_proxy, bucket) -> None:
    s3_proxy.add(Rule("reset-mid-response", match=reading, times=-1))
    with pytest.raises(errors.CloudError) as caught:
        await storage.get_object_range(bucket, "dir/object-1.txt", 0, 499)
    clear_message(caught.value)
    s3_proxy.clear()
    assert await storage.get_object_range(bucket, "dir/object-1.txt", 0, 9) == b"content 1\n"


async def test_a_short_read_mid_download_is_an_error_not_short_data(storage, s3_proxy, bucket) -> None:
    s3_proxy.add(Rule("truncate", match=reading, times=-1))
    with pytest.raises(errors.CloudError):
        await storage.get_object_range(bucket, "dir/object-2.txt", 0, 499)
    await recovers(storage, s3_proxy, bucket)


async def test_expired_key_mid_listing(storage, s3_proxy, bucket) -> None:
    rule = s3_proxy.add(s3_error("ExpiredToken", "The provided token has expired.", 400))
    rule.match, rule.times = listing, -1
    with pytest.raises(errors.CredentialsExpired) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "expired")
    assert caught.value.needs_reauth
    await recovers(storage, s3_proxy, bucket)


async def test_key_revoked_mid_session_is_replaced(storage, s3_proxy, bucket, direct_cp) -> None:
    assert len((await storage.list_page(bucket, "dir/")).objects) == 3
    first = storage.credentials
    assert first is not None
    await direct_cp.revoke_access_key(first.access_key_id)  # a real revocation, not an injected answer
    page = await storage.list_page(bucket, "dir/")  # the service mints a fresh key and carries on
    assert len(page.objects) == 3
    assert storage.credentials is not None and storage.credentials.access_key_id != first.access_key_id


async def test_clock_skew(storage, s3_proxy, bucket) -> None:
    rule = s3_proxy.add(s3_error("RequestTimeTooSkewed",
                                 "The difference between the request time and the current time is too large.",
                                 403))
    rule.match, rule.times = listing, -1
    with pytest.raises(errors.CloudError) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value, "time is too large", "clock")
    await recovers(storage, s3_proxy, bucket)


async def test_wrong_content_type_from_s3(storage, s3_proxy, bucket) -> None:
    rule = s3_proxy.add(Rule("status", status=200, body=b"<html>login page</html>", content_type="text/html"))
    rule.match, rule.times = listing, -1
    with pytest.raises(errors.CloudError) as caught:
        await storage.list_page(bucket, "dir/")
    clear_message(caught.value)
    await recovers(storage, s3_proxy, bucket)
