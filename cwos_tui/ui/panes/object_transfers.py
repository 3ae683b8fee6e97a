"""Upload into the open folder (`u`, `:upload PATH…`) and download the selection (`D`, `:download [DIR]`).

Planning (walking local folders, listing prefixes, safe local names) runs in a worker; a download that
would replace local files asks first (overwrite / skip / rename, for one or all); then the jobs go to the
transfer queue and the pane watches the batch to say how it ended. The Transfers pane (`6`) shows it all.
"""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from cwos_tui.cloud.transfer_model import Job, human_bytes
from cwos_tui.ui.handlers import Handler
from cwos_tui.ui.mutation import run_work
from cwos_tui.ui.panes.object_changes import ObjectChanges
from cwos_tui.ui.panes.transfers import watch_batch
from cwos_tui.ui.text import safe_text

if TYPE_CHECKING:  # planning and the conflict question load with the first transfer
    from cwos_tui.cloud.s3_models import ObjectVersion
    from cwos_tui.cloud.transfer_plan import Plan
    from cwos_tui.ui.modals.transfer_conflict import Answer

PLAN_GROUP = "transfer-plan"


class PlanReady(Message):
    """A plan and the S3 client of the connection it was made with (`services`)."""

    def __init__(self, plan: Plan, label: str, client: Any, upload: bool, services: object) -> None:
        super().__init__()
        self.plan, self.label, self.client, self.upload = plan, label, client, upload
        self.services = services


