from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from segmently.db.models import Experiment, OutboxMessage
from segmently.jobs.loop import Scheduler, Task, default_tasks
from tests.tracking.factories import event, exposure, live_experiment, send


def test_the_scheduler_notices_significance_without_anyone_looking(
    client: TestClient, app: Any
) -> None:
    live = live_experiment(client, app)
    events = []
    for key, (n, x) in {"control": (300, 15), "variant_a": (300, 60)}.items():
        for i in range(n):
            events.append(exposure(live, f"{key}{i}", key))
            if i < x:
                events.append(
                    event(
                        "conversion",
                        f"{key}{i}",
                        experiment_id=live.id,
                        variant_id=live.variant(key),
                    )
                )
    for start in range(0, len(events), 500):
        assert send(client, live.key, events[start : start + 500]).status_code == 200
    scheduler = Scheduler(app.state.sessions, default_tasks())
    assert scheduler.run_due(now=0.0) == ["significance_scan", "purge_expired_events"]
    assert scheduler.run_due(now=1.0) == []  # not due again before its interval
    scheduler.run_due(now=1000.0)
    with app.state.sessions() as s:
        assert s.scalar(select(Experiment.significance_reached_at)) is not None
        assert len(s.scalars(select(OutboxMessage)).all()) == 1


def test_a_failing_task_does_not_stop_the_others(app: Any) -> None:
    ran: list[str] = []

    def boom(_: Any) -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler(
        app.state.sessions, [Task("boom", 1, boom), Task("ok", 1, lambda s: ran.append("ok"))]
    )
    assert scheduler.run_due(now=0.0) == ["ok"]
    assert ran == ["ok"]
