"""The Access keys pane: every key of the org with a live countdown, plus create, exchange,
suspend/reactivate and revoke.

Workers call the control plane and post messages; the handlers here (never the workers) push the
secret modal, show notices and reload the list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual.message import Message

from cwos_tui.ui.context import AppContext
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.mutation import mutate
from cwos_tui.ui.panes.base import Notice, Pane
from cwos_tui.ui.text import safe_text, short_time
from cwos_tui.ui.widgets.countdown import CountdownRowList
from cwos_tui.ui.widgets.row_list import Column, Row

if TYPE_CHECKING:  # the forms and the models load when first used, not before the first frame
    from cwos_tui.cloud.models import AccessKeyInfo, NewAccessKey
    from cwos_tui.ui.modals.create_key import CreateKeyRequest
    from cwos_tui.ui.modals.exchange import ExchangeRequest

#: key statuses as `AccessKeyInfo` reports them (plain strings; `KeyStatus` compares equal to them)
DELETED, LIVE = "DELETED", ("ACTIVE", "FULL_SUSPENDED")

KEY_PAGE = 1000
_FAR = datetime.max.replace(tzinfo=None)
SORTS: tuple[str, ...] = ("server order", "expiry", "key ID", "principal", "status", "name")


class KeyIssued(Message):
    """A key was created or exchanged: its secret is in here, on its way to the once-only modal."""

    def __init__(self, key: NewAccessKey, title: str) -> None:
        super().__init__()
        self.key = key
        self.title = title


def lapsed(key: AccessKeyInfo, now: datetime | None) -> bool:
    """A live key whose expiry has passed: shown EXPIRED at once, without waiting for a reload."""
    return now is not None and key.expires_at is not None and key.expires_at <= now and str(key.status) in LIVE


def key_row(key: AccessKeyInfo, principal_label: Callable[[str], str] = str, now: datetime | None = None) -> Row:
    expires = "never" if key.expires_at is None else short_time(key.expires_at)
    status = "EXPIRED" if lapsed(key, now) else str(key.status)
    cells = (key.access_key_id, status, principal_label(key.principal_name), key.attributes.get("name", ""))
    return Row((*(safe_text(c) for c in cells), expires, ""), key.access_key_id)


def _plural(count: int) -> str:
    return f"{count} key{'s' * (count != 1)}"


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

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.keys: dict[str, AccessKeyInfo] = {}
        self._expired: set[str] = set()  # keys already shown EXPIRED
        self.sort_by = SORTS[0]

    def make_list(self) -> CountdownRowList:
        return CountdownRowList(self.COLUMNS, now=self.ctx.clock.now, expiry_of=self._expiry_of,
                                label_of=self._label_of, id=f"list-{self.pane_id}",
                                display_filter=self.ctx.display_filter)

    def handlers(self) -> dict[str, Handler]:
        return {
            "keys.create": self.create, "keys.exchange": self.exchange, "keys.revoke": self.revoke,
            "keys.revoke_all": self.revoke_all, "keys.suspend": lambda _: self._status_change(False),
            "keys.reactivate": lambda _: self._status_change(True), "keys.sort": self.sort,
        }

    def _expiry_of(self, value: object) -> datetime | None:
        key = self.keys.get(str(value))
        return None if key is None else key.expires_at

    def _label_of(self, value: object) -> str | None:
        key = self.keys.get(str(value))
        return "revoked" if key is not None and key.status == DELETED else None

    @property
    def countdowns(self) -> CountdownRowList:
        return self.query_one(CountdownRowList)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> list[int]:
        if not self.display:
            return []
        now = self.ctx.clock.now()
        expired = {k for k, key in self.keys.items() if lapsed(key, now)}
        if expired - self._expired:  # a key just passed its expiry: its status follows, no reload needed
            rows = [key_row(self.keys[str(r.value)], self.ctx.principal_label, now) for r in self.row_list.rows
                    if str(r.value) in self.keys]
            self.row_list.set_rows(rows, keep_value=True)
        self._expired = expired
        return self.countdowns.tick()

    # ---- loading and sorting -------------------------------------------------------------------

    async def load(self, generation: int) -> None:
        offset = 0
        for page_number in range(100_000):
            page = await self.services.control_plane.list_access_keys_page(offset, KEY_PAGE)
            done = len(page) < KEY_PAGE
            now = self.ctx.clock.now()
            rows = [key_row(k, self.ctx.principal_label, now) for k in page]
            self.post_rows(generation, rows, replace=page_number == 0, done=done,
                           records={k.access_key_id: k for k in page})
            if done:
                return
            offset += len(page)

    def keep_records(self, records: Mapping[str, Any], *, replace: bool) -> None:
        if replace:
            self.keys = {}
        self.keys.update(records)

    def rows_complete(self) -> None:
        if self.sort_by != SORTS[0]:
            self._apply_sort()

    def describe_count(self) -> str:
        text = super().describe_count()
        return text if self.sort_by == SORTS[0] else f"{text}  sorted by {self.sort_by}"

    def _apply_sort(self) -> None:
        rows = self.row_list
        order = self.SORT_KEYS.get(self.sort_by)
        if order is None:
            position = {key_id: index for index, key_id in enumerate(self.keys)}
            ordered = sorted(rows.rows, key=lambda r: position.get(r.value, 0))
        else:
            ordered = sorted(rows.rows, key=lambda r: order(self.keys[r.value]) if r.value in self.keys else ())
        rows.set_rows(ordered, keep_value=True)
        self.set_state(self.describe_count())

    def sort(self, _: str) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._apply_sort()
        self.app.notify(f"Keys sorted by {self.sort_by}", markup=False)

    # ---- helpers -------------------------------------------------------------------------------

    def selected_key(self) -> AccessKeyInfo | None:
        row = self.row_list.selected
        return None if row is None else self.keys.get(str(row.value))

    def _own_key_id(self) -> str:
        """The S3 key this dashboard uses (or will use, for a static key not used yet)."""
        credentials = self.services.current_keys
        if credentials is not None:
            return credentials.access_key_id
        static = self.services.connection.static_key
        return static[0] if static is not None else ""

    def _own_principal(self) -> str:
        credentials = self.services.current_keys
        principal = credentials.principal_name if credentials is not None else ""
        return principal or self.ctx.identity.principal_name

    def keys_of(self, principal: str) -> list[AccessKeyInfo]:
        live = LIVE
        return [k for k in self.keys.values() if k.principal_name == principal and k.status in live]

    def _need_key(self) -> AccessKeyInfo | None:
        key = self.selected_key()
        if key is None:
            self.app.notify("Select an access key first.", severity="warning", markup=False)
        return key

    # ---- create and exchange -------------------------------------------------------------------

    def create(self, _: str) -> None:
        from cwos_tui.ui.modals.create_key import CreateKeyScreen

        mutate(self, CreateKeyScreen(self.ctx.identity.principal_name), self._create, "create access key")

    async def _create(self, request: CreateKeyRequest) -> KeyIssued:
        key = await self.services.control_plane.create_access_key(request.duration_seconds,
                                                                   request.attributes or None)
        kind = "permanent" if request.duration_seconds == 0 else "temporary"
        return KeyIssued(key, f"New {kind} access key")

    def exchange(self, _: str) -> None:
        from cwos_tui.ui.modals.exchange import ExchangeScreen

        mutate(self, ExchangeScreen(self.ctx.connection.org_id or ""), self._exchange, "exchange")

    async def _exchange(self, request: ExchangeRequest) -> KeyIssued:
        client = self.services.control_plane
        if request.kind == "api-token":
            key = await client.exchange_api_token()
        elif request.kind == "oidc":
            token = await request.token_provider().read()
            key = await client.exchange_oidc(request.org_id, token, request.duration_seconds)
        else:
            key = await client.exchange_saml(request.org_id, request.config_id, request.saml_response,
                                             request.duration_seconds)
        return KeyIssued(key, f"Session key from the {request.kind.upper()} exchange")

    def on_key_issued(self, message: KeyIssued) -> None:
        from cwos_tui.ui.modals.secret_once import Secret, SecretOnceScreen

        message.stop()
        key, connection = message.key, self.ctx.connection
        principal = key.principal_name or ("" if "OIDC" in message.title or "SAML" in message.title
                                           else self.ctx.identity.principal_name)
        secret = Secret(
            title=message.title, access_key_id=key.access_key_id, secret_key=key.secret_key,
            principal_name=principal, expires_at=key.expires_at, s3_endpoint=connection.s3_endpoint,
            zone=connection.zone, addressing_style=connection.addressing_style,
            session_token=key.session_token,
        )
        self.app.push_screen(SecretOnceScreen(secret, self.ctx.clock, self.ctx.display_filter),
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
        ask = TypeToConfirmScreen(f"{verb} every access key of this principal?",
                                  f"{principal}  ({_plural(count)})", confirm_label=verb, warning=warning)

        async def work(_: object) -> Notice:
            await self.services.control_plane.set_principal_key_status(principal, active)
            done = "reactivated" if active else "suspended"
            return Notice(f"{_plural(count)} of {principal} {done}")

        mutate(self, ask, work, "set key status")

    def revoke(self, _: str) -> None:
        key = self._need_key()
        if key is None:
            return
        key_id = key.access_key_id
        warning = ""
        if key_id == self._own_key_id():
            warning = "This is the key this dashboard uses for S3 right now: buckets will stop loading."
        name = key.attributes.get("name", "")
        target = f"{key_id}  {key.principal_name}" + (f"  name={name}" if name else "")
        ask = TypeToConfirmScreen("Revoke this access key? It stops working at once and cannot be restored.",
                                  target, expected=key_id, confirm_label="Revoke", warning=warning)

        async def work(_: object) -> Notice:
            await self.services.control_plane.revoke_access_key(key_id)
            return Notice(f"Revoked {key_id}")

        mutate(self, ask, work, "revoke access key")

    def revoke_all(self, _: str) -> None:
        key = self._need_key()
        if key is None:
            return
        principal = key.principal_name
        count = len(self.keys_of(principal))
        warning = ""
        if principal == self._own_principal():
            warning = "This principal is the one this dashboard uses for S3: buckets will stop loading."
        ask = TypeToConfirmScreen(
            f"Revoke ALL {count} access key{'s' * (count != 1)} of this principal? This cannot be undone.", principal,
            expected=principal, confirm_label=f"Revoke {count}", warning=warning)

        async def work(_: object) -> Notice:
            await self.services.control_plane.revoke_principal_keys(principal)
            return Notice(f"Revoked {_plural(count)} of {principal}")

        mutate(self, ask, work, "revoke principal keys")

    def details(self) -> tuple[str, list[tuple[str, str]]] | None:
        key = self.selected_key()
        if key is None:
            return None
        expires = "never" if key.expires_at is None else key.expires_at.isoformat()
        fields = [("Access key ID", key.access_key_id), ("Status", str(key.status)),
                  ("Principal", key.principal_name)]
        alias = self.ctx.principal_label(key.principal_name)
        if alias != key.principal_name:
            fields.append(("Principal alias", alias))
        fields.append(("Expires", expires))
        fields += [(f"Attribute {name}", value) for name, value in sorted(key.attributes.items())]
        return (f"Access key {key.access_key_id}", fields)
