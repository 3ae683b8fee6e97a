"""Organization access policy model, shared by the client and the sandbox emulator.

Wire shape (reference §3.1): `{"version": "v1alpha1", "name": ..., "statements": [{"name", "effect",
"actions", "resources", "principals"}]}`. The model is deliberately lenient so that an invalid
policy can still be loaded, shown and explained; `validate_org_policy` says what is wrong.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

POLICY_VERSION = "v1alpha1"


class PolicyStatement(BaseModel):
    """One statement: who (principals) may or may not (effect) do what (actions) on what (resources)."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    effect: str = "Allow"
    actions: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    principals: list[str] = Field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "effect": self.effect,
            "actions": list(self.actions),
            "resources": list(self.resources),
            "principals": list(self.principals),
        }


class OrgPolicy(BaseModel):
    """A named org access policy; EnsureAccessPolicy replaces a policy of the same name."""

    model_config = ConfigDict(extra="ignore")

    version: str = POLICY_VERSION
    name: str = ""
    statements: list[PolicyStatement] = Field(default_factory=list)

    def to_wire(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "statements": [s.to_wire() for s in self.statements],
        }
