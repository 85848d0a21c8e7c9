"""Whole-request answers: auth, content types, sizes, gzip, CORS — on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from segmently.db.models import Event, User
from tests.tracking.factories import event, exposure, live_experiment, send


def _count(app: Any) -> int:
    with app.state.sessions() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Event)) or 0)


def test_key_in_header_body_or_query_and_text_plain(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    r = client.post("/api/v1/events/track", json=event("a", "v1") | {"api_key": live.key})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1 and r.json()["event_id"]
    body = json.dumps({"events": [event("b", "v1")]})
    r = client.post(
        f"/api/v1/events/batch?api_key={live.key}",
        content=body,
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    assert _count(app) == 2


def test_bad_keys_all_get_the_same_401_and_store_nothing(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    answers = []
    for key in (None, "", "nope", "seg_live_" + "x" * 30, "seg_live_" + "x" * 100, live.key + "x"):
        headers = {} if key is None else {"X-API-Key": key}
        r = client.post("/api/v1/events/batch", json={"events": [event("a", "v")]}, headers=headers)
        assert r.status_code == 401, r.text
        assert r.headers["access-control-allow-origin"] == "*"
        answers.append(r.json())
    assert all(a == answers[0] for a in answers)
    assert answers[0]["error"]["code"] == "invalid_api_key"
    assert _count(app) == 0


def test_regenerated_key_and_suspended_owner_stop_at_once(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    assert send(client, live.key, [event("a", "v")]).status_code == 200
    r = client.post(f"/api/v1/projects/{live.project_id}/api-key/regenerate", headers=live.headers)
    assert r.status_code == 200, r.text
    assert send(client, live.key, [event("a", "v")]).status_code == 401
    fresh = r.json()["api_key"]
    assert send(client, fresh, [event("a", "v")]).status_code == 200
    with app.state.sessions() as s:
        s.execute(sa.update(User).values(is_active=False))
        s.commit()
    assert send(client, fresh, [event("a", "v")]).status_code == 401


def test_whole_request_errors(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    h = {"X-API-Key": live.key, "Content-Type": "application/json"}
    url = "/api/v1/events/batch"

    def post(content: bytes, **headers: str) -> Any:
        return client.post(url, content=content, headers=h | headers)

    assert post(b"{not json").status_code == 400
    assert post(b"[1, 2]").json()["error"]["code"] == "invalid_json"
    assert post(b"\xff\xfe").status_code == 400
    assert post(b'{"events": 3}').status_code == 400
    deep = b'{"events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    assert post(deep).status_code in (400, 413)
    many = json.dumps({"events": [event("a", "v") for _ in range(501)]}).encode()
    r = post(many)
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_many_events"
    big = json.dumps({"events": [event("a", "v", event_data={"p": "x" * 20_000})] * 26}).encode()
    assert len(big) > 500 * 1024
    r = post(big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    r = post(b"a=b", **{"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = post(b"{}", **{"Content-Encoding": "br"})
    assert r.status_code == 415
    bomb = gzip.compress(b'{"events": [], "pad": "' + b" " * (3 * 1024 * 1024) + b'"}')
    assert len(bomb) < 500 * 1024
    r = post(bomb, **{"Content-Encoding": "gzip"})
    assert r.status_code == 413
    assert post(b"not gzip", **{"Content-Encoding": "gzip"}).status_code == 400
    assert _count(app) == 0
    ok = gzip.compress(json.dumps({"events": [event("a", "v")] * 1}).encode())
    r = post(ok, **{"Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    r = post(json.dumps({"events": [event("a", "v") for _ in range(500)]}).encode())
    assert r.status_code == 200 and r.json()["accepted"] == 500


def test_cors_only_on_ingestion(client: TestClient, app: Any) -> None:
    live = live_experiment(client, app)
    pre = {
        "Origin": "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key",
    }
    for path in ("/api/v1/events/track", "/api/v1/events/batch", "/api/v1/experiments/x/assign"):
        r = client.options(path, headers=pre)
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "*"
        assert int(r.headers["access-control-max-age"]) >= 600
        assert "x-api-key" in r.headers["access-control-allow-headers"].lower()
    r = send(client, live.key, [exposure(live, "v")], headers={"Origin": "https://shop.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.get("/api/v1/projects", headers=live.headers | {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    r = client.options("/api/v1/projects", headers=pre)
    assert "access-control-allow-origin" not in r.headers


def test_other_methods_and_paths_next_to_ingestion_reach_the_app(
    client: TestClient, app: Any
) -> None:
    live = live_experiment(client, app)
    r = client.get("/api/v1/events/track", headers=live.headers)
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    assert r.json()["error"]["code"]
    r = client.post("/api/v1/events/track/extra", headers=live.headers, json={})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.post("/api/v1/experiments/a/b/assign", headers=live.headers, json={})
    assert r.status_code == 404
    r = client.post("/api/v1/_bench/events/batch", headers=live.headers, json={"events": []})
    assert r.status_code == 404  # the benchmark's twin exists only when switched on
    assert _count(app) == 0


def test_an_unexpected_failure_answers_json_500_with_cors_and_stores_nothing(
    client: TestClient, app: Any, monkeypatch: Any
) -> None:
    from segmently.tracking import service

    live = live_experiment(client, app)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "prepare_events", broken)
    r = send(client, live.key, [exposure(live, "v")], headers={"Origin": "https://shop.example"})
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert r.headers["access-control-allow-origin"] == "*"
    assert "a bug" not in r.text
    assert _count(app) == 0
    monkeypatch.undo()
    assert send(client, live.key, [exposure(live, "v")]).status_code == 200
