"""The Tokens pane: the session's API token and S3 key, and the token book (add, validate, use, remove).

Validating a token asks whoami who it belongs to and AuthCanI what it may do, over the `cwobject:`
actions and the main `s3:` ones, so the user sees a capability list before making it the profile's.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import ApiToken, mask_secret
from cwos_tui.cloud.errors import CloudError
from cwos_tui.config.tokens import CONSOLE_TOKENS_URL, TokenBook, TokenEntry, tokens_file
from cwos_tui.ui.messages import Reauthenticated, WorkFailed
from cwos_tui.ui.modals.add_token import AddTokenRequest, AddTokenScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.text import safe_text, short_time
from cwos_tui.ui.widgets.countdown import CountdownRowList
from cwos_tui.ui.widgets.row_list import Column, Row, RowList

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


def default_book() -> TokenBook:
    from cwos_tui.config.secrets import default_secret_store

    return TokenBook(tokens_file(), default_secret_store())


class TokensChanged(Message):
    def __init__(self, text: str, warning: bool = False) -> None:
        super().__init__()
        self.text = text
        self.warning = warning


class TokensPane(Pane):
    """The session's credentials first, then every token in the book."""

    pane_id = "tokens"
    COLUMNS = (Column("Kind", 7), Column("Label", 0), Column("Secret / key ID", 18),
               Column("Principal", 0), Column("Expires (UTC)", 16, hide_below=96), Column("Left", 9))
    EMPTY = f"No API token yet: press n to add one (mint it at {CONSOLE_TOKENS_URL})."

    def __init__(self) -> None:
        super().__init__()
        self.expiries: dict[str, datetime | None] = {}
        self.entries: dict[str, TokenEntry] = {}
        self.book: TokenBook | None = None

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-state", markup=False)
        yield CountdownRowList(self.COLUMNS, now=lambda: self.app.clock.now(),  # type: ignore[attr-defined]
                               expiry_of=lambda v: self.expiries.get(str(v)), id=f"list-{self.pane_id}")
        yield Static("", id="token-detail", markup=False)

    DEFAULT_CSS = """
    TokensPane #token-detail { height: auto; max-height: 6; padding: 0 1; color: $text-muted;
                               border-top: solid $panel; }
    """

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> list[int]:
        return self.query_one(CountdownRowList).tick() if self.display else []

    def token_book(self) -> TokenBook:
        if self.book is None:
            self.book = getattr(self.app, "token_book", None) or default_book()
        return self.book

    async def load(self, generation: int) -> None:
        connection = self.services.connection
        rows: list[Row] = []
        expiries: dict[str, datetime | None] = {}
        token = connection.token
        if token is not None:
            who = await self.services.control_plane.whoami()
            expires = "never" if token.expires_at is None else short_time(token.expires_at)
            if token.expires_at is None and token.source in ("profile", "re-auth"):
                expires = "unknown"  # a stored token whose expiry the Console did not tell us
            rows.append(Row(("token", safe_text(token.label or "API token"), token.masked,
                             safe_text(who.principal_name), expires, ""), "session"))
            expiries["session"] = token.expires_at
        credentials = self.services.storage.credentials
        if credentials is not None:
            rows.append(Row(("S3 key", safe_text(credentials.source), credentials.access_key_id,
                             safe_text(credentials.principal_name or ""), short_time(credentials.expires_at), ""),
                            credentials.access_key_id))
            expiries[credentials.access_key_id] = credentials.expires_at
        book = self.token_book()
        entries = await asyncio.to_thread(book.entries)
        default = await asyncio.to_thread(lambda: book.default_id)
        for entry in entries:
            kind = "book *" if entry.id == default else "book"
            expires = "unknown" if entry.expires_at is None else short_time(entry.expires_at)
            rows.append(Row((kind, safe_text(entry.label), entry.masked, safe_text(entry.principal_name or "?"),
                             expires, ""), _BOOK + entry.id))
            expiries[_BOOK + entry.id] = entry.expires_at
        self.expiries = expiries
        self.entries = {e.id: e for e in entries}
        self.post_rows(generation, rows, replace=True, done=True)

    def on_rows_loaded(self, _: object) -> None:
        self.call_after_refresh(self.show_detail)

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
        mask = getattr(self.app, "display_filter", lambda s: s)
        detail.update(mask(safe_text(f"{entry.label}: principal {entry.principal_name or '?'}, "
                                     f"org {entry.org_id or '?'}\nMay do: {caps}")))

    def copy_value(self) -> str | None:
        row = self.row_list.selected
        return None if row is None else row.cells[2]

    def _need_entry(self) -> TokenEntry | None:
        entry = self.selected_entry()
        if entry is None:
            self.app.notify("Select a token from the book (kind “book”).", severity="warning", markup=False)
        return entry

    def _work(self, coro: object, group: str) -> None:
        self.run_worker(coro, group=group, exit_on_error=False)  # type: ignore[arg-type]

    # ---- add, validate, use, remove -------------------------------------------------------------

    def cmd_tokens_add(self, _: str) -> None:
        def chosen(request: AddTokenRequest | None) -> None:
            if request is not None:
                self._work(self._add(request), "tokens-add")

        self.app.push_screen(AddTokenScreen(self.app.clock.now()), chosen)  # type: ignore[attr-defined]

    async def _add(self, request: AddTokenRequest) -> None:
        book = self.token_book()
        try:
            entry = await asyncio.to_thread(book.add, request.label, request.value, expires_at=request.expires_at,
                                            masked=mask_secret(request.value))
        except Exception as exc:
            self.post_message(WorkFailed("add token", exc))
            return
        await self._validate(entry, request.value, added=True)

    def cmd_tokens_validate(self, _: str) -> None:
        entry = self._need_entry()
        if entry is not None:
            self._work(self._validate_stored(entry), "tokens-validate")

    async def _validate_stored(self, entry: TokenEntry) -> None:
        value = await asyncio.to_thread(self.token_book().value, entry.id)
        if value is None:
            self.post_message(TokensChanged(f"The value of {entry.label!r} is missing from the secret store.",
                                            warning=True))
            return
        await self._validate(entry, value, added=False)

    async def _validate(self, entry: TokenEntry, value: str, *, added: bool) -> None:
        verb = "added" if added else "validated"
        client = ControlPlaneClient(self.services.connection.control_plane, value)
        try:
            who = await client.whoami()
            allowed = await capabilities(client)
        except CloudError as exc:
            note = f"Token {entry.label!r} {verb}, but it does not work: {exc.message}"
            self.post_message(TokensChanged(note, warning=True))
            return
        finally:
            await client.aclose()
        await asyncio.to_thread(self.token_book().update, entry.id, principal_name=who.principal_name,
                                org_id=who.org_uid, capabilities=allowed)
        self.post_message(TokensChanged(
            f"Token {entry.label!r} {verb}: {who.principal_name}, org {who.org_uid or '?'}, "
            f"{len(allowed)} of {len(CAPABILITY_ACTIONS)} actions allowed"))

    def cmd_tokens_use(self, _: str) -> None:
        entry = self._need_entry()
        if entry is not None:
            self._work(self._use(entry), "tokens-use")

    async def _use(self, entry: TokenEntry) -> None:
        connection = self.services.connection
        profile = connection.profile
        secret_name = profile.api_token_name if profile is not None and connection.stored_profile else None
        book = self.token_book()
        try:
            value = await asyncio.to_thread(book.value, entry.id)
            if value is None:
                raise ValueError(f"the value of {entry.label!r} is missing from the secret store")
            await asyncio.to_thread(book.make_default, entry.id, secret_name)
            await self.services.swap_token(value)
        except Exception as exc:
            self.post_message(WorkFailed("use token", exc))
            return
        connection.token = ApiToken(value, label=entry.label, expires_at=entry.expires_at, source="book")
        where = " and saved as the profile's token" if secret_name else ""
        self.post_message(TokensChanged(f"Now using token {entry.label!r}{where}"))
        self.post_message(Reauthenticated())

    def cmd_tokens_remove(self, _: str) -> None:
        entry = self._need_entry()
        if entry is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._work(self._remove(entry), "tokens-remove")

        self.app.push_screen(TypeToConfirmScreen(
            "Remove this token from the token book and the secret store? (It stays valid in CoreWeave; "
            "revoke it in the Cloud Console.)", f"{entry.label}  {entry.masked}", confirm_label="Remove"),
            confirmed)

    async def _remove(self, entry: TokenEntry) -> None:
        try:
            await asyncio.to_thread(self.token_book().remove, entry.id)
        except Exception as exc:
            self.post_message(WorkFailed("remove token", exc))
            return
        self.post_message(TokensChanged(f"Removed token {entry.label!r}"))

    def on_tokens_changed(self, message: TokensChanged) -> None:
        message.stop()
        self.app.notify(safe_text(message.text), severity="warning" if message.warning else "information",
                        markup=False, timeout=8)
        self.reload()
