"""Bucket configuration rules CoreWeave documents that SeaweedFS does not enforce, checked by the S3 front.

Lifecycle (reference §5.1, §5.3): at most 1,000 rules; a rule's top-level `Prefix` is rejected; transitions
are not supported. Where the documentation is silent the sandbox answers as S3 does (README, sandbox table):
rule IDs unique, every rule has an action, day counts above 0; bucket tag keys unique and not `aws:`.
Each check takes the request body and returns (status, code, message) for a refusal, or None.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

Refusal = tuple[int, str, str]
MAX_LIFECYCLE_RULES = 1000
_ACTIONS = ("Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload")
_DAY_FIELDS = (("Expiration", "Days"), ("NoncurrentVersionExpiration", "NoncurrentDays"),
               ("AbortIncompleteMultipartUpload", "DaysAfterInitiation"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _parse(body: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


_MALFORMED: Refusal = (400, "MalformedXML", "The XML you provided was not well-formed or did not validate.")


def lifecycle_refusal(body: bytes) -> Refusal | None:
    root = _parse(body)
    if root is None:
        return _MALFORMED
    rules = _children(root, "Rule")
    if len(rules) > MAX_LIFECYCLE_RULES:
        return 400, "InvalidRequest", f"A lifecycle configuration holds at most {MAX_LIFECYCLE_RULES} rules."
    seen: set[str] = set()
    for rule in rules:
        refusal = _rule_refusal(rule, seen)
        if refusal is not None:
            return refusal
    return None


def _rule_refusal(rule: ET.Element, seen: set[str]) -> Refusal | None:
    names = {_local(child.tag) for child in rule}
    if "Prefix" in names:
        return 400, "InvalidRequest", "A top-level Prefix in a lifecycle rule is not supported; use Filter/Prefix."
    if names & {"Transition", "NoncurrentVersionTransition"}:
        return 501, "NotImplemented", "Lifecycle transitions are not supported."
    rule_id = next((c.text or "" for c in rule if _local(c.tag) == "ID"), "")
    if rule_id:
        if rule_id in seen:
            return 400, "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule."
        seen.add(rule_id)
    if not names & set(_ACTIONS):
        return 400, "InvalidRequest", "At least one action needs to be specified in a rule."
    for action, field in _DAY_FIELDS:
        for element in _children(rule, action):
            for days in _children(element, field):
                text = (days.text or "").strip()
                if not text.isdigit() or int(text) <= 0:
                    return 400, "InvalidArgument", f"'{field}' for {action} action must be a positive integer."
    return None


def tagging_refusal(body: bytes) -> Refusal | None:
    root = _parse(body)
    if root is None:
        return _MALFORMED
    keys: set[str] = set()
    for tag_set in _children(root, "TagSet"):
        for tag in _children(tag_set, "Tag"):
            key = next((c.text or "" for c in tag if _local(c.tag) == "Key"), "")
            if key.lower().startswith("aws:"):
                return 400, "InvalidTag", "Your TagKey cannot be prefixed with aws:"
            if key in keys:
                return 400, "InvalidTag", "Cannot provide multiple Tags with the same key"
            keys.add(key)
    return None


#: S3 operation name -> the check of its body
CONFIG_CHECKS: dict[str, Callable[[bytes], Refusal | None]] = {
    "PutBucketLifecycleConfiguration": lifecycle_refusal,
    "PutBucketTagging": tagging_refusal,
}
