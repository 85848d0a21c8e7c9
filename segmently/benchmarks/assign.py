"""``segmently bench assign``: targeting + assignment rate, ours beside GrowthBook's.

The same work on both sides, for ``n`` distinct visitors of one two-variant experiment with
80% traffic (so both inclusion and variant hashes are computed) and equivalent targeting:

* URL starts with ``https://shop.example.com/product/`` (GrowthBook: the URL regex
  ``^https://shop\\.example\\.com/product/``);
* desktop devices (ours: from the screen width; GrowthBook: a ``deviceType`` attribute
  computed for it in advance, which only flatters GrowthBook);
* country in US, GB, DE, FR; attribute ``plan`` equals ``pro``.

Every visitor passes targeting, so every check runs. The per-visitor inputs (our ``Visitor``,
GrowthBook's attribute dict) are built before timing for both; the timed loops evaluate
only. Rates are per second of this process's CPU time (``time.process_time``), so another
process competing for the cores does not change them; the loops also alternate in chunks so
caches and frequency scaling treat both alike. GrowthBook (``growthbook`` on PyPI, a dev
dependency) is imported only here.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from importlib import metadata
from itertools import pairwise
from typing import Any

from segmently.core.evaluation import ExperimentRules, compile_experiment, evaluate
from segmently.core.targeting import (
    AttributeCondition,
    Device,
    Operator,
    Targeting,
    UrlMatch,
    UrlRule,
    Visitor,
)

URL = "https://shop.example.com/product/42?utm_source=newsletter&utm_medium=email"
COUNTRIES = ("US", "GB", "DE", "FR")
TRAFFIC_PERCENT = 80
CHUNKS = 4


def _visitor_ids(n: int) -> list[str]:
    # distinct, UUID-like ids (what the snippet stores in localStorage)
    return [
        f"{i:08x}-{(i * 2654435761) % 2**32:08x}-4a7b-9c1d-{i * 7919 % 10**12:012d}"
        for i in range(n)
    ]


TARGETING = Targeting(
    url_rules=(UrlRule(UrlMatch.STARTS_WITH, "https://shop.example.com/product/"),),
    devices=(Device.DESKTOP,),
    countries=COUNTRIES,
    conditions=(AttributeCondition("plan", Operator.EQUALS, "pro"),),
)

Side = tuple[Callable[[int, int], int], Callable[[], None]]


def _ours(ids: list[str], targeted: bool) -> Side:
    compiled = compile_experiment(
        ExperimentRules(
            seed="bench-checkout-cta",
            weights=(50, 50),
            traffic_percent=TRAFFIC_PERCENT,
            targeting=TARGETING if targeted else Targeting(),
        )
    )
    visitors = [
        Visitor(i, URL, 1280 + k % 600, COUNTRIES[k % 4], {"plan": "pro"})
        for k, i in enumerate(ids)
    ]

    def run(start: int, stop: int) -> int:
        included = 0
        for visitor in visitors[start:stop]:
            if evaluate(compiled, visitor).variant is not None:
                included += 1
        return included

    return run, visitors.clear


def _growthbook(ids: list[str], targeted: bool) -> Side:
    from growthbook import Experiment, GrowthBook

    targeting: dict[str, Any] = {
        "url": r"^https://shop\.example\.com/product/",
        "condition": {"deviceType": "desktop", "country": {"$in": list(COUNTRIES)}, "plan": "pro"},
    }
    experiment = Experiment(
        key="bench-checkout-cta",
        variations=[0, 1],
        weights=[0.5, 0.5],
        coverage=TRAFFIC_PERCENT / 100,
        hashVersion=2,
        seed="bench-checkout-cta",
        **(targeting if targeted else {}),
    )
    url = URL if targeted else ""  # without URL targeting GrowthBook needs no URL
    growthbook = GrowthBook(url=url)
    attributes = [
        {"id": i, "deviceType": "desktop", "country": COUNTRIES[k % 4], "plan": "pro"}
        for k, i in enumerate(ids)
    ]

    def run(start: int, stop: int) -> int:
        included = 0
        for attrs in attributes[start:stop]:
            growthbook.set_attributes(attrs)
            growthbook.set_url(url)
            if growthbook.run(experiment).inExperiment:
                included += 1
        return included

    return run, attributes.clear


def _measure(ids: list[str], targeted: bool) -> dict[str, Any]:
    n = len(ids)
    sides = {"ours": _ours(ids, targeted), "growthbook": _growthbook(ids, targeted)}
    for evaluate_range, _ in sides.values():  # warm-up: imports, caches, branch history
        evaluate_range(0, min(n, 2000))
    seconds = dict.fromkeys(sides, 0.0)
    included = dict.fromkeys(sides, 0)
    bounds = [n * c // CHUNKS for c in range(CHUNKS + 1)]
    for start, stop in pairwise(bounds):
        for name, (evaluate_range, _) in sides.items():
            began = time.process_time()
            included[name] += evaluate_range(start, stop)
            seconds[name] += time.process_time() - began
    for _, release in sides.values():
        release()
    ours, theirs = n / seconds["ours"], n / seconds["growthbook"]
    return {
        "ours_per_second": round(ours),
        "growthbook_per_second": round(theirs),
        "ratio": round(ours / theirs, 2),
        "ours_included_share": round(included["ours"] / n, 4),
        "growthbook_included_share": round(included["growthbook"] / n, 4),
    }


def run(n: int = 200_000) -> dict[str, Any]:
    """Evaluations per CPU-second, ours and GrowthBook's SDK, on ``n`` distinct visitors.

    The headline is targeting + assignment; ``assignment_only`` repeats the measurement
    without targeting (bucketing alone, on a smaller sample).
    """
    if n < CHUNKS:
        raise ValueError(f"measure at least {CHUNKS} visitors")
    ids = _visitor_ids(n)
    result: dict[str, Any] = {"visitors": n, **_measure(ids, targeted=True)}
    result["assignment_only"] = _measure(ids[: max(CHUNKS, n // 4)], targeted=False)
    result.update(
        traffic_percent=TRAFFIC_PERCENT,
        growthbook_version=metadata.version("growthbook"),
        python=platform.python_version(),
    )
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
