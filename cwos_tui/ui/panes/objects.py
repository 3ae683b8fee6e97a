"""The Objects pane: a prefix streamed into a listing store (`object_listing.py`) plus every object
action (`object_actions.py`, `object_changes.py`) and transfers (`object_transfers.py`)."""

from __future__ import annotations

from cwos_tui.ui.panes.object_transfers import ObjectTransfers


class ObjectsPane(ObjectTransfers):
    """One prefix of one bucket: browse, find, details, preview, delete, copy, presign, upload, download."""
