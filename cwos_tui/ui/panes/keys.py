"""The Access keys pane: every key of the org with a live countdown, plus create, exchange,
suspend/reactivate and revoke.

Workers call the control plane and post messages; the handlers here (never the workers) push the
secret modal, show notices and reload the list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from cwos_tui.cloud.models import AccessKeyInfo, KeyStatus, NewAccessKey
from cwos_tui.ui.messages import WorkFailed
from cwos_tui.ui.modals.create_key import CreateKeyRequest, CreateKeyScreen
from cwos_tui.ui.modals.exchange import ExchangeRequest, ExchangeScreen
from cwos_tui.ui.modals.secret_once import Secret, SecretOnceScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text, short_time
from cwos_tui.ui.widgets.countdown import CountdownRowList
from cwos_tui.ui.widgets.row_list import Column, Row

KEY_PAGE = 1000
_FAR = datetime.max.replace(tzinfo=None)
SORTS: tuple[str, ...] = ("server order", "expiry", "key ID", "principal", "status", "name")


class KeyIssued(Message):
    """A key was created or exchanged: its secret is in here, on its way to the once-only modal."""

    def __init__(self, key: NewAccessKey, title: str) -> None:
        super().__init__()
        self.key = key
        self.title = title


class KeysChanged(Message):
    """A suspend/reactivate/revoke went through; say what happened and reload."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def key_row(key: AccessKeyInfo) -> Row:
    expires = "never" if key.expires_at is None else short_time(key.expires_at)
    return Row((safe_text(key.access_key_id), safe_text(str(key.status)), safe_text(key.principal_name),
                safe_text(key.attributes.get("name", "")), expires, ""), key.access_key_id)


