"""Failed-login throttling per account and per IP, with the ``limits`` library.

In memory by default; shared through Redis when ``SEGMENTLY_REDIS_URL`` is set, so several
app processes count together.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute, storage, strategies

from segmently.errors import RateLimited

WINDOW_MINUTES = 15


class LoginThrottle:
    def __init__(self, per_account: int, per_ip: int, redis_url: str | None = None) -> None:
        backend = storage.storage_from_string(redis_url) if redis_url else storage.MemoryStorage()
        self._limiter = strategies.MovingWindowRateLimiter(backend)
        self._account = RateLimitItemPerMinute(per_account, WINDOW_MINUTES)
        self._ip = RateLimitItemPerMinute(per_ip, WINDOW_MINUTES)

    def check(self, email: str, ip: str) -> None:
        """Refuse before the password is even looked at when either budget is spent."""
        for item, key in ((self._account, "acct:" + email), (self._ip, "ip:" + ip)):
            if not self._limiter.test(item, "login", key):
                reset = self._limiter.get_window_stats(item, "login", key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise RateLimited(
                    "Too many failed sign-in attempts. Try again later.", retry_after=wait
                )

    def failed(self, email: str, ip: str) -> None:
        self._limiter.hit(self._account, "login", "acct:" + email)
        self._limiter.hit(self._ip, "login", "ip:" + ip)

    def succeeded(self, email: str) -> None:
        self._limiter.clear(self._account, "login", "acct:" + email)
