"""The sandbox's control plane over real HTTP, and its effect on real S3 (SeaweedFS)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.helpers import admin_headers, grant, make_principal, new_key, s3_client

API = "/v1/cwobject"


def call(sandbox, method, path, token=None, **kw) -> httpx.Response:
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.request(method, f"{sandbox.control_plane}{path}", headers=headers, timeout=15, **kw)


def s3_error(fn) -> str:
    with pytest.raises(ClientError) as info:
        fn()
    return info.value.response["Error"]["Code"]


def wait_for_s3(client, bucket: str, ok: bool, timeout: float = 5.0) -> str | None:
    """Poll until a ListObjectsV2 succeeds (ok=True) or fails (ok=False); return the error code."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.list_objects_v2(Bucket=bucket, MaxKeys=1)
            if ok:
                return None
        except ClientError as err:
            if not ok:
                return err.response["Error"]["Code"]
        if time.monotonic() > deadline:
            raise AssertionError(f"S3 access did not become {'allowed' if ok else 'denied'} in {timeout}s")
        time.sleep(0.05)


def assert_envelope(r: httpx.Response, status: int, code: int, text: str = "") -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code and body["details"] == []
    assert text.lower() in body["message"].lower()


# -- auth ------------------------------------------------------------------------------------------------
def test_whoami_names_the_admin(sandbox):
    r = call(sandbox, "GET", "/v1beta1/auth/whoami", sandbox.token)
    assert r.status_code == 200
    assert r.json() == {"principal": {"orgUid": sandbox.org_id, "uid": sandbox.admin_principal.split("/", 1)[1]}}


@pytest.mark.parametrize("header", [None, "Bearer CW-SECRET-nope", "Basic abc", "Bearer"])
def test_missing_or_invalid_token_is_401(sandbox, header):
    headers = {"Authorization": header} if header is not None else {}
    assert_envelope(call(sandbox, "GET", f"{API}/access-key", headers=headers), 401, 16)


def test_revoked_and_expired_tokens_are_401(sandbox):
    user = make_principal(sandbox, admin=True)
    assert call(sandbox, "GET", f"{API}/access-policy", user.token).status_code == 200
    httpx.delete(f"{sandbox.control_plane}/sandbox/tokens/{user.token_id}").raise_for_status()
    assert_envelope(call(sandbox, "GET", f"{API}/access-policy", user.token), 401, 16, "invalid")

    short = make_principal(sandbox, admin=True, token_ttl=1)
    deadline = time.monotonic() + 5
    while (r := call(sandbox, "GET", f"{API}/access-policy", short.token)).status_code == 200:
        assert time.monotonic() < deadline, "token did not expire"
        time.sleep(0.1)
    assert_envelope(r, 401, 16, "expired")


def test_non_admin_denied_then_allowed_by_org_policy(sandbox):
    user = make_principal(sandbox)
    assert_envelope(call(sandbox, "GET", f"{API}/access-key", user.token), 403, 7, "permission denied")
    grant(sandbox, user.principal_name, ["cwobject:ListAccessKeyInfo"])
    assert call(sandbox, "GET", f"{API}/access-key", user.token).status_code == 200
    # A scoped resource does not grant a cwobject action (they need "*").
    assert_envelope(call(sandbox, "GET", f"{API}/access-policy", user.token), 403, 7)
    grant(sandbox, user.principal_name, ["cwobject:ListAccessPolicy"], ["some-bucket"])
    assert_envelope(call(sandbox, "GET", f"{API}/access-policy", user.token), 403, 7)


def test_can_i_answers_from_the_evaluator(sandbox):
    def can(token, actions, resources):
        r = call(sandbox, "POST", f"{API}/auth/can-i", token, json={"actions": actions, "resources": resources})
        assert r.status_code == 200, r.text
        return r.json()["verdict"]

    assert can(sandbox.token, ["cwobject:CreateAccessKey", "s3:GetObject"], ["*"]) is True
    user = make_principal(sandbox)
    assert can(user.token, ["s3:GetObject"], ["model-checkpoints/x"]) is False
    grant(sandbox, user.principal_name, ["s3:GetObject"], ["model-checkpoints/*"])
    assert can(user.token, ["s3:GetObject"], ["model-checkpoints/x"]) is True
    assert can(user.token, ["s3:GetObject", "s3:PutObject"], ["model-checkpoints/x"]) is False
    grant(sandbox, user.principal_name, ["s3:GetObject"], ["model-checkpoints/secret/*"], effect="Deny")
    assert can(user.token, ["s3:GetObject"], ["model-checkpoints/secret/a"]) is False
    r = call(sandbox, "POST", f"{API}/auth/can-i", user.token, json={"actions": ["s3:GetObject"]})
    assert_envelope(r, 400, 3, "resources")


