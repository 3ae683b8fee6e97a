"""CoreWeave's auth decision flow as data: questions, choices, and what each path requires.

The documentation draws it as a flowchart (what do you want to do → control plane or storage → static keys or
workload identity → OIDC or SAML → endpoint). The setup wizard walks this graph; nothing here knows about UI.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ROOT = "goal"
END = "done"


class Requirement(StrEnum):
    """Something the user must supply (or the environment must provide) for a path to work."""

    API_TOKEN = "api-token"
    ADMIN_ROLE = "admin-role"
    ACCESS_KEY_PAIR = "access-key-pair"
    KEY_DURATION = "key-duration"
    OIDC_ORG = "oidc-org-id"
    OIDC_TOKEN_SOURCE = "oidc-token-source"
    SAML_ORG = "saml-org-id"
    SAML_CONFIG_ID = "saml-config-id"
    SAML_RESPONSE = "saml-response"
    S3_ENDPOINT = "s3-endpoint"
    ZONE = "zone"


#: what each requirement asks the user for, in the wizard's words
REQUIREMENT_LABELS: dict[Requirement, str] = {
    Requirement.API_TOKEN: "a CoreWeave API access token (CW-SECRET-…), minted in the Cloud Console",
    Requirement.ADMIN_ROLE: "the token's principal needs the Object Storage Admin role (or org policies)",
    Requirement.ACCESS_KEY_PAIR: "an access key id (CW…) and its secret key (cwo…)",
    Requirement.KEY_DURATION: "how long each minted key lives, in seconds",
    Requirement.OIDC_ORG: "your organization id (Cloud Console → Settings)",
    Requirement.OIDC_TOKEN_SOURCE: "where the OIDC token comes from: a file, a command or an environment variable",
    Requirement.SAML_ORG: "your organization id (Cloud Console → Settings)",
    Requirement.SAML_CONFIG_ID: "the SAML configuration id from Workload Federation in the Cloud Console",
    Requirement.SAML_RESPONSE: "a base64 SAML response from your identity provider",
    Requirement.S3_ENDPOINT: "the S3 endpoint: https://cwobject.com, http://cwlota.com, or a custom URL",
    Requirement.ZONE: "the availability zone of your buckets, e.g. US-EAST-04A",
}


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    explanation: str
    next: str
    recommended: bool = False
    requires: tuple[Requirement, ...] = ()
    #: profile fields this choice decides (merged along the path; later choices win)
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    explanation: str
    choices: tuple[Choice, ...]

    def choice(self, key: str) -> Choice:
        for c in self.choices:
            if c.key == key:
                return c
        raise KeyError(f"question {self.key!r} has no choice {key!r}")


_ENDPOINT_NEXT = "endpoint"

FLOW: dict[str, Question] = {q.key: q for q in (
    Question(
        ROOT, "What do you want to do?",
        "CoreWeave AI Object Storage has two sides: the control plane (access keys, org access policies, bucket "
        "settings) at api.coreweave.com, and storage (buckets and objects) over S3.",
        (
            Choice("control-plane", "Manage access keys and org policies (control plane)",
                   "Needs an API access token whose principal has the Object Storage Admin role, or org policies "
                   "that grant the cwobject: actions you use.", END,
                   requires=(Requirement.API_TOKEN, Requirement.ADMIN_ROLE),
                   settings={"credential_source": {"kind": "api-token"}, "purpose": "control-plane"}),
            Choice("storage", "Use buckets and objects (storage)",
                   "Storage needs access keys; the next question is where they come from.", "keys",
                   settings={"purpose": "storage"}),
        ),
    ),
    Question(
        "keys", "Where should the access keys come from?",
        "S3 requests are signed with an access key pair. Keys can come from an API token, which suits development "
        "and testing, or from workload identity federation, which suits production because no long-lived secret "
        "is stored.",
        (
            Choice("static", "From an API token (development and testing)",
                   "Uses a CoreWeave API token to get keys.", "static"),
            Choice("wif", "Workload identity federation (production)",
                   "Your identity provider vouches for the workload; CoreWeave issues short-lived keys.", "wif",
                   recommended=True),
        ),
    ),
    Question(
        "static", "How should the token become keys?",
        "CoreWeave recommends exchanging the token directly for temporary credentials rather than creating "
        "static keys.",
        (
            Choice("token-exchange", "Exchange the token for 15-minute keys, refreshed automatically",
                   "Nothing long-lived is stored besides the token; keys renew before they expire.", _ENDPOINT_NEXT,
                   recommended=True, requires=(Requirement.API_TOKEN,),
                   settings={"credential_source": {"kind": "api-token"}}),
            Choice("jwt-key", "Mint a key with a duration you choose, renewed when it expires",
                   "Creates a key through the API each time; each one shows up in the key list.", _ENDPOINT_NEXT,
                   requires=(Requirement.API_TOKEN, Requirement.KEY_DURATION),
                   settings={"credential_source": {"kind": "jwt-key"}}),
            Choice("existing-key", "Use a key pair I already have",
                   "A static key pair; it cannot be refreshed, so expiry warnings are all the app can give.",
                   _ENDPOINT_NEXT, requires=(Requirement.ACCESS_KEY_PAIR,),
                   settings={"credential_source": {"kind": "static"}}),
        ),
    ),
    Question(
        "wif", "Which identity provider?",
        "OIDC suits workloads (Kubernetes service accounts, CI jobs); SAML suits people signing in through a "
        "corporate identity provider.",
        (
            Choice("oidc", "OIDC: 15-minute keys, refreshed from the workload's token",
                   "The app exchanges an OIDC token (from a file, a command or a variable) for keys.", _ENDPOINT_NEXT,
                   recommended=True, requires=(Requirement.OIDC_ORG, Requirement.OIDC_TOKEN_SOURCE),
                   settings={"credential_source": {"kind": "oidc"}}),
            Choice("saml", "SAML: 1-hour keys, then sign in again",
                   "You paste a SAML response; the keys last an hour (CoreWeave allows up to 12) and when they "
                   "expire you sign in again.", _ENDPOINT_NEXT,
                   requires=(Requirement.SAML_ORG, Requirement.SAML_CONFIG_ID, Requirement.SAML_RESPONSE),
                   settings={"credential_source": {"kind": "saml"}}),
        ),
    ),
    Question(
        _ENDPOINT_NEXT, "Where does this run?",
        "Outside CoreWeave use the HTTPS endpoint. Inside a CoreWeave Kubernetes cluster, LOTA serves reads from a "
        "cache on every node over plain HTTP.",
        (
            Choice("cwobject", "Outside CoreWeave: https://cwobject.com",
                   "The primary endpoint; TLS; virtual-hosted addressing.", END, recommended=True,
                   requires=(Requirement.ZONE,),
                   settings={"s3_endpoint": "https://cwobject.com", "addressing_style": "virtual"}),
            Choice("cwlota", "Inside a CoreWeave cluster: http://cwlota.com (LOTA cache)",
                   "Only reachable from CKS nodes; plain HTTP inside the cluster.", END,
                   requires=(Requirement.ZONE,),
                   settings={"s3_endpoint": "http://cwlota.com", "addressing_style": "virtual"}),
            Choice("custom", "Another endpoint (a sandbox or a proxy)",
                   "Any S3 URL; plain HTTP only on loopback. Addressing follows the endpoint: virtual-hosted for "
                   "names, path-style only for IP addresses and localhost.", END,
                   requires=(Requirement.S3_ENDPOINT, Requirement.ZONE)),
        ),
    ),
)}


Path = tuple[tuple[str, str], ...]


def iter_paths(start: str = ROOT, prefix: Path = ()) -> Iterator[Path]:
    """Every route from `start` to END as (question key, choice key) pairs."""
    for choice in FLOW[start].choices:
        step = (*prefix, (start, choice.key))
        if choice.next == END:
            yield step
        else:
            yield from iter_paths(choice.next, step)


def choices_along(path: Path) -> list[Choice]:
    return [FLOW[q].choice(c) for q, c in path]


def requirements(path: Path) -> list[Requirement]:
    seen: list[Requirement] = []
    for choice in choices_along(path):
        seen.extend(r for r in choice.requires if r not in seen)
    return seen


def settings_for(path: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for choice in choices_along(path):
        merged.update(choice.settings)
    return merged


def next_question(answers: Mapping[str, str]) -> Question | None:
    """The first unanswered question on the path the answers describe, or None when the path is complete."""
    key = ROOT
    while key != END:
        question = FLOW[key]
        answer = answers.get(key)
        if answer is None:
            return question
        key = question.choice(answer).next
    return None


def path_of(answers: Mapping[str, str]) -> Path:
    """The answered steps from the root, in order (stops at the first unanswered question)."""
    steps: list[tuple[str, str]] = []
    key = ROOT
    while key != END and key in answers:
        steps.append((key, answers[key]))
        key = FLOW[key].choice(answers[key]).next
    return tuple(steps)
