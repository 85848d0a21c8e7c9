"""Funnels exactly as the spec's "Multi-Page Funnel Goals" section describes them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmently.core.funnels import (
    PAGE_VIEW,
    FunnelCounts,
    FunnelEvent,
    FunnelStep,
    count_visitors,
    funnel_report,
    steps_completed,
    validate_funnel,
)

SHOP = [
    FunnelStep("Landing", "/"),
    FunnelStep("Product", "/product"),
    FunnelStep("Add to Cart", "/cart", "add_to_cart"),
    FunnelStep("Checkout", "/checkout"),
    FunnelStep("Confirmed", "/thank-you", "purchase"),
]


def view(url: str) -> FunnelEvent:
    return FunnelEvent(PAGE_VIEW, url)


def test_the_spec_example_completes() -> None:
    events = [
        view("https://shop.example.com/"),
        view("https://shop.example.com/products/123?ref=home"),
        FunnelEvent("add_to_cart"),
        view("https://shop.example.com/checkout"),
        FunnelEvent("purchase", "https://shop.example.com/checkout"),
    ]
    assert steps_completed(SHOP, events) == 5


def test_homepage_only_for_empty_or_slash() -> None:
    for url in ("", "/"):
        steps = [FunnelStep("Home", url)]
        assert steps_completed(steps, [view("https://a.com/")]) == 1
        assert steps_completed(steps, [view("https://a.com")]) == 1  # empty path is "/"
        assert steps_completed(steps, [view("https://a.com/?utm=x#top")]) == 1
        assert steps_completed(steps, [view("https://a.com/about")]) == 0


def test_path_only_contains_and_case_sensitive() -> None:
    steps = [FunnelStep("Product", "/product")]
    assert steps_completed(steps, [view("https://a.com/products/123")]) == 1
    assert steps_completed(steps, [view("/product")]) == 1  # a path alone works too
    assert steps_completed(steps, [view("https://product.com/")]) == 0  # host ignored
    assert steps_completed(steps, [view("https://a.com/?next=/product")]) == 0  # query ignored
    assert steps_completed(steps, [view("https://a.com/#/product")]) == 0  # fragment ignored
    assert steps_completed(steps, [view("https://a.com/Product")]) == 0  # case-sensitive


def test_blank_url_with_event_is_event_only_but_slash_is_not() -> None:
    only_event = [FunnelStep("Signed up", "", "signup")]
    assert steps_completed(only_event, [view("https://a.com/")]) == 0
    assert steps_completed(only_event, [FunnelEvent("signup")]) == 1
    home_or_event = [FunnelStep("Signed up", "/", "signup")]
    assert steps_completed(home_or_event, [view("https://a.com/")]) == 1
    assert steps_completed(home_or_event, [FunnelEvent("signup")]) == 1


def test_url_steps_need_a_page_view_and_events_match_by_name() -> None:
    steps = [FunnelStep("Cart", "/cart", "add_to_cart")]
    assert steps_completed(steps, [FunnelEvent("click", "https://a.com/cart")]) == 0
    assert steps_completed(steps, [FunnelEvent("Add_To_Cart")]) == 0
    assert steps_completed(steps, [FunnelEvent("add_to_cart", "https://a.com/x")]) == 1


def test_order_matters_and_one_event_meets_one_step() -> None:
    steps = SHOP[:3]
    out_of_order = [
        view("https://a.com/"),
        FunnelEvent("add_to_cart"),
        view("https://a.com/product"),
    ]
    assert steps_completed(steps, out_of_order) == 2  # step 3 before step 2 does not count
    again = [*out_of_order, FunnelEvent("add_to_cart")]
    assert steps_completed(steps, again) == 3  # doing it again afterwards does
    twice = [FunnelStep("Home", "/"), FunnelStep("Home again", "/")]
    assert steps_completed(twice, [view("https://a.com/")]) == 1
    assert steps_completed(twice, [view("https://a.com/"), view("https://a.com/")]) == 2


def test_counts_report_and_dedup() -> None:
    visitors = [
        [view("https://a.com/"), view("https://a.com/product/1")],  # drops at step 3
        [view("https://a.com/")] * 3,  # three landings: one visitor
        [
            view("https://a.com/"),
            view("https://a.com/product/1"),
            FunnelEvent("add_to_cart"),
            view("https://a.com/checkout"),
            FunnelEvent("purchase"),
            view("https://a.com/"),
            view("https://a.com/product/2"),
            FunnelEvent("add_to_cart"),
            view("https://a.com/checkout"),
            FunnelEvent("purchase"),  # completed twice: counted once
        ],
        [],  # assigned, never reached step 1
    ]
    counts = count_visitors(SHOP, visitors)
    assert counts == FunnelCounts(4, (3, 2, 1, 1, 1))
    report = funnel_report(SHOP, counts + FunnelCounts(0, (0, 0, 0, 0, 0)))
    assert [s.reached for s in report.steps] == [3, 2, 1, 1, 1]
    assert report.steps[0].rate == pytest.approx(0.75) and report.steps[0].drop_off is None
    assert report.steps[1].drop_off == pytest.approx(1 / 3)
    assert report.steps[2].drop_off == pytest.approx(0.5)
    assert report.completed == 1 and report.completion_rate == pytest.approx(1 / 3)
    empty = funnel_report(SHOP, FunnelCounts(0, (0,) * 5))
    assert empty.completion_rate == 0.0 and all(s.rate == 0.0 for s in empty.steps)
    assert all(s.drop_off in (None, 0.0) for s in empty.steps)


def test_validation() -> None:
    assert validate_funnel(SHOP) == ()
    assert validate_funnel([])
    assert validate_funnel([FunnelStep(" ", "/a")])
    assert validate_funnel([FunnelStep("x", "/a")] * 21)


# -- the greedy scan against a brute-force search over subsequences ---------------------

PATHS = ["/", "/a", "/ab", "/b", "/ba"]
step_strategy = st.builds(
    FunnelStep,
    label=st.just("s"),
    url=st.sampled_from(["", "/", "/a", "a", "/b", "b"]),
    event=st.sampled_from([None, "x", "y"]),
)
event_strategy = st.one_of(
    st.builds(FunnelEvent, name=st.just(PAGE_VIEW), url=st.sampled_from(PATHS)),
    st.builds(FunnelEvent, name=st.sampled_from(["x", "y", "z"])),
)


def _brute_force(steps: list[FunnelStep], events: list[FunnelEvent]) -> int:
    """The most steps met by *any* in-order choice of distinct events (exhaustive search)."""

    def meets(step: FunnelStep, event: FunnelEvent) -> bool:
        return steps_completed([step], [event]) == 1

    def furthest(k: int, start: int) -> int:
        if k == len(steps):
            return k
        options = [
            furthest(k + 1, i + 1) for i in range(start, len(events)) if meets(steps[k], events[i])
        ]
        return max(options, default=k)

    return furthest(0, 0)


@settings(max_examples=150, deadline=None)
@given(st.lists(step_strategy, min_size=1, max_size=5), st.lists(event_strategy, max_size=12))
def test_greedy_matches_the_subsequence_definition(
    steps: list[FunnelStep], events: list[FunnelEvent]
) -> None:
    done = steps_completed(steps, events)
    assert done == _brute_force(steps, events)
    assert steps_completed(steps, [*events, *events]) >= done  # more events never undo steps
