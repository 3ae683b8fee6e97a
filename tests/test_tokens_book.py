"""The token book: metadata in a 0600 JSON file, token values only in the secret store."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

import pytest

from cwos_tui.config.secrets import FileSecretStore
from cwos_tui.config.tokens import TokenBook, TokenBookError, parse_expiry, tokens_file

VALUE = "CW-SECRET-" + "a" * 40


def book(tmp_path) -> TokenBook:
    return TokenBook(tmp_path / "cfg" / "tokens.json", FileSecretStore(tmp_path / "secrets.json"))


def test_values_live_only_in_the_secret_store_and_the_file_is_private(tmp_path):
    b = book(tmp_path)
    entry = b.add("laptop", VALUE, expires_at=datetime(2030, 1, 2, tzinfo=UTC), masked="CW-SECRET-****aaaa")
    assert VALUE not in b.path.read_text() and "laptop" in b.path.read_text()
    assert stat.S_IMODE(b.path.stat().st_mode) == 0o600
    assert b.value(entry.id) == VALUE and VALUE in (tmp_path / "secrets.json").read_text()
    again = TokenBook(b.path, b.store).entries()
    assert [(e.label, e.expires_at) for e in again] == [("laptop", datetime(2030, 1, 2, tzinfo=UTC))]
    assert VALUE not in repr(again) and VALUE not in repr(b)


def test_labels_are_unique_and_required(tmp_path):
    b = book(tmp_path)
    b.add("ci", VALUE)
    with pytest.raises(TokenBookError, match="exists already"):
        b.add("ci", VALUE)
    with pytest.raises(TokenBookError, match="label"):
        b.add("  ", VALUE)


def test_update_default_and_remove(tmp_path):
    b = book(tmp_path)
    first, second = b.add("one", VALUE), b.add("two", VALUE[:-1] + "b")
    b.update(first.id, principal_name="coreweave/u1", org_id="abc", capabilities=("s3:GetObject",))
    assert b.get(first.id).capabilities == ("s3:GetObject",) and b.get(first.id).org_id == "abc"
    b.make_default(second.id, "work/api-token")
    assert b.default_id == second.id
    assert b.store.get("work/api-token").get_secret_value() == VALUE[:-1] + "b"
    assert b.remove(second.id) and b.default_id is None and b.value(second.id) is None
    assert not b.remove(second.id)
    assert [e.label for e in b.entries()] == ["one"]


def test_expiry_parsing_and_file_override(tmp_path):
    assert parse_expiry("2030-01-02") == datetime(2030, 1, 2, tzinfo=UTC)
    assert parse_expiry("2030-01-02 17:30") == datetime(2030, 1, 2, 17, 30, tzinfo=UTC)
    assert parse_expiry("2030-01-02T17:30:00+02:00") == datetime(2030, 1, 2, 15, 30, tzinfo=UTC)
    assert parse_expiry("") is None
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_expiry("next tuesday")
    assert tokens_file({"CWOS_TOKENS_FILE": str(tmp_path / "t.json")}) == tmp_path / "t.json"


def test_a_damaged_book_is_reported_not_overwritten(tmp_path):
    b = book(tmp_path)
    b.path.parent.mkdir(parents=True)
    b.path.write_text("not json")
    with pytest.raises(TokenBookError, match="tokens.json:1:1: the token book is not valid JSON"):
        b.add("x", VALUE)
    assert b.path.read_text() == "not json"
