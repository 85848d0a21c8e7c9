"""Builds the delivered snippet: the core file with the compiled config inlined before it.

``/s/<key>.js`` = ``self.__sgc={"c":<config>,"k":<key>,"b":<base url>[,"g":<country>]};`` +
the core. The visitor needs no second request before the page is revealed. The body is a pure
function of (core build, config version, base URL, country), and so is its ETag.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from segmently.core.regex_subset import validate_regex

DIST = Path(__file__).resolve().parents[1] / "web" / "static" / "dist"
CORE_FILE = "segmently.js"
EXTRAS_FILE = "segmently-extras.js"
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


class SnippetNotBuilt(Exception):
    """The front-end build has not produced segmently.js (run `npm run build`)."""


@dataclass(frozen=True)
class Core:
    body: bytes
    digest: str
    mtime: float


_lock = threading.Lock()
_core: dict[Path, Core] = {}


def core(dist: Path = DIST) -> Core:
    """The built core file, re-read only when the build changes it."""
    path = dist / CORE_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise SnippetNotBuilt(f"{path} is missing: run `npm run build`") from None
    cached = _core.get(path)
    if cached is None or cached.mtime != mtime:
        body = path.read_bytes()
        cached = Core(body, hashlib.sha256(body).hexdigest()[:16], mtime)
        with _lock:
            _core[path] = cached
    return cached


@dataclass(frozen=True)
class Prepared:
    """A compiled config as the snippet receives it."""

    body: bytes
    countries: bool  # some experiment targets countries: the visitor's country is injected


_prepared: dict[str, Prepared] = {}


def prepare(etag: str | None, config_body: bytes) -> Prepared:
    """The config for the browser, remembered per config ETag (a version names one content).

    A regex URL rule outside the subset of docs/hashing.md never matches on the server; the
    browser would run it as written, so such a rule is delivered as type ``refused``, which the
    snippet never matches. The snippet then needs no copy of the subset's validator.
    """
    if etag is not None and etag in _prepared:
        return _prepared[etag]
    document = json.loads(config_body)
    countries = False
    refused = False
    for experiment in document.get("experiments", []):
        targeting = experiment.get("targeting") or {}
        countries = countries or bool(targeting.get("countries"))
        for rule in targeting.get("url_rules") or []:
            if rule.get("type") == "regex" and validate_regex(str(rule.get("value"))) is not None:
                rule["type"] = "refused"
                refused = True
    body = (
        json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        if refused
        else config_body
    )
    prepared = Prepared(body, countries)
    if etag is not None:
        with _lock:
            if len(_prepared) > 1000:
                _prepared.clear()
            _prepared[etag] = prepared
    return prepared


def clean_country(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code, or None (XX/T1 and the like from CDNs mean unknown)."""
    code = (value or "").strip().upper()
    if not COUNTRY_RE.match(code) or code in ("XX", "ZZ"):
        return None
    return code


def trusted(client_host: str | None, trusted_proxies: str) -> bool:
    """Whether the direct peer may set the country header (always, when no list is set)."""
    networks = [p.strip() for p in trusted_proxies.split(",") if p.strip()]
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(client_host or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def geoip_country(db_path: str, client_host: str | None) -> str | None:
    """The country of ``client_host`` from an offline .mmdb database, when one is installed."""
    if not db_path or not client_host:
        return None
    try:
        import maxminddb  # optional dependency
    except ImportError:
        return None
    reader = _reader(db_path, maxminddb)
    try:
        record: Any = reader.get(client_host)
    except ValueError:
        return None
    iso = ((record or {}).get("country") or {}).get("iso_code")
    return clean_country(iso)


@lru_cache(maxsize=4)
def _reader(db_path: str, module: Any) -> Any:
    return module.open_database(db_path)


@dataclass(frozen=True)
class Delivered:
    body: bytes
    etag: str


def render(
    core_file: Core, config_body: bytes, *, api_key: str, base_url: str, country: str | None
) -> Delivered:
    boot: dict[str, Any] = {"k": api_key, "b": base_url}
    if country:
        boot["g"] = country
    head = json.dumps(boot, separators=(",", ":"))[:-1]
    body = b"self.__sgc=" + head.encode() + b',"c":' + config_body + b"};\n" + core_file.body
    etag = hashlib.sha256(
        b"\0".join([core_file.digest.encode(), config_body, head.encode()])
    ).hexdigest()[:24]
    return Delivered(body, f'"s-{etag}"')
