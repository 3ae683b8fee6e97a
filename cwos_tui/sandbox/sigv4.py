"""Just enough SigV4 for the S3 front: who signed a request, and is the signature right.

SeaweedFS verifies the signature (and the body) of every request the front lets through; the
front itself verifies only the requests it answers on its own (denials, bucket policies), so a
wrong secret is reported as `SignatureDoesNotMatch` there too, as the real service does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
_HEADER_RE = re.compile(r"Credential=([^,\s]+).*?SignedHeaders=([^,\s]+).*?Signature=([0-9a-fA-F]+)", re.S)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Signature:
    """The parts of a signed request: the access key, the credential scope and the signature."""

    access_key_id: str
    scope: str  # date/region/service/aws4_request ("" for SigV2)
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool


def _pairs(raw_query: str) -> list[tuple[str, str]]:
    out = []
    for part in raw_query.split("&"):
        if part:
            key, _, value = part.partition("=")
            out.append((unquote(key), unquote(value)))
    return out


def read_signature(headers: Sequence[tuple[bytes, bytes]], raw_query: str) -> Signature | None:
    """The signature of a request (Authorization header or presigned query), or None if anonymous."""
    auth = next((v.decode("latin-1") for k, v in headers if k == b"authorization"), "")
    if auth.startswith(ALGORITHM):
        found = _HEADER_RE.search(auth)
        if not found:
            return None
        credential, signed, signature = found.groups()
        date = next((v.decode("latin-1") for k, v in headers if k == b"x-amz-date"), "")
        return _signature(credential, signed, signature, date, presigned=False)
    if auth.startswith("AWS "):  # SigV2: the key is known, the signature is left to SeaweedFS
        return Signature(auth[4:].split(":", 1)[0], "", (), "", "", False)
    if "X-Amz-Credential" in raw_query:
        params = dict(_pairs(raw_query))
        return _signature(params.get("X-Amz-Credential", ""), params.get("X-Amz-SignedHeaders", ""),
                          params.get("X-Amz-Signature", ""), params.get("X-Amz-Date", ""), presigned=True)
    if "AWSAccessKeyId" in raw_query:  # SigV2 presigned
        return Signature(dict(_pairs(raw_query)).get("AWSAccessKeyId", ""), "", (), "", "", True)
    return None


def _signature(credential: str, signed: str, signature: str, date: str, *, presigned: bool) -> Signature | None:
    key, _, scope = credential.partition("/")
    if not key:
        return None
    return Signature(key, scope, tuple(signed.lower().split(";")), signature.lower(), date, presigned)


def canonical_query(raw_query: str, *, drop_signature: bool) -> str:
    pairs = [(quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in _pairs(raw_query)
             if not (drop_signature and k == "X-Amz-Signature")]
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def signature_matches(sig: Signature, secret_key: str, method: str, raw_path: str, raw_query: str,
                      headers: Sequence[tuple[bytes, bytes]]) -> bool:
    """Recompute a SigV4 signature; SigV2 requests are not judged here (True)."""
    if not sig.scope:
        return True
    values: dict[str, list[str]] = {}
    for k, v in headers:
        values.setdefault(k.decode("latin-1").lower(), []).append(_SPACES.sub(" ", v.decode("latin-1").strip()))
    canonical_headers = "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in sig.signed_headers)
    if sig.presigned:
        payload = dict(_pairs(raw_query)).get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    else:
        payload = (values.get("x-amz-content-sha256") or ["UNSIGNED-PAYLOAD"])[0]
    canonical = "\n".join([method, raw_path or "/", canonical_query(raw_query, drop_signature=sig.presigned),
                           canonical_headers, ";".join(sig.signed_headers), payload])
    to_sign = "\n".join([ALGORITHM, sig.amz_date, sig.scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret_key}".encode()
    for part in sig.scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sig.signature)
