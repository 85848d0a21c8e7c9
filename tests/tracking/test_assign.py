"""Server-side assignment: same hashing as the snippet, stored once, reasons when not in."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.core.assignment import Allocation, assign, compile_allocation
from segmently.db.models import Assignment, Experiment, VariantDaily
from segmently.tracking.router import ingestion
from tests.tracking.factories import exposure, live_experiment, send


def _assign(client: TestClient, key: str, slug: str, visitor: str, **targeting: Any) -> Any:
    return client.post(
        f"/api/v1/experiments/{slug}/assign",
        json={"visitor_id": visitor, "targeting_data": targeting},
        headers={"X-API-Key": key},
    )


def test_assign_uses_the_shared_hash_and_stores_once(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    slug = live.experiment["slug"]
    with app.state.sessions() as s:
        seed = s.get(Experiment, uuid.UUID(live.id)).seed
    compiled = compile_allocation(Allocation(seed=seed, weights=(50, 50), traffic_percent=100))
    keys = [v["key"] for v in live.experiment["variants"]]
    for i in range(20):
        visitor = f"visitor-{i}"
        r = _assign(client, live.key, slug, visitor, url="https://example.com/x")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["in_experiment"] is True and body["reason"] is None
        assert body["variant"]["key"] == keys[assign(compiled, visitor) or 0]
        assert isinstance(body["variant"]["changes"], list)
        again = _assign(client, live.key, slug, visitor).json()
        assert again["variant"] == body["variant"]
    with app.state.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 20
        visitors = s.scalar(sa.select(sa.func.sum(VariantDaily.visitors)))
    assert visitors == 20


def test_stored_assignment_wins_over_the_hash(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    slug = live.experiment["slug"]
    first = _assign(client, live.key, slug, "v1").json()["variant"]["key"]
    other = "variant_a" if first == "control" else "control"
    send(client, live.key, [exposure(live, "v1", other)])  # a later exposure cannot move it
    assert _assign(client, live.key, slug, "v1").json()["variant"]["key"] == first
    send(client, live.key, [exposure(live, "v2", other)])  # an earlier exposure decides
    assert _assign(client, live.key, slug, "v2").json()["variant"]["key"] == other


def test_reasons_for_not_being_in_the_experiment(client: TestClient, app: Any) -> None:
    live = live_experiment(
        client,
        app,
        traffic_percentage=1,
        targeting={
            "url_rules": [{"type": "contains", "value": "/pricing"}],
            "device": "mobile",
            "countries": [],
            "attributes": [],
        },
    )
    slug = live.experiment["slug"]
    r = _assign(client, live.key, slug, "v1", url="https://example.com/about", device="mobile")
    assert r.json()["reason"] == "targeting" and r.json()["variant"] is None
    assert r.json()["failed_check"] == "url"
    r = _assign(client, live.key, slug, "v1", url="https://example.com/pricing", device="desktop")
    assert r.json()["reason"] == "targeting" and r.json()["failed_check"] == "device"
    reasons = {
        _assign(
            client, live.key, slug, f"v{i}", url="https://x.io/pricing", device="mobile"
        ).json()["reason"]
        for i in range(40)
    }
    assert "traffic" in reasons
    r = client.post(
        f"/api/v1/experiments/{live.id}/transitions", json={"action": "pause"}, headers=live.headers
    )
    assert r.status_code == 200
    ingestion(app).catalogs.clear()
    r = _assign(client, live.key, slug, "v1", url="https://x.io/pricing", device="mobile")
    assert r.json()["reason"] == "not_live"


def test_assign_errors(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    slug = live.experiment["slug"]
    assert _assign(client, live.key, "nope", "v1").status_code == 404
    assert _assign(client, "seg_live_bad", slug, "v1").status_code == 401
    r = client.post(f"/api/v1/experiments/{slug}/assign", json={}, headers={"X-API-Key": live.key})
    assert r.status_code == 422 and r.json()["error"]["field"] == "visitor_id"
    r = client.post(
        f"/api/v1/experiments/{slug}/assign",
        json={"visitor_id": "v", "targeting_data": [1]},
        headers={"X-API-Key": live.key},
    )
    assert r.status_code == 422
    assert r.headers["access-control-allow-origin"] == "*"
