"""The sandbox's own identity provider: HS256 OIDC JWTs and a signed SAML-response stand-in.

Real CAIOS trusts the org's configured IdPs; the sandbox trusts exactly this one, so the
workload-identity routes can be exercised end to end without any outside service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime
from typing import Any

OIDC_ISSUER = "https://oidc.sandbox.invalid"
OIDC_AUDIENCE = "https://coreweave.com/iam"
SAML_ROLE_ATTRIBUTE = "https://coreweave.com/SAML/Attributes/Role"


class IdpError(ValueError):
    """A token or response that the sandbox IdP did not issue, or that expired."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_oidc_token(secret: str, subject: str, now: datetime, *, audience: str = OIDC_AUDIENCE,
                    expires_in: int = 3600, issuer: str = OIDC_ISSUER) -> str:
    header = {"alg": "HS256", "typ": "JWT", "kid": "sandbox"}
    ts = int(now.timestamp())
    claims = {"iss": issuer, "sub": subject, "aud": audience, "iat": ts, "nbf": ts, "exp": ts + expires_in}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(sig)}"


def verify_oidc_token(secret: str, token: str, now: datetime) -> dict[str, Any]:
    """Return the claims of a valid token; raise IdpError otherwise."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise IdpError("not a JWT")
    signing_input = f"{parts[0]}.{parts[1]}"
    expected = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    try:
        given = _b64url_decode(parts[2])
        claims = json.loads(_b64url_decode(parts[1]))
    except (ValueError, json.JSONDecodeError) as exc:
        raise IdpError("malformed JWT") from exc
    if not hmac.compare_digest(expected, given):
        raise IdpError("bad signature")
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
        raise IdpError("no subject")
    if int(claims.get("exp", 0)) <= now.timestamp():
        raise IdpError("token expired")
    return claims


def principal_for_oidc(claims: dict[str, Any]) -> str:
    return f"role/{claims['iss']}:{claims['sub']}"


def mint_saml_response(secret: str, config_id: str, role: str, now: datetime, expires_in: int = 300) -> str:
    """A base64 XML document shaped like a SAML Response, signed with HMAC (not XML-DSig)."""
    not_after = int(now.timestamp()) + expires_in
    body = (
        f'<Assertion ConfigId="{config_id}" NotOnOrAfter="{not_after}">'
        f'<Attribute Name="{SAML_ROLE_ATTRIBUTE}"><AttributeValue>{role}</AttributeValue></Attribute>'
        "</Assertion>"
    )
    sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    doc = (
        f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">{body}'
        f"<Signature>{sig}</Signature></samlp:Response>"
    )
    return base64.b64encode(doc.encode()).decode()


_ASSERTION = re.compile(r"(<Assertion .*?</Assertion>)<Signature>([0-9a-f]+)</Signature>", re.S)


def verify_saml_response(secret: str, config_id: str, response: str, now: datetime) -> str:
    """Return the role named by a valid response; raise IdpError otherwise."""
    try:
        doc = base64.b64decode(response, validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise IdpError("SAML response is not base64") from exc
    match = _ASSERTION.search(doc)
    if not match:
        raise IdpError("not a SAML response")
    body, sig = match.groups()
    if not hmac.compare_digest(hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest(), sig):
        raise IdpError("bad signature")
    cfg = re.search(r'ConfigId="([^"]*)"', body)
    if not cfg or cfg.group(1) != config_id:
        raise IdpError("response was issued for another SAML config")
    not_after = re.search(r'NotOnOrAfter="(\d+)"', body)
    if not not_after or int(not_after.group(1)) <= now.timestamp():
        raise IdpError("SAML response expired")
    role = re.search(r"<AttributeValue>([^<]+)</AttributeValue>", body)
    if not role:
        raise IdpError("no role attribute")
    return role.group(1)
