"""Pages and JSON reads asked for with hostile ids and query values: never a 5xx — on SQLite
and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import create_project, dashboard_login, signup
from tests.experiments.factories import create, set_tier

HOSTILE = [
    "",
    "x",
    "-1",
    "00000000-0000-0000-0000-000000000000",
    "%00",
    "%ED%A0%80",  # an encoded lone surrogate
    "%FF%FE",
    "..%2F..",
    "a" * 5000,
    "%F0%9F%98%80",
    "null",
    "%7B%7D",
]


def test_hostile_ids_and_query_values_never_get_5xx(client: TestClient, app: Any) -> None:
    user = signup(client)
    set_tier(app, str(user["user"]["organization"]["id"]), "enterprise")
    project = create_project(client, user["headers"])
    experiment = create(client, user["headers"], project["id"])
    dashboard_login(client, user["user"]["email"])
    assert client.get("/projects", follow_redirects=False).status_code == 200  # logged in
    eid, key = experiment["id"], project["api_key"]
    paths = [
        "/experiments/{x}",
        "/experiments/{x}/edit",
        "/experiments/{x}/results",
        "/projects/{x}",
        "/projects/{x}/settings",
        "/projects/{x}/experiments/new",
        "/api/v1/experiments/{x}",
        "/api/v1/experiments/{x}/results",
        "/api/v1/experiments/{x}/audit",
        "/api/v1/experiments/{x}/timeline",
        "/api/v1/projects/{x}",
        "/api/v1/projects/{x}/experiments",
        "/s/{x}.js",
        "/s/{x}.json",
        f"/s/{key}.json?preview={{x}}",
        f"/api/v1/experiments/{eid}/results?goal_id={{x}}",
        f"/api/v1/experiments/{eid}/timeline?goal_id={{x}}&metric={{x}}",
        "/analytics?range={x}&sort={x}&project={x}&status={x}",
        "/api/v1/analytics/overview?range={x}&project_id={x}&status={x}",
        "/projects?welcome={x}",
        "/settings?revoked={x}",
    ]
    for path in paths:
        for value in HOSTILE:
            url = path.replace("{x}", value)
            headers = user["headers"] if url.startswith("/api/") else {}
            r = client.get(url, headers=headers, follow_redirects=False)
            assert r.status_code < 500, (url[:120], r.status_code, r.text[:300])
