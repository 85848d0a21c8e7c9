"""Results from the aggregates, checked against numbers computed independently from raw events."""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections import defaultdict
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from statsmodels.stats.proportion import proportions_ztest

from segmently.db.models import Event, OutboxMessage
from tests.accounts import signup
from tests.tracking.factories import Live, event, exposure, live_experiment, send


def _conversion(
    live: Live, visitor: str, variant: str, value: float | None = None, goal: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if value is not None:
        data["value"] = value
    if goal is not None:
        data["goal_id"] = goal
    return event(
        "conversion",
        visitor,
        experiment_id=live.id,
        variant_id=live.variant(variant),
        event_data=data,
    )


def _populate(
    client: TestClient, live: Live, plan: dict[str, tuple[int, int]], value: float = 0.0
) -> None:
    """``plan``: variant key → (visitors, converting visitors)."""
    events: list[dict[str, Any]] = []
    for key, (visitors, converters) in plan.items():
        for i in range(visitors):
            vid = f"{key}-{i}"
            events.append(exposure(live, vid, key))
            if i < converters:
                events.append(_conversion(live, vid, key, value or None))
    for start in range(0, len(events), 500):
        r = send(client, live.key, events[start : start + 500])
        assert r.status_code == 200, r.text
        assert not r.json()["rejected"], r.json()


def _results(client: TestClient, live: Live) -> dict[str, Any]:
    r = client.get(f"/api/v1/experiments/{live.id}/results", headers=live.headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_results_match_an_independent_computation(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (400, 40), "variant_a": (420, 63)}, value=10.0)
    res = _results(client, live)
    by_key = {v["key"]: v for v in res["primary"]["variants"]}
    assert (by_key["control"]["visitors"], by_key["control"]["conversions"]) == (400, 40)
    assert (by_key["variant_a"]["visitors"], by_key["variant_a"]["conversions"]) == (420, 63)
    assert by_key["variant_a"]["conversion_rate"] == pytest.approx(15.0)
    _, p = proportions_ztest([63, 40], [420, 400])
    assert by_key["variant_a"]["p_value"] == pytest.approx(p, abs=1e-9)
    assert by_key["variant_a"]["confidence"] == pytest.approx(min((1 - p) * 100, 99.9), abs=1e-7)
    assert by_key["variant_a"]["revenue"]["total"] == pytest.approx(630.0)
    assert by_key["variant_a"]["revenue"]["average_order_value"] == pytest.approx(10.0)
    assert res["total_visitors"] == 820
    # Independently from the raw events table:
    with app.state.sessions() as s:
        rows = s.execute(
            select(Event.event_name, Event.visitor_id, Event.variant_id).where(
                Event.experiment_id == uuid.UUID(live.id)
            )
        ).all()
    seen: dict[str, set[str]] = defaultdict(set)
    conv: dict[str, set[str]] = defaultdict(set)
    for name, visitor, variant in rows:
        (seen if name == "page_view" else conv)[str(variant)].add(visitor)
    for key in ("control", "variant_a"):
        assert by_key[key]["visitors"] == len(seen[live.variant(key)])
        assert by_key[key]["conversions"] == len(conv[live.variant(key)])


@pytest.mark.parametrize(
    ("plan", "winner"),
    [
        ({"control": (9, 1), "variant_a": (9, 9)}, None),  # fewer than 10 visitors: confidence 0
        ({"control": (500, 100), "variant_a": (500, 40)}, None),  # a confident loser is no winner
        ({"control": (500, 50), "variant_a": (500, 50)}, None),  # a tie
        ({"control": (500, 40), "variant_a": (500, 80)}, "variant_a"),
    ],
)
def test_winner_logic_follows_the_spec(
    client: TestClient, app: Any, plan: dict[str, tuple[int, int]], winner: str | None
) -> None:
    live = live_experiment(client, app)
    _populate(client, live, plan)
    res = _results(client, live)
    if winner is None:
        assert res["primary"]["winner"] is None
        assert res["primary"]["message"] == "No clear winner yet; collect more data."
    else:
        assert res["primary"]["winner"]["variant_id"] == live.variant(winner)
        assert res["primary"]["winner"]["confidence"] >= 95
    if plan["control"][0] < 10:
        assert all(v["confidence"] == 0 for v in res["primary"]["variants"])


def test_significance_reached_fires_exactly_once(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (300, 20), "variant_a": (300, 60)})
    for _ in range(3):
        assert _results(client, live)["significance_reached_at"]
    # Confidence dips (the control catches up) and comes back: still one message.
    _populate(client, live, {"control": (0, 0), "variant_a": (0, 0)})
    extra = [exposure(live, f"late-{i}", "control") for i in range(300)] + [
        _conversion(live, f"late-{i}", "control") for i in range(100)
    ]
    send(client, live.key, extra)
    dipped = _results(client, live)
    assert dipped["primary"]["winner"] is None
    with app.state.sessions() as s:
        messages = s.scalars(
            select(OutboxMessage).where(OutboxMessage.event == "significance.reached")
        ).all()
        assert len(messages) == 1
        payload = messages[0].payload
    assert payload["event"] == "significance.reached"
    assert payload["team_id"] == live.org_id
    assert payload["data"]["experiment_id"] == live.id
    assert payload["data"]["winner_variant_id"] == live.variant("variant_a")
    assert payload["data"]["confidence"] >= 95


