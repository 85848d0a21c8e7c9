"""Deleting a project deletes its events (the events table has no foreign key to projects)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.models import Event, Project
from segmently.projects.service import delete_project
from segmently.tracking.catalog import load_catalog
from segmently.tracking.store import EventWork, write_group
from segmently.tracking.validation import CleanEvent
from tests.tracking.factories import Live, event, exposure, live_experiment, send


def _events_by_project(app: Any) -> dict[uuid.UUID, int]:
    with app.state.sessions() as s:
        rows = s.execute(sa.select(Event.project_id, sa.func.count()).group_by(Event.project_id))
        return {pid: n for pid, n in rows}


def _fill(client: TestClient, live: Live, n: int) -> None:
    events = [exposure(live, "v0")] + [event("scroll_depth", "v0") for _ in range(n - 1)]
    r = send(client, live.key, events)
    assert r.status_code == 200 and r.json()["accepted"] == n, r.text


def test_deleting_a_project_deletes_its_events_and_no_others(client: TestClient, app: Any) -> None:
    a = live_experiment(client, app)
    b = live_experiment(client, app)
    _fill(client, a, 5)
    _fill(client, b, 3)
    before = _events_by_project(app)
    assert before == {uuid.UUID(a.project_id): 5, uuid.UUID(b.project_id): 3}

    with app.state.sessions() as s:
        name = s.get(Project, uuid.UUID(a.project_id)).name
    r = client.delete(
        f"/api/v1/projects/{a.project_id}", params={"confirm": name}, headers=a.headers
    )
    assert r.status_code == 204, r.text
    assert _events_by_project(app) == {uuid.UUID(b.project_id): 3}
    # The deleted project's key no longer stores anything; the other project's still does.
    assert send(client, a.key, [event("late", "v9")]).status_code == 401
    _fill(client, b, 2)
    assert _events_by_project(app) == {uuid.UUID(b.project_id): 5}


def test_a_group_in_flight_finishes_before_its_project_is_deleted(
    client: TestClient, app: Any, db_url: str
) -> None:
    """A writer's group has checked the key and stored events but not yet committed when the
    project is deleted: the deletion waits for the commit and then takes those events too."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: the two transactions cannot overlap")
    live = live_experiment(client, app)
    pid = uuid.UUID(live.project_id)
    writer = app.state.sessions()
    project = writer.get(Project, pid)
    now = datetime.now(UTC)
    clean = CleanEvent(
        index=0,
        event_id="in_flight_1",
        event_name="scroll_depth",
        visitor_id="v1",
        session_id=None,
        experiment_id=None,
        variant_id=None,
        device_type="desktop",
        data={"percent": 50},
        occurred_at=now,
        server_id=False,
    )
    work = EventWork(load_catalog(writer, project), [clean], now, None, api_key=live.key)
    write_group(writer, [work])
    assert work.inserted == [True] and not work.unauthorized

    done = threading.Event()

    def remove() -> None:
        with app.state.sessions() as s:
            delete_project(s, s.get(Project, pid), confirm=project.name)
            s.commit()
        done.set()

    deleter = threading.Thread(target=remove)
    deleter.start()
    try:
        assert not done.wait(0.5), "the deletion must wait for the group holding the project"
        writer.commit()
        assert done.wait(10)
    finally:
        writer.close()
        deleter.join(10)
    assert _events_by_project(app) == {}
