from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.accounts import create_project, signup
from tests.experiments.factories import config, set_tier


@pytest.fixture
def enterprise(client: TestClient, app: Any) -> dict[str, Any]:
    user = signup(client)
    set_tier(app, user["user"]["organization"]["id"], "enterprise")
    user["project"] = create_project(client, user["headers"])
    r = client.post(
        "/api/v1/organization/management-keys", json={"name": "CI"}, headers=user["headers"]
    )
    assert r.status_code == 201, r.text
    user["key"] = r.json()["key"]
    user["key_id"] = r.json()["id"]
    user["mgmt"] = {"Authorization": f"Bearer {user['key']}"}
    return user


def test_key_is_shown_once_and_stored_hashed(
    client: TestClient, app: Any, enterprise: dict[str, Any]
) -> None:
    from sqlalchemy import select

    from segmently.db.models import ManagementKey

    assert enterprise["key"].startswith("seg_mgmt_")
    listed = client.get(
        "/api/v1/organization/management-keys", headers=enterprise["headers"]
    ).json()
    assert enterprise["key"] not in str(listed)
    assert listed[0]["hint"].endswith(enterprise["key"][-4:])
    with app.state.sessions() as s:
        stored = s.scalars(select(ManagementKey)).all()
        assert all(enterprise["key"] not in (k.key_hash + k.hint) for k in stored)


def test_full_cycle_over_http(client: TestClient, enterprise: dict[str, Any]) -> None:
    h = enterprise["mgmt"]
    projects = client.get("/api/v1/manage/projects", headers=h).json()["items"]
    assert [p["id"] for p in projects] == [enterprise["project"]["id"]]
    body = config() | {"project_id": enterprise["project"]["id"]}
    r = client.post("/api/v1/manage/experiments", json=body, headers=h)
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    # PUT replaces a draft's configuration.
    r = client.put(f"/api/v1/manage/experiments/{eid}", json=config(name="Renamed"), headers=h)
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    # PATCH with the spec's status names; X-Management-Key works too.
    r = client.patch(
        f"/api/v1/manage/experiments/{eid}",
        json={"status": "active", "traffic_percentage": 50},
        headers={"X-Management-Key": enterprise["key"]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["traffic_percentage"]) == ("live", 50)
    listing = client.get(
        "/api/v1/manage/experiments", params={"project_id": enterprise["project"]["id"]}, headers=h
    )
    assert [e["id"] for e in listing.json()["items"]] == [eid]
    r = client.patch(f"/api/v1/manage/experiments/{eid}", json={"status": "paused"}, headers=h)
    assert r.json()["status"] == "paused"
    audit = client.get(f"/api/v1/experiments/{eid}/audit", headers=enterprise["headers"]).json()
    assert "API key 'CI'" in audit[0]["actor"]
    assert client.delete(f"/api/v1/manage/experiments/{eid}", headers=h).status_code == 204
    assert client.get(f"/api/v1/manage/experiments/{eid}", headers=h).status_code == 404


def test_bad_patch_inputs(client: TestClient, enterprise: dict[str, Any]) -> None:
    h = enterprise["mgmt"]
    eid = client.post(
        "/api/v1/manage/experiments",
        json=config() | {"project_id": enterprise["project"]["id"]},
        headers=h,
    ).json()["id"]
    r = client.patch(
        f"/api/v1/manage/experiments/{eid}", json={"traffic_percentage": 150}, headers=h
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "traffic_percentage"
    r = client.patch(f"/api/v1/manage/experiments/{eid}", json={"status": "bogus"}, headers=h)
    assert r.status_code == 422
    client.patch(f"/api/v1/manage/experiments/{eid}", json={"status": "archived"}, headers=h)
    r = client.patch(f"/api/v1/manage/experiments/{eid}", json={"status": "active"}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    got = client.get(f"/api/v1/manage/experiments/{eid}", headers=h).json()
    assert got["status"] == "archived" and got["traffic_percentage"] == 100


def test_revoked_key_fails_on_the_next_request(
    client: TestClient, enterprise: dict[str, Any]
) -> None:
    h = enterprise["mgmt"]
    assert client.get("/api/v1/manage/projects", headers=h).status_code == 200
    r = client.delete(
        f"/api/v1/organization/management-keys/{enterprise['key_id']}",
        headers=enterprise["headers"],
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.get("/api/v1/manage/projects", headers=h)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_management_key"


def test_keys_need_enterprise_and_an_owner_and_are_capped(client: TestClient, app: Any) -> None:
    user = signup(client)
    r = client.post(
        "/api/v1/organization/management-keys", json={"name": "x"}, headers=user["headers"]
    )
    assert r.status_code == 402
    set_tier(app, user["user"]["organization"]["id"], "enterprise")
    for i in range(10):
        assert (
            client.post(
                "/api/v1/organization/management-keys",
                json={"name": f"k{i}"},
                headers=user["headers"],
            ).status_code
            == 201
        )
    r = client.post(
        "/api/v1/organization/management-keys", json={"name": "eleventh"}, headers=user["headers"]
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_many_keys"


def test_downgrade_disables_existing_keys(
    client: TestClient, app: Any, enterprise: dict[str, Any]
) -> None:
    set_tier(app, enterprise["user"]["organization"]["id"], "business")
    assert client.get("/api/v1/manage/projects", headers=enterprise["mgmt"]).status_code == 401


def test_bad_keys_all_get_the_same_401(client: TestClient, enterprise: dict[str, Any]) -> None:
    answers = set()
    for headers in [
        {},
        {"Authorization": "Bearer seg_mgmt_nope"},
        {"X-Management-Key": "garbage"},
        {"Authorization": f"Bearer {enterprise['token']}"},
        {"Authorization": f"Bearer {enterprise['key']}x"},
    ]:
        r = client.get("/api/v1/manage/projects", headers=headers)
        answers.add((r.status_code, r.text))
    assert len(answers) == 1 and next(iter(answers))[0] == 401


def test_tenant_isolation_of_the_management_api(
    client: TestClient, app: Any, enterprise: dict[str, Any]
) -> None:
    other = signup(client)
    set_tier(app, other["user"]["organization"]["id"], "enterprise")
    other_project = create_project(client, other["headers"], name="Theirs")
    theirs = client.post(
        f"/api/v1/projects/{other_project['id']}/experiments",
        json=config(),
        headers=other["headers"],
    ).json()
    h = enterprise["mgmt"]
    for r in [
        client.get(f"/api/v1/manage/experiments/{theirs['id']}", headers=h),
        client.patch(
            f"/api/v1/manage/experiments/{theirs['id']}", json={"status": "active"}, headers=h
        ),
        client.put(f"/api/v1/manage/experiments/{theirs['id']}", json=config(), headers=h),
        client.delete(f"/api/v1/manage/experiments/{theirs['id']}", headers=h),
        client.get(
            "/api/v1/manage/experiments", params={"project_id": other_project["id"]}, headers=h
        ),
        client.post(
            "/api/v1/manage/experiments",
            json=config() | {"project_id": other_project["id"]},
            headers=h,
        ),
    ]:
        assert r.status_code == 404, r.text
    assert (
        client.get(f"/api/v1/experiments/{theirs['id']}", headers=other["headers"]).json()["status"]
        == "draft"
    )
