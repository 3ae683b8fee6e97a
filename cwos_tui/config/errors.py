"""The one configuration error, at the bottom of `config/` so every module there can raise it."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """The configuration cannot be used; the message says which file, variable or profile and why."""

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        return self.message
