"""The editor's probe: fetch the page the user wants to edit, through the SSRF guard, and say
whether a browser will let the dashboard frame it (X-Frame-Options, CSP ``frame-ancestors``)
and whether its HTML carries the Segmently snippet.

The frame verdict follows the browsers: a CSP ``frame-ancestors`` directive, when present,
decides alone (CSP Level 3 §6.4.2; X-Frame-Options is then ignored); every enforced policy
must allow the ancestor. Otherwise ``X-Frame-Options`` DENY blocks, SAMEORIGIN blocks unless the
page shares the dashboard's origin, and the obsolete ALLOW-FROM is ignored, as Chromium does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from segmently.errors import InvalidInput
from segmently.kit.netguard import check_url, is_public_ip, resolve_public

MAX_BYTES = 1_000_000
MAX_REDIRECTS = 5
# The snippet as the install page gives it (/s/<key>.js), or the core with data-api-key.
SNIPPET = re.compile(r"/s/seg_live_[A-Za-z0-9_-]+\.js|/segmently(?:\.min)?\.js|data-api-key=", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}
# A CSP host-source: [scheme://]host[:port][/path], the host possibly "*" or "*.example.com".
HOST_SOURCE = re.compile(
    r"(?:([a-z][a-z0-9+.-]*)://)?(\*|\*\.[^/:]+|[^/:*]+)(?::(\d+|\*))?(?:/.*)?"
)


@dataclass(frozen=True)
class Probe:
    url: str
    final_url: str
    reachable: bool
    status_code: int | None
    framable: bool
    frame_block: str | None
    snippet_found: bool
    message: str


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


def _source_allows(source: str, ancestor: tuple[str, str, int], page: tuple[str, str, int]) -> bool:
    """One frame-ancestors source expression against the ancestor's origin."""
    src = source.strip()
    low = src.lower()
    scheme, host, port = ancestor
    if low == "*":
        return scheme in ("http", "https")
    if low == "'self'":
        return ancestor == page
    if low.startswith("'"):
        return False  # 'none' among others, nonces and hashes: never an ancestor
    m = re.fullmatch(r"([a-z][a-z0-9+.-]*):", low)
    if m:
        wanted = m.group(1)
        return scheme == wanted or (wanted == "http" and scheme == "https")
    m = re.fullmatch(
        r"(?:([a-z][a-z0-9+.-]*)://)?(\*|\*\.[^/:]+|[^/:*]+)(?::(\d+|\*))?(?:/.*)?", low
    )
    if not m:
        return False
    s_scheme, s_host, s_port = m.groups()
    if s_scheme:
        if not (scheme == s_scheme or (s_scheme == "http" and scheme == "https")):
            return False
    elif not (scheme == page[0] or (page[0] == "http" and scheme == "https")):
        return False
    if s_host == "*":
        pass
    elif s_host.startswith("*."):
        if not host.endswith(s_host[1:]):
            return False
    elif host != s_host:
        return False
    if s_port == "*":
        return True
    expected = int(s_port) if s_port else DEFAULT_PORTS.get(scheme, 0)
    return port == expected


def frame_verdict(
    headers: httpx.Headers, page_url: str, dashboard_url: str
) -> tuple[str | None, str]:
    """``(None, "")`` if the dashboard may frame the page, else (which header, why)."""
    page = origin_of(page_url)
    ancestor = origin_of(dashboard_url)
    policies = []
    for value in headers.get_list("content-security-policy"):
        for policy in value.split(","):
            for directive in policy.split(";"):
                name, _, rest = directive.strip().partition(" ")
                if name.lower() == "frame-ancestors":
                    policies.append(rest.split())
                    break
    if policies:
        for sources in policies:
            if not any(_source_allows(s, ancestor, page) for s in sources):
                shown = " ".join(sources) or "'none'"
                return "csp", (
                    f"The page's Content-Security-Policy says frame-ancestors {shown}, which does "
                    "not include the dashboard, so browsers refuse to show it in the editor."
                )
        return None, ""
    values = [v.strip().upper() for v in ",".join(headers.get_list("x-frame-options")).split(",")]
    if "DENY" in values:
        return "x-frame-options", (
            "The page sends X-Frame-Options: DENY, so browsers refuse to show it in a frame."
        )
    if "SAMEORIGIN" in values and page != ancestor:
        return "x-frame-options", (
            "The page sends X-Frame-Options: SAMEORIGIN, so only its own site may frame it, "
            "not the dashboard."
        )
    return None, ""


