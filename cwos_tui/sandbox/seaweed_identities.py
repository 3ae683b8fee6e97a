"""Identity changes for the SeaweedFS S3 gateway, planned as one batch of `weed shell` commands.

`s3.configure` only adds, so every change is turned into explicit add and delete lines against the
state last read from (or written to) weed. Checks run on the whole batch first: a refused batch
applies nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cwos_tui.sandbox.seaweed_helpers import SeaweedError, redact

PROBE_NAME = "cwos-sync-probe"
SHELL_TIMEOUT = 30.0
_ACTION_RE = re.compile(r"^(Read|Write|List|Tagging|Admin)(:[A-Za-z0-9.*/_-]+)?$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@=+-]{0,127}$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._+/=~-]{1,256}$")  # what weed shell's argument split keeps intact


@dataclass(frozen=True)
class IdentityChange:
    """One identity to create/replace (`put`) or remove (`delete`) on the S3 gateway."""

    kind: Literal["put", "delete"]
    name: str
    access_key: str = ""
    secret_key: str = field(default="", repr=False)
    actions: tuple[str, ...] = ()

    @classmethod
    def put(cls, name: str, access_key: str, secret_key: str, actions: Sequence[str]) -> IdentityChange:
        """Afterwards `name` has exactly this one key and exactly these actions (`Read:bucket`, ...)."""
        return cls("put", name, access_key, secret_key, tuple(actions))

    @classmethod
    def delete(cls, name: str) -> IdentityChange:
        """Afterwards `name` and all its keys are gone; deleting an unknown name is a no-op."""
        return cls("delete", name)


@dataclass
class KnownIdentity:
    access_keys: set[str]
    actions: set[str]


def validate_changes(
    known: dict[str, KnownIdentity], changes: Sequence[IdentityChange], *, reserved_names: Sequence[str],
    reserved_keys: Sequence[str],
) -> None:
    """Raise ValueError for the first change weed would reject or that would break the sandbox."""
    owners = {key: name for name, k in known.items() for key in k.access_keys}
    for c in changes:
        if c.name in reserved_names or not _NAME_RE.match(c.name):
            raise ValueError(f"identity name not allowed: {c.name!r}")
        if c.kind == "delete":
            owners = {key: name for key, name in owners.items() if name != c.name}
            continue
        if not _TOKEN_RE.match(c.access_key) or not _TOKEN_RE.match(c.secret_key):
            raise ValueError(f"access key or secret of {c.name!r} is empty or has characters "
                             "weed shell cannot take")
        if c.access_key in reserved_keys:
            raise ValueError(f"access key of {c.name!r} is reserved")
        bad = [a for a in c.actions if not _ACTION_RE.match(a)]
        if bad:
            raise ValueError(f"unknown S3 action(s) for {c.name!r}: {', '.join(bad)}")
        owner = owners.get(c.access_key)
        if owner is not None and owner != c.name:
            raise ValueError(f"access key {c.access_key} already belongs to identity {owner!r}")
        owners = {key: name for key, name in owners.items() if name != c.name}
        owners[c.access_key] = c.name


def plan_changes(
    known: dict[str, KnownIdentity], changes: Sequence[IdentityChange]
) -> tuple[list[str], dict[str, KnownIdentity]]:
    """Shell lines that move the known state to the wanted one, and the resulting state.

    `s3.configure` only adds, so a put removes what is stale explicitly. Order: stale actions,
    then the new key and actions, then old keys. A request in flight sees at most the
    intersection of old and new permissions, and a kept key never disappears.
    """
    state = {name: KnownIdentity(set(k.access_keys), set(k.actions)) for name, k in known.items()}
    lines: list[str] = []
    for c in changes:
        old = state.pop(c.name, None)
        if c.kind == "delete":
            if old is not None:
                lines.append(f"s3.configure -user={c.name} -delete -apply")
            continue
        old = old or KnownIdentity(set(), set())
        wanted = set(c.actions)
        if stale := old.actions - wanted:
            lines.append(f"s3.configure -user={c.name} -actions={','.join(sorted(stale))} -delete -apply")
        line = f"s3.configure -user={c.name} -access_key={c.access_key} -secret_key={c.secret_key}"
        if added := wanted - old.actions:
            line += f" -actions={','.join(sorted(added))}"
        lines.append(line + " -apply")
        lines += [f"s3.configure -user={c.name} -access_key={key} -delete -apply"
                  for key in sorted(old.access_keys - {c.access_key})]
        state[c.name] = KnownIdentity({c.access_key}, wanted)
    return lines, state


async def run_shell(
    weed_binary: str, master_port: int, filer_port: int, cwd: Path, lines: Sequence[str],
    secret_values: Sequence[str],
) -> str:
    """Feed commands to one `weed shell`; raise with redacted output if any of them failed."""
    proc = await asyncio.create_subprocess_exec(
        weed_binary, "shell", f"-master=127.0.0.1:{master_port}", f"-filer=127.0.0.1:{filer_port}",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=cwd, start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(("\n".join(lines) + "\n").encode()), SHELL_TIMEOUT)
    except BaseException as exc:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        if isinstance(exc, TimeoutError):
            raise SeaweedError(f"weed shell did not finish within {SHELL_TIMEOUT:.0f} s") from None
        raise
    text = out.decode(errors="replace")
    failures = [ln for ln in text.splitlines()
                if ln.startswith("error:") or "unknown command" in ln or "flag provided but not" in ln]
    if failures or proc.returncode != 0:
        detail = "\n".join(failures or text.splitlines()[-10:])
        detail = redact(detail, secret_values)
        raise SeaweedError(f"weed shell failed (exit {proc.returncode}):\n{detail}")
    return text


def parse_export(text: str, admin_name: str) -> dict[str, KnownIdentity]:
    """The dynamic identities in `s3.iam.export` output (static ones and the admin are left out)."""
    try:
        doc: dict[str, Any] = json.loads(text[text.index("{"):])
    except ValueError:
        raise SeaweedError("weed shell s3.iam.export printed no readable JSON") from None
    known: dict[str, KnownIdentity] = {}
    for ident in doc.get("identities") or []:
        if not ident.get("isStatic") and ident.get("name") != admin_name:
            keys = {c["accessKey"] for c in ident.get("credentials") or [] if c.get("accessKey")}
            known[ident["name"]] = KnownIdentity(keys, set(ident.get("actions") or []))
    return known
