"""Bucket-policy `Condition` blocks: the operators and keys the evaluator understands.

A condition the evaluator cannot judge is refused when the policy is parsed (`ConditionError`),
never ignored: a silently skipped condition would grant or deny more than its author wrote.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

#: Condition keys the evaluator knows (lower-case; AWS treats key names case-insensitively).
CONDITION_KEYS = ("cw:principalorgid", "s3:prefix", "s3:delimiter", "aws:sourceip")
_STRING_OPERATORS = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
                     "StringLike", "StringNotLike")
_IP_OPERATORS = ("IpAddress", "NotIpAddress")
OPERATORS = _STRING_OPERATORS + _IP_OPERATORS


class ConditionError(ValueError):
    """A condition operator, key or value the evaluator does not support."""


@dataclass(frozen=True)
class Condition:
    """One operator applied to one key: true when the request's value matches any listed value."""

    operator: str
    key: str
    values: tuple[str, ...]
    if_exists: bool = False

    @property
    def negated(self) -> bool:
        return self.operator.startswith(("StringNot", "NotIp"))

    def holds(self, context: Mapping[str, str]) -> bool:
        value = context.get(self.key)
        if value is None:
            # AWS: a missing key fails a positive operator and passes a negated one; IfExists passes.
            return self.if_exists or self.negated
        return _compare(self.operator, value, self.values) != self.negated


@lru_cache(maxsize=2048)
def like_pattern(pattern: str, case_insensitive: bool = False) -> re.Pattern[str]:
    """`*` (any run of characters) and `?` (one character), as in IAM policies."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.S | (re.IGNORECASE if case_insensitive else 0))


def _compare(operator: str, value: str, wanted: tuple[str, ...]) -> bool:
    base = operator.replace("Not", "", 1) if operator.startswith(("StringNot", "NotIp")) else operator
    if base == "StringEquals":
        return value in wanted
    if base == "StringEqualsIgnoreCase":
        return value.casefold() in {w.casefold() for w in wanted}
    if base == "StringLike":
        return any(like_pattern(w).match(value) for w in wanted)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(w, strict=False) for w in wanted)


def parse_conditions(block: object, where: str = "Condition") -> tuple[Condition, ...]:
    """The conditions of one statement; raise ConditionError for anything not supported."""
    if not isinstance(block, dict):
        raise ConditionError(f"{where} must be an object of operators")
    out: list[Condition] = []
    for raw_operator, keys in block.items():
        operator, if_exists = str(raw_operator), False
        if operator.endswith("IfExists"):
            operator, if_exists = operator[: -len("IfExists")], True
        if operator not in OPERATORS:
            raise ConditionError(f"unsupported condition operator {raw_operator!r} (supported: "
                                 f"{', '.join(OPERATORS)}, each optionally ...IfExists)")
        if not isinstance(keys, dict) or not keys:
            raise ConditionError(f"{where}.{raw_operator} must be an object of condition keys")
        for raw_key, raw_values in keys.items():
            key = str(raw_key).lower()
            if key not in CONDITION_KEYS:
                raise ConditionError(f"unsupported condition key {raw_key!r} (supported: cw:PrincipalOrgID, "
                                     "s3:prefix, s3:delimiter, aws:SourceIp)")
            values = _values(raw_values, f"{where}.{raw_operator}.{raw_key}")
            if (key == "aws:sourceip") != (operator in _IP_OPERATORS):
                kind = "IpAddress/NotIpAddress" if key == "aws:sourceip" else "String"
                raise ConditionError(f"{raw_key} takes {kind} operators, not {raw_operator}")
            if operator in _IP_OPERATORS:
                _check_networks(values, f"{where}.{raw_operator}.{raw_key}")
            out.append(Condition(operator, key, values, if_exists))
    return tuple(out)


def _values(raw: object, where: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in items):
        raise ConditionError(f"{where} must be a string or a non-empty list of strings")
    return tuple(str(v) for v in items)


def _check_networks(values: tuple[str, ...], where: str) -> None:
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ConditionError(f"{where}: {value!r} is not an IP address or CIDR block") from None
