"""Multi-page funnel goals, as the spec's "Multi-Page Funnel Goals" section describes them.

A step is met by a *page view* whose URL matches the step's URL field, or by a tracked event
whose name is the step's event name, whichever comes first. URL matching is path-only (the
host, query and fragment are ignored) and case-sensitive:

* an empty URL field or ``/`` matches the homepage only (pathname ``/``);
* any other value matches every pathname that *contains* it (``/product`` matches
  ``/products/123``);
* an empty URL field *with* an event name makes a purely event-based step (the spec's tip
  "leave the URL blank, not /, when the step is satisfied purely by a custom event"; with
  ``/`` the homepage also counts).

Steps must be met in order (visiting step 3 before step 2 does not count, though visiting
it again afterwards does); one event meets at most one step. Each visitor counts once, at
the furthest step reached, so completing the funnel twice is still one completion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "MAX_STEPS",
    "PAGE_VIEW",
    "FunnelCounts",
    "FunnelEvent",
    "FunnelReport",
    "FunnelStep",
    "StepResult",
    "count_visitors",
    "funnel_report",
    "steps_completed",
    "validate_funnel",
]

PAGE_VIEW = "page_view"
MAX_STEPS = 20


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: str
    url: str = ""
    event: str | None = None


@dataclass(frozen=True, slots=True)
class FunnelEvent:
    """One event of a visitor: ``name`` is ``"page_view"`` for page views; ``url`` the page."""

    name: str
    url: str = ""


def validate_funnel(steps: Sequence[FunnelStep]) -> tuple[str, ...]:
    """Problems with a funnel definition, as messages; empty when it is valid."""
    problems: list[str] = []
    if not steps:
        problems.append("a funnel needs at least one step")
    if len(steps) > MAX_STEPS:
        problems.append(f"a funnel has at most {MAX_STEPS} steps")
    for number, step in enumerate(steps, start=1):
        if not step.label.strip():
            problems.append(f"step {number} needs a label")
        if step.event is not None and step.event != step.event.strip():
            problems.append(f"step {number}: the event name has leading or trailing spaces")
    return tuple(problems)


def _pathname(url: str) -> str:
    """``location.pathname`` of a URL (absolute or not): '/' when the path is empty."""
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. an invalid IPv6 host: fall back to cutting by hand
        path = url.split("#", 1)[0].split("?", 1)[0]
    return path or "/"


@dataclass(frozen=True, slots=True)
class _Matcher:
    homepage: bool  # URL field "" (without event) or "/"
    contains: str | None  # any other URL field
    event: str | None


def _matcher(step: FunnelStep) -> _Matcher:
    url = step.url.strip()
    event = step.event.strip() if step.event and step.event.strip() else None
    if url == "/" or (url == "" and event is None):
        return _Matcher(homepage=True, contains=None, event=event)
    return _Matcher(homepage=False, contains=url or None, event=event)


def _meets(matcher: _Matcher, event: FunnelEvent) -> bool:
    if event.name == PAGE_VIEW and (matcher.homepage or matcher.contains is not None):
        path = _pathname(event.url)
        if matcher.homepage and path == "/":
            return True
        if matcher.contains is not None and matcher.contains in path:
            return True
    return matcher.event is not None and event.name == matcher.event


def steps_completed(steps: Sequence[FunnelStep], events: Iterable[FunnelEvent]) -> int:
    """How many steps one visitor completed, in order; ``events`` in chronological order."""
    matchers = [_matcher(step) for step in steps]
    done = 0
    for event in events:
        if done == len(matchers):
            break
        # Greedy: the earliest event meeting the next step is the best choice for the rest.
        if _meets(matchers[done], event):
            done += 1
    return done


@dataclass(frozen=True, slots=True)
class FunnelCounts:
    """Sufficient statistics of one variant's funnel; they add up across shards.

    ``reached[k]`` is the number of visitors who completed at least ``k + 1`` steps.
    """

    visitors: int
    reached: tuple[int, ...]

    def __add__(self, other: FunnelCounts) -> FunnelCounts:
        if len(self.reached) != len(other.reached):
            raise ValueError("funnel counts of different funnels cannot be added")
        return FunnelCounts(
            self.visitors + other.visitors,
            tuple(a + b for a, b in zip(self.reached, other.reached, strict=True)),
        )


def count_visitors(
    steps: Sequence[FunnelStep], visitors: Iterable[Iterable[FunnelEvent]]
) -> FunnelCounts:
    """Funnel counts of a variant from each assigned visitor's chronological events."""
    reached = [0] * len(steps)
    total = 0
    for events in visitors:
        total += 1
        for k in range(steps_completed(steps, events)):
            reached[k] += 1
    return FunnelCounts(total, tuple(reached))


@dataclass(frozen=True, slots=True)
class StepResult:
    label: str
    reached: int
    rate: float  # reached / visitors of the variant
    drop_off: float | None  # 1 − reached / reached at the previous step; None for step 1


@dataclass(frozen=True, slots=True)
class FunnelReport:
    visitors: int
    steps: tuple[StepResult, ...]
    completed: int
    completion_rate: float  # completed / reached step 1 (the spec's "step 1 through final")


def funnel_report(steps: Sequence[FunnelStep], counts: FunnelCounts) -> FunnelReport:
    """Per-step reach, drop-off between consecutive steps and overall completion."""
    if len(steps) != len(counts.reached):
        raise ValueError("the counts are not for this funnel")
    results: list[StepResult] = []
    previous: int | None = None
    for step, reached in zip(steps, counts.reached, strict=True):
        drop_off = None if previous is None else (1.0 - reached / previous if previous else 0.0)
        results.append(
            StepResult(
                label=step.label,
                reached=reached,
                rate=reached / counts.visitors if counts.visitors else 0.0,
                drop_off=drop_off,
            )
        )
        previous = reached
    first = counts.reached[0] if counts.reached else 0
    completed = counts.reached[-1] if counts.reached else 0
    return FunnelReport(
        visitors=counts.visitors,
        steps=tuple(results),
        completed=completed,
        completion_rate=completed / first if first else 0.0,
    )
