"""The bucket forms: create (name checked as you type, zone, optional versioning, then a wait until the
bucket answers, with progress) and settings (automated archive, capacity cap, audit logging).

Both run their request while the form stays open: the server's answer (a taken name, the control plane's
validation message) shows in the form with everything typed kept, and only success closes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from cwos_tui.cloud.bucket_admin import WaitProgress
from cwos_tui.cloud.bucket_details import human_bytes
from cwos_tui.cloud.bucket_rules import bucket_name_problems, parse_capacity
from cwos_tui.cloud.errors import CloudError
from cwos_tui.cloud.models import BucketSettings, BucketSettingsUpdate
from cwos_tui.ui import commands
from cwos_tui.ui.messages import WorkFailed
from cwos_tui.ui.text import safe_text

ResultT = TypeVar("ResultT")
FORM_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{ width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
    background: $surface; padding: 0 1; }}
{cls} Label {{ margin-top: 1; }}
{cls} Label.-first {{ margin-top: 0; }}
{cls} .bf-check {{ height: auto; color: $text-muted; }}
{cls} .bf-check.-bad {{ color: $error; }}
{cls} #bf-progress {{ height: auto; color: $accent; }}
{cls} #bf-problem {{ height: auto; color: $error; text-style: bold; }}
{cls} Horizontal {{ height: auto; }}
{cls} Button {{ margin-right: 2; }}
"""


