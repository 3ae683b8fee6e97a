"""Which class draws which pane, imported only when that pane is first mounted.

The dashboard composes the pane it opens on; the others (and their modules: the object browser alone
brings the transfer, preview and listing code) are imported and mounted just after the first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cwos_tui.ui.panes.base import Pane


def pane_class(pane_id: str) -> type[Pane]:
    """The class of pane `pane_id` (one of `commands.PANES`)."""
    if pane_id == "tokens":
        from cwos_tui.ui.panes.tokens import TokensPane

        return TokensPane
    if pane_id == "keys":
        from cwos_tui.ui.panes.keys import KeysPane

        return KeysPane
    if pane_id == "policies":
        from cwos_tui.ui.panes.policies import PoliciesPane

        return PoliciesPane
    if pane_id == "buckets":
        from cwos_tui.ui.panes.storage import BucketsPane

        return BucketsPane
    if pane_id == "objects":
        from cwos_tui.ui.panes.objects import ObjectsPane

        return ObjectsPane
    if pane_id == "transfers":
        from cwos_tui.ui.panes.transfers import TransfersPane

        return TransfersPane
    raise KeyError(pane_id)
