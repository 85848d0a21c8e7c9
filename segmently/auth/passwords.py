"""Password rules and bcrypt hashing (DESIGN.md: at least 8 characters, at most 72 bytes)."""

from __future__ import annotations

import bcrypt

from segmently.errors import InvalidInput

MIN_CHARS = 8
MAX_BYTES = 72  # bcrypt silently ignores anything past 72 bytes, so longer input is refused.


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_CHARS:
        raise InvalidInput(
            f"Password must be at least {MIN_CHARS} characters long.",
            field=field,
            code="password_too_short",
        )
    try:
        size = len(password.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(
            "Password contains characters that cannot be encoded.", field=field
        ) from None
    if size > MAX_BYTES:
        raise InvalidInput(
            f"Password must be at most {MAX_BYTES} bytes long (it is {size} bytes in UTF-8).",
            field=field,
            code="password_too_long",
        )


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    try:
        data = password.encode("utf-8")
    except UnicodeEncodeError:
        return False
    if len(data) > MAX_BYTES:
        return False
    return bcrypt.checkpw(data, hashed.encode("ascii"))


class DummyHash:
    """A hash to check against when the email is unknown, so both cases take the same time."""

    def __init__(self, rounds: int) -> None:
        self.value = hash_password("segmently-dummy-password", rounds)
