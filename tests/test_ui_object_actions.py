"""Object actions through keys and `:` commands against the sandbox: prefix delete (counted, typed
confirmation, progress, cancel), copy / move / rename (server-side), presigned URLs, read-only refusals."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from textual.widgets import Input

from cwos_tui.ui.modals.detail import DetailScreen
from cwos_tui.ui.modals.expiry_picker import ExpiryPickerScreen
from cwos_tui.ui.modals.type_to_confirm import TypeToConfirmScreen
from tests.test_ui_objects import click, screen
from tests.ui_support import make_app, notices, run_command, wait_for

SIZE = (100, 30)


async def bucket_with(app, sandbox, keys: list[str]) -> str:
    bucket = f"act-{uuid.uuid4().hex[:8]}"
    storage = app.services.storage
    await storage.create_bucket(bucket, sandbox.zone)
    for start in range(0, len(keys), 200):
        await asyncio.gather(*(storage.put_object(bucket, k, k.encode()) for k in keys[start : start + 200]))
    return bucket


async def keys_of(app, bucket: str, prefix: str = "") -> list[str]:
    from cwos_tui.cloud.listing import iter_listing

    found: list[str] = []
    async for page in iter_listing(app.services.storage, bucket, prefix, "", 1000):
        found += [page.chunk.key(i) for i in range(len(page.chunk))]
    return found


async def open_at(app, pilot, bucket: str, prefix: str = "") -> None:
    app.open_location(bucket, prefix)
    await wait_for(pilot, lambda: app.objects.complete and app.objects.bucket == bucket, "listed")


async def test_prefix_delete_counts_asks_for_the_name_and_deletes_in_batches(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = await bucket_with(app, sandbox, [f"logs/{i:05d}.txt" for i in range(1500)] + ["keep.txt"])
        await open_at(app, pilot, bucket)
        assert app.objects.store_list.select_value(("prefix", "logs/"))
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "asked")
        assert "Delete 1,500 objects under this prefix?" in screen(app)
        await click(app, pilot, "#ttc-yes")  # without the name typed: refused
        assert isinstance(app.screen, TypeToConfirmScreen)
        app.screen.query_one(Input).value = "logs/"
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: any("Deleted 1,500 objects under" in n for n in notices(app)), "done")
        assert await keys_of(app, bucket) == ["keep.txt"]
        # SeaweedFS keeps an emptied directory as a common prefix for a while; S3 would not: not asserted
        await wait_for(pilot, lambda: app.objects.complete and "keep.txt" in screen(app), "listed again")


async def test_x_cancels_a_running_prefix_delete_and_says_how_far_it_got(sandbox, monkeypatch):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = await bucket_with(app, sandbox, [f"tmp/{i:05d}" for i in range(1200)])
        await open_at(app, pilot, bucket)
        storage = app.services.storage
        original, calls, second = storage.delete_objects, [], asyncio.Event()

        async def held_second_batch(bucket_name, keys):
            calls.append(len(keys))
            if len(calls) == 2:
                second.set()
                await asyncio.Event().wait()  # the second batch waits until cancelled
            return await original(bucket_name, keys)

        monkeypatch.setattr(storage, "delete_objects", held_second_batch)
        await run_command(pilot, "delete-prefix tmp/")
        await wait_for(pilot, lambda: isinstance(app.screen, TypeToConfirmScreen), "asked")
        app.screen.query_one(Input).value = "tmp/"
        await click(app, pilot, "#ttc-yes")
        await wait_for(pilot, lambda: second.is_set(), "second batch under way")
        await wait_for(pilot, lambda: "Deleting tmp/: 1,000 of 1,200" in screen(app), "progress shown")
        await pilot.press("x")
        await wait_for(pilot, lambda: any("cancelled after 1,000 of 1,200" in n for n in notices(app)), "cancelled")
        assert len(await keys_of(app, bucket)) == 200


async def test_copy_move_and_rename_by_colon_commands(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = await bucket_with(app, sandbox, ["a.txt", "dir/keep"])
        await open_at(app, pilot, bucket)
        app.objects.store_list.select_value(("object", "a.txt"))
        await run_command(pilot, "copy dir/")
        await wait_for(pilot, lambda: any("Copied" in n for n in notices(app)), "copied")
        assert await keys_of(app, bucket) == ["a.txt", "dir/a.txt", "dir/keep"]
        await wait_for(pilot, lambda: app.objects.complete, "reloaded")
        app.objects.store_list.select_value(("object", "a.txt"))
        await run_command(pilot, "rename b.txt")
        await click(app, pilot, "#confirm-yes")
        await wait_for(pilot, lambda: any("Moved" in n for n in notices(app)), "renamed")
        assert await keys_of(app, bucket) == ["b.txt", "dir/a.txt", "dir/keep"]
        await wait_for(pilot, lambda: app.objects.complete and "b.txt" in screen(app), "reloaded")
        app.objects.store_list.select_value(("object", "b.txt"))
        await run_command(pilot, f"move s3://{bucket}/dir/c.txt")
        await click(app, pilot, "#confirm-yes")
        await wait_for(pilot, lambda: len([n for n in notices(app) if "Moved" in n]) == 2, "moved")
        assert await keys_of(app, bucket) == ["dir/a.txt", "dir/c.txt", "dir/keep"]
        assert (await app.services.storage.get_object_range(bucket, "dir/c.txt", 0, 10)) == b"a.txt"


async def test_presign_with_the_picker_and_by_command_gives_a_url_that_works(sandbox):
    app = make_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        bucket = await bucket_with(app, sandbox, ["share.txt"])
        await open_at(app, pilot, bucket)
        app.objects.store_list.select_value(("object", "share.txt"))
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ExpiryPickerScreen), "picker")
        await pilot.press("down", "enter")  # 6 hours
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the URL shown")
        fields = dict(app.screen.fields)
        assert fields["Valid for"] == "6 h" and "X-Amz-Expires=21600" in fields["URL"]
        assert httpx.get(fields["URL"]).content == b"share.txt"
        await pilot.press("escape")
        await run_command(pilot, "presign 2x")
        assert any("not a duration" in n for n in notices(app))
        await run_command(pilot, "presign 15m")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "the URL shown")
        assert dict(app.screen.fields)["Valid for"] == "15 m"


async def test_read_only_refuses_every_changing_object_command(sandbox):
    app = make_app(sandbox, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_at(app, pilot, "training-data", "")
        app.objects.store_list.select_value(("object", "training-data/README.md".split("/", 1)[1]))
        for line in ("delete", "delete-prefix datasets/", "copy x.md", "move x.md", "rename x.md"):
            await run_command(pilot, line)
            await pilot.pause()
            assert not isinstance(app.screen, TypeToConfirmScreen)
            title = {"delete": "Delete object", "delete-prefix": "Delete prefix"}.get(
                line.split()[0], f"{line.split()[0].capitalize()} object")
            assert f"{title}: refused, the session is read-only" in notices(app)


async def test_the_gate_refuses_object_commands_the_principal_lacks_on_this_folder(sandbox):
    from tests.helpers import grant, make_principal

    user = make_principal(sandbox, name="reader")
    grant(sandbox, user.principal_name, ["s3:ListBucket", "s3:GetObject", "s3:ListAllMyBuckets",
                                         "cwobject:CreateAccessKey"])
    app = make_app(sandbox, token=user.token)
    async with app.run_test(size=SIZE) as pilot:
        await open_at(app, pilot, "training-data", "")
        await wait_for(pilot, lambda: app.gate.known("s3:DeleteObject", "training-data/*"), "can-i answered")
        app.objects.store_list.select_value(("object", "README.md"))
        await pilot.press("d")
        await pilot.pause()
        assert "Delete object: refused, your principal lacks s3:DeleteObject on training-data/*" in notices(app)
        await run_command(pilot, "copy x.md")
        await pilot.pause()
        assert "Copy object: refused, your principal lacks s3:PutObject on training-data/*" in notices(app)
        await pilot.press("p")  # reading is allowed
        from cwos_tui.ui.modals.preview import PreviewScreen

        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen) and app.screen.kind == "text", "preview")