# -- access keys ----------------------------------------------------------------------------------------
def test_key_life_from_creation_through_s3_to_revocation(sandbox):
    key = new_key(sandbox, sandbox.token, 0, {"name": "life"})
    assert re.fullmatch(r"CW[A-Z0-9]{14}", key["accessKeyId"])
    assert key["secretKey"].startswith("cwo") and len(key["secretKey"]) >= 40
    assert key["expiry"] == "0001-01-01T00:00:00Z" and key["principalName"] == sandbox.admin_principal
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(s3, "training-data", ok=True, timeout=1.0)
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert {"training-data", "model-checkpoints"} <= names

    info = call(sandbox, "GET", f"{API}/access-key/{key['accessKeyId']}", sandbox.token).json()["info"]
    assert info["status"] == "ACTIVE" and info["orgId"] == sandbox.org_id and "secretKey" not in info
    assert info["attributes"] == {"name": "life"}

    r = call(sandbox, "POST", f"{API}/revoke-access-key/access-key", sandbox.token,
             json={"accessKey": key["accessKeyId"]})
    assert r.status_code == 200 and r.json() == {}
    assert wait_for_s3(s3, "training-data", ok=False, timeout=2.0) == "InvalidAccessKeyId"
    info = call(sandbox, "GET", f"{API}/access-key/{key['accessKeyId']}", sandbox.token).json()["info"]
    assert info["status"] == "DELETED"


def test_revoke_accepts_access_key_id_spelling_and_404s_unknown(sandbox):
    key = new_key(sandbox, sandbox.token, 600)
    r = call(sandbox, "POST", f"{API}/revoke-access-key/access-key", sandbox.token,
             json={"accessKeyId": key["accessKeyId"]})
    assert r.status_code == 200
    assert_envelope(call(sandbox, "GET", f"{API}/access-key/CWNOSUCHKEY00000", sandbox.token), 404, 5)
    assert_envelope(call(sandbox, "POST", f"{API}/revoke-access-key/access-key", sandbox.token, json={}), 400, 3,
                    "accessKey")


def test_temporary_key_expires_and_s3_rejects_it(sandbox):
    key = new_key(sandbox, sandbox.token, 5)  # long enough to be seen working on a loaded machine
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(s3, "training-data", ok=True, timeout=4.0)
    assert wait_for_s3(s3, "training-data", ok=False, timeout=12.0) == "InvalidAccessKeyId"
    info = call(sandbox, "GET", f"{API}/access-key/{key['accessKeyId']}", sandbox.token).json()["info"]
    assert info["status"] == "EXPIRED"


def test_suspend_and_reactivate_a_principal(sandbox):
    user = make_principal(sandbox)
    grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey"])
    grant(sandbox, user.principal_name, ["s3:*"], ["model-checkpoints", "model-checkpoints/*"])
    key = new_key(sandbox, user.token)
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(s3, "model-checkpoints", ok=True, timeout=1.0)

    body = {"principalName": user.principal_name, "status": "ACCESS_KEY_STATUS_SUSPENDED"}
    assert call(sandbox, "PUT", f"{API}/access-key-status", sandbox.token, json=body).json() == {}
    assert wait_for_s3(s3, "model-checkpoints", ok=False, timeout=2.0) == "InvalidAccessKeyId"
    info = call(sandbox, "GET", f"{API}/access-key/{key['accessKeyId']}", sandbox.token).json()["info"]
    assert info["status"] == "FULL_SUSPENDED"

    body["status"] = "ACCESS_KEY_STATUS_ACTIVE"
    assert call(sandbox, "PUT", f"{API}/access-key-status", sandbox.token, json=body).status_code == 200
    wait_for_s3(s3, "model-checkpoints", ok=True, timeout=2.0)
    body["status"] = "SUSPENDED"
    assert_envelope(call(sandbox, "PUT", f"{API}/access-key-status", sandbox.token, json=body), 400, 3,
                    "ACCESS_KEY_STATUS_SUSPENDED")


