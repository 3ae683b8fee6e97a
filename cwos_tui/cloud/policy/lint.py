"""Lint a policy source text: detect its kind (org or bucket), parse it with positions, validate it, and
place every finding at a 1-based line and column. Never raises on any text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cwos_tui.cloud.policy.bucket_validate import bucket_findings, is_bucket_policy
from cwos_tui.cloud.policy.findings import Finding, Findings, Severity, has_errors
from cwos_tui.cloud.policy.source import JsonSyntaxError, SourceDocument, parse_source
from cwos_tui.cloud.policy.validate import org_findings

PolicyKind = Literal["org", "bucket"]


@dataclass(frozen=True)
class LintReport:
    kind: PolicyKind
    findings: tuple[Finding, ...]
    #: the parsed document (None when the text is not JSON)
    value: Any = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def counts(self) -> dict[Severity, int]:
        return {s: sum(1 for f in self.findings if f.severity is s) for s in Severity}

    def to_json(self, file: str) -> dict[str, Any]:
        return {"file": file, "kind": self.kind, "findings": [f.to_json() for f in self.findings]}


def detect_kind(value: Any) -> PolicyKind:
    return "bucket" if is_bucket_policy(value) else "org"


def org_policy_object(value: Any) -> Any:
    """The policy inside `{"policy": {...}}`, or the value itself (the bare policy object)."""
    if isinstance(value, dict) and set(value) == {"policy"}:
        return value["policy"]
    return value


def lint_text(text: str, *, kind: PolicyKind | None = None, bucket: str | None = None) -> LintReport:
    """Findings for one policy text; `kind` None detects it (bucket policies have Version/Statement)."""
    try:
        doc = parse_source(text)
    except JsonSyntaxError as exc:
        finding = Finding("policy", f"not valid JSON: {exc.message}", Severity.ERROR, "json-syntax", exc.line,
                          exc.column)
        return LintReport(kind or "org", (finding,))
    return lint_document(doc, kind=kind, bucket=bucket)


def lint_document(doc: SourceDocument, *, kind: PolicyKind | None = None, bucket: str | None = None) -> LintReport:
    found_kind = kind or detect_kind(doc.value)
    if found_kind == "bucket":
        out = Findings()
        bucket_findings(doc.value, out, bucket)
    else:
        wrapped = isinstance(doc.value, dict) and set(doc.value) == {"policy"}
        out = Findings(("policy",) if wrapped else ())
        org_findings(org_policy_object(doc.value), out)
    for at in doc.duplicates:
        out.add_absolute("duplicate-key", at, f"key {at[-1]!r} is written twice; only the last one counts",
                         Severity.WARNING)
    placed = sorted(out.placed(doc.positions), key=lambda f: (f.line, f.column))
    return LintReport(found_kind, tuple(placed), doc.value)
