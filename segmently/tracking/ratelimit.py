"""Request budgets per client IP and per project key, with the ``limits`` library.

In memory by default; shared through Redis when ``SEGMENTLY_REDIS_URL`` is set, so several app
processes count together. A fixed window's counter is one atomic increment, so concurrent
requests get exactly the limit. If Redis cannot be reached the limiter lets traffic through
(ingestion matters more than throttling) and logs it.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse, strategies
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from segmently.errors import RateLimited
from segmently.kit.counters import counter_storage

log = logging.getLogger("segmently.tracking")


class IngestSettings(BaseSettings):
    """``SEGMENTLY_INGEST_RATE_PER_IP`` / ``…_PER_KEY`` in the ``limits`` notation."""

    model_config = SettingsConfigDict(env_prefix="SEGMENTLY_", extra="ignore")
    ingest_rate_per_ip: str = "1200/minute"
    ingest_rate_per_key: str = "120000/minute"
    # The benchmark's store-nothing twin of /events/batch (never on in production).
    ingest_bench_endpoint: bool = False

    @field_validator("ingest_rate_per_ip", "ingest_rate_per_key")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate such as 1200/minute") from exc
        return value


class IngestLimiter:
    def __init__(self, per_ip: str, per_key: str, redis_url: str | None = None) -> None:
        self._limiter = strategies.FixedWindowRateLimiter(counter_storage(redis_url))
        self._ip: RateLimitItem = parse(per_ip)
        self._key: RateLimitItem = parse(per_key)

    def hit_ip(self, ip: str) -> None:
        self._hit(self._ip, "ip", ip, "Too many requests from this address.")

    def hit_key(self, project_key: str) -> None:
        self._hit(self._key, "key", project_key, "Too many requests for this project.")

    def _hit(self, item: RateLimitItem, kind: str, ident: str, message: str) -> None:
        try:
            allowed = self._limiter.hit(item, "ingest", kind, ident)
        except Exception:  # Redis down: let the event in rather than lose it
            log.warning("rate limiter storage unavailable", exc_info=True)
            return
        if not allowed:
            try:
                reset = self._limiter.get_window_stats(item, "ingest", kind, ident).reset_time
                wait = max(1, math.ceil(reset - time.time()))
            except Exception:
                wait = 1
            raise RateLimited(message + " Try again later.", retry_after=wait)
