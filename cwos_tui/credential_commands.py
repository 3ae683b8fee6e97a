"""`cwos-tui credential-process` and `cwos-tui export`: credentials for other tools, from a profile."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from cwos_tui.cloud.credentials import S3Credentials
from cwos_tui.cloud.errors import CloudError
from cwos_tui.config import exports
from cwos_tui.config.profiles import ConfigError, Profile, resolve_profile
from cwos_tui.config.secrets import default_secret_store
from cwos_tui.config.settings import load_settings
from cwos_tui.session import DEFAULT_ZONE, connect


def _profile(args: argparse.Namespace) -> Profile:
    settings = load_settings()
    return resolve_profile(settings, args.sub_profile or getattr(args, "profile", None))


async def _fetch(profile: Profile) -> S3Credentials:
    services = connect(profile, store=default_secret_store())
    try:
        return await services.credentials.fetch()
    finally:
        await services.close()


def _fail(message: str) -> int:
    print(f"cwos-tui: {message}", file=sys.stderr)
    return 1


def run_credential_process(args: argparse.Namespace) -> int:
    try:
        profile = _profile(args)
        creds = asyncio.run(_fetch(profile))
    except (ConfigError, CloudError) as exc:
        return _fail(str(exc))
    print(exports.credential_process_json(creds.access_key_id, creds.secret_access_key, creds.session_token,
                                          creds.expires_at))
    return 0


def run_export(args: argparse.Namespace) -> int:
    try:
        profile = _profile(args)
        creds = asyncio.run(_fetch(profile)) if not args.credential_process else None
    except (ConfigError, CloudError) as exc:
        return _fail(str(exc))
    if args.credential_process and args.format != "aws":
        return _fail("--credential-process only applies to --format aws")
    target = exports.ExportTarget(
        name=args.name or profile.name,
        s3_endpoint=profile.s3_endpoint,
        zone=profile.zone or DEFAULT_ZONE,
        addressing_style=profile.addressing_style,
        access_key_id=creds.access_key_id if creds else "",
        secret_access_key=creds.secret_access_key if creds else "",
        session_token=creds.session_token if creds else None,
        expires_at=creds.expires_at if creds else None,
    )
    process = exports.credential_process_command(profile.name) if args.credential_process else None
    texts = exports.render(args.format, target, credential_process=process)
    if not args.write and args.file is None:
        for text in texts.values():
            sys.stdout.write(text)
        return 0
    try:
        paths = exports.default_paths(args.format) if args.format != "env" else {}
        if args.file is not None:
            if len(texts) != 1:
                return _fail("--file takes one file; aws writes two (use AWS_CONFIG_FILE and "
                             "AWS_SHARED_CREDENTIALS_FILE to choose them)")
            paths = {next(iter(texts)): Path(args.file)}
        removed = False
        if process and "credentials" in paths and args.file is None:
            removed = exports.drop_static_keys(paths["credentials"], target.name, force=args.force)
        written = exports.write(args.format, texts, paths, force=args.force)
    except exports.ExportError as exc:
        return _fail(str(exc))
    for path in written:
        print(f"wrote {path}")
    if removed:
        print(f"removed the static keys of [{target.name}] from {paths['credentials']}: "
              "credential_process supplies fresh ones")
    print(f"addressing: {exports.addressing_note(target.addressing_style)}")
    if creds is not None and creds.expires_at is not None:
        print(f"note: these keys expire at {creds.expires_at:%Y-%m-%d %H:%M:%S %Z}; "
              "`--credential-process` (aws) keeps them fresh instead")
    return 0
