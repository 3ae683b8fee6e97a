"""Pure tests of control-plane parsing, error mapping and retry policy (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cwos_tui.cloud import errors
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.models import (
    AccessKeyInfo,
    AccessKeyInfoList,
    BucketInfo,
    BucketSettingsUpdate,
    KeyStatus,
    NewAccessKey,
    OrgSettingsUpdate,
    PolicyList,
    WhoAmI,
    parse_timestamp,
    status_filter_value,
)
from cwos_tui.cloud.retry import (
    RetryPolicy,
    error_from_response,
    error_from_transport,
    is_retryable_transport_error,
    parse_retry_after,
    request_not_sent,
)

SECRET = "cwo1234567890abcdefghijklmnopqrstuvwxyz1234"
KEY_ID = "CWABCDEFGHIJKLMN"

# ---- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("id_field", ["accessKeyId", "accessKeyID"])
def test_new_key_accepts_both_id_spellings(id_field: str) -> None:
    key = NewAccessKey.model_validate(
        {
            id_field: KEY_ID,
            "secretKey": SECRET,
            "principalName": "coreweave/u1",
            "expiry": "2026-01-01T00:00:00Z",
            "attributes": {"team": "ml"},
        }
    )
    assert key.access_key_id == KEY_ID
    assert key.secret_key == SECRET
    assert key.principal_name == "coreweave/u1"
    assert key.expires_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert key.attributes == {"team": "ml"}


@pytest.mark.parametrize(
    "expiry", [None, "", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z", 0, "0"]
)
def test_permanent_key_sentinels_mean_never_expires(expiry: object) -> None:
    key = NewAccessKey.model_validate({"accessKeyId": KEY_ID, "secretKey": SECRET, "expiry": expiry})
    assert key.expires_at is None


def test_absent_expiry_means_never_expires() -> None:
    assert NewAccessKey.model_validate({"accessKeyId": KEY_ID, "secretKey": SECRET}).expires_at is None


def test_container_credentials_pascal_case() -> None:
    key = NewAccessKey.model_validate(
        {
            "AccessKeyId": KEY_ID,
            "SecretAccessKey": SECRET,
            "Token": "",
            "Expiration": "2026-01-01T00:15:00.123456789Z",
            "attributes": {},
            "multiAttributes": {"groups": ["ml", "ops"]},
        }
    )
    assert key.access_key_id == KEY_ID
    assert key.secret_key == SECRET
    assert key.expires_at == datetime(2026, 1, 1, 0, 15, 0, 123456, tzinfo=UTC)
    assert key.multi_attributes == {"groups": ["ml", "ops"]}


def test_secrets_never_in_repr_or_str() -> None:
    key = NewAccessKey.model_validate({"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "Token": "session-tok-123"})
    for text in (repr(key), str(key)):
        assert KEY_ID in text
        assert SECRET not in text
        assert "session-tok-123" not in text


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("ACTIVE", KeyStatus.ACTIVE),
        ("EXPIRED", KeyStatus.EXPIRED),
        ("FULL_SUSPENDED", KeyStatus.FULL_SUSPENDED),
        ("DELETED", KeyStatus.DELETED),
        ("ACCESS_KEY_STATUS_ACTIVE", KeyStatus.ACTIVE),
        ("ACCESS_KEY_STATUS_SUSPENDED", KeyStatus.FULL_SUSPENDED),
        ("ACCESS_KEY_STATUS_FULL_SUSPENDED", KeyStatus.FULL_SUSPENDED),
        ("ACCESS_KEY_STATUS_DELETED", KeyStatus.DELETED),
    ],
)
def test_key_status_variants_normalise(wire: str, expected: KeyStatus) -> None:
    info = AccessKeyInfo.model_validate({"accessKeyId": KEY_ID, "status": wire})
    assert info.status is expected


def test_unknown_key_status_kept_verbatim() -> None:
    info = AccessKeyInfo.model_validate({"accessKeyId": KEY_ID, "status": "PARTIALLY_SUSPENDED"})
    assert info.status == "PARTIALLY_SUSPENDED"
    assert not isinstance(info.status, KeyStatus)


def test_access_key_info_full_shape() -> None:
    info = AccessKeyInfo.model_validate(
        {
            "accessKeyId": KEY_ID,
            "status": "ACTIVE",
            "principalName": "coreweave/u1",
            "attributes": {"team": "ml"},
            "expiry": "2026-01-01T02:00:00+02:00",
            "orgId": "ab1cd2",
            "multiAttributes": {"groups": {"values": ["a"]}, "single": "b"},
            "someFutureField": 1,
        }
    )
    assert info.org_id == "ab1cd2"
    assert info.expires_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert info.multi_attributes == {"groups": ["a"], "single": ["b"]}
    assert "secret" not in info.model_dump()


def test_empty_and_null_lists() -> None:
    assert AccessKeyInfoList.model_validate({}).info == []
    assert AccessKeyInfoList.model_validate({"info": None}).info == []
    assert PolicyList.model_validate({"policies": None}).policies == []


def test_policies_parse_into_the_shared_model() -> None:
    wire = {
        "version": "v1alpha1",
        "name": "full-s3",
        "statements": [
            {
                "name": "s1",
                "effect": "Allow",
                "actions": ["s3:*"],
                "resources": ["*"],
                "principals": ["role/Admin"],
            }
        ],
    }
    policies = PolicyList.model_validate({"policies": [wire]}).policies
    assert policies[0].to_wire() == wire


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ACTIVE", "ACCESS_KEY_STATUS_ACTIVE"),
        ("FULL_SUSPENDED", "ACCESS_KEY_STATUS_SUSPENDED"),
        ("suspended", "ACCESS_KEY_STATUS_SUSPENDED"),
        ("ACCESS_KEY_STATUS_ACTIVE", "ACCESS_KEY_STATUS_ACTIVE"),
        (KeyStatus.EXPIRED, "ACCESS_KEY_STATUS_EXPIRED"),
    ],
)
def test_status_filter_value(given: str, expected: str) -> None:
    assert status_filter_value(given) == expected


def test_whoami_unwraps_principal() -> None:
    who = WhoAmI.model_validate({"principal": {"orgUid": "ab1cd2", "uid": "u-123"}})
    assert (who.principal_uid, who.org_uid, who.principal_name) == ("u-123", "ab1cd2", "coreweave/u-123")


def test_parse_timestamp_forms() -> None:
    assert parse_timestamp("2026-03-04T05:06:07Z") == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert parse_timestamp("2026-03-04T05:06:07") == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert parse_timestamp(1_767_225_600) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_timestamp("next tuesday")


# ---- buckets -------------------------------------------------------------------------------


@pytest.mark.parametrize("cap", ["1099511627776", 1099511627776, {"value": "1099511627776"}])
def test_bucket_info_uint64_as_string_or_number(cap: object) -> None:
    info = BucketInfo.model_validate(
        {
            "orgId": "ab1cd2",
            "name": "my-bucket",
            "creationTime": "2025-06-01T12:00:00Z",
            "location": "US-EAST-04A",
            "settings": {
                "auditLoggingEnabled": False,
                "archiveEnabled": True,
                "archiveAfterLastAccessDays": 60,
                "capacityCapBytes": cap,
                "configuredCapacityCapBytes": "0",
            },
            "usage": [{"measurementType": "USAGE_BYTES", "value": "123456", "valueHumanReadable": "120.56 KiB"}],
        }
    )
    assert info.creation_time == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert info.settings.capacity_cap_bytes == 1099511627776
    assert info.settings.configured_capacity_cap_bytes == 0
    assert info.settings.archive_enabled is True
    assert info.usage[0].value == 123456
    assert info.usage[0].value_human_readable == "120.56 KiB"


def test_unreadable_usage_value_is_unknown_not_an_error() -> None:
    info = BucketInfo.model_validate({"name": "b", "usage": [{"measurementType": "X", "value": "12.5 KiB"}]})
    assert info.usage[0].value is None


def test_bucket_info_sparse() -> None:
    info = BucketInfo.model_validate({"name": "b", "settings": None, "usage": None})
    assert info.settings.capacity_cap_bytes is None  # absent stays None, distinct from a reported 0
    assert info.settings.audit_logging_enabled is False
    assert info.usage == []


def test_bucket_settings_update_sends_only_set_fields() -> None:
    assert BucketSettingsUpdate().to_wire() == {}
    assert BucketSettingsUpdate(audit_logging_enabled=False).to_wire() == {"auditLoggingEnabled": False}
    wire = BucketSettingsUpdate(archive_enabled=True, archive_after_last_access_days=90, capacity_cap_bytes=0).to_wire()
    assert wire == {"archiveEnabled": True, "archiveAfterLastAccessDays": 90, "capacityCapBytes": "0"}
    assert BucketSettingsUpdate(capacity_cap_bytes=2**63).to_wire() == {"capacityCapBytes": str(2**63)}


def test_org_settings_update_sends_only_set_fields() -> None:
    assert OrgSettingsUpdate(bucket_audit_logging_enabled=True).to_wire() == {"bucketAuditLoggingEnabled": True}


# ---- error mapping -------------------------------------------------------------------------


def _response(status: int, body: object = None, *, text: str | None = None, headers: dict[str, str] | None = None):
    request = httpx.Request("GET", "http://127.0.0.1/v1/cwobject/access-key")
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, 3, errors.InvalidArgument),
        (404, 5, errors.NotFound),
        (409, 6, errors.AlreadyExists),
        (403, 7, errors.PermissionDenied),
        (429, 8, errors.RateLimited),
        (400, 9, errors.InvalidArgument),
        (500, 13, errors.ServerError),
        (503, 14, errors.Unavailable),
        (401, 16, errors.Unauthenticated),
        (409, 10, errors.Conflict),
    ],
)
def test_envelope_code_decides_the_class(status: int, code: int, cls: type[errors.CloudError]) -> None:
    body = {"code": code, "message": "the server's words", "details": [{"@type": "x"}]}
    err = error_from_response(_response(status, body), "list access keys")
    assert type(err) is cls
    assert err.message == "the server's words"
    assert (err.status, err.code, err.operation) == (status, code, "list access keys")
    assert err.details == [{"@type": "x"}]


def test_envelope_code_wins_over_status() -> None:
    err = error_from_response(_response(400, {"code": 5, "message": "no such key"}), "get")
    assert isinstance(err, errors.NotFound)


def test_connect_style_string_code() -> None:
    err = error_from_response(_response(400, {"code": "invalid_argument", "message": "bad"}), "op")
    assert isinstance(err, errors.InvalidArgument)
    assert err.code == 3


def test_real_oidc_error_sample() -> None:
    body = {"code": 3, "message": "invalid request sent to auth endpoint, Invalid token", "details": []}
    err = error_from_response(_response(400, body), "OIDC exchange")
    assert isinstance(err, errors.InvalidArgument)
    assert str(err) == "invalid request sent to auth endpoint, Invalid token"


def test_non_json_body_falls_back_to_status() -> None:
    html = "<html><body>502 Bad Gateway\x1b[31m</body></html>\nmore"
    err = error_from_response(_response(502, text=html), "whoami")
    assert isinstance(err, errors.Unavailable)
    assert err.status == 502 and err.code == 14
    assert "502" in err.message and "\x1b" not in err.message and "more" not in err.message


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, errors.Unauthenticated),
        (404, errors.NotFound),
        (418, errors.InvalidArgument),
        (507, errors.ServerError),
    ],
)
def test_empty_body_falls_back_to_status(status: int, cls: type[errors.CloudError]) -> None:
    err = error_from_response(_response(status, text=""), "op")
    assert type(err) is cls
    assert str(status) in err.message


def test_expired_token_is_credentials_expired() -> None:
    err = error_from_response(_response(401, {"code": 16, "message": "token expired"}), "whoami")
    assert isinstance(err, errors.CredentialsExpired)
    assert err.needs_reauth


def test_rate_limited_carries_retry_after() -> None:
    err = error_from_response(_response(429, {"code": 8, "message": "slow down"}), "op", retry_after=7.0)
    assert isinstance(err, errors.RateLimited)
    assert err.retry_after == 7.0


def test_transport_errors_become_network_errors() -> None:
    err = error_from_transport(httpx.ConnectError("[Errno 111] Connection refused"), "whoami", 15)
    assert isinstance(err, errors.NetworkError) and err.transient
    assert "Connection refused" in err.message
    err = error_from_transport(httpx.ReadTimeout(""), "whoami", 2.5)
    assert isinstance(err, errors.NetworkError)
    assert "timed out after 2.5 s" in err.message


# ---- retry policy --------------------------------------------------------------------------


def test_only_unsent_requests_count_as_not_sent() -> None:
    assert request_not_sent(httpx.ConnectError("refused"))
    assert request_not_sent(httpx.ConnectTimeout("slow"))
    assert not request_not_sent(httpx.ReadError("reset"))
    assert not request_not_sent(httpx.RemoteProtocolError("closed"))
    assert is_retryable_transport_error(httpx.ReadError("reset"))
    assert not is_retryable_transport_error(httpx.ReadTimeout("slow"))


def test_full_jitter_backoff_grows_and_is_capped() -> None:
    top = RetryPolicy(base_delay=0.5, max_delay=4.0, jitter=lambda: 0.999999)
    assert [round(top.backoff(n), 3) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    bottom = RetryPolicy(jitter=lambda: 0.0)
    assert bottom.backoff(3) == 0.0


def test_delay_for_honours_retry_after_and_gives_up() -> None:
    policy = RetryPolicy(max_retries=2, max_retry_after=30.0, jitter=lambda: 0.5)
    assert policy.delay_for(0, 3.0) == 3.0
    assert policy.delay_for(0, None) == 0.25
    assert policy.delay_for(0, 31.0) is None  # the server asked for longer than we will wait
    assert policy.delay_for(2, None) is None  # retries used up


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after(" 1.5 ", now) == 1.5
    assert parse_retry_after("-3", now) == 0.0
    when = (now + timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(when, now) == 42.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("nan", now) is None


def test_retry_after_read_from_response_with_injected_clock() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    policy = RetryPolicy(now=lambda: now)
    resp = _response(503, {}, headers={"Retry-After": "Thu, 01 Jan 2026 12:00:10 GMT"})
    assert policy.retry_after_of(resp) == 10.0


# ---- client behaviour that needs no server -------------------------------------------------


async def test_missing_token_fails_before_sending() -> None:
    async with ControlPlaneClient("http://127.0.0.1:9") as client:
        with pytest.raises(errors.Unauthenticated, match="no API token"):
            await client.whoami()


async def test_client_repr_hides_the_token() -> None:
    token = "CW-SECRET-abcdefghijklmnopqrstuvwxyz"
    async with ControlPlaneClient("http://127.0.0.1:9", token) as client:
        assert token not in repr(client)
        client.token = "CW-SECRET-other"
        assert client.token == "CW-SECRET-other"


async def test_bad_arguments_are_rejected_before_sending() -> None:
    async with ControlPlaneClient("http://127.0.0.1:9", "CW-SECRET-x") as client:
        with pytest.raises(errors.InvalidArgument, match="duration_seconds"):
            await client.create_access_key(-1)


def test_unreadable_response_names_fields_not_values() -> None:
    from cwos_tui.cloud.control_plane import _parse

    with pytest.raises(errors.ProtocolError) as bad:
        _parse(NewAccessKey, {"secretKey": SECRET, "expiry": "not a time"}, "create access key")
    assert "access_key_id" in bad.value.message or "accessKeyId" in bad.value.message
    assert SECRET not in bad.value.message
    assert bad.value.operation == "create access key"
