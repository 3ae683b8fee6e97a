"""The `demo` seed: an org with an admin, a non-admin, policies, two buckets, and keys in every state."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cwos_tui.sandbox.emulator import Emulator
from cwos_tui.sandbox.idp import OIDC_ISSUER
from cwos_tui.sandbox.state import ADMIN_ROLE

TRAINING = "training-data"
CHECKPOINTS = "model-checkpoints"
TRAINING_ZONE = "US-EAST-04A"
CHECKPOINTS_ZONE = "US-CENTRAL-05A"


async def seed_admin(emu: Emulator) -> None:
    """Every sandbox has an admin principal and the token it prints."""
    admin = await emu.add_principal("Sandbox Admin", [ADMIN_ROLE])
    token = await emu.add_token(admin.uid, None, "sandbox admin")
    emu.state.admin_uid = admin.uid
    emu.state.admin_token = token.value
    await emu.changed()


def _policy(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {"version": "v1alpha1", "name": name, "statements": list(statements)}


def _stmt(name: str, actions: list[str], resources: list[str], principals: list[str],
          effect: str = "Allow") -> dict[str, Any]:
    return {"name": name, "effect": effect, "actions": actions, "resources": resources, "principals": principals}


async def seed_demo_control_plane(emu: Emulator) -> None:
    admin_name = emu.state.principals[emu.state.admin_uid].principal_name
    analyst = await emu.add_principal("Ana Analyst", [])
    contractor = await emu.add_principal("Casey Contractor", [])
    await emu.add_token(analyst.uid, 600, "analyst (expires in 10 minutes)")

    await emu.ensure_policy(_policy(
        "sandbox-admin-s3",
        _stmt("admin-full-s3", ["s3:*"], ["*"], [admin_name]),
    ))
    await emu.ensure_policy(_policy(
        "analyst-read-checkpoints",
        _stmt("analyst-mint-keys", ["cwobject:CreateAccessKey", "cwobject:ListBucketInfo"], ["*"],
              [analyst.principal_name]),
        _stmt("analyst-read", ["s3:GetObject", "s3:ListBucket"], [CHECKPOINTS, f"{CHECKPOINTS}/*"],
              [analyst.principal_name]),
    ))
    await emu.ensure_policy(_policy(
        "workload-identity",
        _stmt("wif-exchange", ["cwobject:CreateAccessKeyOIDC", "cwobject:CreateAccessKeySAML"], ["*"],
              [f"role/{OIDC_ISSUER}:*", "role/ml-engineers", "saml/ml-engineers"]),
        _stmt("wif-read-training", ["s3:GetObject", "s3:ListBucket"], [TRAINING, f"{TRAINING}/*"],
              [f"role/{OIDC_ISSUER}:*", "role/ml-engineers"]),
    ))

    await emu.mint_key(admin_name, 0, {"name": "ci-pipeline"})
    await emu.mint_key(admin_name, 45 * 60, {"name": "notebook-session"})
    await emu.mint_key(analyst.principal_name, 3600, {"name": "analyst-laptop"})
    await emu.mint_key(contractor.principal_name, 0, {"name": "contractor-upload"})
    await emu.set_status(contractor.principal_name, "ACCESS_KEY_STATUS_SUSPENDED")
    emu.record_bucket(TRAINING, TRAINING_ZONE)
    emu.record_bucket(CHECKPOINTS, CHECKPOINTS_ZONE)
    emu.state.bucket_policies[TRAINING] = json.dumps(training_bucket_policy(emu.state.org_id), indent=2)
    await emu.changed()


def training_bucket_policy(org_id: str) -> dict[str, Any]:
    """The documented org-wide example, plus a deny: nobody deletes raw data, whatever org policies say.

    Once a bucket has a policy, requests it does not allow are denied (implicit deny), so the
    org-wide statement keeps the bucket usable for everyone the org policies let in.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "OrgWideAccess", "Effect": "Allow", "Principal": {"CW": "*"}, "Action": ["s3:*"],
             "Resource": [f"arn:aws:s3:::{TRAINING}", f"arn:aws:s3:::{TRAINING}/*"],
             "Condition": {"StringEquals": {"cw:PrincipalOrgID": [org_id]}}},
            {"Sid": "ProtectRawData", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:DeleteObject"],
             "Resource": [f"arn:aws:s3:::{TRAINING}/raw/*"]},
        ],
    }


def demo_objects() -> dict[str, list[tuple[str, int]]]:
    """Object keys and sizes per bucket: nested prefixes, a few hundred objects."""
    rng = random.Random(7)
    training: list[tuple[str, int]] = [("README.md", 1800)]
    for split, count in (("train", 120), ("val", 30)):
        training += [(f"datasets/imagenet/{split}/shard-{i:04d}.tar", rng.randint(2_000, 60_000))
                     for i in range(count)]
    training += [(f"datasets/captions/part-{i:03d}.jsonl", rng.randint(500, 9_000)) for i in range(40)]
    training += [(f"raw/2026-11-{d:02d}/events-{h:02d}.parquet", rng.randint(1_000, 30_000))
                 for d in (24, 25, 26) for h in range(0, 24, 3)]
    checkpoints: list[tuple[str, int]] = []
    for model in ("llama-8b", "mistral-7b"):
        for step in (1000, 2000, 3000):
            base = f"{model}/step-{step:06d}"
            checkpoints += [(f"{base}/model-{i:05d}-of-00004.safetensors", rng.randint(20_000, 90_000))
                            for i in range(1, 5)]
            checkpoints += [(f"{base}/config.json", 700), (f"{base}/optimizer.pt", rng.randint(10_000, 40_000))]
    checkpoints += [(f"eval/results-{i:03d}.json", rng.randint(300, 3_000)) for i in range(60)]
    return {TRAINING: training, CHECKPOINTS: checkpoints}


def seed_demo_objects(s3: Any) -> None:
    """Create the demo buckets and objects through the sandbox's own S3 identity (runs in a thread)."""
    for bucket, zone in ((TRAINING, TRAINING_ZONE), (CHECKPOINTS, CHECKPOINTS_ZONE)):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": zone})
    s3.put_bucket_versioning(Bucket=TRAINING, VersioningConfiguration={"Status": "Enabled"})
    objects = demo_objects()

    def put(item: tuple[str, str, int]) -> None:
        bucket, key, size = item
        body = (key.encode() + b"\n") * (size // (len(key) + 1) + 1)
        s3.put_object(Bucket=bucket, Key=key, Body=body[:size])

    jobs = [(bucket, key, size) for bucket, items in objects.items() for key, size in items]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(put, jobs))
    for revision in (2, 3):
        s3.put_object(Bucket=TRAINING, Key="README.md", Body=f"# training-data (revision {revision})\n".encode())
