from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segmently.db.models import ApiKey, Organization, Project
from tests.accounts import create_project, signup


def _projects(app) -> int:  # type: ignore[no-untyped-def]
    with app.state.sessions() as s:
        return s.scalar(select(func.count()).select_from(Project))


def test_create_list_and_snippet(client: TestClient) -> None:
    user = signup(client)
    project = create_project(client, user["headers"], name="Main Website")
    assert project["api_key"].startswith("seg_live_")
    assert len(project["api_key"]) - len("seg_live_") >= 22  # ≥ 128 bits of url-safe base64
    assert (
        project["snippet"] == f'<script src="http://testserver/s/{project["api_key"]}.js"></script>'
    )
    listing = client.get("/api/v1/projects", headers=user["headers"]).json()
    assert [p["id"] for p in listing["items"]] == [project["id"]]
    assert listing["usage"] == "1/1 Projects"
    assert listing["can_create"] is False
    assert "Free plan" in listing["limit_reason"]


def test_free_plan_limit_is_enforced_by_the_service(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    user = signup(client)
    create_project(client, user["headers"])
    r = client.post("/api/v1/projects", json={"name": "Second"}, headers=user["headers"])
    assert r.status_code == 402
    assert r.json()["error"]["code"] == "plan_limit"
    assert _projects(app) == 1


def test_enterprise_has_no_project_limit(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    user = signup(client)
    with app.state.sessions() as s:
        s.get(Organization, uuid.UUID(user["user"]["organization"]["id"])).tier = "enterprise"
        s.commit()
    for i in range(3):
        create_project(client, user["headers"], name=f"Site {i}")
    assert client.get("/api/v1/projects", headers=user["headers"]).json()["usage"] == "3/∞ Projects"


def test_bad_project_input_is_refused_and_nothing_stored(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    user = signup(client)
    cases = [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 500}, "name"),
        ({"name": "ok", "base_url": "ftp://example.com"}, "base_url"),
        ({"name": "ok", "base_url": "javascript:alert(1)"}, "base_url"),
        ({"name": "ok", "base_url": "example.com"}, "base_url"),
        ({"name": "ok", "base_url": "http://"}, "base_url"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/projects", json=body, headers=user["headers"])
        assert r.status_code == 422, body
        assert r.json()["error"]["field"] == field, body
    assert _projects(app) == 0


def test_unicode_names_round_trip(client: TestClient) -> None:
    user = signup(client)
    p = create_project(client, user["headers"], name="Boutique Ünïcødé 🛍️ 商店")
    got = client.get(f"/api/v1/projects/{p['id']}", headers=user["headers"]).json()
    assert got["name"] == "Boutique Ünïcødé 🛍️ 商店"


def test_rename_and_settings(client: TestClient) -> None:
    user = signup(client)
    p = create_project(client, user["headers"])
    r = client.patch(
        f"/api/v1/projects/{p['id']}",
        json={
            "name": "Renamed",
            "settings": {"cookie_mode": True, "conversion_urls": ["/thank-you"]},
        },
        headers=user["headers"],
    )
    assert r.status_code == 200
    assert r.json()["name"] == "Renamed"
    assert r.json()["settings"] == {"cookie_mode": True, "conversion_urls": ["/thank-you"]}
    bad = client.patch(
        f"/api/v1/projects/{p['id']}", json={"settings": {"nope": 1}}, headers=user["headers"]
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "settings.nope"
    bad = client.patch(
        f"/api/v1/projects/{p['id']}",
        json={"settings": {"cookie_mode": "yes"}},
        headers=user["headers"],
    )
    assert bad.status_code == 422
    assert (
        client.get(f"/api/v1/projects/{p['id']}", headers=user["headers"]).json()["name"]
        == "Renamed"
    )


def test_api_key_regeneration_kills_the_old_key_at_once(client: TestClient) -> None:
    user = signup(client)
    p = create_project(client, user["headers"])
    old = p["api_key"]
    assert client.get("/api/v1/project", headers={"X-API-Key": old}).json()["project_id"] == p["id"]
    new = client.post(
        f"/api/v1/projects/{p['id']}/api-key/regenerate", headers=user["headers"]
    ).json()["api_key"]
    assert new != old
    r = client.get("/api/v1/project", headers={"X-API-Key": old})
    assert r.status_code == 401
    assert client.get("/api/v1/project", headers={"X-API-Key": new}).status_code == 200


def test_every_kind_of_bad_key_gets_the_same_answer(client: TestClient) -> None:
    user = signup(client)
    p = create_project(client, user["headers"])
    answers = []
    for headers in [
        {},
        {"X-API-Key": ""},
        {"X-API-Key": "seg_live_wrong"},
        {"X-API-Key": p["api_key"] + "x"},
        {"X-API-Key": "garbage"},
        {"X-API-Key": "seg_live_" + "a" * 150},
    ]:
        r = client.get("/api/v1/project", headers=headers)
        answers.append((r.status_code, r.json()))
    assert all(a == answers[0] for a in answers)
    assert answers[0][0] == 401


def test_suspended_owner_disables_the_projects_keys(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    from segmently.db.models import User

    user = signup(client)
    p = create_project(client, user["headers"])
    with app.state.sessions() as s:
        s.get(User, uuid.UUID(user["user"]["id"])).is_active = False
        s.commit()
    assert client.get("/api/v1/project", headers={"X-API-Key": p["api_key"]}).status_code == 401


def test_delete_needs_the_typed_name_and_removes_keys(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    user = signup(client)
    p = create_project(client, user["headers"], name="Shop")
    r = client.delete(
        f"/api/v1/projects/{p['id']}", params={"confirm": "shop"}, headers=user["headers"]
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "confirmation_mismatch"
    assert _projects(app) == 1
    r = client.delete(
        f"/api/v1/projects/{p['id']}", params={"confirm": "Shop"}, headers=user["headers"]
    )
    assert r.status_code == 204
    assert _projects(app) == 0
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 0
    assert client.get("/api/v1/project", headers={"X-API-Key": p["api_key"]}).status_code == 401


def test_tenant_isolation_on_every_project_endpoint(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    a = signup(client)
    b = signup(client)
    pb = create_project(client, b["headers"], name="B's site")
    pid = pb["id"]
    h = a["headers"]
    calls = [
        client.get(f"/api/v1/projects/{pid}", headers=h),
        client.patch(f"/api/v1/projects/{pid}", json={"name": "stolen"}, headers=h),
        client.post(f"/api/v1/projects/{pid}/api-key/regenerate", headers=h),
        client.delete(f"/api/v1/projects/{pid}", params={"confirm": "B's site"}, headers=h),
    ]
    for r in calls:
        assert r.status_code == 404, r.text
        assert "B's site" not in r.text and pb["api_key"] not in r.text
    assert client.get("/api/v1/projects", headers=h).json()["items"] == []
    # B's project is untouched and its key still works.
    got = client.get(f"/api/v1/projects/{pid}", headers=b["headers"]).json()
    assert got["name"] == "B's site" and got["api_key"] == pb["api_key"]
    # Non-UUID ids are a 404/422, never a 5xx.
    assert client.get("/api/v1/projects/not-a-uuid", headers=h).status_code == 422
    with app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1


def test_missing_auth_is_401_with_the_error_shape(client: TestClient) -> None:
    r = client.get("/api/v1/projects")
    assert r.status_code == 401
    assert r.json() == {
        "error": {"code": "not_authenticated", "message": "Sign in to continue.", "field": None}
    }


def test_settings_quoting_lone_surrogates_or_control_characters_get_422(
    client: TestClient,
) -> None:
    # Found by tests/web/test_fuzz_api.py: the error message quoted the key (and the stored list
    # could not be written back), so both answers were 500s.
    user = signup(client)
    p = create_project(client, user["headers"])
    headers = user["headers"] | {"Content-Type": "application/json"}
    url = f"/api/v1/projects/{p['id']}"
    for body in (
        b'{"settings": {"\\ud800": 1}}',
        b'{"settings": {"conversion_urls": ["/thanks\\udfff"]}}',
        b'{"settings": {"conversion_urls": ["/thanks\\u0007"]}}',
    ):
        r = client.patch(url, content=body, headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"].startswith("settings")
    r = client.patch(url, content=b'{"settings": {"\\ud800": 1}}', headers=headers)
    assert "\\ud800" in r.json()["error"]["message"]  # quoted, escaped
    assert client.get(url, headers=user["headers"]).json()["settings"]["conversion_urls"] == []
