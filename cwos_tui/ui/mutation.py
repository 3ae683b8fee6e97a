"""The one mutation path: ask (a confirmation or a form) -> worker -> a result message, or WorkFailed.

Workers never touch widgets: the work returns the message that says what happened, and the handler of
that message (on the pane or the app) shows the notice and reloads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

from cwos_tui.ui.messages import WorkFailed

T = TypeVar("T")


def run_work(owner: DOMNode, work: Awaitable[Message | None], context: str, group: str) -> None:
    """Run `work` in a worker of `owner`; post its message, or route its error to the one error handler."""

    async def guarded() -> None:
        try:
            message = await work
        except Exception as exc:  # every failure goes to the app's one handler
            owner.post_message(WorkFailed(context, exc))
            return
        if message is not None:
            owner.post_message(message)

    owner.run_worker(guarded(), group=group, exit_on_error=False)


def mutate(owner: DOMNode, ask: Screen[Any] | None, work: Callable[[Any], Awaitable[Message | None]],
           context: str, *, group: str = "mutation") -> None:
    """Push `ask` (if any); when it answers with something truthy, run `work(answer)` in a worker."""

    def answered(answer: Any) -> None:
        if answer:
            run_work(owner, work(answer), context, group)

    if ask is None:
        answered(True)
    else:
        owner.app.push_screen(ask, answered)
