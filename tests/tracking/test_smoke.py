from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.tracking.factories import event, exposure, live_experiment, send


def test_batch_roundtrip(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    evs = [exposure(live, "v1"), event("purchase", "v1", event_data={"value": 10})]
    r = send(client, live.key, evs)
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    r = send(client, live.key, evs)
    assert r.json()["duplicates"] == 2
