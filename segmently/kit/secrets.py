"""Generation, hashing and comparison of prefixed secrets (``seg_live_``, ``seg_mgmt_``…)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# 24 random bytes = 192 bits, comfortably above the 128 bits the design asks for.
TOKEN_BYTES = 24


def new_token(prefix: str, nbytes: int = TOKEN_BYTES) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    """Lookup hash of a high-entropy secret (no salt needed: the secret is random)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def hmac_hex(key: str, message: str) -> str:
    return hmac.new(
        key.encode(), message.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()
