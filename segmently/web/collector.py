"""Python's cyclic garbage collector, set up for a long-running server process.

With CPython's defaults (a young collection every 700 net allocations, a full one every 100 young
ones) a busy ingestion process spent a quarter of its CPU in the collector, and full collections
walked every object made at startup (routes, models, metadata, templates), stalling requests for
tens of milliseconds: (c) of ``segmently bench ingest`` had a p99 of ~85 ms, ~10 ms after this.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 100)


def tune_for_serving() -> None:
    """Freeze what startup built (full collections skip it) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