def test_revoke_all_keys_of_a_principal(sandbox):
    user = make_principal(sandbox, admin=True)
    keys = [new_key(sandbox, user.token) for _ in range(2)]
    r = call(sandbox, "POST", f"{API}/revoke-access-key/principal", sandbox.token,
             json={"principalName": user.principal_name})
    assert r.status_code == 200
    for k in keys:
        info = call(sandbox, "GET", f"{API}/access-key/{k['accessKeyId']}", sandbox.token).json()["info"]
        assert info["status"] == "DELETED"


def test_key_validation_messages(sandbox):
    def create(body):
        return call(sandbox, "POST", f"{API}/access-key", sandbox.token, json=body)

    assert_envelope(create({}), 400, 3, "durationSeconds is required")
    assert_envelope(create({"durationSeconds": -1}), 400, 3, "between 0 and")
    assert_envelope(create({"durationSeconds": 60, "attributes": {"cw-team": "x"}}), 400, 3, "reserved")
    assert_envelope(create({"durationSeconds": 60, "attributes": {"Team": "x"}}), 400, 3, "DNS label")
    assert_envelope(create({"durationSeconds": 60, "attributes": {f"a{i}": "x" for i in range(16)}}), 400, 3,
                    "at most 15")
    r = call(sandbox, "POST", f"{API}/access-key", sandbox.token, content=b"{not json")
    assert_envelope(r, 400, 3, "not valid JSON")


def test_list_paging_and_limit_validation(sandbox):
    for _ in range(3):
        new_key(sandbox, sandbox.token, 3600)
    first = call(sandbox, "GET", f"{API}/access-key?offset=0&limit=2", sandbox.token).json()["info"]
    second = call(sandbox, "GET", f"{API}/access-key?offset=2&limit=2", sandbox.token).json()["info"]
    assert len(first) == 2 and len(second) == 2
    assert not {k["accessKeyId"] for k in first} & {k["accessKeyId"] for k in second}
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=abc"):
        assert_envelope(call(sandbox, "GET", f"{API}/access-key?{bad}", sandbox.token), 400, 3)
    suspended = call(sandbox, "GET", f"{API}/access-key?status=ACCESS_KEY_STATUS_SUSPENDED&limit=1000",
                     sandbox.token).json()["info"]
    assert suspended and all(k["status"] == "FULL_SUSPENDED" for k in suspended)


def test_demo_seed_has_keys_in_every_state(private_sandbox):
    # a fresh sandbox: the seed's "notebook-session" key lives 300 s, less than a slow suite takes to get here
    sandbox = private_sandbox
    keys = call(sandbox, "GET", f"{API}/access-key?limit=1000", sandbox.token).json()["info"]
    by_name = {k["attributes"].get("name"): k for k in keys}
    assert by_name["ci-pipeline"]["expiry"] == "0001-01-01T00:00:00Z"
    notebook = by_name["notebook-session"]
    expiry = datetime.fromisoformat(notebook["expiry"].replace("Z", "+00:00"))
    assert expiry.year > 1  # temporary; its state follows its expiry however long the suite has run
    assert notebook["status"] == ("ACTIVE" if expiry > datetime.now(UTC) else "EXPIRED")
    assert by_name["contractor-upload"]["status"] == "FULL_SUSPENDED"


# -- policies -------------------------------------------------------------------------------------------
def test_policy_upsert_list_delete(sandbox):
    name = grant(sandbox, "coreweave/someone", ["s3:GetObject"], ["b1x"])
    grant(sandbox, "coreweave/someone", ["s3:PutObject"], ["b1x"], name=name)
    policies = call(sandbox, "GET", f"{API}/access-policy", sandbox.token).json()["policies"]
    mine = [p for p in policies if p["name"] == name]
    assert len(mine) == 1 and mine[0]["statements"][0]["actions"] == ["s3:PutObject"]
    assert mine[0]["version"] == "v1alpha1"
    assert call(sandbox, "DELETE", f"{API}/access-policy/{name}", sandbox.token).json() == {}
    assert_envelope(call(sandbox, "DELETE", f"{API}/access-policy/{name}", sandbox.token), 404, 5, name)