class KeysPane(Pane):
    """ListAccessKeyInfo, page by page: the first page shows while the rest load."""

    pane_id = "keys"
    COLUMNS = (Column("Access key ID", 17), Column("Status", 14), Column("Principal", 0),
               Column("Name", 0), Column("Expires (UTC)", 16, hide_below=96), Column("Left", 9))
    EMPTY = "No access keys in this organization. Press n to create one."
    SORT_KEYS: ClassVar[dict[str, Callable[[AccessKeyInfo], Any]]] = {
        "expiry": lambda k: (k.expires_at is None, k.expires_at.replace(tzinfo=None) if k.expires_at else _FAR),
        "key ID": lambda k: k.access_key_id,
        "principal": lambda k: (k.principal_name, k.access_key_id),
        "status": lambda k: (str(k.status), k.access_key_id),
        "name": lambda k: (k.attributes.get("name", ""), k.access_key_id),
    }

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, AccessKeyInfo] = {}
        self.sort_by = SORTS[0]

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-state", markup=False)
        yield CountdownRowList(self.COLUMNS, now=lambda: self.app.clock.now(),  # type: ignore[attr-defined]
                               expiry_of=self._expiry_of, label_of=self._label_of, id=f"list-{self.pane_id}")

    def _expiry_of(self, value: object) -> datetime | None:
        key = self.keys.get(str(value))
        return None if key is None else key.expires_at

    def _label_of(self, value: object) -> str | None:
        key = self.keys.get(str(value))
        return "revoked" if key is not None and key.status == KeyStatus.DELETED else None

    @property
    def countdowns(self) -> CountdownRowList:
        return self.query_one(CountdownRowList)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> list[int]:
        return self.countdowns.tick() if self.display else []

    # ---- loading and sorting -------------------------------------------------------------------

    async def load(self, generation: int) -> None:
        offset = 0
        for page_number in range(100_000):
            page = await self.services.control_plane.list_access_keys_page(offset, KEY_PAGE)
            done = len(page) < KEY_PAGE
            if page_number == 0:
                self.keys = {}
            self.keys.update((k.access_key_id, k) for k in page)
            self.post_rows(generation, [key_row(k) for k in page], replace=page_number == 0, done=done)
            if done:
                return
            offset += len(page)

    def on_rows_loaded(self, message: object) -> None:
        if getattr(message, "done", False) and self.sort_by != SORTS[0]:
            self.call_after_refresh(self._apply_sort)

    def describe_count(self) -> str:
        text = super().describe_count()
        return text if self.sort_by == SORTS[0] else f"{text}  sorted by {self.sort_by}"

    def _apply_sort(self) -> None:
        rows = self.row_list
        selected = rows.selected.value if rows.selected else None
        order = self.SORT_KEYS.get(self.sort_by)
        if order is None:
            position = {key_id: index for index, key_id in enumerate(self.keys)}
            ordered = sorted(rows.rows, key=lambda r: position.get(r.value, 0))
        else:
            ordered = sorted(rows.rows, key=lambda r: order(self.keys[r.value]) if r.value in self.keys else ())
        rows.set_rows(ordered)
        if selected is not None:
            rows.select_value(selected)
        self.set_state(self.describe_count())

    def cmd_keys_sort(self, _: str) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._apply_sort()
        self.app.notify(f"Keys sorted by {self.sort_by}", markup=False)

    # ---- helpers -------------------------------------------------------------------------------

    def selected_key(self) -> AccessKeyInfo | None:
        row = self.row_list.selected
        return None if row is None else self.keys.get(str(row.value))

    def _own_key_id(self) -> str:
        """The S3 key this dashboard uses (or will use, for a static key not used yet)."""
        credentials = self.services.storage.credentials
        if credentials is not None:
            return credentials.access_key_id
        static = self.services.connection.static_key
        return static[0] if static is not None else ""

    def _own_principal(self) -> str:
        credentials = self.services.storage.credentials
        principal = credentials.principal_name if credentials is not None else ""
        return principal or str(getattr(self.app, "principal", ""))

    def keys_of(self, principal: str) -> list[AccessKeyInfo]:
        live = (KeyStatus.ACTIVE, KeyStatus.FULL_SUSPENDED)
        return [k for k in self.keys.values() if k.principal_name == principal and k.status in live]

    def _need_key(self) -> AccessKeyInfo | None:
        key = self.selected_key()
        if key is None:
            self.app.notify("Select an access key first.", severity="warning", markup=False)
        return key

    def _work(self, coro: object, group: str) -> None:
        self.run_worker(coro, group=group, exit_on_error=False)  # type: ignore[arg-type]

    # ---- create and exchange -------------------------------------------------------------------

    def cmd_keys_create(self, _: str) -> None:
        def chosen(request: CreateKeyRequest | None) -> None:
            if request is not None:
                self._work(self._create(request), "keys-create")

        self.app.push_screen(CreateKeyScreen(getattr(self.app, "principal", "")), chosen)

    async def _create(self, request: CreateKeyRequest) -> None:
        try:
            key = await self.services.control_plane.create_access_key(
                request.duration_seconds, request.attributes or None)
        except Exception as exc:
            self.post_message(WorkFailed("create access key", exc))
            return
        kind = "permanent" if request.duration_seconds == 0 else "temporary"
        self.post_message(KeyIssued(key, f"New {kind} access key"))

    def cmd_keys_exchange(self, _: str) -> None:
        def chosen(request: ExchangeRequest | None) -> None:
            if request is not None:
                self._work(self._exchange(request), "keys-exchange")

        self.app.push_screen(ExchangeScreen(self.services.connection.org_id or ""), chosen)

    async def _exchange(self, request: ExchangeRequest) -> None:
        client = self.services.control_plane
        try:
            if request.kind == "api-token":
                key = await client.exchange_api_token()
            elif request.kind == "oidc":
                token = await request.token_provider().read()
                key = await client.exchange_oidc(request.org_id, token, request.duration_seconds)
            else:
                key = await client.exchange_saml(request.org_id, request.config_id, request.saml_response,
                                                 request.duration_seconds)
        except Exception as exc:
            self.post_message(WorkFailed(f"{request.kind} exchange", exc))
            return
        self.post_message(KeyIssued(key, f"Session key from the {request.kind.upper()} exchange"))

    def on_key_issued(self, message: KeyIssued) -> None:
        message.stop()
        key, connection = message.key, self.services.connection
        principal = key.principal_name or ("" if "OIDC" in message.title or "SAML" in message.title
                                           else str(getattr(self.app, "principal", "")))
        secret = Secret(
            title=message.title, access_key_id=key.access_key_id, secret_key=key.secret_key,
            principal_name=principal, expires_at=key.expires_at, s3_endpoint=connection.s3_endpoint,
            zone=connection.zone, addressing_style=connection.addressing_style,
            session_token=key.session_token,
        )
        self.app.push_screen(SecretOnceScreen(secret, self.app.clock),  # type: ignore[attr-defined]
                             lambda _: self.reload())

    # ---- suspend, reactivate, revoke -----------------------------------------------------------

    def _status_change(self, active: bool) -> None:
        key = self._need_key()
        if key is None:
            return
        principal = key.principal_name
        count = len(self.keys_of(principal))
        verb = "Reactivate" if active else "Suspend"
        warning = ""
        if not active and principal == self._own_principal():
            warning = "These include the keys this dashboard uses for S3: buckets will stop loading."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._work(self._set_status(principal, active, count), "keys-status")

        self.app.push_screen(TypeToConfirmScreen(
            f"{verb} every access key of this principal?", f"{principal}  ({count} key{'s' * (count != 1)})",
            confirm_label=verb, warning=warning), confirmed)

    def cmd_keys_suspend(self, _: str) -> None:
        self._status_change(False)

    def cmd_keys_reactivate(self, _: str) -> None:
        self._status_change(True)

    async def _set_status(self, principal: str, active: bool, count: int) -> None:
        try:
            await self.services.control_plane.set_principal_key_status(principal, active)
        except Exception as exc:
            self.post_message(WorkFailed("set key status", exc))
            return
        done = "reactivated" if active else "suspended"
        self.post_message(KeysChanged(f"{count} key{'s' * (count != 1)} of {principal} {done}"))

    def cmd_keys_revoke(self, _: str) -> None:
        key = self._need_key()
        if key is None:
            return
        key_id = key.access_key_id
        warning = ""
        if key_id == self._own_key_id():
            warning = "This is the key this dashboard uses for S3 right now: buckets will stop loading."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._work(self._revoke(key_id), "keys-revoke")

        name = key.attributes.get("name", "")
        target = f"{key_id}  {key.principal_name}" + (f"  name={name}" if name else "")
        self.app.push_screen(TypeToConfirmScreen(
            "Revoke this access key? It stops working at once and cannot be restored.", target,
            expected=key_id, confirm_label="Revoke", warning=warning), confirmed)

    async def _revoke(self, key_id: str) -> None:
        try:
            await self.services.control_plane.revoke_access_key(key_id)
        except Exception as exc:
            self.post_message(WorkFailed("revoke access key", exc))
            return
        self.post_message(KeysChanged(f"Revoked {key_id}"))

    def cmd_keys_revoke_all(self, _: str) -> None:
        key = self._need_key()
        if key is None:
            return
        principal = key.principal_name
        count = len(self.keys_of(principal))
        warning = ""
        if principal == self._own_principal():
            warning = "This principal is the one this dashboard uses for S3: buckets will stop loading."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._work(self._revoke_all(principal, count), "keys-revoke")

        self.app.push_screen(TypeToConfirmScreen(
            f"Revoke ALL {count} access key{'s' * (count != 1)} of this principal? This cannot be undone.",
            principal, expected=principal, confirm_label=f"Revoke {count}", warning=warning), confirmed)

    async def _revoke_all(self, principal: str, count: int) -> None:
        try:
            await self.services.control_plane.revoke_principal_keys(principal)
        except Exception as exc:
            self.post_message(WorkFailed("revoke principal keys", exc))
            return
        self.post_message(KeysChanged(f"Revoked {count} key{'s' * (count != 1)} of {principal}"))

    def on_keys_changed(self, message: KeysChanged) -> None:
        message.stop()
        self.app.notify(safe_text(message.text), markup=False)
        self.reload()
