"""The token book: the API tokens a user added, with labels and what we learned about each.

CoreWeave API tokens are minted in the Cloud Console, which is also the only place that knows their
expiry; the user may type it in so a countdown works. Metadata (label, expiry, principal, org,
capabilities) lives in a 0600 JSON file; token values live only in the secret store, under
`tokens/<id>`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cwos_tui.config.errors import ConfigError
from cwos_tui.config.paths import config_dir, write_private_file
from cwos_tui.config.secrets import SecretStore

#: Environment variable naming the token-book file to use instead of the default one.
TOKENS_ENV = "CWOS_TOKENS_FILE"
TOKENS_FILE_NAME = "tokens.json"
CONSOLE_TOKENS_URL = "https://console.coreweave.com/tokens"
_VERSION = 1


class TokenBookError(ConfigError):
    """A token-book change that cannot be made (duplicate label, unknown token, bad file)."""


def tokens_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(TOKENS_ENV, "").strip()
    return Path(override).expanduser() if override else config_dir() / TOKENS_FILE_NAME


def parse_expiry(text: str) -> datetime | None:
    """`2026-03-01`, `2026-03-01 17:30` or ISO 8601 (UTC unless an offset is given); empty -> None."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM (UTC)") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class TokenEntry:
    """One stored token's metadata; never its value."""

    id: str
    label: str
    expires_at: datetime | None = None
    principal_name: str = ""
    org_id: str = ""
    capabilities: tuple[str, ...] = field(default=())
    masked: str = ""

    @property
    def secret_name(self) -> str:
        return f"tokens/{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "masked": self.masked,
            "expiresAt": self.expires_at.isoformat() if self.expires_at else None,
            "principalName": self.principal_name, "orgId": self.org_id, "capabilities": list(self.capabilities),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TokenEntry:
        expires = data.get("expiresAt")
        return cls(
            id=str(data["id"]), label=str(data.get("label", "")), masked=str(data.get("masked", "")),
            expires_at=parse_expiry(expires) if isinstance(expires, str) else None,
            principal_name=str(data.get("principalName", "")), org_id=str(data.get("orgId", "")),
            capabilities=tuple(str(c) for c in data.get("capabilities", [])),
        )


class TokenBook:
    """Reads and writes the token book; each change rewrites the file atomically (0600)."""

    def __init__(self, path: Path, store: SecretStore) -> None:
        self.path = path
        self.store = store

    def __repr__(self) -> str:
        return f"TokenBook({str(self.path)!r})"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": _VERSION, "tokens": [], "default": None}
        except json.JSONDecodeError as exc:  # position only: the file is never quoted
            raise TokenBookError(f"{self.path}:{exc.lineno}:{exc.colno}: the token book is not valid JSON "
                                 f"({exc.msg}); fix or remove the file (token values are not in it)") from None
        except UnicodeDecodeError:
            raise TokenBookError(f"{self.path}: the token book is not UTF-8 text; fix or remove the file") from None
        except OSError as exc:
            raise TokenBookError(f"{self.path}: the token book cannot be read ({exc.strerror})") from None
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise TokenBookError(f"{self.path}: not a cwos-tui token book (no \"tokens\" list); "
                                 "fix or remove the file")
        return data

    def _save(self, entries: list[TokenEntry], default: str | None) -> None:
        doc = {"version": _VERSION, "tokens": [e.to_json() for e in entries], "default": default}
        write_private_file(self.path, (json.dumps(doc, indent=2) + "\n").encode())

    def entries(self) -> list[TokenEntry]:
        items = self._load()["tokens"]
        try:
            return [TokenEntry.from_json(item) for item in items]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TokenBookError(f"{self.path}: an entry of the token book is damaged (each needs an id); "
                                 "fix or remove the file") from None

    @property
    def default_id(self) -> str | None:
        value = self._load().get("default")
        return value if isinstance(value, str) else None

    def get(self, token_id: str) -> TokenEntry:
        for entry in self.entries():
            if entry.id == token_id:
                return entry
        raise TokenBookError(f"no token with id {token_id!r} in the token book")

    def add(self, label: str, value: str, *, expires_at: datetime | None = None, masked: str = "") -> TokenEntry:
        """Store `value` in the secret store and its metadata in the book; labels are unique."""
        label = label.strip()
        if not label:
            raise TokenBookError("give the token a label")
        if not value.strip():
            raise TokenBookError("the token is empty")
        entries = self.entries()
        if any(e.label == label for e in entries):
            raise TokenBookError(f"a token labelled {label!r} exists already")
        entry = TokenEntry(id=uuid.uuid4().hex[:12], label=label, expires_at=expires_at, masked=masked)
        self.store.set(entry.secret_name, value.strip())
        self._save([*entries, entry], self._load().get("default"))
        return entry

    def update(self, token_id: str, **changes: Any) -> TokenEntry:
        entries = self.entries()
        for index, entry in enumerate(entries):
            if entry.id == token_id:
                entries[index] = replace(entry, **changes)
                self._save(entries, self._load().get("default"))
                return entries[index]
        raise TokenBookError(f"no token with id {token_id!r} in the token book")

    def value(self, token_id: str) -> str | None:
        secret = self.store.get(TokenEntry(id=token_id, label="").secret_name)
        return None if secret is None else secret.get_secret_value()

    def remove(self, token_id: str) -> bool:
        """Forget a token: its metadata and its value in the secret store."""
        data = self._load()
        entries = self.entries()
        kept = [e for e in entries if e.id != token_id]
        if len(kept) == len(entries):
            return False
        default = data.get("default")
        self._save(kept, None if default == token_id else default)
        self.store.delete(TokenEntry(id=token_id, label="").secret_name)
        return True

    def make_default(self, token_id: str, profile_secret_name: str | None = None) -> TokenEntry:
        """Mark a token as the profile's token; with a secret name, copy the value there too."""
        entry = self.get(token_id)
        if profile_secret_name:
            value = self.value(token_id)
            if value is None:
                raise TokenBookError(f"the value of token {entry.label!r} is missing from the secret store")
            self.store.set(profile_secret_name, value)
        self._save(self.entries(), token_id)
        return entry
