"""Create an access key: temporary (15 m, 1 h, 12 h or custom) or permanent, with attributes.

Attributes are checked here, before anything is sent, against the limits in the reference
(§1.4.2: at most 15; keys are DNS labels not starting with `cw-`, `role` or `groups`; values are
Kubernetes label values), so the user gets a clear message instead of a server error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from cwos_tui.ui.modals.form import RequestFormScreen
from cwos_tui.ui.text import safe_text

MAX_ATTRIBUTES = 15
MAX_DURATION = 2**32 - 1
PRESETS: tuple[tuple[str, str, int | None], ...] = (
    ("dur-15m", "15 minutes", 900),
    ("dur-1h", "1 hour", 3600),
    ("dur-12h", "12 hours", 43200),
    ("dur-custom", "Custom", None),
    ("dur-permanent", "Permanent", 0),
)
_KEY = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_RESERVED = ("cw-", "role", "groups")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class CreateKeyRequest:
    duration_seconds: int  # 0: permanent
    attributes: dict[str, str]


def parse_attributes(text: str) -> dict[str, str]:
    """`name=run-7, team=ml` -> dict; ValueError with a message naming the bad entry."""
    attributes: dict[str, str] = {}
    for item in (part.strip() for part in re.split(r"[,\s]+", text.strip())):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"attribute {item!r}: write it as key=value")
        if not 1 <= len(key) <= 63 or not _KEY.match(key):
            raise ValueError(f"attribute key {key!r}: use 1-63 lower-case letters, digits and '-', "
                             "starting and ending with a letter or digit")
        if key.startswith(_RESERVED):
            raise ValueError(f"attribute key {key!r}: keys may not start with 'cw-', 'role' or 'groups'")
        if len(value) > 63 or not _VALUE.match(value):
            raise ValueError(f"attribute {key}: value {value!r} must be at most 63 letters, digits, '-', '_' "
                             "or '.', starting and ending with a letter or digit (or be empty)")
        if key in attributes:
            raise ValueError(f"attribute key {key!r} is given twice")
        attributes[key] = value
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValueError(f"{len(attributes)} attributes: at most {MAX_ATTRIBUTES} are allowed")
    return attributes


def parse_duration(text: str) -> int:
    """`90m`, `2h`, `3600` (seconds), `1d` -> seconds (> 0)."""
    match = re.fullmatch(r"\s*([0-9]{1,30})\s*([smhd]?)\s*", text.lower())
    shown = repr(text.strip())
    shown = shown if len(shown) <= 60 else shown[:59] + "…"  # escapes of odd characters grow the repr tenfold
    if not match:
        raise ValueError(f"duration {shown}: write a number with s, m, h or d, like 90m or 2h")
    seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ValueError("a temporary key needs a duration above 0 (choose Permanent for no expiry)")
    if seconds > MAX_DURATION:
        raise ValueError(f"duration {shown} is too long: at most {MAX_DURATION} s (about "
                         f"{MAX_DURATION // 86400 // 365} years); choose Permanent for no expiry")
    return seconds


class CreateKeyScreen(RequestFormScreen[CreateKeyRequest]):
    SUBMIT_ID = "ck-create"
    PROBLEM_ID = "ck-problem"
    DEFAULT_CSS = """
    CreateKeyScreen { align: center middle; }
    CreateKeyScreen > Vertical { width: 84; max-width: 98%; height: auto; border: thick $accent;
                                 background: $surface; padding: 1 2; }
    CreateKeyScreen RadioSet { width: 100%; }
    CreateKeyScreen #ck-permanent-box { height: auto; display: none; color: $warning; }
    CreateKeyScreen #ck-permanent-box.-shown { display: block; }
    CreateKeyScreen #ck-problem { color: $error; height: auto; }
    CreateKeyScreen Horizontal { height: auto; margin-top: 1; }
    CreateKeyScreen Button { margin-right: 2; }
    """

    def __init__(self, principal: str = "") -> None:
        super().__init__()
        self.principal = principal

    def compose(self) -> ComposeResult:
        with Vertical():
            who = f" for {safe_text(self.principal)}" if self.principal else ""
            yield Static(f"Create an access key{who}", markup=False)
            with RadioSet(id="ck-duration"):
                for index, (button_id, label, _) in enumerate(PRESETS):
                    yield RadioButton(label, value=index == 0, id=button_id)
            yield Input(placeholder="custom duration: 90m, 2h, 3600s, 1d", id="ck-custom")
            with Vertical(id="ck-permanent-box"):
                yield Static("A permanent key works until it is revoked. Short-lived keys are recommended.",
                             markup=False)
                yield Checkbox("I want a key that never expires", id="ck-permanent-ok")
            yield Input(placeholder="attributes: name=run-7, team=ml (optional)", id="ck-attributes")
            yield Static("", id="ck-problem", markup=False)
            with Horizontal():
                yield Button("Create", variant="primary", id="ck-create")
                yield Button("Cancel", id="ck-cancel")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def choose(self, button_id: str) -> None:
        """Select a duration option by its id (also what tests use)."""
        self.query_one(f"#{button_id}", RadioButton).value = True

    def _selected(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return (pressed.id or "dur-15m") if pressed is not None else "dur-15m"

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#ck-permanent-box").set_class(event.pressed.id == "dur-permanent", "-shown")
        if event.pressed.id == "dur-custom":
            self.query_one("#ck-custom", Input).focus()

    def request(self) -> CreateKeyRequest:
        """The request the form describes; ValueError with a user-facing message when it is not valid."""
        selected = self._selected()
        duration = next(seconds for button_id, _, seconds in PRESETS if button_id == selected)
        if duration is None:
            duration = parse_duration(self.query_one("#ck-custom", Input).value)
        if duration == 0 and not self.query_one("#ck-permanent-ok", Checkbox).value:
            raise ValueError("Tick the box to confirm a permanent key, or choose a temporary one.")
        return CreateKeyRequest(duration, parse_attributes(self.query_one("#ck-attributes", Input).value))

