"""The Tokens pane: the session's API token and S3 key, and the token book (add, validate, use, remove).

Validating a token asks whoami who it belongs to and AuthCanI what it may do, over the `cwobject:`
actions and the main `s3:` ones, so the user sees a capability list before making it the profile's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Static

from cwos_tui.cloud.credential_types import ApiToken, mask_secret
from cwos_tui.cloud.errors import CloudError
from cwos_tui.config.tokens import CONSOLE_TOKENS_URL, TokenBook, TokenEntry
from cwos_tui.ui.context import AppContext
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.messages import Reauthenticated
from cwos_tui.ui.modals.add_token import AddTokenRequest, AddTokenScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.mutation import mutate
from cwos_tui.ui.panes.base import Notice, Pane
from cwos_tui.ui.text import safe_lines, safe_text, short_time
from cwos_tui.ui.widgets.countdown import CountdownRowList
from cwos_tui.ui.widgets.row_list import Column, Row, RowList

if TYPE_CHECKING:
    from cwos_tui.cloud.control_plane import ControlPlaneClient

CAPABILITY_ACTIONS = (
    "cwobject:CreateAccessKey", "cwobject:ListAccessKeyInfo", "cwobject:UpdateAccessKeyStatus",
    "cwobject:RevokeAccessKeyByAccessKey", "cwobject:RevokeAccessKeysByPrincipal", "cwobject:ListAccessPolicy",
    "cwobject:EnsureAccessPolicy", "cwobject:DeleteAccessPolicy", "cwobject:ListBucketInfo",
    "cwobject:SetBucketSettings", "s3:ListAllMyBuckets", "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket",
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy",
)
_BOOK = "book:"


async def capabilities(client: ControlPlaneClient) -> tuple[str, ...]:
    """The actions of CAPABILITY_ACTIONS the client's token may perform (AuthCanI on `*`)."""
    verdicts = await asyncio.gather(*(client.can_i([action], ["*"]) for action in CAPABILITY_ACTIONS))
    return tuple(action for action, allowed in zip(CAPABILITY_ACTIONS, verdicts, strict=True) if allowed)


