"""Pure tests of the UI's registry and safe-text rules (no terminal, no server)."""

from __future__ import annotations

from cwos_tui.ui import commands
from cwos_tui.ui.commands import parse_command_line, split_location
from cwos_tui.ui.gate import Gate, permissions_needed, resource_for
from cwos_tui.ui.handlers import HandlerError, HandlerTable
from cwos_tui.ui.text import human_size, safe_text


def test_control_characters_are_shown_escaped_not_sent():
    assert safe_text("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"
    assert safe_text("x\u202egnp.exe") == "x\\u202egnp.exe"
    assert safe_text("line\nbreak\x9b") == "line\\x0abreak\\x9b"
    assert safe_text("[bold]not markup[/bold]") == "[bold]not markup[/bold]"


def test_sizes_read_like_a_human_wrote_them():
    assert human_size(512) == "512 B"
    assert human_size(1536) == "1.5 KiB"


def test_colon_commands_and_aliases_resolve_to_registry_ids():
    assert parse_command_line(":keys") == commands.ParsedLine("pane.keys")
    assert parse_command_line("pol") == commands.ParsedLine("pane.policies")
    assert parse_command_line(":b training-data/raw/") == commands.ParsedLine("pane.buckets", "training-data/raw/")
    assert parse_command_line(":objects.delete") == commands.ParsedLine("objects.delete")
    assert parse_command_line(":nonsense") is None
    assert split_location("s3://bucket/a/b/") == ("bucket", "a/b/")
    assert split_location("bucket") == ("bucket", "")


def test_every_command_has_one_binding_with_its_id_for_keymaps():
    ids = [c.id for c in commands.COMMANDS]
    assert len(ids) == len(set(ids))
    bound = {b.id: b for b in commands.bindings()}
    assert set(bound) == {c.id for c in commands.COMMANDS if not c.on_screen}
    for context in ("dialog", "help", "detail"):
        assert {b.id for b in commands.screen_bindings(context)} == {
            c.id for c in commands.COMMANDS if c.on_screen and context in c.contexts}
    assert bound["objects.delete"].action == "app.run('objects.delete')"
    assert commands.effective_keys(commands.BY_ID["list.refresh"], {"list.refresh": "ctrl+r"}) == "ctrl+r"


def test_gate_refuses_mutations_when_read_only_and_denied_permissions():
    delete = commands.BY_ID["objects.delete"]
    refresh = commands.BY_ID["list.refresh"]
    assert Gate().refusal(delete) is None
    assert "read-only" in (Gate(read_only=True).refusal(delete) or "")
    assert Gate(read_only=True).refusal(refresh) is None
    assert "cwobject:ListAccessKeyInfo" in permissions_needed(commands.COMMANDS, "*")
    assert permissions_needed(commands.COMMANDS, "object") == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]


def test_gate_judges_a_command_on_the_resource_it_acts_on():
    delete = commands.BY_ID["objects.delete"]
    gate = Gate(verdicts={("s3:DeleteObject", "mine/*"): True, ("s3:DeleteObject", "theirs/*"): False})
    assert resource_for(delete, "mine", "") == "mine/*"
    assert gate.refusal(delete, resource_for(delete, "mine", "")) is None
    refusal = gate.refusal(delete, resource_for(delete, "theirs", "")) or ""
    assert "s3:DeleteObject" in refusal and "theirs/*" in refusal
    assert gate.refusal(delete, resource_for(delete, "unknown-bucket", "a/")) is None  # unknown: allow
    assert gate.refusal(delete, resource_for(delete, "", "")) is None  # nothing open: nothing to judge


def test_a_second_handler_or_one_for_an_unknown_command_fails_at_once():
    table = HandlerTable()
    table.register({"list.refresh": lambda _: None})
    for bad in ({"list.refresh": lambda _: None}, {"no.such": lambda _: None}, {"help.close": lambda _: None}):
        try:
            table.register(bad)
        except HandlerError:
            continue
        raise AssertionError(f"accepted {bad}")


def test_narrow_lists_drop_columns_marked_hide_below_and_keep_the_rest_aligned():
    from cwos_tui.ui.widgets.row_list import Column, RowList

    rows = RowList((Column("ID", 10), Column("Name", 0), Column("Expires", 16, hide_below=96), Column("Left", 9)))
    assert rows._widths(120) == [10, 82, 16, 9]
    narrow = rows._widths(78)
    assert narrow[2] == 0 and narrow[0] == 10 and narrow[3] == 9
    assert sum(w + 1 for w in narrow if w) - 1 == 78


def test_path_completion_words_quotes_home_and_hidden(tmp_path, monkeypatch):
    from cwos_tui.ui.path_completion import complete_paths, last_word_start, local_candidates, unquote

    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "c.txt").write_text("c")
    (tmp_path / ".dot").write_text("d")
    (tmp_path / "plain.txt").write_text("p")
    assert last_word_start("x 'a b/c") == 2 and last_word_start(r"x a\ b") == 2 and last_word_start("x ") == 2
    assert unquote("'a b/c") == "a b/c" and unquote(r"a\ b") == "a b" and unquote('"a b') == "a b"
    assert local_candidates("", cwd=tmp_path) == ["a b/", "plain.txt"]  # no hidden entries
    assert local_candidates(".", cwd=tmp_path) == [".dot"]
    assert local_candidates(str(tmp_path) + "/", dirs_only=True) == [f"{tmp_path}/a b/"]
    assert local_candidates("nowhere/x", cwd=tmp_path) == [] and local_candidates("plain.txt/", cwd=tmp_path) == []
    assert complete_paths("upload", "plain.txt 'a b/", words=True, dirs_only=False, cwd=tmp_path) == [
        "upload plain.txt 'a b/c.txt'"]
    assert complete_paths("get", "a", words=False, dirs_only=True, cwd=tmp_path) == ["get a b/"]
    monkeypatch.setenv("HOME", str(tmp_path))
    assert local_candidates("~") == ["~/"] and local_candidates("~/pl") == ["~/plain.txt"]
