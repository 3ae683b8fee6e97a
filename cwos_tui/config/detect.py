"""Detect what the environment already says about CoreWeave credentials, before the wizard asks.

Each finding names what was found and where (never the secret itself), which wizard answers it implies,
and which values it supplies. The wizard opens on the first question these answers do not settle.
"""

from __future__ import annotations

import base64
import configparser
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

K8S_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
#: environment variable naming another service-account token file (a projected volume elsewhere, or tests)
K8S_TOKEN_VARIABLE = "CWOS_K8S_TOKEN_FILE"
#: Where CoreWeave Kubernetes Service clusters issue their service-account tokens (the LOTA signal).
CKS_ISSUER_HOST = "oidc.cks.coreweave.com"
CAIOS_HOSTS = {"cwobject.com": "cwobject", "cwlota.com": "cwlota"}


@dataclass(frozen=True)
class Finding:
    message: str
    answers: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass
class Detection:
    findings: list[Finding] = field(default_factory=list)

    @property
    def answers(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for finding in self.findings:
            for question, choice in finding.answers.items():
                merged.setdefault(question, choice)
        return merged

    @property
    def values(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for finding in self.findings:
            for name, value in finding.values.items():
                merged.setdefault(name, value)
        return merged


def _endpoint_choice(url: str) -> str | None:
    host = (urlsplit(url).hostname or "").lower()
    for suffix, choice in CAIOS_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return choice
    return None


class UnreadableAwsConfig(Exception):
    """The AWS config file exists but cannot be parsed; the message names file and line, never its text."""


def _aws_profiles(path: Path) -> list[tuple[str, str, str]]:
    """(profile, endpoint_url, region) for AWS profiles that point at a CAIOS endpoint."""
    if not path.is_file():
        return []
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except configparser.Error as exc:
        line = exc.errors[0][0] if isinstance(exc, configparser.ParsingError) and exc.errors else None
        line = line or getattr(exc, "lineno", None)
        where = f"{path}:{line}" if isinstance(line, int) else str(path)
        raise UnreadableAwsConfig(f"{where}: not a valid AWS config file, so its profiles were not looked at; "
                                  "fix that line") from None
    except (OSError, UnicodeDecodeError):
        raise UnreadableAwsConfig(f"{path}: cannot be read as text, so its profiles were not looked at") from None
    found = []
    for section in parser.sections():
        endpoint = parser.get(section, "endpoint_url", fallback="")
        if endpoint and _endpoint_choice(endpoint):
            name = section.removeprefix("profile ").strip()
            found.append((name, endpoint, parser.get(section, "region", fallback="")))
    return found


def detect(environ: Mapping[str, str], home: Path | None = None, k8s_token: Path | None = None) -> Detection:
    env = {k: v.strip() for k, v in environ.items() if v.strip()}
    k8s_token = k8s_token or Path(env.get(K8S_TOKEN_VARIABLE) or K8S_TOKEN)
    home = home or Path(env.get("HOME", str(Path.home())))
    result = Detection()
    add = result.findings.append

    full_uri = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
    if "/v1/cwobject/temporary-credentials/api-token" in full_uri:
        add(Finding("Found AWS_CONTAINER_CREDENTIALS_FULL_URI pointing at CoreWeave's API-token exchange",
                    {"goal": "storage", "keys": "static", "static": "token-exchange"},
                    {"control_plane_endpoint": full_uri.split("/v1/", 1)[0]}))
    elif "/v1/cwobject/temporary-credentials/oidc/" in full_uri:
        org_id = full_uri.rstrip("/").rsplit("/", 1)[-1]
        values = {"org_id": org_id, "control_plane_endpoint": full_uri.split("/v1/", 1)[0]}
        if env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"):
            values["oidc_token_file"] = env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        add(Finding(f"Found AWS_CONTAINER_CREDENTIALS_FULL_URI pointing at CoreWeave's OIDC exchange for org "
                    f"{org_id}", {"goal": "storage", "keys": "wif", "wif": "oidc"}, values))

    if env.get("COREWEAVE_API_TOKEN"):
        add(Finding("Found an API token in COREWEAVE_API_TOKEN", {}, {"api_token": env["COREWEAVE_API_TOKEN"]}))
    if env.get("COREWEAVE_API_ENDPOINT"):
        add(Finding(f"Found a control-plane endpoint in COREWEAVE_API_ENDPOINT ({env['COREWEAVE_API_ENDPOINT']})",
                    {}, {"control_plane_endpoint": env["COREWEAVE_API_ENDPOINT"]}))

    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        add(Finding(f"Found an access key pair in AWS_ACCESS_KEY_ID ({env['AWS_ACCESS_KEY_ID']}) and "
                    "AWS_SECRET_ACCESS_KEY", {"goal": "storage", "keys": "static", "static": "existing-key"},
                    {"access_key_id": env["AWS_ACCESS_KEY_ID"], "secret_access_key": env["AWS_SECRET_ACCESS_KEY"]}))

    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        choice = _endpoint_choice(endpoint) or "custom"
        add(Finding(f"Found an S3 endpoint in AWS_ENDPOINT_URL ({endpoint})", {"endpoint": choice},
                    {"s3_endpoint": endpoint}))
    zone = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if zone:
        add(Finding(f"Found a zone in AWS_REGION ({zone})", {}, {"zone": zone}))

    _aws_config_findings(Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config"), add)
    _kubernetes_findings(env, k8s_token, add)
    return result


def _aws_config_findings(config: Path, add: Callable[[Finding], None]) -> None:
    try:
        aws_profiles = _aws_profiles(config)
    except UnreadableAwsConfig as exc:
        add(Finding(str(exc), {}, {}))
        aws_profiles = []
    for name, url, region in aws_profiles:
        values = {"s3_endpoint": url, "aws_profile": name}
        if region:
            values["zone"] = region
        add(Finding(f"Found AWS profile {name!r} using {url}", {"endpoint": _endpoint_choice(url) or "custom"},
                    values))


def _kubernetes_findings(env: Mapping[str, str], k8s_token: Path, add: Callable[[Finding], None]) -> None:
    if k8s_token.is_file() or env.get("KUBERNETES_SERVICE_HOST"):
        values = {"oidc_token_file": str(k8s_token)} if k8s_token.is_file() else {}
        issuer = token_issuer(k8s_token)
        if is_cks_issuer(issuer):
            add(Finding(f"Running in a CoreWeave (CKS) cluster: the service-account token is issued by {issuer}; "
                        "the LOTA endpoint http://cwlota.com and OIDC with that token are the usual choice",
                        {"endpoint": "cwlota"}, values))
        else:
            add(Finding("Running in a Kubernetes cluster that does not show itself as CoreWeave's (its service-"
                        "account token is not issued by oidc.cks.coreweave.com), so LOTA is asked, not assumed",
                        {}, values))


def token_issuer(path: Path) -> str:
    """The `iss` claim of a JWT in a file (read, not verified: it only picks a default), or ''."""
    try:
        parts = path.read_text().strip().split(".")
        if len(parts) != 3:
            return ""
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else ""


def is_cks_issuer(issuer: str) -> bool:
    """CKS clusters issue service-account tokens from https://oidc.cks.coreweave.com/id/<cluster uuid>."""
    host = (urlsplit(issuer).hostname or "").lower() if issuer else ""
    return host == CKS_ISSUER_HOST