class InlineDone(Message):
    """The form's request finished: its result, or the error to show in the form."""

    def __init__(self, result: Any, error: BaseException | None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class InlineProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class InlineForm(ModalScreen[ResultT], Generic[ResultT]):
    """A form that runs its request itself (a worker that only posts messages) and shows the outcome."""

    BINDINGS = commands.screen_bindings("bucket-form")
    CONTEXT = "bucket form"
    working = False

    def run_request(self, work: Awaitable[Any]) -> None:
        self.working = True
        self.set_enabled(False)
        self.query_one("#bf-problem", Static).update("")

        async def guarded() -> None:
            try:
                result = await work
            except Exception as exc:  # shown in the form, or sent to the one error path
                self.post_message(InlineDone(None, exc))
                return
            self.post_message(InlineDone(result, None))

        self.run_worker(guarded(), group="bucket-form", exclusive=True, exit_on_error=False)

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.query("Input, Select, Checkbox, #bf-submit"):
            widget.disabled = not enabled

    def progress(self, text: str) -> None:
        """Callable from the request (same event loop): a line of progress, shown by the handler."""
        self.post_message(InlineProgress(text))

    def on_inline_progress(self, message: InlineProgress) -> None:
        message.stop()
        self.query_one("#bf-progress", Static).update(safe_text(message.text))

    def on_inline_done(self, message: InlineDone) -> None:
        message.stop()
        self.working = False
        error = message.error
        if error is None:
            self.dismiss(message.result)
            return
        if isinstance(error, CloudError) and not error.needs_reauth:
            self.set_enabled(True)
            self.query_one("#bf-progress", Static).update("")
            self.query_one("#bf-problem", Static).update(safe_text(f"Not done: {error.message}"))
            first = next(iter(self.query("Input, Checkbox")), None)
            if first is not None:
                first.focus()
            return
        self.app.post_message(WorkFailed(self.CONTEXT, error))
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "bf-submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)

    def buttons(self, label: str) -> ComposeResult:
        yield Static("", id="bf-progress", markup=False)
        yield Static("", id="bf-problem", markup=False)
        with Horizontal():
            yield Button(label, variant="primary", id="bf-submit")
            yield Button("Cancel", id="bf-cancel")


#: create(name, zone, versioning, progress) -> the bucket's name once it answers
Create = Callable[[str, str, bool, Callable[[WaitProgress], None]], Awaitable[str]]


class BucketCreateScreen(InlineForm[str | None]):
    DEFAULT_CSS = FORM_CSS.format(cls="BucketCreateScreen")
    CONTEXT = "create bucket"

    def __init__(self, zones: Sequence[str], create: Create, *, name: str = "", existing: Sequence[str] = ()) -> None:
        super().__init__()
        self.zones = list(zones)
        self.create = create
        self.initial_name = name
        self.existing = set(existing)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "New bucket"
            yield Label("Name (3-63 of a-z 0-9 -; unique across all of CoreWeave)", classes="-first")
            yield Input(self.initial_name, placeholder="my-bucket", id="bf-name")
            yield Static("", id="bf-name-check", classes="bf-check", markup=False)
            yield Label("Availability zone (the LocationConstraint)")
            yield Select([(z, z) for z in self.zones], value=self.zones[0], allow_blank=False, id="bf-zone")
            yield Checkbox("Enable versioning", id="bf-versioning")
            yield from self.buttons("Create")

    def on_mount(self) -> None:
        self.show_name_check(self.initial_name)
        self.query_one("#bf-name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "bf-name":
            self.show_name_check(event.value)

    def show_name_check(self, name: str) -> list[str]:
        problems = bucket_name_problems(name) if name else ["type a name"]
        check = self.query_one("#bf-name-check", Static)
        check.set_class(bool(name) and bool(problems), "-bad")
        if problems:
            text = Text("\n".join(f"✖ {p}" for p in problems))
        elif name in self.existing:
            text = Text("▲ a bucket of that name is listed already")
        else:
            text = Text("✔ a valid name")
        check.update(text)
        return problems

    def action_submit(self) -> None:
        if self.working:
            return
        name = self.query_one("#bf-name", Input).value.strip()
        problems = self.show_name_check(name)
        if problems:
            self.query_one("#bf-problem", Static).update(f"Not sent: the name {problems[0]}.")
            return
        zone = str(self.query_one("#bf-zone", Select).value)
        versioning = self.query_one("#bf-versioning", Checkbox).value
        self.progress(f"Creating {name} in {zone}…")
        self.run_request(self.create(name, zone, versioning, self.waited))

    def waited(self, step: WaitProgress) -> None:
        if step.ready:
            self.progress(f"The bucket answers (after {step.attempt} check{'s' * (step.attempt != 1)}).")
        else:
            self.progress(f"Created; waiting for it to answer (DNS takes about a minute): check {step.attempt}, "
                          f"{step.elapsed:.0f} s ({step.code or 'not yet'})")

    def action_cancel(self) -> None:
        if self.working:  # the bucket exists (or will): say so rather than pretend nothing happened
            self.notify("The bucket was asked for; it may still be propagating. Press r to refresh.",
                        severity="warning", markup=False)
        self.dismiss(None)


#: apply(update or None, switch on the org's bucket audit logging first) -> the effective settings
ApplySettings = Callable[[BucketSettingsUpdate | None, bool], Awaitable[BucketSettings]]


class BucketSettingsScreen(InlineForm[BucketSettings | None]):
    DEFAULT_CSS = FORM_CSS.format(cls="BucketSettingsScreen")
    CONTEXT = "bucket settings"

    def __init__(self, bucket: str, current: BucketSettings, apply: ApplySettings) -> None:
        super().__init__()
        self.bucket = bucket
        self.current = current
        self.apply = apply

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical() as box:
            box.border_title = Text(safe_text(f"Settings of {self.bucket}"))
            yield Checkbox("Automated archive (to STANDARD_IA)", current.archive_enabled, id="bf-archive")
            yield Label("… after this many days without access (at least 60)")
            days = current.archive_after_last_access_days
            yield Input("" if days is None else str(days), placeholder="60", id="bf-days")
            cap = current.configured_capacity_cap_bytes
            shown = "not set" if not cap else f"{cap:,} bytes ({human_bytes(cap)})"
            yield Label(f"Capacity cap (now {shown}); blank leaves it, e.g. 500GiB")
            yield Input("", placeholder="unchanged", id="bf-cap")
            yield Static("A cap of 0 blocks all new STANDARD writes.", classes="bf-check", markup=False)
            with Horizontal():  # one row: the org switch is only ever needed with the bucket's
                yield Checkbox("Bucket audit logging", current.audit_logging_enabled, id="bf-audit")
                org = Checkbox("Switch it on for the org first", False, id="bf-org-audit")
                org.tooltip = "SetOrganizationSettings: every bucket of the org may then log; it cannot be read back"
                yield org
            yield from self.buttons("Apply")

    def on_mount(self) -> None:
        self.query_one("#bf-archive", Checkbox).focus()

    def change(self) -> BucketSettingsUpdate | None:
        """Only what differs from the current settings is sent (omitted fields stay unchanged); None when
        only the org switch is asked for."""
        current = self.current
        fields: dict[str, Any] = {}
        archive = self.query_one("#bf-archive", Checkbox).value
        days_text = self.query_one("#bf-days", Input).value.strip()
        if days_text and not days_text.isdigit():
            raise ValueError(f"days must be a whole number, not {days_text!r}")
        days = int(days_text) if days_text else None
        if archive != current.archive_enabled:
            fields["archive_enabled"] = archive
        if days is not None and (days != current.archive_after_last_access_days or "archive_enabled" in fields):
            fields["archive_after_last_access_days"] = days
        cap_text = self.query_one("#bf-cap", Input).value
        if cap_text.strip():
            fields["capacity_cap_bytes"] = parse_capacity(cap_text)
        audit = self.query_one("#bf-audit", Checkbox).value
        if audit != current.audit_logging_enabled:
            fields["audit_logging_enabled"] = audit
        if not fields:
            if self.query_one("#bf-org-audit", Checkbox).value:
                return None
            raise ValueError("nothing changed")
        return BucketSettingsUpdate(**fields)

    def action_submit(self) -> None:
        if self.working:
            return
        try:
            update = self.change()
        except ValueError as exc:
            self.query_one("#bf-problem", Static).update(safe_text(f"Not sent: {exc}."))
            return
        self.progress("Applying…")
        self.run_request(self.apply(update, self.query_one("#bf-org-audit", Checkbox).value))
