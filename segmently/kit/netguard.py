"""SSRF guard for customer-supplied URLs (webhooks, Slack, editor targets).

Two checks: ``check_url`` when the URL is saved (scheme, host, literal private addresses,
local names) and ``resolve_public`` just before a request is sent (every address the name
resolves to must be public), so a DNS name pointing inside our network is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from segmently.errors import InvalidInput

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa")


def is_public_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, field: str, label: str, https_only: bool = True) -> str:
    """Refuse URLs that cannot be a public endpoint; return the trimmed URL."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise InvalidInput(
            f"{label} is not a valid URL.", field=field, code="invalid_url"
        ) from None
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme not in schemes:
        need = "https://" if https_only else "http:// or https://"
        raise InvalidInput(f"{label} must start with {need}.", field=field, code="invalid_url")
    if not host:
        raise InvalidInput(f"{label} must name a host.", field=field, code="invalid_url")
    if parts.username or parts.password:
        raise InvalidInput(
            f"{label} must not contain a user name or password.", field=field, code="invalid_url"
        )
    if len(url) > 2048 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidInput(
            f"{label} must be at most 2048 characters, without spaces.",
            field=field,
            code="invalid_url",
        )
    lowered = host.lower().rstrip(".")
    try:
        literal = ipaddress.ip_address(lowered)
    except ValueError:
        literal = None
    if literal is not None and not is_public_ip(str(literal)):
        raise InvalidInput(
            f"{label} points to a private or internal address.", field=field, code="unsafe_url"
        )
    if literal is None and (
        lowered == "localhost" or lowered.endswith(LOCAL_SUFFIXES) or "." not in lowered
    ):
        raise InvalidInput(
            f"{label} points to a local or internal host.", field=field, code="unsafe_url"
        )
    return url


def resolve_public(host: str, port: int) -> list[str]:
    """Addresses of ``host``; raises ``InvalidInput`` if any of them is not public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses or not all(is_public_ip(a) for a in addresses):
        raise InvalidInput("The URL resolves to a private or internal address.", code="unsafe_url")
    return addresses
