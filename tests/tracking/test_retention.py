"""The retention purge: raw events leave after the plan's window, results stay — on both DBs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.models import Event
from segmently.tracking import retention
from tests.tracking.factories import event, exposure, live_experiment, send


def _age(app: Any, event_ids: list[str], days: float) -> None:
    """Make stored events look ``days`` old (as if they had been sent back then)."""
    moment = datetime.now(UTC) - timedelta(days=days)
    with app.state.sessions.begin() as s:
        s.execute(sa.update(Event).where(Event.event_id.in_(event_ids)).values(occurred_at=moment))


def _ids(app: Any, project_id: str) -> set[str]:
    with app.state.sessions() as s:
        query = sa.select(Event.event_id).where(Event.project_id == uuid.UUID(project_id))
        return set(s.scalars(query))


def test_events_leave_after_the_plans_window_and_results_stay(client: TestClient, app: Any) -> None:
    free = live_experiment(client, app, tier="free")  # 3 days
    enterprise = live_experiment(client, app, tier="enterprise")  # 1 year
    sent = {}
    for live in (free, enterprise):
        batch = [
            exposure(live, "v1") | {"event_id": f"x{live.project_id[:8]}"},
            event("purchase", "v1", event_id=f"p{live.project_id[:8]}", event_data={"value": 5}),
            event("scroll", "v1", event_id=f"n{live.project_id[:8]}"),
        ]
        assert send(client, live.key, batch).json()["accepted"] == 3
        sent[live.project_id] = [e["event_id"] for e in batch]
    before = client.get(f"/api/v1/experiments/{free.id}/results", headers=free.headers).json()
    # Four days old: past the Free plan's 3 days, well inside Enterprise's year.
    _age(app, sent[free.project_id][:2] + sent[enterprise.project_id][:2], days=4)

    with app.state.sessions.begin() as s:
        assert retention.purge_expired_events(s) == 2
        assert retention.purge_expired_events(s) == 0  # nothing left to do
    assert _ids(app, free.project_id) == {sent[free.project_id][2]}
    assert _ids(app, enterprise.project_id) == set(sent[enterprise.project_id])
    after = client.get(f"/api/v1/experiments/{free.id}/results", headers=free.headers).json()
    assert after == before  # results come from aggregates, not from the purged log


def test_a_run_deletes_in_bounded_batches(client: TestClient, app: Any, monkeypatch: Any) -> None:
    live = live_experiment(client, app, tier="free")
    events = [event("scroll", f"v{i}", event_id=f"old{i}") for i in range(25)]
    assert send(client, live.key, events).json()["accepted"] == 25
    _age(app, [e["event_id"] for e in events], days=10)
    monkeypatch.setattr(retention, "BATCH", 4)
    monkeypatch.setattr(retention, "MAX_ROWS_PER_RUN", 10)
    with app.state.sessions.begin() as s:
        assert retention.purge_expired_events(s) == 12  # three batches of 4 reach the bound
    with app.state.sessions.begin() as s:
        assert retention.purge_expired_events(s) == 12
    with app.state.sessions.begin() as s:
        assert retention.purge_expired_events(s) == 1
    assert _ids(app, live.project_id) == set()