def check_target(url: str, *, allow_private: bool) -> str:
    """The URL if it may be fetched: http(s), and on a public address unless allowed."""
    try:
        return check_url(url, field="url", label="The page URL", https_only=False)
    except InvalidInput as exc:
        if allow_private and exc.code == "unsafe_url":
            return url.strip()
        raise


def _resolve(url: str, *, allow_private: bool) -> None:
    if allow_private:
        return
    _, host, port = origin_of(url)
    try:
        resolve_public(host, port)
    except (OSError, UnicodeError, ValueError):
        # Unknown names, and names no resolver accepts (an over-long label, bad IDNA).
        raise InvalidInput(
            f"The host {host} could not be found.", field="url", code="unreachable_url"
        ) from None
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="url", code=exc.code) from None


def _check_peer(response: httpx.Response) -> None:
    """The address actually connected to must be public too: a name that resolved to a public
    address for ``resolve_public`` and to a private one for the connection (DNS rebinding) is
    refused before anything of the answer is read."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if not peer or not is_public_ip(str(peer[0])):
        raise InvalidInput(
            "The URL resolves to a private or internal address.", field="url", code="unsafe_url"
        )


def probe(
    url: str,
    *,
    dashboard_url: str,
    allow_private: bool,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> Probe:
    """Fetch ``url`` (every redirect hop re-checked by the SSRF guard) and judge it."""
    current = check_target(url, allow_private=allow_private)
    with httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": "Segmently-Editor-Probe/1.0", "Accept": "text/html,*/*"},
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            _resolve(current, allow_private=allow_private)
            try:
                with client.stream("GET", current) as response:
                    if not allow_private:
                        _check_peer(response)
                    if response.is_redirect and "location" in response.headers:
                        current = check_target(
                            urljoin(current, response.headers["location"]),
                            allow_private=allow_private,
                        )
                        continue
                    body = b""
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) >= MAX_BYTES:
                            break
                    return _judge(url, current, response, body, dashboard_url)
            except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
                return Probe(
                    url=url,
                    final_url=current,
                    reachable=False,
                    status_code=None,
                    framable=False,
                    frame_block=None,
                    snippet_found=False,
                    message=f"The page could not be fetched ({type(exc).__name__}). "
                    "Check the address; the editor can still try to open it in your browser.",
                )
    raise InvalidInput("The page redirects too many times.", field="url", code="too_many_redirects")


def _judge(
    url: str, final: str, response: httpx.Response, body: bytes, dashboard_url: str
) -> Probe:
    block, why = frame_verdict(response.headers, final, dashboard_url)
    found = bool(SNIPPET.search(body.decode("utf-8", "replace")))
    if block:
        message = (
            f"{why} Allow the dashboard's origin in frame-ancestors (and drop X-Frame-Options), "
            "or edit a copy of the page that allows it."
        )
    elif response.status_code >= 400:
        message = f"The page answered HTTP {response.status_code}."
    elif not found:
        message = (
            "The Segmently snippet was not found in the page's HTML. Add it to the <head> and "
            "reload; a snippet added later by JavaScript still works if it answers the editor."
        )
    else:
        message = "The page can be edited."
    return Probe(
        url=url,
        final_url=final,
        reachable=True,
        status_code=response.status_code,
        framable=block is None,
        frame_block=block,
        snippet_found=found,
        message=message,
    )
