"""Session tokens: HS256 JWTs carrying the user id and the user's token version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from segmently.kit.clock import utcnow

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    version: int


def issue_token(user_id: uuid.UUID, version: int, secret: str, days: int) -> str:
    now = utcnow()
    payload = {
        "sub": str(user_id),
        "ver": version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(days=days)).timestamp()),
        "typ": "session",
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def read_token(token: str, secret: str) -> TokenClaims | None:
    """Claims of a valid, unexpired session token; ``None`` for anything else."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "ver"]},
        )
        if payload.get("typ") != "session":
            return None
        return TokenClaims(uuid.UUID(str(payload["sub"])), int(payload["ver"]))
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
