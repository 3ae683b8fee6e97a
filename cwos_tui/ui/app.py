"""The dashboard app: five panes, a status line, `:`/`/` bar, footer, help, palette, one error handler.

Key press -> registry binding `app.run('<id>')` -> `run_command` (applicability, read-only and
permission gate) -> `cmd_<id>` handler -> pane worker -> service layer -> message -> widget state.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import ContentSwitcher, Footer, Input, Static

from cwos_tui.cloud.clock import Clock, SystemClock
from cwos_tui.cloud.errors import CloudError
from cwos_tui.config.settings import Settings
from cwos_tui.ui import commands
from cwos_tui.ui.commands import PANE_TITLES, PANES, Gate
from cwos_tui.ui.messages import (
    IdentityKnown,
    ObjectDeleted,
    PermissionsKnown,
    Reauthenticated,
    WorkFailed,
)
from cwos_tui.ui.modals.confirm import ConfirmScreen
from cwos_tui.ui.modals.help import HelpScreen
from cwos_tui.ui.modals.reauth import ReauthAnswer
from cwos_tui.ui.palette import RegistryCommands
from cwos_tui.ui.panes.admin import PoliciesPane
from cwos_tui.ui.panes.base import Pane
from cwos_tui.ui.panes.keys import KeysPane
from cwos_tui.ui.panes.storage import BucketsPane, ObjectsPane
from cwos_tui.ui.panes.tokens import TokensPane
from cwos_tui.ui.services import Connection, Services
from cwos_tui.ui.startup import OFFLINE_COMMANDS, ConnectionLifecycle, DemoStartup
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_text
from cwos_tui.ui.widgets.command_bar import CommandBar
from cwos_tui.ui.widgets.row_list import RowList
from cwos_tui.ui.widgets.status_line import Expiry, StatusLine

log = logging.getLogger(__name__)
_RUN = re.compile(r"^(?:app\.)?run\('([^']+)'\)$")


class CwosApp(ConnectionLifecycle, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "cwos-tui"
    BINDINGS = commands.bindings()
    COMMANDS = {RegistryCommands}

    def __init__(
        self,
        connection: Connection,
        *,
        settings: Settings | None = None,
        clock: Clock | None = None,
        services: Services | None = None,
        display_filter: DisplayFilter | None = None,
        initial_pane: str = "buckets",
        startup: DemoStartup | None = None,
        first_run: Any = None,
    ) -> None:
        super().__init__()
        self.startup = startup  # a pending connection finished after the first paint (demo sandbox)
        self.first_run = first_run  # wizard.FirstRun: the setup wizard opens before any connection (issue 6)
        self.animation_level = "none"  # SSH first
        self.connection = connection
        self.clock = clock or SystemClock()
        self.settings = settings
        self.keymap: dict[str, str] = dict(settings.keymap) if settings else {}
        read_only = connection.read_only or bool(settings and settings.read_only)
        self.gate = Gate(read_only=read_only)
        self.services = services or Services(connection)
        self.display_filter: DisplayFilter = display_filter or no_filter
        self.active_pane = initial_pane
        self.principal = ""
        self.reauth_open = False
        if settings and settings.theme in self.available_themes:
            self.theme = settings.theme

    # ---- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(
            self.clock, self.connection.profile_name, self.connection.control_plane,
            read_only=self.gate.read_only, id="status",
        )
        yield Static("", id="tabs", markup=False)
        with ContentSwitcher(initial=f"pane-{self.active_pane}", id="panes"):
            yield TokensPane()
            yield KeysPane()
            yield PoliciesPane()
            yield BucketsPane()
            yield ObjectsPane()
        yield CommandBar(id="command-bar")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.set_interval(1.0, self.watch_expiry)  # expiry_watch.py: warn at 10 and 2 minutes
        self.query_one(StatusLine).expiry_source = self.current_expiries
        self.show_pane(self.active_pane)
        if self.first_run is not None:  # the setup wizard decides the connection (wizard/__init__.py)
            from cwos_tui.ui.wizard import open_first_run

            self.call_after_refresh(open_first_run, self, self.first_run)
            return
        self.call_after_refresh(self.begin_connection)  # startup.py: identify, or finish a pending connection

    def pane(self, pane_id: str | None = None) -> Pane:
        return self.query_one(f"#pane-{pane_id or self.active_pane}", Pane)

    @property
    def objects(self) -> ObjectsPane:
        return self.query_one(ObjectsPane)

    def show_pane(self, pane_id: str) -> None:
        self.active_pane = pane_id
        self.query_one(ContentSwitcher).current = f"pane-{pane_id}"
        self._draw_tabs()
        pane = self.pane()
        if self.connection.pending:
            self.pending_state(pane)
        else:
            pane.ensure_loaded()
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
        token = self.services.connection.token
        if token is not None:
            expiries.append(Expiry("API token", token.expires_at))
        credentials = self.services.storage.credentials
        if credentials is not None:
            expiries.append(Expiry("S3 key", credentials.expires_at))
        return expiries

    def watch_expiry(self) -> None:
        """Warn (once per level) about credentials that cannot renew themselves; offer re-auth at 2 min."""
        from cwos_tui.ui.expiry_watch import ExpiryWatch, watched

        if not hasattr(self, "_expiry_watch"):
            self._expiry_watch = ExpiryWatch()
        for warning in self._expiry_watch.check(watched(self.services), self.clock.now()):
            if warning.offer_reauth:
                self.ask_reauth(warning.text)
            else:
                self.notify(warning.text, title="Expiring soon", severity="warning", markup=False, timeout=15)

    # ---- the registry gate ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer state: hidden where a command does not apply, dimmed where it is refused."""
        if action == "run" and parameters:
            command = commands.get(str(parameters[0]))
            if command is not None:
                if not commands.applies(command, self.active_pane):
                    return False
                if self.gate.refusal(command):
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
        self.run_command(command.id)
        return True

    def run_command(self, command_id: str, argument: str = "") -> None:
        """Run a registry command by id (keys, palette and `:` all end here)."""
        command = commands.get(command_id)
        if command is None:
            self.notify(f"Unknown command: {safe_text(command_id)}", severity="warning", markup=False)
            return
        if not commands.applies(command, self.active_pane):
            pane_title = PANE_TITLES.get(self.active_pane, self.active_pane)
            self.notify(f"{command.title}: not available in {pane_title}", severity="warning", markup=False)
            return
        if self.connection.pending and command.id not in OFFLINE_COMMANDS and not command.id.startswith("pane."):
            self.notify(self.startup_error or self.connection.pending, severity="warning", markup=False)
            return
        refusal = self.gate.refusal(command)
        if refusal:
            self.notify(refusal, severity="warning", markup=False)
            return
        handler = getattr(self, "cmd_" + command.id.replace(".", "_"), None)
        if handler is None:  # pane-specific commands live on their pane (keys.*, tokens.*)
            handler = getattr(self.pane(), "cmd_" + command.id.replace(".", "_"), None)
        if handler is None:
            self.run_action_soon(command.action)
            return
        handler(argument)

    def run_action_soon(self, action: str) -> None:
        self.call_later(self.run_action, action)

    # ---- command handlers (one per registry id) ------------------------------------------------

    def cmd_app_setup(self, argument: str) -> None:
        """The setup wizard (issue 6): `:setup` for a new profile, `:setup NAME` to edit one."""
        from cwos_tui.ui.wizard import open_in_app

        open_in_app(self, argument.strip() or None)

    def cmd_app_help(self, _: str) -> None:
        self.push_screen(HelpScreen(self.active_pane, self.gate, self.keymap))

    def cmd_app_command(self, _: str) -> None:
        self.query_one(CommandBar).open("command")

    def cmd_pane_tokens(self, _: str) -> None:
        self.show_pane("tokens")

    def cmd_pane_keys(self, _: str) -> None:
        self.show_pane("keys")

    def cmd_pane_policies(self, _: str) -> None:
        self.show_pane("policies")

    def cmd_pane_buckets(self, argument: str) -> None:
        if argument:
            self.open_location(*commands.split_location(argument))
        else:
            self.show_pane("buckets")

    def cmd_pane_objects(self, argument: str) -> None:
        if argument:
            self.open_location(*commands.split_location(argument))
        else:
            self.show_pane("objects")

    def open_location(self, bucket: str, prefix: str) -> None:
        self.show_pane("objects")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.objects.go(bucket, prefix)

    def cmd_list_refresh(self, _: str) -> None:
        self.pane().reload()

    def cmd_list_filter(self, _: str) -> None:
        self.query_one(CommandBar).open("filter", self.pane().row_list.filter_text)

    def cmd_list_copy(self, _: str) -> None:
        value = self.pane().copy_value()
        if value is None:
            self.notify("Nothing selected to copy.", severity="warning")
            return
        self.copy_to_clipboard(value)
        self.notify(safe_text(value), title="Copied (OSC 52)", markup=False)

    def cmd_list_open(self, _: str) -> None:
        self.pane().open_selected()

    def cmd_objects_up(self, _: str) -> None:
        if not self.objects.go_up():
            self.show_pane("buckets")

    def cmd_objects_delete(self, _: str) -> None:
        pane = self.objects
        key = pane.selected_object()
        if key is None:
            self.notify("Select an object (not a folder) to delete.", severity="warning")
            return
        bucket = pane.bucket

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._delete_object(bucket, key), group="delete", exit_on_error=False)

        self.push_screen(ConfirmScreen("Delete this object?", f"s3://{bucket}/{key}"), confirmed)

    def cmd_list_down(self, _: str) -> None:
        self.pane().row_list.move_cursor(1)

    def cmd_list_up(self, _: str) -> None:
        self.pane().row_list.move_cursor(-1)

    def cmd_list_page_down(self, _: str) -> None:
        self.pane().row_list.page(1)

    def cmd_list_page_up(self, _: str) -> None:
        self.pane().row_list.page(-1)

    def cmd_list_top(self, _: str) -> None:
        self.pane().row_list.go_to(0)

    def cmd_list_bottom(self, _: str) -> None:
        rows = self.pane().row_list
        rows.go_to(rows.count - 1)

    # ---- the `:` / `/` bar ---------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, CommandBar) and event.input.mode == "filter":
            self.pane().apply_filter(event.value)

    def on_command_bar_closed(self, event: CommandBar.Closed) -> None:
        self.pane().row_list.focus()
        if event.mode == "filter":
            if not event.submitted:
                self.pane().apply_filter("")
            return
        if not event.submitted or not event.value.strip():
            return
        parsed = commands.parse_command_line(event.value)
        if parsed is None:
            self.notify(f"Unknown command: {safe_text(event.value)}", severity="warning", markup=False)
            return
        self.run_command(parsed.command_id, parsed.argument)

    def on_row_list_filtered(self, message: RowList.Filtered) -> None:
        """A big list's background filter landed: refresh that pane's count line."""
        pane = message.row_list.parent
        if isinstance(pane, Pane) and message.row_list.rows:
            pane.set_state(pane.describe_count())

    # ---- workers (they post messages; handlers below own the state) ----------------------------

    async def _identify(self) -> None:
        client = self.services.control_plane
        try:
            who = await client.whoami()
        except Exception as exc:
            self.post_message(WorkFailed("whoami", exc))
            return
        self.post_message(IdentityKnown(who.principal_name, who.org_uid or self.connection.org_id or ""))
        verdicts: dict[str, bool] = {}
        for permission in commands.permissions_needed():
            try:
                verdicts[permission] = await client.can_i([permission], ["*"])
            except CloudError as exc:
                if exc.needs_reauth:
                    self.post_message(WorkFailed("can-i", exc))
                    return
                log.info("can-i %s unanswered: %s", permission, exc.message)
        self.post_message(PermissionsKnown(verdicts))

    async def _delete_object(self, bucket: str, key: str) -> None:
        try:
            await self.services.storage.delete_object(bucket, key)
        except Exception as exc:
            self.post_message(WorkFailed("delete object", exc))
            return
        self.post_message(ObjectDeleted(bucket, key))

    def on_identity_known(self, message: IdentityKnown) -> None:
        self.principal = message.principal_name
        org = f" @ org {message.org_id}" if message.org_id else ""
        self.query_one(StatusLine).set_identity(f"{message.principal_name}{org}")

    def on_permissions_known(self, message: PermissionsKnown) -> None:
        self.gate.verdicts = message.verdicts
        self.refresh_bindings()

    def on_object_deleted(self, message: ObjectDeleted) -> None:
        self.notify(f"Deleted s3://{safe_text(message.bucket)}/{safe_text(message.key)}", markup=False)
        self.objects.reload()

    def on_reauthenticated(self, _: Reauthenticated) -> None:
        self.notify("New token in use; reloading.", markup=False)
        for pane_id in PANES:
            self.pane(pane_id).loaded = False
        self.run_worker(self._identify(), group="identity", exclusive=True, exit_on_error=False)
        self.pane().reload()

    # ---- the one error handler -----------------------------------------------------------------

    def on_work_failed(self, message: WorkFailed) -> None:
        self.handle_error(message.context, message.error, message.pane_id, message.generation)

    def handle_error(self, context: str, error: BaseException, pane_id: str = "", generation: int = -1) -> None:
        if isinstance(error, CloudError):
            text = error.message
            log.warning("%s failed: %s: %s", context, type(error).__name__, text)
        else:
            text = f"unexpected {type(error).__name__} (details in the log file)"
            log.error("%s failed", context, exc_info=error)
        if pane_id:
            self.pane(pane_id).show_error(generation, text)
        if getattr(error, "needs_reauth", False):
            self.ask_reauth(f"{context}: {text}", error)
        else:
            self.notify(safe_text(text), title=safe_text(context), severity="error", markup=False, timeout=8)

    def ask_reauth(self, reason: str, error: BaseException | None = None) -> None:
        if self.reauth_open:
            return
        screen = self.reauth_screen(reason, error)  # startup.py: token, key pair or SAML by credential kind
        if screen is None:
            self.notify(safe_text(reason), severity="error", markup=False, timeout=8)
            return
        self.reauth_open = True

        def done(answer: ReauthAnswer | None) -> None:
            self.reauth_open = False
            self.reauth_answered(answer)

        self.push_screen(screen, done)

    # ---- no tracebacks on the terminal ---------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        log.error("unexpected error in the UI", exc_info=error)
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        """Textual would print a traceback here; the details are in the log file instead."""
        import sys

        if not self._exit_renderables:
            return
        self._exit_renderables.clear()

        from cwos_tui.config.paths import log_dir

        print(f"cwos-tui stopped after an unexpected error; details in {log_dir()}", file=sys.stderr)

    async def on_unmount(self) -> None:
        await self.services.close()
        await self.stop_startup()


def run_app(*args: Any, **kwargs: Any) -> int:
    """Entry point for `cwos-tui` (see `cwos_tui.ui.launch.run_app`)."""
    from cwos_tui.ui.launch import run_app as launch

    return launch(*args, **kwargs)
