"""The app's own command handlers, the `:`/`/` bar, identity and permissions, and the one error path.

Mixed into `CwosApp` (app.py stays the router). Handlers are registered explicitly by id in
`app_handlers()`; the panes register theirs (`Pane.handlers()`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from cwos_tui.cloud.errors import CloudError, NoApiToken
from cwos_tui.config.errors import ConfigError
from cwos_tui.secrecy import redact
from cwos_tui.ui import commands
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.messages import (
    IdentityKnown,
    LocationShown,
    OpenLocation,
    PermissionsKnown,
    Reauthenticated,
    ShowPane,
    WorkFailed,
)
from cwos_tui.ui.modals.help import HelpScreen
from cwos_tui.ui.modals.reauth import ReauthAnswer
from cwos_tui.ui.permissions import ask, location_questions, org_questions
from cwos_tui.ui.text import safe_text
from cwos_tui.ui.web_save import web_handlers
from cwos_tui.ui.widgets.command_bar import CommandBar
from cwos_tui.ui.widgets.row_list import RowList
from cwos_tui.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from textual.app import App

    from cwos_tui.ui.context import AppContext
    from cwos_tui.ui.panes.base import Pane
    from cwos_tui.ui.panes.objects import ObjectsPane
    from cwos_tui.ui.wizard import SetupPrepared

    _AppBase = App[int]
else:
    _AppBase = object

log = logging.getLogger(__name__)
#: What a control-plane pane says on a profile without an API token (storage panes still work).
#: `:` words after which Tab completes local paths: upload's (files and folders), download's (folders)
PATH_COMMANDS = {name: c.id for c in commands.COMMANDS if c.id in ("objects.upload", "objects.download")
                 for name in (*c.aliases, c.id)}
NO_TOKEN_LINE = "No API token in this profile; control-plane panes need one: press 1, then n"


class AppCommands(_AppBase):
    if TYPE_CHECKING:  # provided by CwosApp and ConnectionLifecycle
        ctx: AppContext
        active_pane: str
        keymap: dict[str, str]
        reauth_open: bool

        def pane(self, pane_id: str | None = None) -> Pane: ...
        def mounted_panes(self) -> list[Pane]: ...
        def show_pane(self, pane_id: str) -> None: ...
        def run_command(self, command_id: str, argument: str = "") -> None: ...
        def resource_of(self, command: commands.Command) -> str | None: ...
        def reauth_screen(self, reason: str, error: BaseException | None) -> Any: ...
        def reauth_answered(self, answer: ReauthAnswer | None) -> None: ...
        @property
        def objects(self) -> ObjectsPane: ...

    def app_handlers(self) -> dict[str, Handler]:
        def go(pane_id: str) -> Handler:
            return lambda _: self.show_pane(pane_id)

        return {
            "app.setup": self.open_setup, "app.help": self.open_help,
            "app.palette": lambda _: self.action_command_palette(),
            "app.command": lambda _: self.query_one(CommandBar).open("command"), "app.quit": self.quit_asking,
            "pane.tokens": go("tokens"), "pane.keys": go("keys"), "pane.policies": go("policies"),
            "pane.buckets": self.buckets_or_location, "pane.objects": self.objects_or_location,
            "pane.transfers": go("transfers"),
            "list.refresh": lambda _: self.pane().reload(), "list.filter": self.open_filter,
            "list.copy": self.copy_selected, "list.open": self.open_selected, "list.details": self.show_details,
            "list.down": lambda _: self.pane().row_list.move_cursor(1),
            "list.up": lambda _: self.pane().row_list.move_cursor(-1),
            "list.page_down": lambda _: self.pane().row_list.page(1),
            "list.page_up": lambda _: self.pane().row_list.page(-1),
            "list.top": lambda _: self.pane().row_list.go_to(0),
            "list.bottom": lambda _: self.pane().row_list.go_to(self.pane().row_list.count - 1),
            **web_handlers(self, lambda: self.objects),
        }

    # ---- app commands --------------------------------------------------------------------------

    def open_setup(self, argument: str) -> None:
        """The setup wizard: `:setup` for a new profile, `:setup NAME` to edit one (read in a thread)."""
        self.run_worker(self._prepare_setup(argument.strip() or None), group="setup", exclusive=True,
                        exit_on_error=False)

    async def _prepare_setup(self, profile_name: str | None) -> None:
        from cwos_tui.ui.wizard import prepare

        try:
            self.post_message(await asyncio.to_thread(prepare, profile_name))
        except Exception as exc:
            self.post_message(WorkFailed("setup", exc))

    def on_setup_prepared(self, message: SetupPrepared) -> None:
        from cwos_tui.ui.wizard import open_in_app

        open_in_app(self, message)  # type: ignore[arg-type]

    def open_help(self, _: str) -> None:
        self.push_screen(HelpScreen(self.active_pane, lambda c: self.ctx.gate.refusal(c, self.resource_of(c)),
                                    self.keymap))

    def quit_asking(self, _: str = "") -> None:
        """Ctrl+Q from anywhere; a dialog holding typed input asks first."""
        screen = self.screen
        typed = isinstance(screen, ModalScreen) and any(i.value for i in screen.query(Input))
        running = self.ctx.transfers_running
        if running and not typed:  # transfers are cancelled cleanly on the way out (CwosApp.on_unmount)
            from cwos_tui.ui.modals.confirm import ConfirmScreen

            self.push_screen(ConfirmScreen(f"{running:,} transfer(s) still running. Quit and cancel them?",
                                           "Uploads are aborted, partial downloads removed.",
                                           confirm_label="Quit"), lambda yes: self.exit() if yes else None)
            return
        if not typed:
            self.exit()
            return
        from cwos_tui.ui.modals.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen("Quit? What you typed in the dialog is lost.", "cwos-tui",
                                       confirm_label="Quit"), answered)

    def action_quit(self) -> None:  # type: ignore[override]
        self.quit_asking()

    def buckets_or_location(self, argument: str) -> None:
        if argument:
            self.open_location(*commands.split_location(argument))
        else:
            self.show_pane("buckets")

    def objects_or_location(self, argument: str) -> None:
        if argument:
            self.open_location(*commands.split_location(argument))
        else:
            self.show_pane("objects")

    def open_location(self, bucket: str, prefix: str) -> None:
        self.show_pane("objects")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.objects.go(bucket, prefix)

    def open_filter(self, _: str) -> None:
        self.query_one(CommandBar).open("filter", self.pane().row_list.filter_text)

    def copy_selected(self, _: str) -> None:
        value = self.pane().copy_value()
        if value is None:
            self.notify("Nothing selected to copy.", severity="warning")
            return
        shown = safe_text(value)  # what the screen shows: a pasted name can never run a command
        self.copy_to_clipboard(shown)
        title = "Copied as shown (OSC 52)" if shown != value else "Copied (OSC 52)"
        note = "\ncontrol characters were copied in their escaped form" if shown != value else ""
        self.notify(shown + note, title=title, markup=False)

    def open_selected(self, argument: str) -> None:
        if not self.pane().open_selected():
            self.show_details(argument)

    def show_details(self, _: str) -> None:
        from cwos_tui.ui.modals.detail import DetailScreen

        screen = self.pane().details_screen()
        if screen is not None:
            self.push_screen(screen)
            return
        if self.pane().open_details():
            return  # the pane fetches its details itself (HeadObject) and shows them when they arrive
        details = self.pane().details()
        if details is None:
            self.notify("Nothing selected.", severity="warning")
            return
        title, fields = details
        self.push_screen(DetailScreen(title, fields, display_filter=self.ctx.display_filter))

    # ---- the `:` / `/` bar ---------------------------------------------------------------------

    def complete(self, mode: str, text: str) -> list[str] | Awaitable[list[str]]:
        """Tab in the bar: command names, then bucket names and prefixes already loaded, and local paths
        (read in a thread) after `:upload` (files and folders) and `:download` (folders)."""
        if mode == "filter":
            return []
        head, _, rest = text.partition(" ")
        if not _:
            spaced = ("b", "o", "setup", *PATH_COMMANDS)
            return [f"{name} " if name in spaced else name for name in commands.completions(head)]
        if head in ("b", "bucket", "buckets", "o", "obj", "objects"):
            return [f"{head} {candidate}" for candidate in self.location_candidates(rest)]
        if head in PATH_COMMANDS:
            from cwos_tui.ui.path_completion import complete_paths

            upload = PATH_COMMANDS[head] == "objects.upload"
            return asyncio.to_thread(complete_paths, head, rest, words=upload, dirs_only=not upload)
        return []

    def location_candidates(self, typed: str) -> list[str]:
        typed = typed.removeprefix("s3://")
        bucket, slash, _ = typed.partition("/")
        if not slash:
            names = [str(r.value) for r in self.pane("buckets").row_list.rows]
            return [f"{n}/" for n in names if n.startswith(bucket)]
        objects = self.objects
        if objects.bucket != bucket:
            return []
        folders = [f"{bucket}/{key}" for key in objects.folder_keys()]
        return [f for f in folders if f.startswith(typed)]

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
        from cwos_tui.ui.panes.base import Pane

        pane = message.row_list.parent
        if isinstance(pane, Pane) and message.row_list.held:
            pane.set_state(pane.describe_count())

    def on_open_location(self, message: OpenLocation) -> None:
        self.open_location(message.bucket, message.prefix)

    def on_show_pane(self, message: ShowPane) -> None:
        self.show_pane(message.pane_id)

    # ---- identity and permissions (workers post messages; handlers own the state) ---------------

    def identify(self) -> None:
        self.run_worker(self._identify(), group="identity", exclusive=True, exit_on_error=False)

    async def _identify(self) -> None:
        if self.ctx.connection.token is None:  # no whoami without a token: the S3 keys may name the principal
            await self._identify_by_keys()
            return
        client = self.ctx.services.control_plane
        try:
            who = await client.whoami()
            self.post_message(IdentityKnown(who.principal_name, who.org_uid or self.ctx.connection.org_id or ""))
            self.post_message(PermissionsKnown(await ask(client, org_questions())))
        except Exception as exc:
            self.post_message(WorkFailed("identity", exc))

    async def _identify_by_keys(self) -> None:
        services = self.ctx.services
        try:
            keys = services.current_keys or await services.credentials.fetch()
        except Exception as exc:
            self.post_message(IdentityKnown("", "", note=f"identity unknown: {getattr(exc, 'message', exc)}"))
            return
        if keys.principal_name:
            self.post_message(IdentityKnown(keys.principal_name, self.ctx.connection.org_id or ""))
        else:
            self.post_message(IdentityKnown("", "", note=f"key {keys.access_key_id} (no API token for whoami)"))

    def on_location_shown(self, message: LocationShown) -> None:
        questions = [q for q in location_questions(message.bucket, message.prefix) if not self.ctx.gate.known(*q)]
        if questions and not self.ctx.connection.pending:
            self.run_worker(self._ask_location(questions), group="can-i-location", exclusive=True,
                            exit_on_error=False)

    async def _ask_location(self, questions: list[tuple[str, str]]) -> None:
        try:
            self.post_message(PermissionsKnown(await ask(self.ctx.services.control_plane, questions)))
        except Exception as exc:
            self.post_message(WorkFailed("permissions", exc))

    def on_identity_known(self, message: IdentityKnown) -> None:
        if message.note:
            self.query_one(StatusLine).set_identity(message.note)
            return
        self.ctx.identity.principal_name = message.principal_name
        self.ctx.identity.org_id = message.org_id
        org = f" @ org {message.org_id}" if message.org_id else ""
        for status in self.query(StatusLine):  # none while the app is closing
            status.set_identity(f"{self.ctx.principal_label(message.principal_name)}{org}")

    def on_permissions_known(self, message: PermissionsKnown) -> None:
        self.ctx.gate.record(message.verdicts)
        if self.screen_stack:  # not while the app is closing
            self.refresh_bindings()

    def on_reauthenticated(self, message: Reauthenticated) -> None:
        self.notify(safe_text(message.text), markup=False)
        self.ctx.gate.forget()
        for pane in self.mounted_panes():
            pane.loaded = False
        self.identify()
        self.pane().reload()

    # ---- the one error handler -----------------------------------------------------------------

    def on_work_failed(self, message: WorkFailed) -> None:
        if not self.screen_stack:  # the app is closing: nothing left to show it on
            log.info("%s failed while closing: %s", message.context, type(message.error).__name__)
            return
        self.handle_error(message.context, message.error, message.pane_id, message.generation)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The safety net: a worker that raised past its own guard still reaches the one error path."""
        worker = event.worker
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.handle_error(worker.name or worker.group or "background work", worker.error)

    def handle_error(self, context: str, error: BaseException, pane_id: str = "", generation: int = -1) -> None:
        if isinstance(error, CloudError | ConfigError):
            text = redact(error.message)
            log.warning("%s failed: %s: %s", context, type(error).__name__, text)
        else:
            text = f"unexpected {type(error).__name__} (details in the log file)"
            log.error("%s failed", context, exc_info=error)
        if isinstance(error, NoApiToken):  # one line in the pane; nothing to ask (issue 11)
            if pane_id:
                self.pane(pane_id).show_note(generation, NO_TOKEN_LINE)
            return
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

    def watch_expiry(self) -> None:
        """Warn (once per level) about credentials that cannot renew themselves; offer re-auth at 2 min."""
        from cwos_tui.ui.expiry_watch import ExpiryWatch, watched

        if not hasattr(self, "_expiry_watch"):
            self._expiry_watch = ExpiryWatch()
        for warning in self._expiry_watch.check(watched(self.ctx.services), self.ctx.clock.now()):
            if warning.offer_reauth:
                self.ask_reauth(warning.text)
            else:
                self.notify(warning.text, title="Expiring soon", severity="warning", markup=False, timeout=15)
