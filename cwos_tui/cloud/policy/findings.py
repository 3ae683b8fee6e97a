"""Findings of the policy validators: severity, rule id, message, JSON path and a position in the source.

Errors are what CoreWeave's documents say the service refuses (the sandbox refuses them too); warnings
and suggestions are this project's advice: accepted by the service, but probably not what was meant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

#: A place in a JSON document: object keys and array indexes from the root.
JsonPath = tuple[str | int, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    SUGGESTION = "suggestion"


@dataclass(frozen=True)
class Finding:
    """One problem: `path` points into the JSON (e.g. `statements[1].effect`); line/column are 1-based
    (0 until the finding is placed in a source text)."""

    path: str
    message: str
    severity: Severity = Severity.ERROR
    rule: str = ""
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"severity": str(self.severity), "rule": self.rule, "message": self.message, "path": self.path,
                "line": self.line, "column": self.column}


def path_text(at: JsonPath) -> str:
    """`("statements", 1, "effect")` -> `statements[1].effect`."""
    out = ""
    for part in at:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class Findings:
    """Collects findings while a validator walks a document (paths as tuples, rendered once)."""

    def __init__(self, root: JsonPath = ()) -> None:
        self.root = root
        self.items: list[tuple[JsonPath, Finding]] = []

    def add(self, rule: str, at: JsonPath, message: str, severity: Severity = Severity.ERROR) -> None:
        self.add_absolute(rule, self.root + at, message, severity)

    def add_absolute(self, rule: str, full: JsonPath, message: str, severity: Severity = Severity.ERROR) -> None:
        """A finding at a path from the document's root (not from `root`)."""
        self.items.append((full, Finding(path_text(full) or "policy", message, severity, rule)))

    def placed(self, positions: Mapping[JsonPath, tuple[int, int]]) -> list[Finding]:
        """Every finding with the line/column of its path, or of the nearest enclosing value found."""
        out = []
        for at, finding in self.items:
            line, column = locate(at, positions)
            out.append(replace(finding, line=line, column=column))
        return out

    def findings(self) -> list[Finding]:
        return [finding for _, finding in self.items]


def locate(at: JsonPath, positions: Mapping[JsonPath, tuple[int, int]]) -> tuple[int, int]:
    for end in range(len(at), -1, -1):
        found = positions.get(at[:end])
        if found is not None:
            return found
    return (1, 1)


def errors_only(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def has_errors(findings: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
