"""``segmently bench results`` at a tiny size: its generator makes a consistent dataset, and the
results endpoint (from the daily aggregates) says what a full scan of the raw events says."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmently.benchmarks import results
from segmently.db.engine import make_engine

VISITORS = 2_000


def _expected() -> dict[int, results.VariantNumbers]:
    """The generator's rules, evaluated in Python: variant index → numbers."""
    out = {}
    for var in (0, 1):
        visitors = conversions = secondary = 0
        revenue = 0.0
        for i in range(var, VISITORS, 2):
            h = ((i // 2) * 2654435761) % 1000
            c = ((i // 2) * 40503) % 100
            visitors += 1
            if h < 100 + 10 * var:
                conversions += 1
                revenue += 10 + (h % 64) * 0.25
            secondary += c < 30 + 2 * var
        out[var] = results.VariantNumbers(visitors, conversions, revenue, secondary)
    return out


def test_endpoint_equals_full_scan_of_generated_data(db_url: str, tmp_path: Path) -> None:
    ds = results.generate(db_url, visitors=VISITORS, events_per_visitor=6)
    assert ds.events == VISITORS * 6
    endpoints = results.measure_endpoints(ds, tmp_path, requests=1)
    engine = make_engine(db_url)
    try:
        scanned = results.full_scan(engine, ds)
    finally:
        engine.dispose()
    expected = _expected()
    for index, variant_id in enumerate(ds.variant_ids):
        got = scanned[variant_id]
        want = expected[index]
        assert (got.visitors, got.conversions, got.secondary_conversions) == (
            want.visitors,
            want.conversions,
            want.secondary_conversions,
        )
        assert got.revenue == pytest.approx(want.revenue)
    assert expected[1].conversions > expected[0].conversions > 0
    for side in ("user", "management"):
        assert results.same_numbers(endpoints[side]["numbers"], scanned) == []


def test_generator_refuses_sizes_it_cannot_lay_out(db_url: str) -> None:
    with pytest.raises(ValueError, match="events_per_visitor"):
        results.prepare(db_url, visitors=10, events_per_visitor=3)
