"""JSON source text with positions: the value, and where (1-based line, column) every value starts.

`json.loads` decides what is valid; a second, iterative pass over the (then known valid) text records
positions, so findings can point at lines, and no nesting depth can exhaust the stack. Nothing here
raises on bad input except `JsonSyntaxError`, which carries its own position.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any

from cwos_tui.cloud.policy.findings import JsonPath

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message, self.line, self.column = message, line, column


@dataclass
class SourceDocument:
    value: Any
    positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    #: paths of object keys written more than once (JSON keeps the last one)
    duplicates: list[JsonPath] = field(default_factory=list)


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


def parse_source(text: str) -> SourceDocument:
    """Parse `text`; raise JsonSyntaxError (with a 1-based position) when it is not JSON."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonSyntaxError("JSON nested too deeply", 1, 1) from None
    doc = SourceDocument(value)
    try:
        _scan(text, _Lines(text), doc)
    except (IndexError, ValueError, AttributeError):  # pragma: no cover - the text parsed; positions are a bonus
        pass
    return doc


def _string(text: str, i: int) -> tuple[str, int]:
    """At a `"`: the decoded string and the index just after it."""
    found = _STRING.match(text, i)
    if found is None:
        raise ValueError("not a JSON string")
    return str(json.loads(found.group())), found.end()


def _skip(text: str, i: int) -> int:
    found = _WS.match(text, i)
    return found.end() if found else i


def _member(text: str, i: int, base: JsonPath, seen: set[str], doc: SourceDocument) -> tuple[JsonPath, int]:
    """At the `"` of an object key: the member's path and the index of its value."""
    key, i = _string(text, i)
    if key in seen:
        doc.duplicates.append(base + (key,))
    seen.add(key)
    return base + (key,), _skip(text, _skip(text, i) + 1)


def _scan(text: str, lines: _Lines, doc: SourceDocument) -> None:
    stack: list[tuple[bool, JsonPath, list[int], set[str]]] = []  # (is object, path, [count], keys seen)
    i = _skip(text, 0)
    path: JsonPath = ()
    while True:
        doc.positions[path] = lines.at(i)
        ch = text[i]
        if ch in "{[":
            i = _skip(text, i + 1)
            if text[i] not in "}]":
                frame = (ch == "{", path, [0], set[str]())
                stack.append(frame)
                if frame[0]:
                    path, i = _member(text, i, frame[1], frame[3], doc)
                else:
                    path = path + (0,)
                continue
            i += 1
        elif ch == '"':
            i = _string(text, i)[1]
        else:
            scalar = _SCALAR.match(text, i)
            if scalar is None:
                raise ValueError("not JSON")
            i = scalar.end()
        while True:  # after a value: the next member, or close containers
            if not stack:
                return
            i = _skip(text, i)
            is_object, base, count, seen = stack[-1]
            if text[i] == ",":
                i = _skip(text, i + 1)
                count[0] += 1
                if is_object:
                    path, i = _member(text, i, base, seen, doc)
                else:
                    path = base + (count[0],)
                break
            i += 1
            stack.pop()
