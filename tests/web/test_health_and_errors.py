from __future__ import annotations

from fastapi.testclient import TestClient

from segmently.web.app import create_app
from tests.conftest import make_settings


def test_healthz_ok(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings("postgresql://nobody@127.0.0.1:1/none", tmp_path))
    with TestClient(app) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "database_unavailable"


def test_unknown_route_uses_the_error_shape(client: TestClient) -> None:
    r = client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_security_headers(client: TestClient) -> None:
    r = client.get("/login")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