def test_csv_matches_the_results(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (50, 5), "variant_a": (60, 12)}, value=3.5)
    res = _results(client, live)
    r = client.get(f"/api/v1/experiments/{live.id}/results.csv", headers=live.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    header = rows[1]
    variant_rows = [
        dict(zip(header, row, strict=False)) for row in rows[2:] if row and row[0] == "variant"
    ]
    primary = [row for row in variant_rows if row["goal"] == res["primary"]["goal_name"]]
    for v in res["primary"]["variants"]:
        row = next(x for x in primary if x["variant_key"] == v["key"])
        assert int(row["visitors"]) == v["visitors"]
        assert int(row["conversions"]) == v["conversions"]
        assert float(row["conversion_rate_pct"]) == pytest.approx(v["conversion_rate"], rel=1e-5)
        assert float(row["revenue_total"]) == pytest.approx(v["revenue"]["total"], rel=1e-5)
    daily = [row for row in rows if row and row[0] == "daily"]
    assert len(daily) == 1 and sum(int(x) for x in daily[0][2:4]) == 110


def test_srm_warning_when_the_split_is_off(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (1000, 0), "variant_a": (700, 0)})
    res = _results(client, live)
    assert res["srm"]["mismatch"] is True and "Sample ratio mismatch" in res["srm"]["message"]
    fine = live_experiment(client, app)
    _populate(client, fine, {"control": (500, 0), "variant_a": (510, 0)})
    assert _results(client, fine)["srm"]["mismatch"] is False


