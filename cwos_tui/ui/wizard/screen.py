"""The setup wizard screen: one question per page, a map of the path, details, connection test, save.

It is a modal screen so the dashboard's keys do not fire behind it. The connection test runs in a worker
that posts `ConnectionTested`; only the handler touches widgets. Dismisses with a `WizardOutcome`, or
None when the user skips (Esc on the first page).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

import cwos_tui.ui.wizard.model as model
from cwos_tui.cloud.auth_flow import FLOW, Requirement, requirements
from cwos_tui.cloud.clock import Clock
from cwos_tui.cloud.connection_test import ConnectionTestResult
from cwos_tui.config import profiles as cfg
from cwos_tui.config.paths import config_file
from cwos_tui.config.secrets import SecretStore
from cwos_tui.config.settings import load_settings
from cwos_tui.ui import commands
from cwos_tui.ui.text import DisplayFilter, no_filter, safe_text
from cwos_tui.ui.wizard.model import DETAILS, SAVE, TEST, WizardState
from cwos_tui.ui.wizard.runner import run_connection_test

log = logging.getLogger(__name__)


@dataclass
class WizardOutcome:
    """A saved profile, plus the SAML response for this session (never stored)."""

    profile: cfg.Profile
    config_path: Path
    saml_response: str | None = field(default=None, repr=False)
    tested_ok: bool = False


class ConnectionTested(Message):
    def __init__(self, result: ConnectionTestResult, generation: int) -> None:
        super().__init__()
        self.result = result
        self.generation = generation


class WizardScreen(ModalScreen[WizardOutcome | None]):
    BINDINGS = commands.screen_bindings("wizard")
    DEFAULT_CSS = """
    WizardScreen { background: $background; }
    WizardScreen #wizard { height: 1fr; padding: 0 1; }
    WizardScreen #wizard-title { height: 1; text-style: bold; background: $panel; padding: 0 1; }
    WizardScreen #wizard-map { height: auto; color: $text-muted; }
    WizardScreen #wizard-found { height: auto; color: $success; }
    WizardScreen #wizard-body { height: 1fr; }
    WizardScreen .prompt { text-style: bold; margin-top: 1; }
    WizardScreen .explain { color: $text-muted; }
    WizardScreen .label { margin-top: 1; }
    WizardScreen .found { color: $success; }
    WizardScreen OptionList { height: auto; max-height: 14; margin-top: 1; }
    WizardScreen Select { width: 60; }
    WizardScreen Checkbox { margin-top: 1; }
    WizardScreen #wizard-buttons { height: 1; margin-top: 1; }
    WizardScreen Button { margin-right: 2; }
    WizardScreen .problem { margin-top: 1; padding: 0 1; border-left: thick $error; }
    WizardScreen .passed { margin-top: 1; padding: 0 1; border-left: thick $success; }
    """

    def __init__(self, state: WizardState, store: SecretStore, *, config_path: Path | None = None,
                 clock: Clock | None = None, display_filter: DisplayFilter = no_filter) -> None:
        super().__init__()
        self.display_filter = display_filter
        self.state = state
        self.store = store
        self.config_path = config_path or config_file()
        self.clock = clock
        self.result: ConnectionTestResult | None = None
        self.testing = False
        self.generation = 0
        self.profile_draft: cfg.Profile | None = None

    # ---- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard"):
            yield Static("", id="wizard-title", markup=False)
            yield Static("", id="wizard-map", markup=False)
            yield Static("", id="wizard-found", markup=False)
            yield VerticalScroll(id="wizard-body")
            with Horizontal(id="wizard-buttons"):
                yield Button("Back", id="wizard-back", compact=True)
                yield Button("Next", variant="primary", id="wizard-next", compact=True)
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        await self.show_page()

    def _mask(self, text: str) -> str:
        return self.display_filter(safe_text(text))

    def _draw_frame(self) -> None:
        state = self.state
        title = "Edit profile " + state.editing if state.editing else "Set up a profile"
        self.query_one("#wizard-title", Static).update(f"{title}  ·  {state.step_text()}")
        line = Text("Map: ", no_wrap=False)
        for number, (name, chosen, current) in enumerate(state.map_steps()):
            if number:
                line.append(" › ", "dim")
            label = f"{name}: {chosen}" if chosen else name
            line.append(f"[{label}]" if current else label, "bold reverse" if current else "")
        self.query_one("#wizard-map", Static).update(line)
        found = [f"✓ {self._mask(f.message)}" for f in state.detection.findings]
        widget = self.query_one("#wizard-found", Static)
        widget.update("\n".join(found))
        widget.display = bool(found) and state.page in FLOW
        next_label = {DETAILS: "Test", TEST: "Next", SAVE: "Save"}.get(state.page, "Next")
        if state.page == TEST and self.result is not None and not self.result.ok:
            next_label = "Save anyway"
        self.query_one("#wizard-next", Button).label = next_label
        self.query_one("#wizard-back", Button).label = "Skip" if self._first_page() else "Back"

    def _first_page(self) -> bool:
        return self.state.pages().index(self.state.page) == 0 if self.state.page in self.state.pages() else True

    async def show_page(self) -> None:
        body = self.query_one("#wizard-body", VerticalScroll)
        await body.remove_children()
        page = self.state.page
        if page in FLOW:
            widgets = self._question_widgets(page)
        elif page == DETAILS:
            widgets = self._details_widgets()
        elif page == TEST:
            widgets = [Static("", id="test-report", markup=False)]
        else:
            widgets = self._save_widgets()
        await body.mount_all(widgets)
        self._draw_frame()
        if page == TEST:
            self.start_test()
        focusable = [w for w in body.query("OptionList, Input, Select")]
        if focusable:
            focusable[0].focus()
        else:
            self.query_one("#wizard-next", Button).focus()

    def _question_widgets(self, key: str) -> list[Widget]:
        question = FLOW[key]
        options = []
        for choice in question.choices:
            text = Text(choice.label, style="bold")
            if choice.recommended:
                text.append("  ★ recommended", "bold green")
            text.append("\n  " + choice.explanation, "dim")
            options.append(Option(text, id=choice.key))
        option_list = OptionList(*options, id="choices", compact=True)
        chosen = self.state.answers.get(key)
        default = next((i for i, c in enumerate(question.choices) if c.key == chosen), None)
        if default is None:
            default = next((i for i, c in enumerate(question.choices) if c.recommended), 0)
        option_list.highlighted = default
        return [Static(question.prompt, classes="prompt", markup=False),
                Static(question.explanation, classes="explain", markup=False), option_list]

    def _details_widgets(self) -> list[Widget]:
        widgets: list[Widget] = [Static("What this setup needs", classes="prompt", markup=False)]
        if Requirement.ADMIN_ROLE in requirements(self.state.path):
            widgets.append(Static("The token's principal needs the Object Storage Admin role (or org policies); "
                                  "the connection test checks it.", classes="explain", markup=False))
        for spec in model.fields_for(self.state.path):
            widgets.append(Static(spec.label, classes="label", markup=False))
            value = self.state.value(spec)
            if spec.options:
                widgets.append(Select([(label, key) for key, label in spec.options], value=value,
                                      allow_blank=False, id=f"field-{spec.name}", compact=True))
            else:
                widgets.append(Input(value=value, placeholder=spec.placeholder, password=spec.secret,
                                     id=f"field-{spec.name}", compact=True))
            found = self.state.found_for(spec.name)
            if found and self.state.values.get(spec.name):
                widgets.append(Static(f"  prefilled: {self._mask(found)}", classes="found", markup=False))
        return widgets

    def _save_widgets(self) -> list[Widget]:
        try:
            existing = load_settings(self.config_path, use_env=False).profiles
        except cfg.ConfigError:
            existing = {}
        name = self.state.values.get("profile_name") or model.suggest_name(self.state, existing)
        profile = self.profile_draft
        secrets = model.secrets_for(self.state, profile) if profile else {}
        lines = [f"Settings (no secrets): {self.config_path}",
                 f"Secret store: {self.store.describe()}"]
        lines += [f"  stores {secret_name.split('/', 1)[-1]}" for secret_name in secrets]
        if self.result is not None and not self.result.ok:
            lines.insert(0, "Note: the connection test failed; saving keeps the profile as it is.")
        if profile is not None:
            lines.insert(0, model.summary(profile))
            lines[1:1] = [f"Warning: {w}" for w in profile.warnings]
        if self.state.values.get("saml_response"):
            lines.append("  the SAML response is used for this session only (paste a new one next time)")
        return [Static("Name and save the profile", classes="prompt", markup=False),
                Static("Profile name", classes="label", markup=False),
                Input(value=name, id="field-profile_name", compact=True),
                Checkbox("Make it the active profile", value=True, id="make-active", compact=True),
                Static("\n".join(self._mask(line) for line in lines), classes="explain", markup=False)]

    # ---- moving ------------------------------------------------------------------------------------

    def _collect(self) -> None:
        """Copy what is typed on the page into the state (secrets stay in memory only)."""
        for widget in self.query("#wizard-body Input, #wizard-body Select"):
            if not widget.id or not widget.id.startswith("field-"):
                continue
            name = widget.id.removeprefix("field-")
            if isinstance(widget, Input):
                self.state.values[name] = widget.value
            elif isinstance(widget, Select) and isinstance(widget.value, str):
                self.state.values[name] = widget.value

    async def action_next(self) -> None:
        page = self.state.page
        if page in FLOW:
            option_list = self.query_one("#choices", OptionList)
            index = option_list.highlighted
            if index is None:
                return
            self.state.answer(page, FLOW[page].choices[index].key)
        elif page == DETAILS:
            self._collect()
            if not self._validate():
                return
        elif page == TEST:
            if self.testing:
                self.notify("The connection test is still running.", severity="warning")
                return
        elif page == SAVE:
            self._collect()
            await self.save()
            return
        self.state.go(1)
        await self.show_page()

    def _validate(self) -> bool:
        missing = self.state.missing()
        if missing:
            self.notify("Fill in: " + ", ".join(missing), severity="warning", markup=False)
            return False
        try:
            draft = model.build_profile(self.state, self.state.editing or "draft")
        except ValueError as exc:
            self.notify(cfg.describe_validation_error(exc), title="Check the details", severity="error",
                        markup=False, timeout=10)
            return False
        self.profile_draft = draft
        return True

    async def action_back(self) -> None:
        if self.state.page in (DETAILS, SAVE):
            self._collect()
        if self._first_page():
            self.dismiss(None)
            return
        self.generation += 1  # a test still running is forgotten
        self.testing = False
        self.state.go(-1)
        await self.show_page()

    async def action_retest(self) -> None:
        if self.state.page == TEST and not self.testing:
            self.start_test()

    @on(OptionList.OptionSelected)
    async def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        await self.action_next()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query("#wizard-body Input"))
        index = inputs.index(event.input) if event.input in inputs else -1
        if 0 <= index < len(inputs) - 1:
            inputs[index + 1].focus()
        else:
            await self.action_next()

    @on(Button.Pressed)
    async def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "wizard-next":
            await self.action_next()
        elif event.button.id == "wizard-back":
            await self.action_back()

    # ---- the connection test -----------------------------------------------------------------------

    def start_test(self) -> None:
        draft = self.profile_draft
        if draft is None:
            return
        self.generation += 1
        self.testing = True
        self.result = None
        self.query_one("#test-report", Static).update("Testing the connection…")
        self._draw_frame()
        profile = model.with_memory_secrets(self.state, draft)
        generation = self.generation
        state = self.state

        async def work() -> None:
            try:
                result = await run_connection_test(state, profile, clock=self.clock)
            except Exception as exc:  # never leave the page stuck on "Testing…"
                log.error("connection test failed", exc_info=exc)
                from cwos_tui.cloud.connection_test import Problem, ProblemKind

                result = ConnectionTestResult(problem=Problem(
                    ProblemKind.SERVER, f"The test itself failed ({type(exc).__name__}).",
                    "Details are in the log file."))
            self.post_message(ConnectionTested(result, generation))

        self.run_worker(work(), group="wizard-test", exclusive=True, exit_on_error=False)

    def on_connection_tested(self, message: ConnectionTested) -> None:
        if message.generation != self.generation or self.state.page != TEST:
            return
        self.testing = False
        self.result = message.result
        self.query_one("#test-report", Static).update(self.report(message.result))
        self._draw_frame()
        self.query_one("#wizard-next", Button).focus()

    def report(self, result: ConnectionTestResult) -> Text:
        text = Text()
        text.append("Connection test\n", "bold")
        for step in result.steps:
            mark, style = ("✓", "green") if step.ok else ("✗", "bold red")
            text.append(f" {mark} ", style)
            text.append(self._mask(step.name), "bold")
            if step.detail:
                text.append("  " + self._mask(step.detail))
            text.append("\n")
        if result.problem is not None:
            text.append("\nWhat went wrong: ", "bold red")
            text.append(self._mask(result.problem.summary) + "\n")
            text.append("How to fix it: ", "bold")
            text.append(self._mask(result.problem.fix) + "\n")
            text.append("\nEsc goes back to fix it; Ctrl+R tests again; Next saves anyway.", "dim")
        else:
            text.append("\nAll checks passed. Next: name and save the profile.", "bold green")
        return text

    # ---- saving ------------------------------------------------------------------------------------

    async def save(self) -> None:
        name = self.state.values.get("profile_name", "").strip()
        try:
            profile = model.build_profile(self.state, name)
        except ValueError as exc:
            self.notify(cfg.describe_validation_error(exc), title="Cannot save", severity="error", markup=False)
            return
        secrets = model.secrets_for(self.state, profile)
        make_active = self.query_one("#make-active", Checkbox).value
        try:
            path = await asyncio.to_thread(model.save_profile, profile, secrets, self.store,
                                           config_path=self.config_path, make_active=make_active)
        except (cfg.ConfigError, OSError, ValueError) as exc:
            self.notify(safe_text(str(exc)), title="Cannot save", severity="error", markup=False, timeout=10)
            return
        saml = self.state.values.get("saml_response", "").strip() or None
        self.dismiss(WizardOutcome(profile, path, saml, tested_ok=bool(self.result and self.result.ok)))
