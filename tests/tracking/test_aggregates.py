"""What the results read: assignments, per-visitor conversions and the per-day aggregates."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.models import Assignment, Conversion, FunnelDaily, GoalDaily, VariantDaily
from segmently.tracking.router import ingestion
from tests.tracking.factories import event, exposure, live_experiment, send


def _rows(app: Any, model: Any) -> list[Any]:
    with app.state.sessions() as s:
        return list(s.scalars(sa.select(model)))


def _variant_totals(app: Any, variant_id: str) -> dict[str, int]:
    rows = [r for r in _rows(app, VariantDaily) if str(r.variant_id) == variant_id]
    fields = ("visitors", "page_views", "exits", "bounces", "time_on_page_ms", "time_on_page_count")
    return {f: sum(getattr(r, f) for r in rows) for f in fields}


def _goal_totals(app: Any, goal_id: str, variant_id: str) -> tuple[int, float, float]:
    rows = [
        r
        for r in _rows(app, GoalDaily)
        if str(r.goal_id) == goal_id and str(r.variant_id) == variant_id
    ]
    return (
        sum(r.conversions for r in rows),
        sum(r.revenue_sum for r in rows),
        sum(r.revenue_sumsq for r in rows),
    )


def test_exposures_page_views_and_engagement(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    control = live.variant("control")
    evs = [
        exposure(live, "v1"),
        exposure(live, "v1"),  # second page view, same visitor
        exposure(live, "v2"),
        exposure(live, "v2", "variant_a"),  # v2 was already in control: first exposure wins
        event("page_exit", "v1", experiment_id=live.id, event_data={"duration_ms": 1200}),
        event(
            "page_exit",
            "v1",
            experiment_id=live.id,
            event_data={"duration_ms": 1200, "interacted": True},
        ),
        event("page_exit", "v2", experiment_id=live.id, event_data={"duration_ms": 30_000}),
        event("page_exit", "never-exposed", experiment_id=live.id, event_data={"duration_ms": 9}),
    ]
    r = send(client, live.key, evs)
    assert r.json()["accepted"] == len(evs), r.text
    assert _variant_totals(app, control) == {
        "visitors": 2,
        "page_views": 4,
        "exits": 3,
        "bounces": 1,
        "time_on_page_ms": 31_200,
        "time_on_page_count": 2,
    }
    assert _variant_totals(app, live.variant("variant_a"))["visitors"] == 0
    seats = {a.visitor_id: str(a.variant_id) for a in _rows(app, Assignment)}
    assert seats == {"v1": control, "v2": control}
    # A replay of the whole batch changes nothing.
    send(client, live.key, evs)
    assert _variant_totals(app, control)["page_views"] == 4


def test_conversions_once_per_visitor_with_revenue_sums(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    a = live.variant("variant_a")
    purchase = live.goal("Purchase")
    send(client, live.key, [exposure(live, "v1", "variant_a"), exposure(live, "v2", "variant_a")])
    send(client, live.key, [event("purchase", "v1", event_data={"value": 10})])
    send(
        client,
        live.key,
        [
            event("purchase", "v1", event_data={"value": 5}),
            event("conversion", "v2", experiment_id=live.id, event_data={"value": 3}),
            event("purchase", "stranger", event_data={"value": 99}),  # never exposed
        ],
    )
    conversions, revenue, sumsq = _goal_totals(app, purchase, a)
    assert conversions == 2
    assert revenue == pytest.approx(18)
    assert sumsq == pytest.approx(15**2 + 3**2)
    rows = {c.visitor_id: c for c in _rows(app, Conversion)}
    assert set(rows) == {"v1", "v2"}
    assert rows["v1"].revenue == pytest.approx(15) and rows["v1"].events == 2


def test_page_view_goals_and_explicit_goal_ids(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    control = live.variant("control")
    thanks = live.goal("Thanks page")
    signup = live.goal("Sign up")
    send(
        client,
        live.key,
        [
            exposure(live, "v1"),
            exposure(live, "v1", url="https://example.com/thank-you?x=1"),
            exposure(live, "v1", url="https://example.com/thank-you"),
            event("conversion", "v1", experiment_id=live.id, event_data={"goal_id": signup}),
        ],
    )
    assert _goal_totals(app, thanks, control)[0] == 1
    assert _goal_totals(app, signup, control)[0] == 1
    assert _goal_totals(app, live.goal("Purchase"), control)[0] == 0


def test_funnel_counts_steps_in_order_only(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    control = live.variant("control")
    home = "https://example.com/"
    send(
        client,
        live.key,
        [
            exposure(live, "v1", url="https://example.com/product/1"),  # step 2 before step 1
            exposure(live, "v1", url=home),  # step 1
            exposure(live, "v1", url="https://example.com/products/2"),  # step 2
            event("add_to_cart", "v1"),  # step 3 by event
            exposure(live, "v2", url=home),  # v2: step 1 only
            exposure(live, "v2", url="https://example.com/thank-you"),  # skipping: no
        ],
    )
    reached: dict[int, int] = {}
    for row in _rows(app, FunnelDaily):
        if str(row.variant_id) == control:
            reached[row.step] = reached.get(row.step, 0) + row.reached
    assert reached == {1: 2, 2: 1, 3: 1}
    steps = {a.visitor_id: a.funnel_step for a in _rows(app, Assignment)}
    assert steps == {"v1": 3, "v2": 1}
    send(client, live.key, [exposure(live, "v1", url="https://example.com/thank-you")])
    assert {a.visitor_id: a.funnel_step for a in _rows(app, Assignment)}["v1"] == 4


def test_draft_experiment_events_are_logged_but_not_counted(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    r = client.post(
        f"/api/v1/experiments/{live.id}/transitions",
        json={"action": "archive"},
        headers=live.headers,
    )
    assert r.status_code == 200, r.text
    ingestion(app).catalogs.clear()  # the catalog is cached for a second
    r = send(client, live.key, [exposure(live, "v9")])
    assert r.json()["accepted"] == 1
    assert _rows(app, Assignment) == []
