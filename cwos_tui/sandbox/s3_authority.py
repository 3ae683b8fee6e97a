"""What the S3 front asks the sandbox: who owns a key, may it do this, and the bucket state S3 keeps.

`S3Authority` is the interface the front (`s3_proxy.py`) needs; `SandboxS3Authority` answers it
from the emulator's state, so the S3 front and the control plane judge with the same evaluator.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cwos_tui.cloud.policy import AccessDecision, BucketPolicyError, parse_bucket_policy
from cwos_tui.sandbox.emulator import Emulator


@dataclass(frozen=True)
class KeyRecord:
    """An access key as the S3 front sees it: its secret, its principal's names and its status."""

    access_key_id: str
    secret_key: str = field(repr=False)
    principals: tuple[str, ...]
    status: str
    is_admin: bool = False

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


class S3Authority(Protocol):
    def key(self, access_key_id: str) -> KeyRecord | None: ...

    def decide(self, key: KeyRecord, action: str, resource: str, context: Mapping[str, str]) -> AccessDecision: ...

    def bucket_zone(self, bucket: str) -> str | None: ...

    def bucket_propagating(self, bucket: str) -> bool: ...

    def bucket_policy(self, bucket: str) -> str | None: ...

    async def put_bucket_policy(self, bucket: str, text: str) -> None: ...

    async def delete_bucket_policy(self, bucket: str) -> None: ...

    def inventories(self, bucket: str) -> dict[str, str]: ...

    async def put_inventory(self, bucket: str, config_id: str, document: str) -> None: ...

    async def delete_inventory(self, bucket: str, config_id: str) -> bool: ...


class SandboxS3Authority:
    """`S3Authority` over the emulator's state (keys, org policies, buckets, bucket policies)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def key(self, access_key_id: str) -> KeyRecord | None:
        key = self.emu.state.keys.get(access_key_id)
        if key is None:
            return None
        status = self.emu.state.key_status(key, self.emu.clock.now())
        return KeyRecord(key.access_key_id, key.secret_key, (key.principal_name, *key.aliases), status)

    def decide(self, key: KeyRecord, action: str, resource: str, context: Mapping[str, str]) -> AccessDecision:
        return self.emu.authz.decide(key.principals, action, resource, is_admin=key.is_admin, context=context)

    def bucket_zone(self, bucket: str) -> str | None:
        known = self.emu.state.buckets.get(bucket)
        return known.zone if known else None

    def bucket_propagating(self, bucket: str) -> bool:
        """True while a new bucket is still "propagating" (see `Emulator.bucket_propagating`)."""
        return self.emu.bucket_propagating(bucket)

    def bucket_policy(self, bucket: str) -> str | None:
        return self.emu.state.bucket_policies.get(bucket)

    async def put_bucket_policy(self, bucket: str, text: str) -> None:
        """Store a policy after checking it; BucketPolicyError says why it is malformed."""
        parse_bucket_policy(text, bucket)
        self.emu.state.bucket_policies[bucket] = text
        await self.emu.changed()

    async def delete_bucket_policy(self, bucket: str) -> None:
        if self.emu.state.bucket_policies.pop(bucket, None) is not None:
            await self.emu.changed()

    def inventories(self, bucket: str) -> dict[str, str]:
        return dict(self.emu.state.inventories.get(bucket, {}))

    async def put_inventory(self, bucket: str, config_id: str, document: str) -> None:
        """Store an inventory configuration (kept and returned; no inventory reports are produced)."""
        try:
            root = ET.fromstring(document)
        except ET.ParseError:
            raise BucketPolicyError("The XML you provided was not well-formed or did not validate.") from None
        body_id = next((el.text or "" for el in root if el.tag.rsplit("}", 1)[-1] == "Id"), "")
        if root.tag.rsplit("}", 1)[-1] != "InventoryConfiguration" or body_id != config_id:
            raise BucketPolicyError("An InventoryConfiguration whose Id matches the id parameter is required.")
        self.emu.state.inventories.setdefault(bucket, {})[config_id] = document
        await self.emu.changed()

    async def delete_inventory(self, bucket: str, config_id: str) -> bool:
        found = self.emu.state.inventories.get(bucket, {}).pop(config_id, None) is not None
        if found:
            await self.emu.changed()
        return found
