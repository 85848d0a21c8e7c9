"""The in-memory rate-limit counters behind ``limits``' fixed-window strategy."""

from __future__ import annotations

import pytest
from limits import parse, strategies

from segmently.kit import counters
from segmently.kit.counters import WindowCounters


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(counters.time, "time", fake)
    return fake


def test_a_window_allows_its_amount_then_refuses_until_it_ends(clock: Clock) -> None:
    limiter = strategies.FixedWindowRateLimiter(WindowCounters())
    item = parse("3/minute")
    assert [limiter.hit(item, "ip", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "ip", "b")  # another client has its own budget
    stats = limiter.get_window_stats(item, "ip", "a")
    assert stats.remaining == 0 and stats.reset_time == pytest.approx(clock.now + 60)
    clock.now += 60.5
    assert limiter.hit(item, "ip", "a")
    assert limiter.get_window_stats(item, "ip", "a").remaining == 2


def test_expired_windows_are_swept_and_clear_resets(clock: Clock) -> None:
    storage = WindowCounters()
    for n in range(100):
        storage.incr(f"k{n}", 1)
    clock.now += counters.SWEEP_SECONDS + 1
    storage.incr("fresh", 30)
    assert storage.get("k1") == 0 and storage.get("fresh") == 1
    assert storage.reset() == 1  # only the live window was left after the sweep
    storage.incr("x", 30, amount=2)
    storage.clear("x")
    assert storage.get("x") == 0