def test_funnel_and_secondary_goals_are_reported(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    events = []
    for i in range(10):
        v = f"f{i}"
        events.append(exposure(live, v, "control", url="https://example.com/"))
        if i < 6:
            events.append(exposure(live, v, "control", url="https://example.com/product/1"))
        if i < 3:
            events.append(event("add_to_cart", v))
    assert send(client, live.key, events).status_code == 200
    res = _results(client, live)
    steps = res["funnel"]["steps"]
    assert [s["reached"]["control"] for s in steps] == [10, 6, 3, 0]
    assert steps[1]["drop_off"]["control"] == pytest.approx(40.0)
    assert res["funnel"]["completion"]["control"] == 0.0
    assert [g["goal_name"] for g in res["secondary"]] == ["Thanks page", "Sign up"]


def test_empty_experiment_has_defined_values(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    res = _results(client, live)
    assert res["total_visitors"] == 0
    assert all(
        v["conversion_rate"] == 0 and v["confidence"] == 0 for v in res["primary"]["variants"]
    )
    assert res["primary"]["message"] == "No clear winner yet; collect more data."
    timeline = client.get(f"/api/v1/experiments/{live.id}/timeline", headers=live.headers).json()
    assert timeline["points"] == []


def test_tenant_isolation_of_results(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    other = signup(client)
    for path in ["results", "timeline", "results.csv"]:
        r = client.get(f"/api/v1/experiments/{live.id}/{path}", headers=other["headers"])
        assert r.status_code == 404, path
    overview = client.get("/api/v1/analytics/overview", headers=other["headers"]).json()
    assert overview["rows"] == [] and overview["total"] == 0
    r = client.get(
        f"/api/v1/analytics/overview?project_id={live.project_id}", headers=other["headers"]
    )
    assert r.json()["rows"] == []


def test_management_api_results(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (20, 2), "variant_a": (20, 4)})
    key = client.post(
        "/api/v1/organization/management-keys", json={"name": "r"}, headers=live.headers
    ).json()["key"]
    r = client.get(
        f"/api/v1/manage/experiments/{live.id}/results", headers={"Authorization": f"Bearer {key}"}
    )
    assert r.status_code == 200
    assert r.json()["primary"] == _results(client, live)["primary"]


def test_overview_counts_filters_and_sorting(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (30, 3), "variant_a": (30, 9)})
    h = live.headers
    draft = client.post(
        f"/api/v1/projects/{live.project_id}/experiments", json={"name": "Draft one"}, headers=h
    )
    assert draft.status_code == 201
    data = client.get("/api/v1/analytics/overview", headers=h).json()
    assert (data["total"], data["active"], data["draft"], data["paused"], data["archived"]) == (
        2,
        1,
        1,
        0,
        0,
    )
    row = next(r for r in data["rows"] if r["experiment_id"] == live.id)
    assert (row["visitors"], row["conversions"]) == (60, 12)
    assert row["conversion_rate"] == pytest.approx(20.0)
    live_only = client.get(
        "/api/v1/analytics/overview", params={"status": "live", "range": "7d"}, headers=h
    ).json()
    assert [r["experiment_id"] for r in live_only["rows"]] == [live.id]
    assert (
        client.get("/api/v1/analytics/overview", params={"range": "1y"}, headers=h).status_code
        == 422
    )


def test_aggregates_equal_a_full_recomputation_after_random_traffic(
    client: TestClient, app: Any
) -> None:
    """Random exposures, conversions with values, replays and out-of-order events: the results
    (from aggregates) equal a recomputation from the raw events in insertion order."""
    rng = random.Random(20261130)
    live = live_experiment(client, app)
    primary = live.goal("Purchase")
    visitors = [f"r{i}" for i in range(120)]
    sent: list[dict[str, Any]] = []
    batches: list[list[str]] = []
    for _ in range(6):
        batch = []
        for _ in range(rng.randint(20, 80)):
            v = rng.choice(visitors)
            key = rng.choice(["control", "variant_a"])
            kind = rng.random()
            if kind < 0.5:
                batch.append(exposure(live, v, key))
            elif kind < 0.8:
                batch.append(_conversion(live, v, key, round(rng.uniform(1, 50), 2)))
            else:
                batch.append(
                    event("purchase", v, event_data={"value": round(rng.uniform(1, 9), 2)})
                )
        if sent and rng.random() < 0.7:  # replay an earlier batch's events with the same ids
            batch += rng.sample(sent, min(10, len(sent)))
        assert send(client, live.key, batch).status_code == 200
        sent += batch
        batches.append([e["event_id"] for e in batch])
    res = _results(client, live)

    with app.state.sessions() as s:
        stored = {
            row[0]: row[1:]
            for row in s.execute(
                select(
                    Event.event_id,
                    Event.event_name,
                    Event.visitor_id,
                    Event.variant_id,
                    Event.event_data,
                ).where(Event.project_id == uuid.UUID(live.project_id))
            )
        }
    assert len(stored) == len({e["event_id"] for e in sent})  # replays stored nothing
    # Documented semantics (docs/events.md): within one request, exposures are applied first;
    # a conversion counts once its visitor is assigned; replays are no-ops.
    assigned: dict[str, str] = {}
    revenue: dict[str, float] = {}
    done: set[str] = set()
    for ids in batches:
        fresh = [i for i in dict.fromkeys(ids) if i not in done]
        done.update(fresh)
        for name, visitor, variant, _ in (stored[i] for i in fresh):
            if name == "page_view":
                assigned.setdefault(visitor, str(variant))
        for name, visitor, _, data in (stored[i] for i in fresh):
            counted = name == "purchase" or (
                name == "conversion" and data.get("goal_id", primary) == primary
            )
            if counted and visitor in assigned:
                revenue[visitor] = revenue.get(visitor, 0.0) + float(data.get("value") or 0.0)
    for v in res["primary"]["variants"]:
        vid = str(v["variant_id"])
        members = [x for x, var in assigned.items() if var == vid]
        converters = [x for x in members if x in revenue]
        assert v["visitors"] == len(members)
        assert v["conversions"] == len(converters)
        assert v["revenue"]["total"] == pytest.approx(sum(revenue[x] for x in converters))

    # Deleting the experiment removes its aggregates with it (no orphan counts left behind).
    from segmently.db.models import GoalDaily, VariantDaily

    slug = live.experiment["slug"]
    assert (
        client.delete(
            f"/api/v1/experiments/{live.id}", params={"confirm": slug}, headers=live.headers
        ).status_code
        == 204
    )
    with app.state.sessions() as s:
        for model in (VariantDaily, GoalDaily):
            assert (
                s.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(model.experiment_id == uuid.UUID(live.id))
                )
                == 0
            )


def test_project_page_rows_show_visitors_so_far(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    _populate(client, live, {"control": (700, 0), "variant_a": (534, 0)})
    token = live.headers["Authorization"].split()[1]
    client.cookies.set("seg_session", token)
    html = client.get(f"/projects/{live.project_id}").text
    assert "1,234 visitors" in html
