"""Command line: the dashboard by default, plus `sandbox`, `serve`, `paths` and other subcommands.

Heavy imports (textual, boto3, uvicorn) happen inside the subcommand that needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from cwos_tui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cwos-tui",
        description="A terminal dashboard for CoreWeave AI Object Storage.",
    )
    parser.add_argument("--version", action="version", version=f"cwos-tui {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="start the seeded local sandbox and open the dashboard on it")
    parser.add_argument("--profile", help="profile to use (default: the active profile)")
    parser.add_argument("--read-only", action="store_true", help="disable every action that changes anything")
    sub = parser.add_subparsers(dest="command")

    sb = sub.add_parser("sandbox", help="run the local CAIOS emulator (control plane + S3) in the foreground")
    sb.add_argument("--port", type=int, default=0, help="control-plane port on 127.0.0.1 (0 = a free port)")
    sb.add_argument("--s3-port", type=int, default=0, help="S3 port on 127.0.0.1 (0 = a free port)")
    sb.add_argument("--data-dir", type=Path, help="keep state here across restarts (default: a temporary dir)")
    sb.add_argument("--seed", choices=["demo", "empty"], default="demo", help="initial contents (default: demo)")
    sb.add_argument("--json", action="store_true", help="print one JSON line when ready")

    setup = sub.add_parser("setup", help="the guided setup wizard: create a profile, test it, save it")
    setup.add_argument("--profile", dest="sub_profile", help="edit this saved profile instead of creating one")

    paths = sub.add_parser("paths", help="print where cwos-tui keeps its config, secrets, logs and cache")
    paths.add_argument("--json", action="store_true", help="print JSON")

    cp = sub.add_parser("credential-process",
                        help="print AWS credential_process JSON with freshly exchanged short-lived keys")
    cp.add_argument("--profile", dest="sub_profile", help="profile (default: the active one, or the env profile)")

    ex = sub.add_parser("export", help="write or print configuration for the AWS CLI, env, rclone or s3cmd")
    ex.add_argument("--profile", dest="sub_profile", help="profile (default: the active one, or the env profile)")
    ex.add_argument("--format", required=True, choices=["aws", "env", "rclone", "s3cmd"])
    ex.add_argument("--name", help="name of the exported profile or remote (default: the profile name)")
    ex.add_argument("--write", action="store_true", help="add it to the tool's own config file instead of printing")
    ex.add_argument("--file", type=Path, help="write to this file instead of the tool's default")
    ex.add_argument("--credential-process", action="store_true",
                    help="aws only: refresh keys through `cwos-tui credential-process` instead of storing them")
    ex.add_argument("--force", action="store_true", help="replace an existing profile, remote or file")
    web = sub.add_parser("serve", help="serve the dashboard to a web browser (loopback only unless --allow-remote)")
    web.add_argument("--host", dest="web_host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1; any other needs --allow-remote)")
    web.add_argument("--port", dest="web_port", type=int, default=8000, help="port (default 8000; 0 = a free one)")
    web.add_argument("--profile", dest="sub_profile", help="profile every tab uses (default: the active one)")
    web.add_argument("--demo", dest="web_demo", action="store_true",
                     help="serve the demo: one seeded sandbox shared by every tab, stopped with the server")
    web.add_argument("--read-only", dest="web_read_only", action="store_true",
                     help="every visitor is read-only")
    web.add_argument("--allow-remote", action="store_true",
                     help="allow a non-loopback address; every visitor then needs the access token printed once")
    from cwos_tui.policy_commands import add_policy_parser

    add_policy_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        return run_sandbox(args)
    if args.command == "paths":
        return run_paths(args)
    if args.command == "setup":
        from cwos_tui.ui.launcher import run_setup

        return run_setup(profile_name=args.sub_profile, read_only=args.read_only)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "policy":
        from cwos_tui.policy_commands import run_policy

        return run_policy(args)
    if args.command in ("credential-process", "export"):
        from cwos_tui.credential_commands import run_credential_process, run_export

        return run_credential_process(args) if args.command == "credential-process" else run_export(args)
    return run_dashboard(args)


def friendly_block(info: dict[str, Any]) -> str:
    return "\n".join([
        "CAIOS sandbox is ready.",
        f"  control plane  {info['control_plane']}",
        f"  S3 endpoint    {info['s3']}   (path style, or virtual-hosted as <bucket>.localhost)",
        f"  org id         {info['org_id']}",
        f"  zones          {', '.join(info['zones'])} (default {info['zone']})",
        f"  admin          {info['admin_principal']}",
        "",
        "Copy these into another shell:",
        f"  export COREWEAVE_API_ENDPOINT={info['control_plane']}",
        f"  export COREWEAVE_API_TOKEN={info['token']}",
        f"  export AWS_ENDPOINT_URL={info['s3']}",
        f"  export AWS_REGION={info['zone']}",
        "  export CWOS_ADDRESSING_STYLE=path",
        "",
        "Press Ctrl-C to stop; everything the sandbox started stops with it.",
    ])


def run_sandbox(args: argparse.Namespace) -> int:
    from cwos_tui.sandbox.server import Sandbox, SandboxOptions

    async def go() -> None:
        sandbox = Sandbox(SandboxOptions(args.port, args.s3_port, args.data_dir, args.seed))
        with Sandbox.stop_on_signals() as stop:
            try:
                info = await sandbox.start()
                if args.json:
                    keys = ("control_plane", "s3", "token", "org_id", "zone")
                    # the sandbox's S3 is on loopback: path-style, like every IP or localhost endpoint
                    print(json.dumps({**{k: info[k] for k in keys}, "addressing_style": "path"}), flush=True)
                else:
                    print(friendly_block(info), flush=True)
                await stop.wait()
            finally:
                await sandbox.stop()

    try:
        _run_fast(go())
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # a clear message, not a traceback
        print(f"cwos-tui sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


def _run_fast(main: Coroutine[Any, Any, None]) -> None:
    """asyncio.run on uvloop where it is installed: the S3 front streams every byte through this loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def run_serve(args: argparse.Namespace) -> int:
    from cwos_tui.web.serve import ServeOptions, run_serve

    return run_serve(ServeOptions(
        host=args.web_host, port=args.web_port, profile=args.sub_profile or args.profile,
        demo=args.web_demo or args.demo, read_only=args.web_read_only or args.read_only,
        allow_remote=args.allow_remote,
    ))


def run_paths(args: argparse.Namespace) -> int:
    from cwos_tui.config.locations import describe_paths, format_paths

    paths = describe_paths()
    print(json.dumps(paths, indent=2) if args.json else format_paths(paths))
    return 0


def run_dashboard(args: argparse.Namespace) -> int:
    from cwos_tui.ui.launcher import run_app

    return run_app(demo=args.demo, profile_name=args.profile, read_only=args.read_only)
