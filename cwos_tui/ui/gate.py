"""The permission gate: read-only mode plus AuthCanI verdicts, per action *and* resource.

A principal allowed `s3:*` on one bucket may delete objects there and nowhere else, so a verdict is
cached per (permission, resource) where the resource is `*` for org-wide actions, `bucket` for bucket
actions and `bucket/prefix*` for the objects of the folder being shown. What the gate does not know it
allows: the server decides, and its answer comes back through the one error path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cwos_tui.ui.commands.model import Command


def resource_for(command: Command, bucket: str = "", prefix: str = "") -> str | None:
    """The AuthCanI resource a command acts on here, or None when there is nothing to act on yet."""
    if command.resource == "*":
        return "*"
    if not bucket:
        return None
    if command.resource == "bucket":
        return bucket
    return f"{bucket}/{prefix}*"


@dataclass
class Gate:
    """What the session may do: read-only mode plus AuthCanI verdicts ((permission, resource) -> allowed)."""

    read_only: bool = False
    verdicts: dict[tuple[str, str], bool] = field(default_factory=dict)

    def refusal(self, command: Command, resource: str | None = "*") -> str | None:
        """Why `command` is refused on `resource` now, or None when it may run. Unknown verdicts allow."""
        if command.mutates and self.read_only:
            return f"{command.title}: refused, the session is read-only"
        if not command.permission or resource is None:
            return None
        if self.verdicts.get((command.permission, resource)) is False:
            where = "" if resource == "*" else f" on {resource}"
            return f"{command.title}: refused, your principal lacks {command.permission}{where}"
        return None

    def known(self, permission: str, resource: str) -> bool:
        return (permission, resource) in self.verdicts

    def record(self, verdicts: dict[tuple[str, str], bool]) -> None:
        self.verdicts.update(verdicts)

    def forget(self) -> None:
        """A new identity: every verdict is stale."""
        self.verdicts.clear()


def permissions_needed(commands: Iterable[Command], scope: str = "*") -> list[str]:
    """Distinct permissions of the commands acting on `scope` (`*`, `bucket` or `object`), sorted."""
    return sorted({c.permission for c in commands if c.permission and c.resource == scope})
