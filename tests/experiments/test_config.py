from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import create_project, signup
from tests.experiments.factories import act, config, create, set_tier


@pytest.fixture
def setup(client: TestClient, app: Any) -> dict[str, Any]:
    app.state.config_cache.ttl = 0  # every read checks the version
    user = signup(client)
    set_tier(app, user["user"]["organization"]["id"], "enterprise")
    user["project"] = create_project(client, user["headers"])
    user["key"] = {"X-API-Key": user["project"]["api_key"]}
    return user


def _config(client: TestClient, key: dict[str, str], **params: str) -> Any:
    return client.get("/api/v1/config", headers=key, params=params)


def test_only_live_experiments_and_nothing_secret(
    client: TestClient, setup: dict[str, Any]
) -> None:
    h = setup["headers"]
    secret_hook = "https://hooks.example.com/secret-path-123"
    e = create(
        client,
        h,
        setup["project"]["id"],
        integrations={
            "slack_webhook_url": "https://hooks.slack.com/services/T000/B000/SECRET",
            "webhook_url": secret_hook,
            "ga4_measurement_id": "G-TEST123",
            "mixpanel_token": "0123456789abcdef0123456789abcdef",
        },
    )
    assert _config(client, setup["key"]).json()["experiments"] == []
    act(client, h, e["id"], "start")
    doc = _config(client, setup["key"]).json()
    assert [x["slug"] for x in doc["experiments"]] == [e["slug"]]
    exp = doc["experiments"][0]
    assert exp["variants"][1]["changes"][0] == {
        "type": "css",
        "selector": "#cta",
        "value": "background: green",
    }
    assert exp["ga4"] == "G-TEST123" and exp["mixpanel"] is True
    text = _config(client, setup["key"]).text
    for secret in ["SECRET", secret_hook, "0123456789abcdef0123456789abcdef", setup["email"]]:
        assert secret not in text
    assert doc["badge"] is False


def test_version_changes_exactly_when_content_changes(
    client: TestClient, setup: dict[str, Any]
) -> None:
    h = setup["headers"]
    v0 = _config(client, setup["key"]).json()["version"]
    e = create(client, h, setup["project"]["id"])  # a draft: not in the document
    assert _config(client, setup["key"]).json()["version"] == v0
    act(client, h, e["id"], "start")
    v1 = _config(client, setup["key"]).json()["version"]
    assert v1 == v0 + 1
    # Renaming the project changes nothing the snippet sees.
    client.patch(
        f"/api/v1/projects/{setup['project']['id']}", json={"name": "Other name"}, headers=h
    )
    assert _config(client, setup["key"]).json()["version"] == v1
    act(client, h, e["id"], "pause")
    v2 = _config(client, setup["key"]).json()["version"]
    assert v2 == v1 + 1
    r = client.put(f"/api/v1/experiments/{e['id']}", json=config(), headers=h)  # same content
    assert r.status_code == 200
    act(client, h, e["id"], "resume")
    assert _config(client, setup["key"]).json()["version"] == v2 + 1


def test_etag_and_cache_headers(client: TestClient, setup: dict[str, Any]) -> None:
    r = _config(client, setup["key"])
    assert r.headers["etag"] and "max-age" in r.headers["cache-control"]
    again = client.get(
        "/api/v1/config", headers=setup["key"] | {"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304


def test_preview_includes_a_draft_only_with_a_real_variant_id(
    client: TestClient, setup: dict[str, Any]
) -> None:
    e = create(client, setup["headers"], setup["project"]["id"])
    variant = e["variants"][1]["id"]
    r = _config(client, setup["key"], preview=f"{e['slug']}:{variant}")
    assert [x["slug"] for x in r.json()["experiments"]] == [e["slug"]]
    assert r.headers["cache-control"] == "no-store"
    wrong = _config(
        client, setup["key"], preview=f"{e['slug']}:00000000-0000-0000-0000-000000000000"
    )
    assert wrong.json()["experiments"] == []


def test_free_plan_shows_the_badge(client: TestClient, app: Any) -> None:
    app.state.config_cache.ttl = 0
    user = signup(client)
    project = create_project(client, user["headers"])
    key = {"X-API-Key": project["api_key"]}
    assert _config(client, key).json()["badge"] is True
    set_tier(app, user["user"]["organization"]["id"], "professional")
    assert _config(client, key).json()["badge"] is False


def test_bad_keys_get_401(client: TestClient, setup: dict[str, Any]) -> None:
    for key in [{}, {"X-API-Key": "seg_live_nope"}]:
        r = client.get("/api/v1/config", headers=key)
        assert r.status_code == 401


def test_other_projects_experiments_never_leak(
    client: TestClient, app: Any, setup: dict[str, Any]
) -> None:
    other = signup(client)
    set_tier(app, other["user"]["organization"]["id"], "enterprise")
    op = create_project(client, other["headers"], name="Other")
    e = create(client, other["headers"], op["id"], name="Their secret test")
    act(client, other["headers"], e["id"], "start")
    assert "Their secret test" not in _config(client, setup["key"]).text
    # Even a preview naming their experiment's real ids does not cross projects.
    r = _config(client, setup["key"], preview=f"{e['slug']}:{e['variants'][0]['id']}")
    assert r.json()["experiments"] == []