class ObjectTransfers(ObjectChanges):
    def handlers(self) -> dict[str, Handler]:
        return {**super().handlers(), "objects.upload": self.upload, "objects.download": self.download,
                "objects.versions": self.versions}

    def _open_bar(self, text: str) -> None:
        from cwos_tui.ui.widgets.command_bar import CommandBar

        self.app.query_one(CommandBar).open("command", text)

    # ---- upload ------------------------------------------------------------------------------------

    def upload(self, argument: str) -> None:
        from cwos_tui.cloud.transfer_plan import expand_path, find_existing, plan_upload

        if not self.bucket:
            self.app.notify("Open a bucket first (the upload goes into the open folder).", severity="warning")
            return
        try:
            typed = shlex.split(argument)
        except ValueError as exc:
            self.app.notify(f"Cannot read those paths: {exc}", severity="warning", markup=False)
            return
        if not typed:
            self._open_bar("upload ")
            return
        paths = [expand_path(p) for p in typed]
        services = self.services
        storage, bucket, prefix = services.storage, self.bucket, self.prefix

        async def work() -> PlanReady:
            plan = await asyncio.to_thread(plan_upload, paths, bucket, prefix)
            await find_existing(storage, plan)
            client = await storage.run_with_client("transfers", lambda c: c)
            return PlanReady(plan, f"to s3://{bucket}/{prefix}", client, True, services)

        run_work(self, work(), "plan upload", PLAN_GROUP)

    # ---- download ----------------------------------------------------------------------------------

    def download_dir(self, argument: str) -> Path:
        from cwos_tui.cloud.transfer_plan import expand_path

        typed = argument.strip() or self.ctx.settings.download_dir
        return expand_path(typed) if typed else Path.cwd()

    def download(self, argument: str) -> None:
        from cwos_tui.cloud.transfer_plan import plan_download

        if not self.bucket:
            self.app.notify("Open a bucket first.", severity="warning")
            return
        keys = sorted(self.store_list.marked)
        prefixes: list[str] = []
        if not keys:
            row = self.row_list.selected
            if row is None:
                self.app.notify("Select an object or folder to download, or mark objects with space.",
                                severity="warning")
                return
            kind, key = row.value
            (prefixes if kind == "prefix" else keys).append(key)
        root = self.download_dir(argument)
        services = self.services
        storage, bucket, base = services.storage, self.bucket, self.prefix

        async def work() -> PlanReady:
            if not await asyncio.to_thread(root.is_dir):
                raise NotADirectoryError(f"not a folder: {root}")
            plan = await plan_download(storage, bucket, base, keys, prefixes, root)
            client = await storage.run_with_client("transfers", lambda c: c)
            return PlanReady(plan, f"to {root}", client, False, services)

        run_work(self, work(), "plan download", PLAN_GROUP)

    def versions(self, _: str = "") -> None:
        """The versions view of the selected object: preview, download, restore or delete a version."""
        from cwos_tui.ui.modals.versions import VersionsScreen  # loaded on first use

        source = self._source()
        if source is not None:
            self.app.push_screen(VersionsScreen(self.services.storage, self.bucket, source[0],
                                                display_filter=self.ctx.display_filter,
                                                download=self.download_version))

    def download_version(self, key: str, version: ObjectVersion) -> None:
        """One version of `key` (from the versions view) into the download folder of the settings."""
        from cwos_tui.cloud.transfer_plan import plan_version

        root = self.download_dir("")
        services = self.services
        storage, bucket = services.storage, self.bucket

        async def work() -> PlanReady:
            if not await asyncio.to_thread(root.is_dir):
                raise NotADirectoryError(f"not a folder: {root}")
            plan = await asyncio.to_thread(plan_version, bucket, key, version.version_id, version.size,
                                           version.etag, root)
            client = await storage.run_with_client("transfers", lambda c: c)
            return PlanReady(plan, f"version {version.version_id} to {root}", client, False, services)

        run_work(self, work(), "plan download", PLAN_GROUP)

    # ---- the plan, the questions, the queue --------------------------------------------------------

    def on_plan_ready(self, message: PlanReady) -> None:
        from cwos_tui.cloud.transfer_plan import resolve
        from cwos_tui.ui.modals.transfer_conflict import ConflictScreen

        message.stop()
        if self._stale(message):
            return
        plan = message.plan
        if not plan.conflicts:
            self._submit(message, plan.jobs)
            return
        answers: list[Job] = list(plan.jobs)
        pending = list(plan.conflicts)
        taken: set[Path] = set()

        def ask() -> None:
            if not pending:
                self._submit(message, answers)
                return
            job = pending[0]
            where = f"s3://{job.bucket}/{job.key}" if message.upload else str(job.path)
            self.app.push_screen(ConflictScreen(where, len(pending), upload=message.upload), answered)

        def answered(answer: Answer) -> None:
            if answer is None:
                self.app.notify("Cancelled: nothing was transferred.", markup=False)
                return
            choice, every = answer
            for job in pending[:] if every else pending[:1]:
                pending.remove(job)
                resolved = resolve(job, choice, taken, plan.taken_keys)
                if resolved is not None:
                    answers.append(resolved)
            ask()

        ask()

    def _stale(self, message: PlanReady) -> bool:
        """Planned (or asked about) with the profile used before a switch: its client is closed."""
        if message.services is self.services:
            return False
        self.app.notify("The profile changed meanwhile: nothing was transferred.", severity="warning", markup=False)
        return True

    def _submit(self, message: PlanReady, jobs: list[Job]) -> None:
        if self._stale(message):
            return
        plan = message.plan
        if not jobs and not plan.skipped:
            self.app.notify("Nothing to transfer.", severity="warning")
            return
        queue = self.ctx.transfer_queue()
        batch = queue.submit(message.client, jobs, label=message.label, skipped=plan.skipped)
        size = human_bytes(sum(max(j.size, 0) for j in jobs))
        verb = "Uploading" if message.upload else "Downloading"
        skipped = f"; {len(plan.skipped):,} skipped (see 6)" if plan.skipped else ""
        self.app.notify(f"{verb} {len(jobs):,} file(s), {size}, {safe_text(message.label)}{skipped}. "
                        "Transfers: 6.", markup=False, severity="warning" if plan.skipped else "information")
        watch_batch(self, queue, batch, reload=message.upload)
