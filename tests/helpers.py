"""Small helpers for tests that talk to the sandbox over its real HTTP API."""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService


def tool(name: str) -> str:
    """A command-line tool from this interpreter's bin directory (the test extras install there), else PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; the test extra installs it")
    return found


def admin_headers(sandbox: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.token}"}


def make_principal(sandbox: Any, *, admin: bool = False, token_ttl: int | None = None,
                   name: str | None = None) -> SimpleNamespace:
    """A fresh principal with its own API token (admin: the Object Storage Admin role)."""
    base = sandbox.control_plane
    roles = ["ObjectStorageAdmin"] if admin else []
    p = httpx.post(f"{base}/sandbox/principals", json={"displayName": name or "tester", "roles": roles}).json()
    uid = p["principal"]["uid"]
    t = httpx.post(f"{base}/sandbox/tokens", json={"principalUid": uid, "expiresInSeconds": token_ttl,
                                                   "label": "test"}).json()
    return SimpleNamespace(uid=uid, principal_name=p["principal"]["principalName"], token=t["token"],
                           token_id=t["tokenId"])


def grant(sandbox: Any, principal_name: str, actions: list[str] | None = None,
          resources: list[str] | None = None, name: str | None = None, effect: str = "Allow") -> str:
    """Upsert an org policy (with the admin token) giving `principal_name` the actions; returns its name."""
    name = name or f"test-{uuid.uuid4().hex[:10]}"
    policy = {"version": "v1alpha1", "name": name, "statements": [{
        "name": "grant", "effect": effect, "actions": actions or ["s3:*"], "resources": resources or ["*"],
        "principals": [principal_name]}]}
    r = httpx.post(f"{sandbox.control_plane}/v1/cwobject/access-policy", json={"policy": policy},
                   headers=admin_headers(sandbox))
    r.raise_for_status()
    return name


def new_key(sandbox: Any, token: str, duration: int = 0, attributes: dict[str, str] | None = None) -> dict:
    r = httpx.post(f"{sandbox.control_plane}/v1/cwobject/access-key",
                   json={"durationSeconds": duration, "attributes": attributes or {}},
                   headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return r.json()


def s3_client(sandbox: Any, access_key_id: str, secret_key: str, *, style: str = "path") -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=sandbox.s3, region_name=sandbox.zone, aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}),
    )


def storage_service(sandbox: Any, key: dict[str, Any], endpoint: str | None = None, **options: Any) -> StorageService:
    """A StorageService on the sandbox's S3 (or `endpoint`) with `key`; path-style unless `options` say."""
    from cwos_tui.cloud.credentials import StaticKeySource
    from cwos_tui.cloud.storage import StorageService

    options.setdefault("addressing_style", "path")
    source = StaticKeySource(key["accessKeyId"], key["secretKey"])
    return StorageService(endpoint or sandbox.s3, source, zone=sandbox.zone, **options)
