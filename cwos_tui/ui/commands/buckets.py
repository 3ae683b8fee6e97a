"""Bucket administration on the Buckets pane (handlers in panes/bucket_admin.py) and the keys of the
bucket configuration editor (lifecycle, CORS, tags) and the bucket forms (create, settings)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_BUCKETS = frozenset({"buckets"})
EDITOR = frozenset({"bucket-editor"})
FORM = frozenset({"bucket-form"})

COMMANDS: tuple[Command, ...] = (
    Command("buckets.create", "New bucket", "n", "Create a bucket in an availability zone (`:mb NAME`); the "
            "name is checked against CoreWeave's rules as you type, then the dialog waits until it answers.",
            contexts=_BUCKETS, mutates=True, permission="s3:CreateBucket", footer="New", priority=11,
            aliases=("mb", "create-bucket")),
    Command("buckets.delete", "Delete bucket", "d", "Delete the selected bucket (type its name). A bucket that "
            "holds objects is refused, with an offer to empty it first; incomplete uploads are aborted.",
            contexts=_BUCKETS, mutates=True, permission="s3:DeleteBucket", resource="bucket", footer="Delete",
            priority=32, aliases=("rb", "delete-bucket")),
    Command("buckets.settings", "Bucket settings", "e", "Automated archive (after N >= 60 days), capacity cap and "
            "audit logging of the selected bucket (SetBucketSettings; needs an API token).", contexts=_BUCKETS,
            mutates=True, permission="cwobject:SetBucketSettings", footer="Settings", priority=34,
            aliases=("settings", "bucket-settings")),
    Command("buckets.versioning", "Versioning", "V", "Enable or suspend versioning of the selected bucket.",
            contexts=_BUCKETS, mutates=True, permission="s3:PutBucketVersioning", resource="bucket",
            footer="Versioning", priority=86, aliases=("versioning",)),
    Command("buckets.lifecycle", "Lifecycle rules", "L", "Edit the lifecycle rules of the selected bucket "
            "(expiration, noncurrent expiration, abort incomplete uploads; at most 1,000 rules).",
            contexts=_BUCKETS, mutates=True, permission="s3:PutLifecycleConfiguration", resource="bucket",
            footer="Lifecycle", priority=87, aliases=("lifecycle",)),
    Command("buckets.cors", "CORS rules", "C", "Edit the CORS rules of the selected bucket.", contexts=_BUCKETS,
            mutates=True, permission="s3:PutBucketCORS", resource="bucket", footer="CORS", priority=88,
            aliases=("cors",)),
    Command("buckets.tags", "Bucket tags", "T", "Edit the tags of the selected bucket (key=value lines).",
            contexts=_BUCKETS, mutates=True, permission="s3:PutBucketTagging", resource="bucket", footer="Tags",
            priority=89, aliases=("tags",)),
    Command("bucket_editor.apply", "Check and apply", "ctrl+s", "Check the rules; apply them only when there is "
            "no problem (an empty list removes the configuration).", contexts=EDITOR, footer="Apply",
            action="apply"),
    Command("bucket_editor.cancel", "Cancel", "escape", "Leave the editor; nothing is applied.", contexts=EDITOR,
            footer="Cancel", action="cancel"),
    Command("bucket_form.cancel", "Cancel", "escape", "Close the form (a bucket being created stays created).",
            contexts=FORM, footer="Cancel", action="cancel"),
    Command("bucket_form.submit", "Apply", "ctrl+s", "Apply the form (Enter in a field does the same).",
            contexts=FORM, footer="Apply", action="submit"),
)
