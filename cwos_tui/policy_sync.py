"""`cwos-tui policy pull|push`: live org policies to files and back, with a diff before anything changes."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

from cwos_tui.cloud.policy.diff import diff_text, policy_text
from cwos_tui.cloud.policy.lint import lint_text, org_policy_object
from cwos_tui.cloud.policy.model import OrgPolicy
from cwos_tui.config.profiles import resolve_profile
from cwos_tui.config.secrets import default_secret_store
from cwos_tui.config.settings import load_settings
from cwos_tui.session import Services, connect

_SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CommandError(Exception):
    """A usage or input problem: printed on stderr, exit 2."""


def read_text(name: str | Path) -> str:
    """A policy file's text (UTF-8, a BOM allowed); CommandError when it cannot be read."""
    try:
        data = sys.stdin.buffer.read() if str(name) == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise CommandError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def add_sync_parsers(psub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pull = psub.add_parser("pull", help="save the live org policies as files, one per policy")
    pull.add_argument("--dir", type=Path, default=Path("."), help="directory to write to (default: here)")
    pull.add_argument("--force", action="store_true", help="overwrite existing files")
    pull.add_argument("--profile", dest="sub_profile", help="profile (default: the active one)")
    push = psub.add_parser("push", help="apply org policy files: shows the diff against the live ones and asks")
    push.add_argument("files", nargs="+", type=Path, metavar="FILE")
    push.add_argument("--yes", action="store_true", help="apply without asking (for scripts)")
    push.add_argument("--profile", dest="sub_profile", help="profile (default: the active one)")


def services_for(args: argparse.Namespace) -> Services:
    profile = resolve_profile(load_settings(), getattr(args, "sub_profile", None))
    return connect(profile, store=default_secret_store())


async def _list(args: argparse.Namespace) -> list[OrgPolicy]:
    services = services_for(args)
    try:
        return await services.control_plane.list_policies()
    finally:
        await services.close()


def run_pull(args: argparse.Namespace) -> int:
    policies = asyncio.run(_list(args))
    args.dir.mkdir(parents=True, exist_ok=True)
    status = 0
    for policy in policies:
        if not _SAFE_FILE.match(policy.name):
            print(f"skipped a policy whose name cannot be a file name: {policy.name!r}", file=sys.stderr)
            status = 1
            continue
        path = args.dir / f"{policy.name}.json"
        if path.exists() and not args.force:
            print(f"{path} exists (use --force to overwrite)", file=sys.stderr)
            status = 1
            continue
        path.write_text(policy_text(policy.to_wire()), encoding="utf-8")
        print(path)
    return status


async def _push(args: argparse.Namespace, new: list[OrgPolicy]) -> int:
    services = services_for(args)
    try:
        live = {p.name: p.to_wire() for p in await services.control_plane.list_policies()}
        changed = [p for p in new if live.get(p.name) != p.to_wire()]
        for policy in changed:
            sys.stdout.write(diff_text(policy.name, live.get(policy.name), policy.to_wire()))
        if not changed:
            print("nothing to apply: the live policies are the same")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                print("not applied: pass --yes to apply without a terminal", file=sys.stderr)
                return 2
            answer = await asyncio.to_thread(input, f"Apply {len(changed)} policy change(s)? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("not applied")
                return 1
        for policy in changed:
            await services.control_plane.ensure_policy(policy)
            print(f"applied {policy.name}")
        return 0
    finally:
        await services.close()


def run_push(args: argparse.Namespace) -> int:
    new = []
    for path in args.files:
        report = lint_text(read_text(path), kind="org")
        if not report.ok:
            for f in report.findings:
                print(f"{path}:{f.line}:{f.column}: {f.severity} [{f.rule}] {f.message}", file=sys.stderr)
            raise CommandError(f"{path}: not applied, the policy has errors")
        new.append(OrgPolicy.model_validate(org_policy_object(report.value)))
    return asyncio.run(_push(args, new))
