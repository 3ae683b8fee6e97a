"""Bucket configuration over S3: policy, versioning, lifecycle, CORS and tags.

A mixin of `StorageService` (import that, from `cwos_tui.cloud.storage`); it only needs the service's
`_call`, which the `_S3Calls` protocol names for the type checker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol, cast

from cwos_tui.cloud.errors import CloudError


class _S3Calls(Protocol):
    async def _call(self, operation: str, region: str | None = None, **params: Any) -> dict[str, Any]: ...

    async def _optional(self, operation: str, missing_code: str, **params: Any) -> dict[str, Any] | None: ...


class BucketSettingsOperations:
    """The bucket-configuration calls of `StorageService`; a missing configuration reads as None (or {})."""

    async def _optional(self: _S3Calls, operation: str, missing_code: str, **params: Any) -> dict[str, Any] | None:
        """Call a Get* whose "not configured" answer is an error code; return None for that case."""
        try:
            return await self._call(operation, **params)
        except CloudError as exc:
            if exc.code == missing_code:
                return None
            raise

    async def get_bucket_policy(self: _S3Calls, bucket: str) -> str | None:
        result = await self._optional("get_bucket_policy", "NoSuchBucketPolicy", Bucket=bucket)
        return None if result is None else cast(str, result["Policy"])

    async def put_bucket_policy(self: _S3Calls, bucket: str, policy: str | Mapping[str, Any]) -> None:
        text = policy if isinstance(policy, str) else json.dumps(policy)
        await self._call("put_bucket_policy", Bucket=bucket, Policy=text)

    async def delete_bucket_policy(self: _S3Calls, bucket: str) -> None:
        await self._call("delete_bucket_policy", Bucket=bucket)

    async def get_bucket_versioning(self: _S3Calls, bucket: str) -> str | None:
        """Status "Enabled" or "Suspended", or None for a bucket that never had versioning."""
        return cast(str | None, (await self._call("get_bucket_versioning", Bucket=bucket)).get("Status"))

    async def put_bucket_versioning(self: _S3Calls, bucket: str, enabled: bool) -> None:
        status = "Enabled" if enabled else "Suspended"
        await self._call("put_bucket_versioning", Bucket=bucket, VersioningConfiguration={"Status": status})

    async def get_bucket_lifecycle(self: _S3Calls, bucket: str) -> list[dict[str, Any]] | None:
        result = await self._optional(
            "get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration", Bucket=bucket
        )
        return None if result is None else list(result.get("Rules", []))

    async def put_bucket_lifecycle(self: _S3Calls, bucket: str, rules: list[dict[str, Any]]) -> None:
        await self._call(
            "put_bucket_lifecycle_configuration", Bucket=bucket, LifecycleConfiguration={"Rules": rules}
        )

    async def delete_bucket_lifecycle(self: _S3Calls, bucket: str) -> None:
        await self._call("delete_bucket_lifecycle", Bucket=bucket)

    async def get_bucket_cors(self: _S3Calls, bucket: str) -> list[dict[str, Any]] | None:
        result = await self._optional("get_bucket_cors", "NoSuchCORSConfiguration", Bucket=bucket)
        return None if result is None else list(result.get("CORSRules", []))

    async def put_bucket_cors(self: _S3Calls, bucket: str, rules: list[dict[str, Any]]) -> None:
        await self._call("put_bucket_cors", Bucket=bucket, CORSConfiguration={"CORSRules": rules})

    async def delete_bucket_cors(self: _S3Calls, bucket: str) -> None:
        await self._call("delete_bucket_cors", Bucket=bucket)

    async def get_bucket_tagging(self: _S3Calls, bucket: str) -> dict[str, str]:
        result = await self._optional("get_bucket_tagging", "NoSuchTagSet", Bucket=bucket)
        return {} if result is None else {t["Key"]: t["Value"] for t in result.get("TagSet", [])}

    async def put_bucket_tagging(self: _S3Calls, bucket: str, tags: Mapping[str, str]) -> None:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        await self._call("put_bucket_tagging", Bucket=bucket, Tagging={"TagSet": tag_set})

    async def delete_bucket_tagging(self: _S3Calls, bucket: str) -> None:
        await self._call("delete_bucket_tagging", Bucket=bucket)