@pytest.mark.parametrize("patch, text", [
    ({"version": "v1"}, "v1alpha1"),
    ({"effect": "allow"}, "case-sensitive"),
    ({"principals": ["arn:aws:iam::abc:coreweave/u1"]}, "ARN"),
    ({"actions": []}, "actions"),
    ({"statements": []}, "at least one statement"),
])
def test_invalid_policies_are_rejected_with_the_reason(sandbox, patch, text):
    stmt = {"name": "s", "effect": "Allow", "actions": ["s3:*"], "resources": ["*"], "principals": ["*"]}
    policy = {"version": "v1alpha1", "name": "bad-policy", "statements": [stmt]}
    for k, v in patch.items():
        (policy if k in policy else stmt)[k] = v
    r = call(sandbox, "POST", f"{API}/access-policy", sandbox.token, json={"policy": policy})
    assert_envelope(r, 400, 3, text)


# -- buckets --------------------------------------------------------------------------------------------
def test_bucket_info_lists_seeded_buckets_with_zones_and_usage(sandbox):
    info = call(sandbox, "GET", f"{API}/bucket-info", sandbox.token).json()["info"]
    by_name = {b["name"]: b for b in info}
    assert by_name["training-data"]["location"] == "US-EAST-04A"
    assert by_name["model-checkpoints"]["location"] == "US-CENTRAL-05A"
    usage = {u["measurementType"]: u for u in by_name["model-checkpoints"]["usage"]}
    assert int(usage["MEASUREMENT_TYPE_OBJECT_COUNT"]["value"]) >= 60
    one = call(sandbox, "GET", f"{API}/bucket-info/training-data", sandbox.token).json()["info"]
    assert one["settings"]["archiveAfterLastAccessDays"] == 60 and one["settings"]["capacityCapBytes"] == "0"
    assert_envelope(call(sandbox, "GET", f"{API}/bucket-info/no-such-bucket", sandbox.token), 404, 5)


def test_bucket_created_through_s3_in_a_zone_appears_in_bucket_info(sandbox):
    key = new_key(sandbox, sandbox.token, 600)
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(s3, "training-data", ok=True)
    s3.create_bucket(Bucket="zone-test-bucket", CreateBucketConfiguration={"LocationConstraint": "US-WEST-01A"})
    one = call(sandbox, "GET", f"{API}/bucket-info/zone-test-bucket", sandbox.token).json()["info"]
    assert one["location"] == "US-WEST-01A"
    assert s3_error(lambda: s3.create_bucket(Bucket="no-zone-bucket")) == "InvalidLocationConstraint"
    assert s3_error(lambda: s3.create_bucket(
        Bucket="bad-zone-bucket", CreateBucketConfiguration={"LocationConstraint": "MARS-01A"})) \
        == "InvalidLocationConstraint"
    assert s3_error(lambda: s3.create_bucket(
        Bucket="cw-reserved", CreateBucketConfiguration={"LocationConstraint": "US-EAST-04A"})) \
        == "InvalidBucketName"
    s3.delete_bucket(Bucket="zone-test-bucket")
    assert_envelope(call(sandbox, "GET", f"{API}/bucket-info/zone-test-bucket", sandbox.token), 404, 5)


