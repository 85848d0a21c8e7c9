"""Save-time checks of URL rules and countries, delegated to ``segmently.core.targeting``."""

from __future__ import annotations

import re

from segmently.errors import InvalidInput

_PROVISIONAL_COUNTRY = re.compile(r"^[A-Z]{2}$")


def check_url_rule(kind: str, value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("A URL rule needs a value.", field=field)
    if len(text) > 2048 or "\x00" in text:
        raise InvalidInput("URL rules are limited to 2048 characters.", field=field)
    if kind == "regex":
        try:
            re.compile(text)
        except re.error as exc:
            raise InvalidInput(
                f"Invalid regular expression: {exc}.", field=field, code="invalid_regex"
            ) from None
    return text


def check_country(value: str, field: str) -> str:
    code = (value or "").strip().upper()
    if not _PROVISIONAL_COUNTRY.match(code):
        raise InvalidInput(
            "Countries are ISO 3166-1 alpha-2 codes such as US, GB or DE.", field=field
        )
    return code
