"""Checks for short human-entered text: names, emails, URLs."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from segmently.errors import InvalidInput


def has_control_characters(value: str) -> bool:
    """Control characters or lone surrogates (which no stored text or JSON answer can hold)."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def clean_name(value: str, *, field: str, label: str, max_len: int = 100) -> str:
    """Trimmed, non-empty, at most ``max_len`` characters, no control characters."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{label} is required.", field=field)
    if len(value) > max_len:
        raise InvalidInput(
            f"{label} must be at most {max_len} characters (it has {len(value)}).", field=field
        )
    if has_control_characters(value):
        raise InvalidInput(f"{label} must not contain control characters.", field=field)
    return value


def clean_email(value: str, *, field: str = "email") -> str:
    value = (value or "").strip()
    if len(value) > 254:
        raise InvalidInput("Email address is too long.", field=field, code="invalid_email")
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(
            f"Enter a valid email address ({exc}).", field=field, code="invalid_email"
        ) from None
    return info.normalized.lower()


def clean_http_url(value: str | None, *, field: str, label: str) -> str | None:
    """An absolute http(s) URL with a host, or ``None`` for an empty value."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 2048:
        raise InvalidInput(f"{label} must be at most 2048 characters.", field=field)
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"{label} must start with http:// or https:// and name a host.",
            field=field,
            code="invalid_url",
        )
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput(f"{label} must not contain spaces.", field=field, code="invalid_url")
    return value
