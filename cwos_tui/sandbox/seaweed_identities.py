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
import secrets
from collections.abc import Callable, Sequence
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


def _failures(text: str) -> list[str]:
    return [ln for ln in text.splitlines()
            if ln.startswith("error:") or "unknown command" in ln or "flag provided but not" in ln]


class _ShellGone(Exception):
    """The shell was gone before it read a batch: nothing of it ran."""


class WeedShell:
    """One long-lived `weed shell` for a SeaweedFS: each batch of commands goes to its stdin, followed by a
    marker command whose "unknown command" answer ends the batch's output.

    Starting a `weed shell` costs about 0.25 s of CPU and 0.3 s of waiting, and the sandbox changes the
    gateway's identities on every key or policy change: one shell per change was a tenth of a test run.
    A shell that died or timed out is replaced at the next batch.
    """

    def __init__(self, weed_binary: str, master_port: int, filer_port: int, cwd: Path,
                 preexec: Callable[[], None] | None = None) -> None:
        self._argv = [weed_binary, "shell", f"-master=127.0.0.1:{master_port}", f"-filer=127.0.0.1:{filer_port}"]
        self._cwd, self._preexec = cwd, preexec
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def run(self, lines: Sequence[str], secret_values: Sequence[str]) -> str:
        """Run `lines`; raise with redacted output if any of them failed.

        A shell found dead before it read the batch (killed, or weed restarted) is replaced once.
        """
        async with self._lock:
            for attempt in (1, 2):
                try:
                    text = await asyncio.wait_for(self._exchange(lines), SHELL_TIMEOUT)
                    break
                except _ShellGone as gone:
                    await self.close()
                    if attempt == 2:
                        raise SeaweedError(f"weed shell exited before it read the commands: {gone}") from None
                except BaseException as exc:
                    await self.close()  # its state is unknown: the next batch gets a fresh shell
                    if isinstance(exc, TimeoutError):
                        raise SeaweedError(f"weed shell did not finish within {SHELL_TIMEOUT:.0f} s") from None
                    raise
        failures = _failures(text)
        if failures:
            raise SeaweedError(f"weed shell failed:\n{redact(chr(10).join(failures), secret_values)}")
        return text

    async def _exchange(self, lines: Sequence[str]) -> str:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                *self._argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, cwd=self._cwd, start_new_session=True, preexec_fn=self._preexec)
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        marker = f"cwos-end-{secrets.token_hex(6)}"
        try:
            proc.stdin.write(("\n".join([*lines, marker]) + "\n").encode())
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _ShellGone(str(exc) or type(exc).__name__) from None
        out: list[str] = []
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                status = await proc.wait()
                if not out:
                    raise _ShellGone(f"status {status}")
                raise SeaweedError(f"weed shell exited (status {status}):\n" + "".join(out[-10:]))
            line = raw.decode(errors="replace")
            if line.rstrip("\n") == f"unknown command: {marker}":
                return "".join(out)
            out.append(line)

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


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