class TokensPane(Pane):
    """The session's credentials first, then every token in the book."""

    pane_id = "tokens"
    COLUMNS = (Column("Kind", 7), Column("Label", 0), Column("Secret / key ID", 18),
               Column("Principal", 0), Column("Expires (UTC)", 16, hide_below=96), Column("Left", 9))
    EMPTY = f"No API token yet: press n to add one (mint it at {CONSOLE_TOKENS_URL})."

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.expiries: dict[str, datetime | None] = {}
        self.entries: dict[str, TokenEntry] = {}

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static("", id="token-detail", markup=False)

    def make_list(self) -> CountdownRowList:
        return CountdownRowList(self.COLUMNS, now=self.ctx.clock.now, expiry_of=lambda v: self.expiries.get(str(v)),
                                id=f"list-{self.pane_id}", display_filter=self.ctx.display_filter)

    def handlers(self) -> dict[str, Handler]:
        return {"tokens.add": self.add, "tokens.validate": self.validate, "tokens.use": self.use,
                "tokens.remove": self.remove_token}

    DEFAULT_CSS = """
    TokensPane #token-detail { height: auto; max-height: 6; padding: 0 1; color: $text-muted;
                               border-top: solid $panel; }
    """

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> list[int]:
        return self.query_one(CountdownRowList).tick() if self.display else []

    async def token_book(self) -> TokenBook:
        """The context's token book (built in a thread the first time: it may probe the keyring)."""
        return await asyncio.to_thread(self.ctx.token_book)

    async def load(self, generation: int) -> None:
        connection = self.ctx.connection
        rows: list[Row] = []
        expiries: dict[str, datetime | None] = {}
        token = connection.token
        if token is not None:
            who = await self.services.control_plane.whoami()
            expires = "never" if token.expires_at is None else short_time(token.expires_at)
            if token.expires_at is None and token.source in ("profile", "re-auth"):
                expires = "unknown"  # a stored token whose expiry the Console did not tell us
            rows.append(Row(("token", safe_text(token.label or "API token"), token.masked,
                             safe_text(self.ctx.principal_label(who.principal_name)), expires, ""), "session"))
            expiries["session"] = token.expires_at
        credentials = self.services.current_keys
        if credentials is not None:
            rows.append(Row(("S3 key", safe_text(credentials.source), credentials.access_key_id,
                             safe_text(credentials.principal_name or ""), short_time(credentials.expires_at), ""),
                            credentials.access_key_id))
            expiries[credentials.access_key_id] = credentials.expires_at
        book = await self.token_book()
        entries = await asyncio.to_thread(book.entries)
        default = await asyncio.to_thread(lambda: book.default_id)
        for entry in entries:
            kind = "book *" if entry.id == default else "book"
            expires = "unknown" if entry.expires_at is None else short_time(entry.expires_at)
            rows.append(Row((kind, safe_text(entry.label), entry.masked, safe_text(entry.principal_name or "?"),
                             expires, ""), _BOOK + entry.id))
            expiries[_BOOK + entry.id] = entry.expires_at
        self.post_rows(generation, rows, replace=True, done=True,
                       records={"expiries": expiries, "entries": {e.id: e for e in entries}})

    def keep_records(self, records: Mapping[str, Any], *, replace: bool) -> None:
        self.expiries = dict(records.get("expiries", {}))
        self.entries = dict(records.get("entries", {}))

    def rows_complete(self) -> None:
        self.show_detail()

    def on_row_list_cursor_moved(self, _: RowList.CursorMoved) -> None:
        self.show_detail()

    def selected_entry(self) -> TokenEntry | None:
        row = self.row_list.selected
        value = str(row.value) if row is not None else ""
        return self.entries.get(value.removeprefix(_BOOK)) if value.startswith(_BOOK) else None

    def show_detail(self) -> None:
        entry = self.selected_entry()
        detail = self.query_one("#token-detail", Static)
        if entry is None:
            detail.update("Press n to add a token to the book; v validates, u makes it the profile's token, "
                          "d removes it.")
            return
        caps = ", ".join(entry.capabilities) if entry.capabilities else "not validated yet (press v)"
        detail.update(self.ctx.display_filter(safe_lines(f"{entry.label}: principal {entry.principal_name or '?'}, "
                                     f"org {entry.org_id or '?'}\nMay do: {caps}")))

    def copy_value(self) -> str | None:
        row = self.row_list.selected
        return None if row is None else row.cells[2]

    def _need_entry(self) -> TokenEntry | None:
        entry = self.selected_entry()
        if entry is None:
            self.app.notify("Select a token from the book (kind “book”).", severity="warning", markup=False)
        return entry

    # ---- add, validate, use, remove -------------------------------------------------------------

    def add(self, _: str) -> None:
        mutate(self, AddTokenScreen(self.ctx.clock.now()), self._add, "add token")

    async def _add(self, request: AddTokenRequest) -> Notice:
        book = await self.token_book()
        entry = await asyncio.to_thread(book.add, request.label, request.value, expires_at=request.expires_at,
                                        masked=mask_secret(request.value))
        return await self._validate(entry, request.value, added=True)

    def validate(self, _: str) -> None:
        entry = self._need_entry()
        if entry is not None:
            mutate(self, None, lambda _: self._validate_stored(entry), "validate token")

    async def _validate_stored(self, entry: TokenEntry) -> Notice:
        book = await self.token_book()
        value = await asyncio.to_thread(book.value, entry.id)
        if value is None:
            return Notice(f"The value of {entry.label!r} is missing from the secret store.", warning=True)
        return await self._validate(entry, value, added=False)

    async def _validate(self, entry: TokenEntry, value: str, *, added: bool) -> Notice:
        from cwos_tui.cloud.control_plane import ControlPlaneClient

        verb = "added" if added else "validated"
        client = ControlPlaneClient(self.ctx.connection.control_plane, value)
        try:
            who = await client.whoami()
            allowed = await capabilities(client)
        except CloudError as exc:
            return Notice(f"Token {entry.label!r} {verb}, but it does not work: {exc.message}", warning=True)
        finally:
            await client.aclose()
        book = await self.token_book()
        await asyncio.to_thread(book.update, entry.id, principal_name=who.principal_name, org_id=who.org_uid,
                                capabilities=allowed)
        may = ", ".join(allowed) if allowed else "none of the checked actions"
        return Notice(f"Token {entry.label!r} {verb}: {who.principal_name}, org {who.org_uid or '?'}; "
                      f"may ({len(allowed)} of {len(CAPABILITY_ACTIONS)}): {may}")

    def use(self, _: str) -> None:
        entry = self._need_entry()
        if entry is not None:
            mutate(self, None, lambda _: self._use(entry), "use token")

    async def _use(self, entry: TokenEntry) -> Reauthenticated:
        connection = self.ctx.connection
        profile = connection.profile
        secret_name = profile.api_token_name if profile is not None and connection.stored_profile else None
        book = await self.token_book()
        value = await asyncio.to_thread(book.value, entry.id)
        if value is None:
            raise ValueError(f"the value of {entry.label!r} is missing from the secret store")
        await asyncio.to_thread(book.make_default, entry.id, secret_name)
        await self.services.swap_token(value)
        connection.token = ApiToken(value, label=entry.label, expires_at=entry.expires_at, source="book")
        where = " and saved as the profile's token" if secret_name else ""
        return Reauthenticated(f"Now using token {entry.label!r}{where}")

    def remove_token(self, _: str) -> None:
        entry = self._need_entry()
        if entry is None:
            return
        ask = TypeToConfirmScreen(
            "Remove this token from the token book and the secret store? (It stays valid in CoreWeave; "
            "revoke it in the Cloud Console.)", f"{entry.label}  {entry.masked}", confirm_label="Remove")

        async def work(_: object) -> Notice:
            book = await self.token_book()
            await asyncio.to_thread(book.remove, entry.id)
            return Notice(f"Removed token {entry.label!r}")

        mutate(self, ask, work, "remove token")

    def details(self) -> tuple[str, list[tuple[str, str]]] | None:
        entry = self.selected_entry()
        if entry is None:
            return super().details()
        expires = "unknown" if entry.expires_at is None else entry.expires_at.isoformat()
        return (f"Token {entry.label}", [
            ("Label", entry.label), ("Token", entry.masked), ("Principal", entry.principal_name or "?"),
            ("Org", entry.org_id or "?"), ("Expires", expires),
            ("May do", "\n".join(entry.capabilities) if entry.capabilities else "not validated yet (press v)"),
        ])
