"""Messages workers post; handlers (never workers) turn them into widget state."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from cwos_tui.ui.widgets.row_list import Row


class RowsLoaded(Message):
    """A page of rows for a pane. `replace` starts a new listing; `done` says no more pages follow."""

    def __init__(
        self, pane_id: str, generation: int, rows: Sequence[Row], *, replace: bool, done: bool, note: str = ""
    ) -> None:
        super().__init__()
        self.pane_id = pane_id
        self.generation = generation
        self.rows = rows
        self.replace = replace
        self.done = done
        self.note = note


class WorkFailed(Message):
    """A worker failed; the app's single error handler decides: toast, inline, or re-auth modal."""

    def __init__(self, context: str, error: BaseException, pane_id: str = "", generation: int = -1) -> None:
        super().__init__()
        self.context = context
        self.error = error
        self.pane_id = pane_id
        self.generation = generation


class IdentityKnown(Message):
    """whoami answered: the principal and org behind the API token."""

    def __init__(self, principal_name: str, org_id: str) -> None:
        super().__init__()
        self.principal_name = principal_name
        self.org_id = org_id


class PermissionsKnown(Message):
    """AuthCanI verdicts, one per permission the registry needs."""

    def __init__(self, verdicts: dict[str, bool]) -> None:
        super().__init__()
        self.verdicts = verdicts


class Reauthenticated(Message):
    """The token was swapped; everything loaded with the old one is reloaded."""


class ObjectDeleted(Message):
    def __init__(self, bucket: str, key: str) -> None:
        super().__init__()
        self.bucket = bucket
        self.key = key
