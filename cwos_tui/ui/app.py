"""The dashboard app: five panes, a status line, the `:`/`/` bar, footer, help, palette, one error handler.

Key press -> registry binding `app.run('<id>')` -> `run_command` (context, read-only and the
resource-aware gate) -> the handler registered for that id -> a worker -> the service layer -> a
message -> widget state. Command handlers of the app itself live in `app_commands.py`, the
connection's life cycle in `startup.py`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import App, ComposeResult
from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher, Input, Static

from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.config.settings import Settings
from cwos_tui.config.tokens import TokenBook
from cwos_tui.session import ClientOptions, Connection, Services
from cwos_tui.ui import commands
from cwos_tui.ui.app_commands import AppCommands
from cwos_tui.ui.commands import PANE_TITLES, PANES
from cwos_tui.ui.context import AppContext, default_token_book
from cwos_tui.ui.gate import Gate
from cwos_tui.ui.handlers import HandlerTable
from cwos_tui.ui.key_order import KeyOrder, KeysReleased
from cwos_tui.ui.palette import RegistryCommands
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.panes.catalog import pane_class
from cwos_tui.ui.panes.transfers import TransferBar
from cwos_tui.ui.profile_switch import ProfileCommands, ProfileSwitching
from cwos_tui.ui.startup import ConnectionLifecycle, PendingStart
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_text
from cwos_tui.ui.widgets.command_bar import CommandBar
from cwos_tui.ui.widgets.fit_footer import FitFooter
from cwos_tui.ui.widgets.status_line import Expiry, StatusLine

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from textual.pilot import Pilot

    from cwos_tui.ui.panes.objects import ObjectsPane

log = logging.getLogger(__name__)
_RUN = re.compile(r"^(?:app\.)?run\('([^']+)'\)$")


#: commands a visitor of `cwos-tui serve` may not run: they write the server user's profiles and secrets
SERVER_ONLY_COMMANDS = frozenset({"app.setup"})
#: in a browser tab, the footer shows these first: their usual keys (Ctrl+P, Ctrl+Q, F1) belong to the browser
WEB_FOOTER_FIRST = frozenset({"app.quit", "app.palette", "app.help"})


class CwosApp(KeyOrder, AppCommands, ProfileSwitching, ConnectionLifecycle, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "cwos-tui"
    BINDINGS = commands.bindings()
    COMMANDS = {RegistryCommands, ProfileCommands}

    def __init__(
        self,
        connection: Connection,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        services: Services | None = None,
        display_filter: DisplayFilter | None = None,
        initial_pane: str = "buckets",
        startup: PendingStart | None = None,
        first_run: Any = None,
        token_book: TokenBook | None = None,
        note: str = "",
        served: bool = False,
    ) -> None:
        super().__init__()
        self.served = served  # in a browser tab of `cwos-tui serve`: visitors never write the server's files
        self.startup = startup  # a pending connection finished after the first paint (demo sandbox)
        self.first_run = first_run  # wizard.FirstRun: the setup wizard opens before any connection
        self.animation_level = "none"  # SSH first
        settings = settings or Settings.from_data({})
        clock = clock or SystemClock()
        gate = Gate(read_only=connection.read_only or settings.read_only)
        self.ctx = AppContext(
            services=services or Services(connection, clock, options=_options(settings)), clock=clock,
            settings=settings, gate=gate, display_filter=display_filter or no_filter,
            token_book_factory=(lambda: token_book) if token_book is not None else default_token_book,
        )
        self.keymap: dict[str, str] = dict(settings.keymap)
        self.active_pane = initial_pane
        self.handlers = HandlerTable()
        self.reauth_open = False
        self._crashed = False
        self.stopped_pid: int | None = None  # the demo sandbox asked to stop on quit
        self.note = note  # a start-up problem to show (a broken settings file in --demo)
        self.panes_mounted = asyncio.Event()  # set once every pane is mounted (just after the first frame)
        self._panes: dict[str, Pane] = {}  # by id, as composed: a DOM query each time cost the footer dearly
        if settings.theme in self.available_themes:
            self.theme = settings.theme

    # ---- the context, typed ------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.ctx.services

    @services.setter
    def services(self, services: Services) -> None:
        self.ctx.services = services

    @property
    def connection(self) -> Connection:
        return self.ctx.connection

    @connection.setter
    def connection(self, connection: Connection) -> None:
        self.ctx.services.connection = connection

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def gate(self) -> Gate:
        return self.ctx.gate

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def principal(self) -> str:
        return self.ctx.identity.principal_name

    def new_services(self, connection: Connection) -> Services:
        return Services(connection, self.ctx.clock, options=_options(self.ctx.settings))

    # ---- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(
            self.clock, self.connection.profile_name, self.connection.control_plane,
            read_only=self.gate.read_only, display_filter=self.ctx.display_filter, id="status",
        )
        yield Static("", id="tabs", markup=False)
        with ContentSwitcher(initial=f"pane-{self.active_pane}", id="panes"):
            first = self._panes[self.active_pane] = pane_class(self.active_pane)(self.ctx)
            yield first  # the others are mounted after the first frame
        yield TransferBar(self.ctx)
        yield CommandBar(id="command-bar")
        yield FitFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.handlers.register(self.app_handlers())
        self.handlers.register(self.profile_handlers())
        self.handlers.register(self.pane().handlers())
        self.hold_keys(self.screen)  # key_order.py: keys wait for the other panes
        self.call_after_refresh(self._mount_other_panes)  # before anything that may switch panes
        self.query_one(CommandBar).completer = self.complete
        self.query_one(FitFooter).hide = self.hidden_in_footer
        if self.served:  # the keys browsers keep for themselves have web alternatives: show those first
            self.query_one(FitFooter).first = WEB_FOOTER_FIRST
        self.set_interval(1.0, self.watch_expiry)  # expiry_watch.py: warn at 10 and 2 minutes
        self.query_one(StatusLine).expiry_source = self.current_expiries
        self.show_pane(self.active_pane, load=False)  # loading starts after the first frame (begin_connection)
        if self.note:
            self.notify(safe_text(self.note), title="Settings", severity="warning", markup=False, timeout=15)
        if self.first_run is not None:  # the setup wizard decides the connection (wizard/__init__.py)
            from cwos_tui.ui.wizard import open_first_run

            self.call_after_refresh(open_first_run, self, self.first_run)
            return
        self.call_after_refresh(self.begin_connection)  # startup.py: identify, or finish a pending connection

    async def _mount_other_panes(self) -> None:
        """After the first frame: import and mount the panes the app did not open on, then let held keys go."""
        try:
            others = {pane_id: pane_class(pane_id)(self.ctx) for pane_id in PANES if pane_id != self.active_pane}
            for pane in others.values():
                pane.display = False
            await self.query_one(ContentSwitcher).mount_all(others.values())
            self._panes.update(others)
            for pane in others.values():
                self.handlers.register(pane.handlers())
        finally:
            self.panes_mounted.set()
            self.post_message(KeysReleased(self.screen_stack[0] if self.screen_stack else None))
        self.refresh_bindings()

    @asynccontextmanager
    async def run_test(self, *args: Any, **kwargs: Any) -> AsyncIterator[Pilot[int]]:
        """A pilot starts once every pane is mounted (as a person's first key would be held until then)."""
        async with super().run_test(*args, **kwargs) as pilot:
            await self.panes_mounted.wait()
            yield pilot

    def pane(self, pane_id: str | None = None) -> Pane:
        found = self._panes.get(pane_id or self.active_pane)
        if found is None:
            raise NoMatches(f"no pane {pane_id or self.active_pane!r} (yet)")
        return found

    def mounted_panes(self) -> list[Pane]:
        return [self._panes[pane_id] for pane_id in PANES if pane_id in self._panes]

    @property
    def objects(self) -> ObjectsPane:
        return cast("ObjectsPane", self.pane("objects"))

    def show_pane(self, pane_id: str, *, load: bool = True) -> None:
        self.active_pane = pane_id
        self.query_one(ContentSwitcher).current = f"pane-{pane_id}"
        self._draw_tabs()
        pane = self.pane()
        if self.connection.pending:
            self.pending_state(pane)
        elif load:
            pane.ensure_loaded()
        else:
            pane.set_state("Loading…")
        pane.row_list.focus()
        self.refresh_bindings()

    def _draw_tabs(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, pane_id in enumerate(PANES, start=1):
            style = "reverse bold" if pane_id == self.active_pane else ""
            text.append(f" {number} {PANE_TITLES[pane_id]} ", style)
            text.append(" ")
        self.query_one("#tabs", Static).update(text)

    def current_expiries(self) -> list[Expiry]:
        expiries = []
        token = self.connection.token
        if token is not None:
            expiries.append(Expiry("API token", token.expires_at))
        credentials = self.services.current_keys
        if credentials is not None:
            expiries.append(Expiry("S3 key", credentials.expires_at, self.services.refresh_at(credentials)))
        return expiries

    # ---- the registry gate ---------------------------------------------------------------------

    def resource_of(self, command: commands.Command) -> str | None:
        """What `command` would act on now: the open folder for bucket and object commands, the selected
        bucket for the Buckets pane's own."""
        from cwos_tui.ui.gate import resource_for

        if self.active_pane == "buckets" and "buckets" in command.contexts and "objects" not in command.contexts:
            selected = self.pane("buckets").row_list.selected
            return resource_for(command, str(selected.value) if selected and selected.value else "", "")
        if "objects" not in self._panes:  # the first frame, before the other panes are mounted
            return resource_for(command, "", "")
        objects = self.objects
        return resource_for(command, objects.bucket, objects.prefix)

    def hidden_in_footer(self, binding: Any) -> bool:
        command = commands.get(binding.id or "")
        return command is not None and command.mutates and self.gate.read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer state: hidden where a command does not apply, dimmed where the gate refuses it.
        (Read-only mode hides what changes data from the footer: `hidden_in_footer`.)"""
        if action == "run" and parameters:
            command = commands.get(str(parameters[0]))
            if command is not None:
                if not commands.applies(command, self.active_pane):
                    return False
                if self.gate.refusal(command, self.resource_of(command)):
                    return None
        return True

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Registry bindings go through `run_command` so refused commands answer with a message."""
        match = _RUN.match(action) if isinstance(action, str) else None
        if match is None:
            return await super().run_action(action, default_namespace, namespaces)
        command = commands.get(match.group(1))
        if command is None or not commands.applies(command, self.active_pane):
            return False
        if command.id in ("app.command", "list.filter") and (
                isinstance(self.focused, Input) or len(self.screen_stack) > 1):
            return False  # a priority key: typed text in an input, or a dialog's own key
        self.run_command(command.id)
        return True

    def run_command(self, command_id: str, argument: str = "") -> None:
        """Run a registry command by id (keys, palette and `:` all end here)."""
        command = commands.get(command_id)
        if command is None:
            self.notify(f"Unknown command: {safe_text(command_id)}", severity="warning", markup=False)
            return
        if not commands.applies(command, self.active_pane):
            home = commands.home_pane(command)
            if home is None:
                pane_title = PANE_TITLES.get(self.active_pane, self.active_pane)
                self.notify(f"{command.title}: not available in {pane_title}", severity="warning", markup=False)
                return
            self.show_pane(home)  # the palette found it in another pane: go there first
        if self.connection.pending and command.id not in OFFLINE_COMMANDS and not command.id.startswith("pane."):
            self.notify(self.startup_error or self.connection.pending, severity="warning", markup=False)
            return
        if self.served and command.id in SERVER_ONLY_COMMANDS:
            self.notify(f"{command.title} writes the server's own settings: run `cwos-tui setup` on the server.",
                        severity="warning", markup=False)
            return
        refusal = self.gate.refusal(command, self.resource_of(command))
        if refusal:
            self.notify(safe_text(refusal), severity="warning", markup=False)
            return
        handler = self.handlers.get(command.id)
        if handler is None:  # a test proves this cannot happen for a registered command
            log.error("no handler for %s", command.id)
            self.notify(f"{command.title}: not implemented", severity="error", markup=False)
            return
        handler(argument)

    # ---- no tracebacks on the terminal, but every exit message -----------------------------------

    def _handle_exception(self, error: Exception) -> None:
        self._crashed = True
        log.error("unexpected error in the UI", exc_info=error)
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        """A crash prints one line naming the log dir (Textual would print a traceback); a plain exit
        message (a skipped wizard, a config error) is printed as it is."""
        import sys

        if not self._exit_renderables:
            return
        messages = [str(r) for r in self._exit_renderables]
        self._exit_renderables.clear()
        if self._crashed:
            from cwos_tui.config.paths import log_dir

            print(f"cwos-tui stopped after an unexpected error; details in {log_dir()}", file=sys.stderr)
            return
        for message in messages:
            print(message, file=sys.stderr)

    async def on_unmount(self) -> None:
        self.panes_mounted.set()  # a pilot waiting for them goes on to see the app gone
        if self.startup is not None:  # the demo sandbox stops in the background: the shell returns at once
            self.stopped_pid = self.startup.stop_in_background()
        await asyncio.to_thread(self.ctx.shutdown_transfers)  # uploads aborted, temp files removed
        await self.services.close()


#: Commands that need no server, so they work while the connection is still pending.
OFFLINE_COMMANDS = frozenset({
    "app.help", "app.palette", "app.command", "app.quit", "app.setup", "list.details",
    "list.down", "list.up", "list.page_down", "list.page_up", "list.top", "list.bottom", "list.filter",
    "list.copy",
})


def _options(settings: Settings) -> ClientOptions:
    return ClientOptions(refresh_margin=float(settings.refresh_margin_seconds))
