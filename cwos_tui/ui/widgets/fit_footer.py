"""A footer that shows the most useful keys that fit: ordered by the registry's priorities, and
cut at the terminal's width instead of mid-word (80 columns over SSH)."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from cwos_tui.ui import commands


def _priority(binding: Binding) -> int:
    command = commands.get(binding.id or "")
    return command.priority if command is not None else 50


class FitFooter(Footer):
    #: bindings left out of the footer although they still work (what changes data, in read-only mode)
    hide: Callable[[Binding], bool] = staticmethod(lambda binding: False)
    #: bindings shown before the registry's order (in a browser: the keys that replace ones browsers keep)
    first: frozenset[str] = frozenset()

    #: what the keys on screen show; a bindings change that leaves it alone does not rebuild them
    _shown: tuple[tuple[str, str, str, str, bool, str], ...] | None = None

    def _fitting(self) -> list[tuple[Binding, str, bool, str]]:
        """The keys to show, most useful first, as many as fit: (binding, key display, enabled, tooltip)."""
        if not self._bindings_ready:
            return []
        shown: dict[str, tuple[Binding, bool, str]] = {}
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in shown and not self.hide(binding):
                shown[binding.action] = (binding, enabled, tooltip)
        room = self.size.width or self.app.size.width
        used = 0
        fitting: list[tuple[Binding, str, bool, str]] = []
        ordered = sorted(shown.values(), key=lambda item: (item[0].id not in self.first, _priority(item[0])))
        for binding, enabled, tooltip in ordered:
            key_display = self.app.get_key_display(binding)
            width = cell_len(key_display) + 1 + cell_len(binding.description) + 1
            if used + width > room:
                continue  # a shorter one further down may still fit
            used += width
            fitting.append((binding, key_display, enabled, tooltip or binding.description))
        return fitting

    @staticmethod
    def _signature(fitting: list[tuple[Binding, str, bool, str]]) -> tuple[tuple[str, str, str, str, bool, str], ...]:
        return tuple((b.key, shown, b.description, b.action, enabled, tip) for b, shown, enabled, tip in fitting)

    def compose(self) -> ComposeResult:
        fitting = self._fitting()
        self._shown = self._signature(fitting)
        for binding, key_display, enabled, tooltip in fitting:
            yield FooterKey(binding.key, key_display, binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)

    async def recompose(self) -> None:
        """Rebuild the keys only when what they show changes.

        Textual's footer rebuilds on every bindings change (each focus move, each cursor move that a
        check_action depends on); unmounting and mounting a dozen keys each time was a sixth of the UI's work.
        """
        if self.is_attached and self._signature(self._fitting()) == self._shown:
            return
        await super().recompose()

    def on_resize(self, _: events.Resize) -> None:
        self.call_after_refresh(self.recompose)
