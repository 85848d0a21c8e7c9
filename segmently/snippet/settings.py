"""Settings of snippet delivery (``SEGMENTLY_`` prefix, like every group in segmently.settings)."""

from __future__ import annotations

import re

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SnippetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEGMENTLY_", extra="ignore")

    # The request header a trusted proxy or CDN puts the visitor's ISO country in
    # (Cloudflare: CF-IPCountry; CloudFront: CloudFront-Viewer-Country). Empty: not used.
    country_header: str = ""
    # An offline MaxMind/DB-IP country database (.mmdb), used when the `maxminddb` package
    # is installed and no header gave a country.
    geoip_db: str = ""
    # Max-age of /s/<key>.js: short, so a config change reaches visitors within a minute.
    snippet_max_age: int = 60

    @field_validator("country_header")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9-]{1,100}", value):
            raise ValueError("must be an HTTP header name such as CF-IPCountry")
        return value
