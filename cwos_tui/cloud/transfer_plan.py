"""From what the user picked to a list of jobs: local files and folders to upload, keys and prefixes to
download (with safe local names), and the local files a download would replace (the user decides)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cwos_tui.cloud.transfer_model import Job
from cwos_tui.cloud.transfer_names import Skipped, free_name, local_path, upload_key

if TYPE_CHECKING:
    from cwos_tui.cloud.storage import StorageService

MAX_PLAN = 1_000_000  # files in one batch


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: jobs whose target exists (a local file, or a key for uploads): they wait for the user's answer
    conflicts: list[Job] = field(default_factory=list)
    #: uploads: key prefixes of the folders uploaded (listed to find keys that exist already)
    roots: list[str] = field(default_factory=list)
    #: keys that exist in the bucket (uploads), so a rename picks a free one
    taken_keys: set[str] = field(default_factory=set)

    @property
    def total_bytes(self) -> int:
        return sum(max(j.size, 0) for j in [*self.jobs, *self.conflicts])


def expand_path(text: str, cwd: Path | None = None) -> Path:
    path = Path(os.path.expanduser(text.strip()))
    return path if path.is_absolute() else (cwd or Path.cwd()) / path


def plan_upload(paths: list[Path], bucket: str, prefix: str) -> Plan:
    """Files go to `prefix + name`; a folder's files to `prefix + folder/relative/path`. Blocking (walks
    the disk): call it in a thread."""
    plan = Plan()
    for path in paths:
        if path.is_dir():
            root = prefix + path.resolve().name + "/"
            plan.roots.append(root)
            _walk(path, bucket, root, plan)
        elif path.is_file():
            plan.jobs.append(Job("up", bucket, prefix + path.name, path, path.stat().st_size))
        elif not path.exists():
            plan.skipped.append(Skipped(str(path), "no such file or folder"))
        else:
            plan.skipped.append(Skipped(str(path), "not a regular file"))
    return plan


def _walk(root: Path, bucket: str, prefix: str, plan: Plan) -> None:
    def failed(error: OSError) -> None:
        plan.skipped.append(Skipped(str(error.filename or root), error.strerror or "cannot be read"))

    for folder, dirs, files in os.walk(root, onerror=failed):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            try:
                info = path.stat()
            except OSError as exc:
                plan.skipped.append(Skipped(str(path), exc.strerror or "cannot be read"))
                continue
            if not stat.S_ISREG(info.st_mode):
                plan.skipped.append(Skipped(str(path), "not a regular file"))
                continue
            plan.jobs.append(Job("up", bucket, upload_key(prefix, path.relative_to(root)), path, info.st_size))
            if len(plan.jobs) >= MAX_PLAN:
                plan.skipped.append(Skipped(str(root), f"more than {MAX_PLAN:,} files; the rest left out"))
                return


async def plan_download(storage: StorageService, bucket: str, base: str, keys: list[str], prefixes: list[str],
                        root: Path) -> Plan:
    """Objects `keys` and everything under `prefixes`, each named by its key relative to `base` (the
    open folder) inside `root`. Keys that would not be safe there are skipped with the reason."""
    root = root.expanduser().resolve()
    plan = Plan()
    found: list[tuple[str, int, str]] = [(key, -1, "") for key in keys]
    for prefix in prefixes:
        async for page in storage.iter_pages(bucket, prefix, delimiter=""):
            found += [(o.key, o.size, o.etag) for o in page.objects]
            if len(found) >= MAX_PLAN:
                break
    targets: set[Path] = set()
    for key, size, etag in found:
        if key.endswith("/") and size <= 0 and key != base:
            continue  # a folder marker: the folder is made when something lands in it
        relative = key[len(base):] if key.startswith(base) else key.rpartition("/")[2]
        where = local_path(root, relative)
        if isinstance(where, str):
            plan.skipped.append(Skipped(key, where))
            continue
        if where in targets:
            plan.skipped.append(Skipped(key, "another key in this download has the same local name"))
            continue
        targets.add(where)
        job = Job("down", bucket, key, where, size, etag)
        (plan.conflicts if os.path.lexists(where) else plan.jobs).append(job)
    return plan


def plan_version(bucket: str, key: str, version_id: str, size: int, etag: str, root: Path) -> Plan:
    """One version of one key, downloaded into `root` under the key's own name (asked first if taken)."""
    root = root.expanduser().resolve()
    plan = Plan()
    where = local_path(root, key.rstrip("/").rpartition("/")[2])
    if isinstance(where, str):
        plan.skipped.append(Skipped(key, where))
        return plan
    job = Job("down", bucket, key, where, size, etag, version_id=version_id)
    (plan.conflicts if os.path.lexists(where) else plan.jobs).append(job)
    return plan


async def find_existing(storage: StorageService, plan: Plan, concurrency: int = 16) -> None:
    """Uploads: move the jobs whose key exists already to `plan.conflicts` (folders listed once, single
    files asked with HeadObject)."""
    import asyncio

    from cwos_tui.cloud.errors import NotFound

    if not plan.jobs:
        return
    bucket = plan.jobs[0].bucket
    for root in plan.roots:
        async for page in storage.iter_pages(bucket, root, delimiter=""):
            plan.taken_keys.update(o.key for o in page.objects)
    singles = [j for j in plan.jobs if not any(j.key.startswith(r) for r in plan.roots)]
    gate = asyncio.Semaphore(concurrency)

    async def exists(key: str) -> None:
        async with gate:
            try:
                await storage.head_object(bucket, key)
            except NotFound:
                return
        plan.taken_keys.add(key)

    await asyncio.gather(*(exists(j.key) for j in singles))
    plan.conflicts = [j for j in plan.jobs if j.key in plan.taken_keys]
    plan.jobs = [j for j in plan.jobs if j.key not in plan.taken_keys]


def resolve(job: Job, answer: str, taken: set[Path], taken_keys: set[str] | None = None) -> Job | None:
    """The job after the user's answer to "it exists": overwrite, skip (None) or rename to a free name
    (a local file for downloads, a key for uploads)."""
    from dataclasses import replace

    if answer == "overwrite":
        return replace(job, overwrite=True)
    if answer != "rename":
        return None
    if job.direction == "up":
        keys = taken_keys if taken_keys is not None else set()
        folder, _, name = job.key.rpartition("/")
        stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
        for number in range(1, 10_000):
            key = f"{folder}/" * bool(folder) + f"{stem} ({number}){dot}{suffix}"
            if key not in keys:
                keys.add(key)
                return replace(job, key=key)
        return None
    path = free_name(job.path, taken)
    taken.add(path)
    return replace(job, path=path)
