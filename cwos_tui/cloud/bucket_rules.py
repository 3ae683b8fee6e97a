"""CoreWeave's documented rules for bucket names and bucket configurations, checked before anything is sent.

Names (reference §5.2): 3-63 characters of `[a-z0-9-]`, a letter or digit at both ends, no `xn--` prefix,
the reserved prefixes `cw-`, `vip-`, `log-stitcher-ch-` and the reserved name `int`. Lifecycle (§5.1, §5.3):
at most 1,000 rules; expiration, noncurrent-version expiration and aborting incomplete multipart uploads;
transitions are not supported; a rule's top-level `Prefix` is rejected (use `Filter.Prefix`). CORS and tags
follow S3's limits where CoreWeave documents none (100 CORS rules; 50 tags, keys up to 128 characters,
values up to 256).

Every check returns plain sentences for the user; nothing here raises on bad input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

NAME_MIN, NAME_MAX = 3, 63
RESERVED_NAMES = frozenset({"int"})
RESERVED_PREFIXES = ("cw-", "vip-", "log-stitcher-ch-")
MAX_LIFECYCLE_RULES = 1000
MAX_CORS_RULES = 100
MAX_TAGS = 50
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
MAX_RULE_ID = 255
CORS_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
LIFECYCLE_ACTIONS = ("Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload")
_LIFECYCLE_FIELDS = frozenset({"ID", "Status", "Filter", *LIFECYCLE_ACTIONS})
_CORS_FIELDS = frozenset({"ID", "AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposeHeaders",
                          "MaxAgeSeconds"})
_NAME_CHARS = re.compile(r"[a-z0-9-]")
_TAG_CHARS = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)


def bucket_name_problems(name: str) -> list[str]:
    """Every reason `name` cannot be a CoreWeave bucket name (empty list: it can)."""
    problems: list[str] = []
    if not NAME_MIN <= len(name) <= NAME_MAX:
        problems.append(f"must be {NAME_MIN} to {NAME_MAX} characters long (it has {len(name)})")
    bad = sorted({c for c in name if not _NAME_CHARS.fullmatch(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        hint = " (use lowercase)" if any(c.isupper() for c in bad) else ""
        problems.append(f"may contain only lowercase letters, digits and hyphens, not {shown}{hint}")
    if name and not (name[0].isalnum() and name[0].isascii() and name[-1].isalnum() and name[-1].isascii()):
        problems.append("must start and end with a letter or digit")
    if name.startswith("xn--"):
        problems.append("must not start with 'xn--'")
    if name in RESERVED_NAMES:
        problems.append(f"'{name}' is a reserved name")
    reserved = next((p for p in RESERVED_PREFIXES if name.startswith(p)), None)
    if reserved:
        problems.append(f"the prefix '{reserved}' is reserved by CoreWeave")
    return problems


@dataclass(frozen=True)
class Checked:
    """What an editor's text gave: the value to send (when there are no problems) and the problems."""

    value: Any
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _parse_json(text: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


def _rules_list(data: Any, wrapper: str) -> tuple[list[Any] | None, str | None]:
    """`[...]` or `{"<wrapper>": [...]}` -> the list of rules."""
    if isinstance(data, dict) and set(data) == {wrapper}:
        data = data[wrapper]
    if not isinstance(data, list):
        return None, f'expected a JSON list of rules (or {{"{wrapper}": [...]}})'
    return data, None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _rule_label(index: int, rule: dict[str, Any]) -> str:
    rule_id = rule.get("ID")
    return f"rule {index + 1}" + (f" ({rule_id!r})" if isinstance(rule_id, str) and rule_id else "")


def check_lifecycle_text(text: str) -> Checked:
    """Lifecycle rules typed as JSON (boto3's shape) -> the rules, or every problem found."""
    data, problem = _parse_json(text)
    if problem:
        return Checked(None, (problem,))
    rules, problem = _rules_list(data, "Rules")
    if problem or rules is None:
        return Checked(None, (problem or "no rules",))
    return Checked(rules, tuple(lifecycle_problems(rules)))


def lifecycle_problems(rules: list[Any]) -> list[str]:
    problems: list[str] = []
    if len(rules) > MAX_LIFECYCLE_RULES:
        problems.append(f"{len(rules)} rules: a configuration holds at most {MAX_LIFECYCLE_RULES}")
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            problems.append(f"rule {index + 1}: must be a JSON object")
            continue
        label = _rule_label(index, rule)
        rule_id = rule.get("ID")
        if rule_id is not None:
            if not isinstance(rule_id, str) or len(rule_id) > MAX_RULE_ID:
                problems.append(f"{label}: ID must be text of at most {MAX_RULE_ID} characters")
            elif rule_id in seen:
                problems.append(f"{label}: the ID is used twice; rule IDs must be unique")
            else:
                seen.add(rule_id)
        problems += [f"{label}: {p}" for p in _lifecycle_rule_problems(rule)]
    return problems


def _lifecycle_rule_problems(rule: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if "Prefix" in rule:
        problems.append('a top-level "Prefix" is rejected by CoreWeave; use "Filter": {"Prefix": "..."}')
    if "Transitions" in rule or "NoncurrentVersionTransitions" in rule:
        problems.append("transitions are not supported by CoreWeave AI Object Storage (use automated archive)")
    unknown = sorted(set(rule) - _LIFECYCLE_FIELDS - {"Prefix", "Transitions", "NoncurrentVersionTransitions"})
    if unknown:
        problems.append(f"unknown field{'s' * (len(unknown) > 1)} {', '.join(unknown)}")
    if rule.get("Status") not in ("Enabled", "Disabled"):
        problems.append('"Status" must be "Enabled" or "Disabled"')
    problems += _filter_problems(rule.get("Filter"), "Prefix" in rule)
    if not any(a in rule for a in LIFECYCLE_ACTIONS):
        problems.append("needs an action: Expiration, NoncurrentVersionExpiration or AbortIncompleteMultipartUpload")
    if "Expiration" in rule:
        problems += _expiration_problems(rule["Expiration"])
    if "NoncurrentVersionExpiration" in rule:
        nve = rule["NoncurrentVersionExpiration"]
        if not isinstance(nve, dict) or not _positive_int(nve.get("NoncurrentDays")):
            problems.append("NoncurrentVersionExpiration needs NoncurrentDays, a whole number above 0")
        elif "NewerNoncurrentVersions" in nve and not _positive_int(nve["NewerNoncurrentVersions"]):
            problems.append("NewerNoncurrentVersions must be a whole number above 0")
    if "AbortIncompleteMultipartUpload" in rule:
        abort = rule["AbortIncompleteMultipartUpload"]
        if not isinstance(abort, dict) or not _positive_int(abort.get("DaysAfterInitiation")):
            problems.append("AbortIncompleteMultipartUpload needs DaysAfterInitiation, a whole number above 0")
    return problems


def _filter_problems(rule_filter: Any, has_prefix: bool) -> list[str]:
    if rule_filter is None:
        return [] if has_prefix else ['needs a "Filter": {"Prefix": "logs/"}, or {} for the whole bucket']
    if not isinstance(rule_filter, dict):
        return ['"Filter" must be an object such as {"Prefix": "logs/"}']
    allowed = {"Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"}
    unknown = sorted(set(rule_filter) - allowed)
    if unknown:
        return [f"unknown Filter field{'s' * (len(unknown) > 1)} {', '.join(unknown)}"]
    if "Prefix" in rule_filter and not isinstance(rule_filter["Prefix"], str):
        return ['"Filter.Prefix" must be text']
    return []


def _expiration_problems(expiration: Any) -> list[str]:
    if not isinstance(expiration, dict):
        return ['"Expiration" must be an object such as {"Days": 30}']
    given = [k for k in ("Days", "Date", "ExpiredObjectDeleteMarker") if k in expiration]
    if len(given) != 1:
        return ["Expiration needs exactly one of Days, Date or ExpiredObjectDeleteMarker"]
    value = expiration[given[0]]
    if given[0] == "Days" and not _positive_int(value):
        return ["Expiration Days must be a whole number above 0"]
    if given[0] == "Date":
        try:
            date.fromisoformat(str(value)[:10])
        except ValueError:
            return ["Expiration Date must be a date such as 2027-01-01"]
    if given[0] == "ExpiredObjectDeleteMarker" and not isinstance(value, bool):
        return ["ExpiredObjectDeleteMarker must be true or false"]
    return []


def check_cors_text(text: str) -> Checked:
    """CORS rules typed as JSON (boto3's shape) -> the rules, or every problem found."""
    data, problem = _parse_json(text)
    if problem:
        return Checked(None, (problem,))
    rules, problem = _rules_list(data, "CORSRules")
    if problem or rules is None:
        return Checked(None, (problem or "no rules",))
    return Checked(rules, tuple(cors_problems(rules)))


def cors_problems(rules: list[Any]) -> list[str]:
    problems: list[str] = []
    if len(rules) > MAX_CORS_RULES:
        problems.append(f"{len(rules)} rules: a CORS configuration holds at most {MAX_CORS_RULES}")
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            problems.append(f"rule {index + 1}: must be a JSON object")
            continue
        label = _rule_label(index, rule)
        problems += [f"{label}: {p}" for p in _cors_rule_problems(rule)]
    return problems


def _text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _cors_rule_problems(rule: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    unknown = sorted(set(rule) - _CORS_FIELDS)
    if unknown:
        problems.append(f"unknown field{'s' * (len(unknown) > 1)} {', '.join(unknown)}")
    methods = rule.get("AllowedMethods")
    if not _text_list(methods) or not methods:
        problems.append(f"AllowedMethods needs at least one of {', '.join(CORS_METHODS)}")
    else:
        bad = [m for m in methods if m not in CORS_METHODS]
        if bad:
            problems.append(f"AllowedMethods: {', '.join(bad)} not allowed (only {', '.join(CORS_METHODS)})")
    origins = rule.get("AllowedOrigins")
    if not _text_list(origins) or not origins:
        problems.append('AllowedOrigins needs at least one origin, such as "*" or "https://example.com"')
    else:
        problems += [f"AllowedOrigins {o!r}: at most one '*'" for o in origins if o.count("*") > 1]
    for name in ("AllowedHeaders", "ExposeHeaders"):
        if name in rule and not _text_list(rule[name]):
            problems.append(f"{name} must be a list of header names")
    if "AllowedHeaders" in rule and _text_list(rule["AllowedHeaders"]):
        problems += [f"AllowedHeaders {h!r}: at most one '*'" for h in rule["AllowedHeaders"] if h.count("*") > 1]
    age = rule.get("MaxAgeSeconds")
    if age is not None and not (isinstance(age, int) and not isinstance(age, bool) and age >= 0):
        problems.append("MaxAgeSeconds must be a whole number of seconds, 0 or more")
    rule_id = rule.get("ID")
    if rule_id is not None and (not isinstance(rule_id, str) or len(rule_id) > MAX_RULE_ID):
        problems.append(f"ID must be text of at most {MAX_RULE_ID} characters")
    return problems


def tags_text(tags: dict[str, str]) -> str:
    """Tags as the editor shows them: one `key=value` per line."""
    return "".join(f"{k}={v}\n" for k, v in tags.items())


def check_tags_text(text: str) -> Checked:
    """`key=value` lines (blank lines and `#` comments skipped) -> the tags, or every problem found."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, equals, value = stripped.partition("=")
        key, value = key.strip(), value.strip()
        where = f"line {number}"
        if not equals:
            problems.append(f"{where}: write key=value")
            continue
        problems += [f"{where}: {p}" for p in tag_problems(key, value)]
        if key in tags:
            problems.append(f"{where}: the key {key!r} is given twice; tag keys must be unique")
        tags[key] = value
    if len(tags) > MAX_TAGS:
        problems.append(f"{len(tags)} tags: a bucket holds at most {MAX_TAGS}")
    return Checked(tags, tuple(problems))


def tag_problems(key: str, value: str) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(key) <= MAX_TAG_KEY:
        problems.append(f"a tag key must be 1 to {MAX_TAG_KEY} characters")
    if len(value) > MAX_TAG_VALUE:
        problems.append(f"a tag value may have at most {MAX_TAG_VALUE} characters")
    if key.lower().startswith("aws:"):
        problems.append("keys starting with 'aws:' are reserved")
    if not _TAG_CHARS.match(key) or not _TAG_CHARS.match(value):
        problems.append("tags may use letters, digits, spaces and + - = . _ : / @ only")
    return problems


def parse_capacity(text: str) -> int:
    """`500GiB`, `1.5 TiB`, `1000000` (bytes), `0` -> bytes; ValueError with a plain message otherwise."""
    units = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
             "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50}
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    if match is None or match.group(2).lower() not in units:
        raise ValueError(f"{text.strip()!r} is not a size: write bytes or a size such as 500GiB or 2TB")
    value = float(match.group(1)) * units[match.group(2).lower()]
    if value >= 2**64:
        raise ValueError("the capacity cap must be below 2^64 bytes")
    return int(value)


#: Availability zones from CoreWeave's own material (reference §1.3; which offer CAIOS is not documented)
KNOWN_ZONES = (
    "US-EAST-04A", "US-CENTRAL-05A", "US-WEST-01A", "US-CENTRAL-06A", "US-CENTRAL-07A", "US-CENTRAL-08A",
    "US-CENTRAL-08B", "US-EAST-01A", "US-EAST-02A", "US-EAST-03A", "US-EAST-04B", "US-EAST-06A", "US-EAST-08A",
    "US-EAST-13A", "US-EAST-14A", "US-EAST-15A", "US-EAST-17A", "RNO2A", "US-WEST-04A", "US-WEST-09B",
    "US-WEST-10A", "CA-EAST-01A", "EU-NORTH-05A", "EU-SOUTH-03B", "EU-SOUTH-04A",
)


def zone_choices(*preferred: str) -> list[str]:
    """`preferred` zones first (the profile's, those of existing buckets), then the known list, no repeats."""
    seen: dict[str, None] = {}
    for zone in (*preferred, *KNOWN_ZONES):
        zone = zone.strip().upper()
        if zone and zone != "?" and zone not in seen:
            seen[zone] = None
    return list(seen)