def test_bucket_settings_rules(sandbox):
    def put(settings):
        return call(sandbox, "PUT", f"{API}/bucket/settings", sandbox.token,
                    json={"bucketName": "model-checkpoints", "settings": settings})

    assert_envelope(put({}), 400, 3, "bucket settings are required")
    assert_envelope(put({"archiveEnabled": True}), 400, 3, "archive_after_last_access_days is required")
    assert_envelope(put({"archiveEnabled": True, "archiveAfterLastAccessDays": 30}), 400, 3, ">= 60")
    r = put({"archiveEnabled": True, "archiveAfterLastAccessDays": 90})
    assert r.status_code == 200 and r.json()["settings"]["archiveAfterLastAccessDays"] == 90
    # Omitted fields stay as they were.
    r = put({"capacityCapBytes": "1099511627776"})
    settings = r.json()["settings"]
    assert settings["archiveEnabled"] is True and settings["capacityCapBytes"] == "1099511627776"
    call(sandbox, "PUT", f"{API}/organization/settings", sandbox.token,
         json={"settings": {"bucketAuditLoggingEnabled": False}}).raise_for_status()
    assert_envelope(put({"auditLoggingEnabled": True}), 400, 9, "audit logging")
    r = call(sandbox, "PUT", f"{API}/bucket/settings", sandbox.token,
             json={"bucketName": "nope-bucket", "settings": {"archiveEnabled": False}})
    assert_envelope(r, 404, 5)


# -- S3 data plane --------------------------------------------------------------------------------------
def test_wrong_secret_is_rejected_by_s3(sandbox):
    key = new_key(sandbox, sandbox.token, 600)
    good = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(good, "training-data", ok=True)
    secret = key["secretKey"]
    wrong = secret[:-1] + ("y" if secret.endswith("x") else "x")  # always differs from the real secret
    assert wrong != secret
    bad = s3_client(sandbox, key["accessKeyId"], wrong)
    assert s3_error(lambda: bad.list_objects_v2(Bucket="training-data")) == "SignatureDoesNotMatch"


def test_org_policy_scopes_s3_access(sandbox):
    user = make_principal(sandbox)
    grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey"])
    key = new_key(sandbox, user.token)
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    assert wait_for_s3(s3, "model-checkpoints", ok=False) == "AccessDenied"
    grant(sandbox, user.principal_name, ["s3:GetObject", "s3:ListBucket"],
          ["model-checkpoints", "model-checkpoints/*"])
    wait_for_s3(s3, "model-checkpoints", ok=True, timeout=2.0)
    assert s3_error(lambda: s3.put_object(Bucket="model-checkpoints", Key="x", Body=b"x")) == "AccessDenied"
    assert s3_error(lambda: s3.list_objects_v2(Bucket="training-data")) == "AccessDenied"


def test_admin_role_alone_gives_no_s3_access(sandbox):
    admin = make_principal(sandbox, admin=True)
    key = new_key(sandbox, admin.token)
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    assert wait_for_s3(s3, "training-data", ok=False) == "AccessDenied"


def test_api_token_exchange_gives_15_minute_keys_that_work(sandbox):
    r = call(sandbox, "GET", f"{API}/temporary-credentials/api-token", sandbox.token)
    assert r.status_code == 200
    creds = r.json()
    assert set(creds) >= {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    s3 = s3_client(sandbox, creds["AccessKeyId"], creds["SecretAccessKey"])
    wait_for_s3(s3, "training-data", ok=True, timeout=1.0)


# -- workload identity ----------------------------------------------------------------------------------
def test_oidc_exchange_end_to_end(sandbox):
    tok = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token",
                     json={"subject": "system:serviceaccount:ml:trainer"}).json()
    body = {"durationSeconds": 900, "orgId": sandbox.org_id, "oidcToken": tok["token"]}
    r = call(sandbox, "POST", f"{API}/temporary-credentials/oidc", json=body)
    assert r.status_code == 200, r.text
    key = r.json()
    assert key["principalName"] == f"role/{sandbox.oidc_issuer}:system:serviceaccount:ml:trainer"
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(s3, "training-data", ok=True, timeout=1.0)
    assert s3_error(lambda: s3.list_objects_v2(Bucket="model-checkpoints")) == "AccessDenied"

    body["oidcToken"] = tok["token"][:-3] + "abc"
    assert_envelope(call(sandbox, "POST", f"{API}/temporary-credentials/oidc", json=body), 400, 3,
                    "Invalid token")
    body["oidcToken"], body["durationSeconds"] = tok["token"], 43201
    assert_envelope(call(sandbox, "POST", f"{API}/temporary-credentials/oidc", json=body), 400, 3, "43200")


