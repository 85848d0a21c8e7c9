"""Rate-limit counters in process memory, as a ``limits`` storage backend.

``limits``' own ``MemoryStorage`` starts a new ``threading.Timer`` 10 ms after every hit to purge
expired counters: under ingestion load that is a new thread about a hundred times a second, a
sixth of the request path's CPU. This backend serves the fixed-window strategy from one dict:
an expired window reads as empty, and expired entries are swept inline at most once a minute.
With ``SEGMENTLY_REDIS_URL`` set, ``limits``' Redis storage is used instead.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage, storage_from_string

SWEEP_SECONDS = 60.0


class WindowCounters(Storage):
    STORAGE_SCHEME = None

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._windows: dict[str, list[float]] = {}  # key → [count, expires_at]
        self._next_sweep = time.time() + SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, elastic_expiry: bool = False, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
                self._next_sweep = now + SWEEP_SECONDS
            window = self._windows.get(key)
            if window is None or window[1] <= now:
                window = self._windows[key] = [0, now + expiry]
            elif elastic_expiry:
                window[1] = now + expiry
            window[0] += amount
            return int(window[0])

    def get(self, key: str) -> int:
        window = self._windows.get(key)
        return int(window[0]) if window is not None and window[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        window = self._windows.get(key)
        now = time.time()
        return window[1] if window is not None and window[1] > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            count = len(self._windows)
            self._windows = {}
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


def counter_storage(redis_url: str | None) -> Storage:
    """Redis when configured (several processes count together), else this process's memory."""
    if not redis_url:
        return WindowCounters()
    backend = storage_from_string(redis_url)
    assert isinstance(backend, Storage)  # a redis:// URL gives the synchronous storage
    return backend
