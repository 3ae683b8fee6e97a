"""The typed application context every pane, widget and modal is handed: no `getattr(self.app, ...)`.

UI-free on purpose (no Textual): it carries the live services, the injected clock, the identity, the
permission gate, the token book and what the user configured, and it outlives a change of connection
(the app swaps `services` in place; whoever holds the context sees the new ones).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cwos_tui.cloud.clock import Clock
from cwos_tui.config.settings import Settings
from cwos_tui.config.tokens import TokenBook
from cwos_tui.session import Connection, Services
from cwos_tui.ui.gate import Gate
from cwos_tui.ui.text import DisplayFilter, no_filter

if TYPE_CHECKING:  # the transfer service loads when the first transfer starts, after the first frame
    from cwos_tui.cloud.transfers import TransferQueue


@dataclass
class Identity:
    """Who the session acts as, once whoami answered ("" until then)."""

    principal_name: str = ""
    org_id: str = ""


def default_token_book() -> TokenBook:
    """The user's token book and secret store (file and keyring I/O: call it off the event loop)."""
    from cwos_tui.config.secrets import default_secret_store
    from cwos_tui.config.tokens import tokens_file

    return TokenBook(tokens_file(), default_secret_store())


@dataclass
class AppContext:
    services: Services
    clock: Clock
    settings: Settings
    gate: Gate
    identity: Identity = field(default_factory=Identity)
    display_filter: DisplayFilter = no_filter
    token_book_factory: Callable[[], TokenBook] = default_token_book
    _token_book: TokenBook | None = field(default=None, repr=False)
    _book_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _transfers: TransferQueue | None = field(default=None, repr=False)

    @property
    def connection(self) -> Connection:
        return self.services.connection

    def token_book(self) -> TokenBook:
        """The token book, built on first use. Blocking (it may probe the keyring): call it in a thread."""
        with self._book_lock:
            if self._token_book is None:
                self._token_book = self.token_book_factory()
            return self._token_book

    def transfer_queue(self) -> TransferQueue:
        """The one transfer queue (its threads start on first use), sized by the settings."""
        if self._transfers is None:
            from cwos_tui.cloud.transfers import TransferQueue

            self._transfers = TransferQueue(part_size=self.settings.transfer_part_size_mib * 1024 * 1024,
                                            concurrency=self.settings.transfer_concurrency)
        return self._transfers

    @property
    def transfers_running(self) -> int:
        return self._transfers.active if self._transfers is not None else 0

    def detach_transfers(self) -> TransferQueue | None:
        """Take the queue away (a change of connection: the next transfer gets a fresh queue, so nothing
        runs or is retried with the old connection's client). Shut the one returned down in a thread."""
        queue, self._transfers = self._transfers, None
        return queue

    def shutdown_transfers(self, timeout: float = 30.0) -> bool:
        """Cancel what runs and wait until uploads are aborted and temp files removed. Blocking."""
        return self._transfers.shutdown(timeout) if self._transfers is not None else True

    def principal_label(self, name: str) -> str:
        """A principal as the user named it in `[principals]`, else as the server names it."""
        if not name:
            return name
        alias = self.settings.principals.get(name)
        if alias is None and "/" in name:  # coreweave/<uid>: an alias may be keyed by the bare UID
            alias = self.settings.principals.get(name.rsplit("/", 1)[-1])
        return alias or name
