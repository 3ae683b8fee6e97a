"""Objects pane commands: navigation, marks and every object action (each also a `:` command)."""

from __future__ import annotations

from cwos_tui.ui.commands.model import Command

_OBJECTS = frozenset({"objects"})
_PREVIEW = frozenset({"preview"})
_VERSIONS = frozenset({"versions"})
_UPLOADS = frozenset({"uploads"})

COMMANDS: tuple[Command, ...] = (
    Command("objects.up", "Up", "backspace,escape", "Go up one folder (to Buckets from a bucket's root).",
            contexts=_OBJECTS, footer="Up", priority=16),
    Command("objects.jump", "Jump to name", "ctrl+g", "Put the cursor on the first loaded name at or after the "
            "one typed (`:jump NAME`).", contexts=_OBJECTS, footer="Jump", priority=80, aliases=("jump",)),
    Command("objects.preview", "Preview", "p", "Show the selected object within 256 KiB read: text, JSON, CSV, "
            "Parquet schema and rows, image metadata or hex (Esc cancels).", contexts=_OBJECTS,
            permission="s3:GetObject", resource="object", footer="Preview", priority=38, aliases=("preview",)),
    Command("objects.find", "Server search", "F", "Ask the server for every name in this folder that starts "
            "with PREFIX (`:find PREFIX`); `/` only filters what is loaded.", contexts=_OBJECTS, footer="Find",
            priority=82, aliases=("find",)),
    Command("objects.sort", "Sort", "o", "Sort the loaded rows by name, size (largest first) or date (newest "
            "first): `:sort size`; o cycles.", contexts=_OBJECTS, footer="Sort", priority=83, aliases=("sort",)),
    Command("objects.mark", "Mark", "space", "Mark or unmark the selected object (for delete).",
            contexts=_OBJECTS, footer="Mark", priority=36, aliases=("mark",)),
    Command("objects.delete", "Delete object", "d", "Delete the selected object, or every marked one (asks first).",
            contexts=_OBJECTS, mutates=True, permission="s3:DeleteObject", resource="object", footer="Delete",
            priority=35, aliases=("delete", "rm")),
    Command("objects.delete_prefix", "Delete prefix", "X", "Delete every object under the folder at the cursor "
            "(`:delete-prefix PREFIX`): counted first, typed confirmation, batched.", contexts=_OBJECTS,
            mutates=True, permission="s3:DeleteObject", resource="object", footer="Del prefix", priority=85,
            aliases=("delete-prefix", "rmr")),
    Command("objects.continue", "Continue listing", "L", "List on after the listing cap paused a big prefix "
            "(`listing_cap` in the settings; it pauses again after as many more).", contexts=_OBJECTS, show=False,
            aliases=("continue", "more")),
    Command("objects.cancel", "Cancel prefix delete", "x", "Stop a running prefix delete (what is deleted stays "
            "deleted).", contexts=_OBJECTS, show=False, aliases=("cancel",)),
    Command("objects.copy", "Copy object", "C", "Server-side copy (`:copy DEST`: s3://bucket/key, or a key "
            "relative to this folder; a trailing / keeps the name).", contexts=_OBJECTS, mutates=True,
            permission="s3:PutObject", resource="object", footer="Copy to", priority=86, aliases=("copy", "cp")),
    Command("objects.move", "Move object", "M", "Copy to DEST, then delete the original (`:move DEST`).",
            contexts=_OBJECTS, mutates=True, permission="s3:DeleteObject", resource="object", footer="Move",
            priority=87, aliases=("move", "mv")),
    Command("objects.rename", "Rename object", "R", "A new name in the same folder (`:rename NAME`).",
            contexts=_OBJECTS, mutates=True, permission="s3:DeleteObject", resource="object", footer="Rename",
            priority=88, aliases=("rename",)),
    Command("objects.presign", "Presigned URL", "P", "A presigned URL for the selected object: `:presign 1h` "
            "(GET), `:presign 15m put`; without a duration, a picker.", contexts=_OBJECTS,
            permission="s3:GetObject", resource="object", footer="URL", priority=84, aliases=("presign",)),
    Command("objects.upload", "Upload", "u", "Upload local files or folders into this folder (`:upload PATH…`; "
            "Tab completes local paths); folders keep their layout.", contexts=_OBJECTS, mutates=True,
            permission="s3:PutObject", resource="object", footer="Upload", priority=33, aliases=("upload", "put")),
    Command("objects.download", "Download", "D", "Download the selected object or folder, or every marked object "
            "(`:download [DIR]`; the folder from settings otherwise). Existing files are never replaced unasked.",
            contexts=_OBJECTS, permission="s3:GetObject", resource="object", footer="Download", priority=34,
            aliases=("download", "get")),
    Command("objects.versions", "Versions", "v", "Versions and delete markers of the selected object (preview, "
            "download, restore or delete a version).", contexts=_OBJECTS, permission="s3:ListBucketVersions",
            resource="bucket", footer="Versions", priority=89, aliases=("versions",)),
    Command("objects.uploads", "Incomplete uploads", "U", "Unfinished multipart uploads under this folder "
            "(abort one or all).", contexts=_OBJECTS, permission="s3:ListBucketMultipartUploads",
            resource="bucket", footer="Uploads", priority=90, aliases=("uploads",)),
    Command("versions.close", "Close versions", "escape,q", "Close the versions.", contexts=_VERSIONS,
            footer="Close", action="close"),
    Command("versions.preview", "Preview version", "p", "Preview the selected version (Enter does too).",
            contexts=_VERSIONS, footer="Preview", action="preview"),
    Command("versions.download", "Download version", "D", "Download the selected version into the download "
            "folder (`download_dir` in the settings); an existing file is never replaced unasked.",
            contexts=_VERSIONS, footer="Download", action="download"),
    Command("versions.restore", "Restore version", "r", "Copy the selected version over the key.",
            contexts=_VERSIONS, footer="Restore", action="restore"),
    Command("versions.delete", "Delete version", "d", "Delete the selected version or delete marker for good.",
            contexts=_VERSIONS, footer="Delete", action="delete"),
    Command("uploads.close", "Close uploads", "escape,q", "Close the list.", contexts=_UPLOADS, footer="Close",
            action="close"),
    Command("uploads.abort", "Abort upload", "d", "Abort the selected upload.", contexts=_UPLOADS, footer="Abort",
            action="abort"),
    Command("uploads.abort_all", "Abort all uploads", "D", "Abort every listed upload.", contexts=_UPLOADS,
            footer="Abort all", action="abort_all"),
    Command("preview.close", "Close preview", "escape,q,p", "Close the preview (a read in flight is cancelled).",
            contexts=_PREVIEW, footer="Close", action="close"),
)
