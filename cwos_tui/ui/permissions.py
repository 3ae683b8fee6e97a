"""Who the session is and what it may do: whoami plus AuthCanI, asked off the event loop.

The answers feed the resource-aware gate: org-wide permissions on `*` once per identity, bucket and
object permissions per folder the Objects pane shows. A question the server does not answer (a network
blip, an old control plane) leaves the verdict unknown, which allows: the server then decides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from cwos_tui.cloud.errors import CloudError
from cwos_tui.ui import commands
from cwos_tui.ui.gate import permissions_needed, resource_for

if TYPE_CHECKING:
    from cwos_tui.cloud.control_plane import ControlPlaneClient

log = logging.getLogger(__name__)

Verdicts = dict[tuple[str, str], bool]


async def ask(client: ControlPlaneClient, questions: list[tuple[str, str]]) -> Verdicts:
    """AuthCanI for each (permission, resource) pair, concurrently. Re-auth errors propagate."""

    async def one(permission: str, resource: str) -> bool | None:
        try:
            return await client.can_i([permission], [resource])
        except CloudError as exc:
            if exc.needs_reauth:
                raise
            log.info("can-i %s on %s unanswered: %s", permission, resource, exc.message)
            return None

    answers = await asyncio.gather(*(one(p, r) for p, r in questions))
    return {q: a for q, a in zip(questions, answers, strict=True) if a is not None}


def org_questions() -> list[tuple[str, str]]:
    """The org-wide permissions the registry gates on, all on `*`."""
    return [(p, "*") for p in permissions_needed(commands.COMMANDS, "*")]


def location_questions(bucket: str, prefix: str) -> list[tuple[str, str]]:
    """The bucket and object permissions the registry gates on, for the folder `bucket/prefix`."""
    questions = []
    for command in commands.COMMANDS:
        if command.permission and command.resource != "*":
            resource = resource_for(command, bucket, prefix)
            if resource is not None and (command.permission, resource) not in questions:
                questions.append((command.permission, resource))
    return questions
