"""Which S3 addressing style an endpoint needs, and a warning when a profile asks for the wrong one.

CoreWeave's endpoints (cwobject.com, cwlota.com) answer virtual-hosted requests (`bucket.host`) only;
path-style is for hosts a bucket cannot be a sub-domain of: IP literals and loopback names (sandboxes).
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["addressing_for", "addressing_warning"]


def _is_loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def addressing_for(url: str) -> Literal["virtual", "path"]:
    """The addressing style an endpoint needs: path only for loopback names and IP literals (a bucket
    cannot be a sub-domain of them); virtual-hosted for every DNS name, which CoreWeave requires."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    if not host or _is_loopback_name(host) or _is_ip_literal(host):
        return "path"
    return "virtual"


def addressing_warning(url: str, style: str) -> str:
    """A warning when path-style addressing meets a CoreWeave endpoint (it rejects path-style), else ''."""
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    caios = any(host == d or host.endswith("." + d) for d in ("cwobject.com", "cwlota.com"))
    if style == "path" and caios:
        return (f"path-style addressing with {host}: CoreWeave's endpoints answer virtual-hosted requests "
                "(bucket.host) only; use addressing_style = \"virtual\"")
    return ""
