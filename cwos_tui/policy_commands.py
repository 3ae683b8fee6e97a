"""`cwos-tui policy lint|simulate|pull|push`: org and bucket policies for scripts and CI.

Exit codes follow the tools people script with: lint 0 clean (warnings allowed) / 1 errors / 2 usage or
unreadable file; simulate 0 allowed / 1 denied / 2 error (as `kubectl auth can-i`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.policy.authorize import uses_bucket_policy
from cwos_tui.cloud.policy.bucket_policy import BucketPolicy, BucketPolicyError, parse_bucket_policy
from cwos_tui.cloud.policy.lint import LintReport, lint_text, org_policy_object
from cwos_tui.cloud.policy.model import OrgPolicy
from cwos_tui.cloud.policy.s3_operations import bucket_of
from cwos_tui.cloud.policy.simulate import SimulationInputError, build_request, simulate
from cwos_tui.config.profiles import ConfigError
from cwos_tui.policy_sync import CommandError, add_sync_parsers, read_text, run_pull, run_push, services_for

USAGE, DENIED = 2, 1


def add_policy_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy = sub.add_parser("policy", help="lint, simulate, pull and push org and bucket access policies")
    psub = policy.add_subparsers(dest="policy_command", required=True)
    lint = psub.add_parser("lint", help="check policy files (org or bucket policies); exit 1 when any has an error")
    lint.add_argument("files", nargs="+", metavar="FILE", help="policy JSON files (- reads stdin)")
    lint.add_argument("--json", action="store_true", help="print one JSON object per file, one per line")
    lint.add_argument("--bucket", help="bucket policies must name this bucket's resources")
    sim = psub.add_parser("simulate", help="may principal P do action A on resource R? exit 0 allowed, 1 denied")
    sim.add_argument("--principal", action="append", required=True, metavar="P",
                     help="coreweave/<UID>, role/<name>, saml/<role> or an ARN (repeat for every name the caller "
                          "goes by)")
    sim.add_argument("--action", required=True, metavar="A", help="e.g. s3:GetObject or cwobject:CreateAccessKey")
    sim.add_argument("--resource", default="*", metavar="R", help="*, bucket, bucket/key or arn:aws:s3:::bucket/key")
    sim.add_argument("--org-policy", action="extend", nargs="+", type=Path, default=[], metavar="FILE",
                     help="org policy files to use instead of the live ones (then nothing is fetched)")
    sim.add_argument("--bucket-policy", type=Path, metavar="FILE",
                     help="the bucket's policy (default: the live one; none when --org-policy is given)")
    sim.add_argument("--org-id", help="the caller's org id (for ARNs and cw:PrincipalOrgID)")
    sim.add_argument("--profile", dest="sub_profile", help="profile for live policies (default: the active one)")
    sim.add_argument("--json", action="store_true", help="print the decision as JSON")
    add_sync_parsers(psub)


def run_policy(args: argparse.Namespace) -> int:
    try:
        if args.policy_command == "lint":
            return run_lint(args)
        if args.policy_command == "simulate":
            return run_simulate(args)
        if args.policy_command == "pull":
            return run_pull(args)
        return run_push(args)
    except (CommandError, ConfigError, CloudError, SimulationInputError) as exc:
        print(f"cwos-tui policy: {exc}", file=sys.stderr)
        return USAGE


def print_report(name: str, report: LintReport) -> None:
    if not report.findings:
        print(f"{name}: ok ({report.kind} policy)")
    for f in report.findings:
        print(f"{name}:{f.line}:{f.column}: {f.severity} [{f.rule}] {f.message} (at {f.path})")


def run_lint(args: argparse.Namespace) -> int:
    worst = 0
    for name in args.files:
        try:
            text = read_text(name)
        except CommandError as exc:
            print(f"cwos-tui policy lint: {exc}", file=sys.stderr)
            worst = USAGE
            continue
        report = lint_text(text, bucket=args.bucket)
        if args.json:
            print(json.dumps(report.to_json(name)))
        else:
            print_report(name, report)
        if not report.ok:
            worst = max(worst, DENIED)
    return worst


def org_policies_from_files(paths: list[Path]) -> list[OrgPolicy]:
    policies = []
    for path in paths:
        report = lint_text(read_text(path), kind="org")
        if not report.ok:
            first = next(f for f in report.findings if f.severity == "error")
            raise CommandError(f"{path}:{first.line}:{first.column}: {first.message} (run `cwos-tui policy lint`)")
        policies.append(OrgPolicy.model_validate(org_policy_object(report.value)))
    return policies


def bucket_policy_from_file(path: Path, bucket: str) -> BucketPolicy:
    try:
        return parse_bucket_policy(read_text(path), bucket)
    except BucketPolicyError as exc:
        raise CommandError(f"{path}: {exc}") from None


async def _live(args: argparse.Namespace, bucket: str, need_bucket: bool) -> tuple[
        list[OrgPolicy], BucketPolicy | None, str]:
    services = services_for(args)
    try:
        org_id = args.org_id or services.connection.org_id or ""
        if not org_id and services.connection.token is not None:
            org_id = (await services.control_plane.whoami()).org_uid
        policies = await services.control_plane.list_policies()
        bucket_policy = None
        if need_bucket and args.bucket_policy is None:
            text = await services.storage.get_bucket_policy(bucket)
            if text is not None:
                try:
                    bucket_policy = parse_bucket_policy(text, bucket)
                except BucketPolicyError as exc:
                    raise CommandError(f"the live policy of bucket {bucket!r} is malformed: {exc}") from None
        return policies, bucket_policy, org_id
    finally:
        await services.close()


def run_simulate(args: argparse.Namespace) -> int:
    request = build_request(args.principal, args.action, args.resource, args.org_id or "")
    bucket = bucket_of(request.resource)
    need_bucket = uses_bucket_policy(request.action, request.resource)
    bucket_policy = bucket_policy_from_file(args.bucket_policy, bucket) if args.bucket_policy and bucket else None
    if args.org_policy:
        policies = org_policies_from_files(args.org_policy)
    else:
        policies, live_bucket, org_id = asyncio.run(_live(args, bucket, need_bucket))
        bucket_policy = bucket_policy or live_bucket
        request = build_request(args.principal, args.action, args.resource, request.org_id or org_id)
    result = simulate(request, policies, bucket_policy if need_bucket else None)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print("\n".join(result.lines()))
    return 0 if result.decision.allowed else DENIED
