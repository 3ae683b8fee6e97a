"""The shape every form modal shares: Enter or the submit button submits, Esc or another button cancels."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from textual.binding import BindingType
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from cwos_tui.ui import commands
from cwos_tui.ui.text import safe_text

ResultT = TypeVar("ResultT")
RequestT = TypeVar("RequestT")


class FormScreen(ModalScreen[ResultT], Generic[ResultT]):
    BINDINGS: ClassVar[list[BindingType]] = commands.screen_bindings("dialog")
    #: id of the button that submits; every other button cancels
    SUBMIT_ID: ClassVar[str] = "submit"
    #: what cancelling dismisses with
    CANCEL_RESULT: ClassVar[Any] = None

    def submit(self) -> None:
        raise NotImplementedError

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.SUBMIT_ID:
            self.submit()
        else:
            self.dismiss(self.CANCEL_RESULT)

    def action_cancel(self) -> None:
        self.dismiss(self.CANCEL_RESULT)


class RequestFormScreen(FormScreen[RequestT | None], Generic[RequestT]):
    """A form whose `request()` builds the result or raises ValueError with a message for the user."""

    #: id of the Static that shows why the form cannot be submitted
    PROBLEM_ID: ClassVar[str] = "problem"

    def request(self) -> RequestT:
        raise NotImplementedError

    def submit(self) -> None:
        try:
            request = self.request()
        except ValueError as exc:
            self.query_one(f"#{self.PROBLEM_ID}", Static).update(safe_text(str(exc)))
            return
        self.dismiss(request)