def test_container_credentials_route(sandbox):
    tok = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "pod-a"}).json()
    path = f"{API}/temporary-credentials/oidc/{sandbox.org_id}"
    r = call(sandbox, "GET", path, headers={"Authorization": tok["token"]})
    assert r.status_code == 200, r.text
    assert r.json()["AccessKeyId"].startswith("CW") and r.json()["Expiration"]
    assert_envelope(call(sandbox, "GET", path, headers={"Authorization": "garbage"}), 400, 3, "Invalid token")


def test_saml_exchange_end_to_end(sandbox):
    saml = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"}).json()
    body = {"durationSeconds": 3600, "orgId": sandbox.org_id, "samlResponse": saml["samlResponse"],
            "configId": saml["configId"]}
    r = call(sandbox, "POST", f"{API}/temporary-credentials/saml", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["principalName"] == "saml/ml-engineers"
    other = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "interns"}).json()
    body["samlResponse"] = other["samlResponse"]
    assert_envelope(call(sandbox, "POST", f"{API}/temporary-credentials/saml", json=body), 403, 7)
    body["configId"] = "saml-other"
    assert_envelope(call(sandbox, "POST", f"{API}/temporary-credentials/saml", json=body), 400, 3)


def test_sandbox_routes_live_outside_v1(sandbox):
    assert call(sandbox, "GET", "/v1/cwobject/principals", sandbox.token).status_code == 404
    assert call(sandbox, "GET", "/sandbox/principals").status_code == 200
    headers = admin_headers(sandbox)
    assert call(sandbox, "GET", "/v1/cwobject/sandbox/info", headers=headers).status_code == 404


def test_org_settings_then_bucket_audit_logging(sandbox):
    def org(settings):
        return call(sandbox, "PUT", f"{API}/organization/settings", sandbox.token, json={"settings": settings})

    assert_envelope(org({}), 400, 3, "required")
    assert_envelope(org({"auditEverything": True}), 400, 3, "unknown organization setting")
    r = org({"bucketAuditLoggingEnabled": True})
    try:
        assert r.status_code == 200 and r.json()["settings"]["bucketAuditLoggingEnabled"] is True
        r = call(sandbox, "PUT", f"{API}/bucket/settings", sandbox.token,
                 json={"bucketName": "training-data", "settings": {"auditLoggingEnabled": True}})
        assert r.status_code == 200 and r.json()["settings"]["auditLoggingEnabled"] is True
    finally:
        call(sandbox, "PUT", f"{API}/bucket/settings", sandbox.token,
             json={"bucketName": "training-data", "settings": {"auditLoggingEnabled": False}})
        org({"bucketAuditLoggingEnabled": False})
    user = make_principal(sandbox)
    assert_envelope(call(sandbox, "PUT", f"{API}/organization/settings", user.token,
                         json={"settings": {"bucketAuditLoggingEnabled": False}}), 403, 7)


def test_demo_seed_principals_and_tokens(sandbox):
    principals = httpx.get(f"{sandbox.control_plane}/sandbox/principals").json()["principals"]
    names = {p["displayName"]: p for p in principals}
    assert "ObjectStorageAdmin" in names["Sandbox Admin"]["roles"]
    assert names["Ana Analyst"]["roles"] == []
    policies = call(sandbox, "GET", f"{API}/access-policy", sandbox.token).json()["policies"]
    assert {"sandbox-admin-s3", "analyst-read-checkpoints", "workload-identity"} <= {p["name"] for p in policies}


def test_prefix_scoped_grant_limits_s3_reads_to_the_prefix(sandbox):
    user = make_principal(sandbox)
    grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey"])
    grant(sandbox, user.principal_name, ["s3:ListBucket"], ["model-checkpoints"])
    grant(sandbox, user.principal_name, ["s3:GetObject"], ["model-checkpoints/eval/*"])
    key = new_key(sandbox, user.token)
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    wait_for_s3(s3, "model-checkpoints", ok=True, timeout=2.0)
    assert s3.get_object(Bucket="model-checkpoints", Key="eval/results-000.json")["Body"].read()
    assert s3_error(lambda: s3.get_object(Bucket="model-checkpoints", Key="llama-8b/step-001000/config.json")) \
        == "AccessDenied"
