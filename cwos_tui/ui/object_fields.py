"""What the detail view shows for an object or a folder: every HeadObject field plus copyable snippets."""

from __future__ import annotations

from cwos_tui.cloud.objects import ObjectDetails
from cwos_tui.ui.text import human_size


def object_fields(details: ObjectDetails) -> list[tuple[str, str]]:
    when = "-" if details.last_modified is None else details.last_modified.strftime("%Y-%m-%d %H:%M:%S UTC")
    fields = [
        ("Key", details.key),
        ("Bucket", details.bucket),
        ("Size", f"{human_size(details.size)} ({details.size:,} bytes)"),
        ("Last modified", when),
        ("ETag", details.etag),
        ("Content type", details.content_type or "-"),
        ("Storage class", details.storage_class),
        ("Version ID", details.version_id or "- (versioning off, or the null version)"),
    ]
    fields += [(f"Checksum {name}", value) for name, value in details.checksums.items()]
    if not details.checksums:
        fields.append(("Checksum", "- (none stored)"))
    fields += [(f"Metadata {name}", value) for name, value in sorted(details.metadata.items())]
    if details.tags is None:
        fields.append(("Tags", "? (could not be read)"))
    else:
        fields += [(f"Tag {name}", value) for name, value in sorted(details.tags.items())] or [("Tags", "-")]
    fields += [
        ("S3 URL", details.url),
        ("aws s3 cp", details.aws_cp()),
        ("Presigned GET (1 h)", details.presigned_get),
    ]
    return fields


def folder_fields(bucket: str, prefix: str) -> list[tuple[str, str]]:
    return [("S3 URL", f"s3://{bucket}/{prefix}"), ("Bucket", bucket), ("Prefix", prefix),
            ("aws s3 ls", f"aws s3 ls s3://{bucket}/{prefix}")]
