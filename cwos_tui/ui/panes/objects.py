"""The Objects pane: a prefix streamed into a listing store (`object_listing.py`) plus every object
action (`object_actions.py`)."""

from __future__ import annotations

from cwos_tui.ui.panes.object_changes import ObjectChanges


class ObjectsPane(ObjectChanges):
    """One prefix of one bucket: browse, find, details, preview, delete, copy, presign."""
