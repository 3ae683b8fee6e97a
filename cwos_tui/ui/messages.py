"""Messages workers post; handlers (never workers) turn them into widget state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.message import Message

from cwos_tui.ui.widgets.row_list import Row


class RowsLoaded(Message):
    """A page of rows for a pane. `replace` starts a new listing; `done` says no more pages follow."""

    def __init__(
        self, pane_id: str, generation: int, rows: Sequence[Row], *, replace: bool, done: bool, note: str = "",
        records: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        #: what the rows were made from (keys, policies, ...), for the pane's handler to keep
        self.records: Mapping[str, Any] = records or {}
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

    def __init__(self, principal_name: str, org_id: str, *, note: str = "") -> None:
        super().__init__()
        self.principal_name = principal_name
        self.org_id = org_id
        #: Shown instead of a principal when none can be known (no API token, keys that name nobody).
        self.note = note


class PermissionsKnown(Message):
    """AuthCanI verdicts per (permission, resource) that the registry needs."""

    def __init__(self, verdicts: dict[tuple[str, str], bool]) -> None:
        super().__init__()
        self.verdicts = verdicts


class Reauthenticated(Message):
    """The token was swapped; everything loaded with the old one is reloaded. `text` says how."""

    def __init__(self, text: str = "New token in use; reloading.") -> None:
        super().__init__()
        self.text = text


class OpenLocation(Message):
    """Show the Objects pane at `bucket/prefix` (Enter on a bucket, `:b bucket/prefix/`)."""

    def __init__(self, bucket: str, prefix: str = "") -> None:
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix


class ShowPane(Message):
    """Switch to a pane (Backspace at a bucket's root goes back to Buckets)."""

    def __init__(self, pane_id: str) -> None:
        super().__init__()
        self.pane_id = pane_id


class LocationShown(Message):
    """The Objects pane now shows `bucket/prefix`: the app asks AuthCanI about it for the gate."""

    def __init__(self, bucket: str, prefix: str) -> None:
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix
