"""Keeping secrets out of text: one redaction function, token alphabet checks, secret-free reprs.

`redact(text)` is the one function that scrubs text before it is shown or logged: the error handler, the
log handler (`RedactingFilter`) and every `repr` of an object holding a secret go through it. It removes
every secret value this process has been told about (`remember`) and anything shaped like one
(`CW-SECRET-…` tokens, `Bearer …` headers, `secret = …` / `token: …` assignments).

This module imports nothing from cwos_tui, so every layer (cloud, config, sandbox, ui) may use it.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "****"
#: RFC 6750 `b64token`, the alphabet of a Bearer token: what an HTTP header can carry as-is.
TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
TOKEN_ALPHABET_TEXT = "ASCII letters, digits and - . _ ~ + / (then = padding)"
_MIN_REMEMBERED = 8
_MAX_REMEMBERED = 512

_VALUE = r"(?![^\s'\",}]*\*\*\*\*)[^\s'\",}]+"  # a value, unless it is a masked form already
_PATTERNS = (
    re.compile(r"CW-SECRET-" + _VALUE),
    re.compile(r"(?i)(bearer\s+)" + _VALUE),
    re.compile(r"(?i)((?:secret|token|password|passwd)[\w-]*\s*=\s*['\"]?)" + _VALUE),
    re.compile(r"(?i)([\"'][\w-]*(?:secret|token|password)[\w-]*[\"']\s*:\s*[\"'])" + _VALUE),
)

_lock = threading.Lock()
_remembered: list[str] = []


def remember(*values: str | None) -> None:
    """Tell the redactor about secret values in use (long enough to be unambiguous); kept in memory only."""
    with _lock:
        for value in values:
            if value and len(value) >= _MIN_REMEMBERED and value not in _remembered:
                _remembered.append(value)
                del _remembered[:-_MAX_REMEMBERED]


def forget_all() -> None:
    """Drop every remembered value (tests)."""
    with _lock:
        _remembered.clear()


def _mask_group(match: re.Match[str]) -> str:
    return (match.group(1) if match.lastindex else "") + MASK


def redact(text: object) -> str:
    """`text` with every known secret value and every secret-shaped fragment replaced by ****."""
    out = str(text)
    with _lock:
        values = sorted(_remembered, key=len, reverse=True)
    for value in values:
        if value in out:
            out = out.replace(value, MASK)
    for pattern in _PATTERNS:
        out = pattern.sub(_mask_group, out)
    return out


def secret_repr(kind: str, **public: object) -> str:
    """`Kind(a='x', secret=****)`: the repr of an object holding a secret, public fields only, redacted."""
    fields = ", ".join(f"{name}={value!r}" for name, value in public.items())
    return redact(f"{kind}({fields}{', ' if fields else ''}secret={MASK})")


class TokenFormatError(ValueError):
    """A token or key that cannot be what it claims: the message says what is wrong, never the value."""


def token_problem(value: str, what: str = "the API token") -> str | None:
    """Why `value` is not a well-formed token (None when it is); the message never contains the value."""
    if not value:
        return f"{what} is empty"
    for index, char in enumerate(value):
        if char in "\r\n":
            return (f"{what} contains a line break (character {index + 1} of {len(value)}); "
                    "paste it again as one line")
        if not char.isascii():
            return (f"{what} contains a non-ASCII character (U+{ord(char):04X}, character {index + 1} of "
                    f"{len(value)}); tokens hold only {TOKEN_ALPHABET_TEXT}")
        if char.isspace():
            return f"{what} contains a space (character {index + 1} of {len(value)}); paste it again"
    if not TOKEN_ALPHABET.fullmatch(value):
        bad = next((i for i, c in enumerate(value) if not re.fullmatch(r"[A-Za-z0-9\-._~+/=]", c)), 0)
        return (f"{what} contains a character that is not allowed (character {bad + 1} of {len(value)}); "
                f"tokens hold only {TOKEN_ALPHABET_TEXT}")
    return None


def check_token(value: str, what: str = "the API token") -> str:
    """`value` when well formed; else TokenFormatError with a message that never quotes it."""
    problem = token_problem(value, what)
    if problem is not None:
        raise TokenFormatError(problem)
    return value


class RedactingFilter(logging.Filter):
    """Applied by the log handler: the message and any exception text pass through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what can be kept
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info:
            import traceback

            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        return True
