from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from segmently.db.models import Experiment, ExperimentAudit
from tests.accounts import create_project, signup
from tests.experiments.factories import act, config, create, set_tier


@pytest.fixture
def owner(client: TestClient, app: Any) -> dict[str, Any]:
    user = signup(client)
    set_tier(app, user["user"]["organization"]["id"], "enterprise")
    user["project"] = create_project(client, user["headers"])
    return user


def _count(app: Any) -> int:
    with app.state.sessions() as s:
        return s.scalar(select(func.count()).select_from(Experiment))


def test_create_stores_everything_and_derives_slug_and_keys(
    client: TestClient, owner: dict[str, Any]
) -> None:
    e = create(
        client,
        owner["headers"],
        owner["project"]["id"],
        variants=[
            {"name": "Control", "weight": 34},
            {"name": "B", "weight": 33, "changes": [{"type": "hide", "selector": ".banner"}]},
            {"name": "C", "weight": 33},
        ],
    )
    assert e["slug"] == "homepage-hero-test"
    assert e["status"] == "draft"
    assert [v["key"] for v in e["variants"]] == ["control", "variant_a", "variant_b"]
    assert all(v["id"] for v in e["variants"])
    assert e["allowed_transitions"] == ["start", "archive"]
    assert e["goals"][0]["primary"] is True
    got = client.get(f"/api/v1/experiments/{e['id']}", headers=owner["headers"]).json()
    assert got == e


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        (
            {
                "variants": [
                    {"key": "control", "name": "C", "weight": 50},
                    {"key": "variant_a", "name": "A", "weight": 49},
                ]
            },
            "variants",
            422,
        ),
        (
            {
                "variants": [
                    {"key": "control", "name": "C", "weight": 50},
                    {"key": "variant_a", "name": "A", "weight": 51},
                ]
            },
            "variants",
            422,
        ),
        ({"variants": [{"key": "control", "name": "C", "weight": 100}]}, "variants", 422),
        (
            {
                "variants": [
                    {"key": "a", "name": "A", "weight": 50},
                    {"key": "b", "name": "B", "weight": 50},
                ]
            },
            "variants.0.key",
            422,
        ),
        (
            {"targeting": {"url_rules": [{"type": "regex", "value": "([a-z"}]}},
            "targeting.url_rules.0.value",
            422,
        ),
        (
            {"targeting": {"url_rules": [{"type": "regex", "value": "(a+)+$"}]}},
            "targeting.url_rules.0.value",
            422,
        ),
        (
            {"targeting": {"url_rules": [{"type": "regex", "value": "(?<=x)y"}]}},
            "targeting.url_rules.0.value",
            422,
        ),
        ({"targeting": {"countries": ["UK"]}}, "targeting.countries.0", 422),
        (
            {"goals": [{"name": "Click", "kind": "click", "selector": "  "}]},
            "goals.0.selector",
            422,
        ),
        (
            {
                "variants": [
                    {
                        "key": "control",
                        "name": "C",
                        "weight": 50,
                        "changes": [{"type": "hide", "selector": ""}],
                    },
                    {"key": "variant_a", "name": "A", "weight": 50},
                ]
            },
            "variants.0.changes.0.selector",
            422,
        ),
        ({"activation_delay_ms": -1}, "activation_delay_ms", 422),
        ({"activation_delay_ms": 600_000}, "activation_delay_ms", 422),
        ({"traffic_percentage": 101}, "traffic_percentage", 422),
        (
            {"integrations": {"ga4_measurement_id": "UA-123"}},
            "integrations.ga4_measurement_id",
            422,
        ),
        (
            {"integrations": {"slack_webhook_url": "http://hooks.slack.com/services/x"}},
            "integrations.slack_webhook_url",
            422,
        ),
        (
            {"integrations": {"webhook_url": "https://127.0.0.1/hook"}},
            "integrations.webhook_url",
            422,
        ),
        (
            {"integrations": {"webhook_url": "https://localhost/hook"}},
            "integrations.webhook_url",
            422,
        ),
        (
            {
                "variants": [
                    {"key": "control", "name": "C", "weight": 50},
                    {
                        "key": "variant_a",
                        "name": "A",
                        "weight": 50,
                        "changes": [{"type": "js", "value": "x" * 2_000_000}],
                    },
                ]
            },
            "variants.1.changes.0.value",
            422,
        ),
        ({"slug": "Not A Slug"}, "slug", 422),
        ({"name": ""}, "name", 422),
        ({"targeting": {"countries": ["USA"]}}, "targeting.countries.0", 422),
        ({"cross_domains": ["https://shop.example.com/x"]}, "cross_domains.0", 422),
        (
            {
                "goals": [
                    {"name": "A", "kind": "click", "selector": "#a", "primary": True},
                    {"name": "B", "kind": "click", "selector": "#b", "primary": True},
                ]
            },
            "goals.1.primary",
            422,
        ),
        (
            {
                "variants": [
                    {
                        "key": "control",
                        "name": "C",
                        "weight": 50,
                        "changes": [
                            {
                                "type": "attribute",
                                "selector": "a",
                                "attribute": "onclick",
                                "value": "x()",
                            }
                        ],
                    },
                    {"key": "variant_a", "name": "A", "weight": 50},
                ]
            },
            "variants.0.changes.0.attribute",
            422,
        ),
        (
            {"schedule": {"start_at": "2026-12-02T00:00:00Z", "end_at": "2026-12-01T00:00:00Z"}},
            "schedule.end_at",
            422,
        ),
    ],
)
def test_bad_configurations_are_refused_and_change_nothing(
    client: TestClient,
    app: Any,
    owner: dict[str, Any],
    changes: dict[str, Any],
    field: str,
    status: int,
) -> None:
    r = client.post(
        f"/api/v1/projects/{owner['project']['id']}/experiments",
        json=config(**changes),
        headers=owner["headers"],
    )
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["field"] == field, err
    assert err["message"]
    assert _count(app) == 0


def test_duplicate_slug_is_a_conflict(client: TestClient, app: Any, owner: dict[str, Any]) -> None:
    create(client, owner["headers"], owner["project"]["id"])
    r = client.post(
        f"/api/v1/projects/{owner['project']['id']}/experiments",
        json=config(),
        headers=owner["headers"],
    )
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "slug_taken",
        "message": r.json()["error"]["message"],
        "field": "slug",
    }
    assert _count(app) == 1


def test_lifecycle_and_forbidden_transitions(
    client: TestClient, app: Any, owner: dict[str, Any]
) -> None:
    h = owner["headers"]
    e = create(client, h, owner["project"]["id"])
    eid = e["id"]
    assert act(client, h, eid, "pause").status_code == 409
    r = act(client, h, eid, "start")
    assert r.status_code == 200 and r.json()["status"] == "live" and r.json()["started_at"]
    assert r.json()["allowed_transitions"] == ["pause", "archive"]
    # Editing a live experiment is refused and changes nothing.
    r = client.put(f"/api/v1/experiments/{eid}", json=config(name="Changed"), headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_editable"
    assert (
        client.get(f"/api/v1/experiments/{eid}", headers=h).json()["name"] == "Homepage Hero Test"
    )
    assert act(client, h, eid, "pause").json()["status"] == "paused"
    assert act(client, h, eid, "resume").json()["status"] == "live"
    assert act(client, h, eid, "archive").json()["status"] == "archived"
    r = act(client, h, eid, "start")
    assert r.status_code == 409
    assert "Allowed: reinstate" in r.json()["error"]["message"]
    assert act(client, h, eid, "reinstate").json()["status"] == "draft"
    with app.state.sessions() as s:
        actions = [
            a.action
            for a in s.scalars(select(ExperimentAudit).order_by(ExperimentAudit.created_at))
        ]
    assert actions == ["created", "start", "pause", "resume", "archive", "reinstate"]
    audit = client.get(f"/api/v1/experiments/{eid}/audit", headers=h).json()
    assert audit[0]["action"] == "reinstate" and owner["email"] in audit[0]["actor"]


def test_edit_in_paused_keeps_variant_ids_and_locks_the_slug(
    client: TestClient, owner: dict[str, Any]
) -> None:
    h = owner["headers"]
    e = create(client, h, owner["project"]["id"])
    act(client, h, e["id"], "start")
    act(client, h, e["id"], "pause")
    body = config()
    body["variants"][0]["weight"] = 30
    body["variants"][1]["weight"] = 70
    r = client.put(f"/api/v1/experiments/{e['id']}", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert [v["id"] for v in r.json()["variants"]] == [v["id"] for v in e["variants"]]
    assert [v["weight"] for v in r.json()["variants"]] == [30, 70]
    r = client.put(f"/api/v1/experiments/{e['id']}", json=config(slug="new-slug"), headers=h)
    assert r.status_code == 409 and r.json()["error"]["field"] == "slug"


def test_plan_limits_on_experiments(client: TestClient, app: Any) -> None:
    user = signup(client)
    project = create_project(client, user["headers"])
    h = user["headers"]
    first = create(client, h, project["id"])
    r = client.post(
        f"/api/v1/projects/{project['id']}/experiments", json=config(name="Second"), headers=h
    )
    assert r.status_code == 402 and r.json()["error"]["code"] == "plan_limit"
    listing = client.get(f"/api/v1/projects/{project['id']}/experiments", headers=h).json()
    assert listing["can_create"] is False and "Free plan" in listing["limit_reason"]
    # Archived experiments do not count; reinstating one needs room again.
    act(client, h, first["id"], "archive")
    second = create(client, h, project["id"], name="Second")
    r = act(client, h, first["id"], "reinstate")
    assert r.status_code == 402
    act(client, h, second["id"], "archive")
    assert act(client, h, first["id"], "reinstate").status_code == 200


def test_plan_gates_on_integrations_and_funnels(client: TestClient, app: Any) -> None:
    user = signup(client)
    project = create_project(client, user["headers"])
    h = user["headers"]
    url = f"/api/v1/projects/{project['id']}/experiments"
    funnel = [
        {"label": "Landing", "url": "/"},
        {"label": "Cart", "url": "/cart", "event_name": "add_to_cart"},
    ]
    r = client.post(url, json=config(funnel_steps=funnel), headers=h)
    assert r.status_code == 402 and r.json()["error"]["field"] == "funnel_steps"
    r = client.post(
        url,
        json=config(integrations={"slack_webhook_url": "https://hooks.slack.com/services/T/B/X"}),
        headers=h,
    )
    assert r.status_code == 402
    set_tier(app, user["user"]["organization"]["id"], "professional")
    r = client.post(
        url,
        json=config(
            funnel_steps=funnel,
            integrations={"slack_webhook_url": "https://hooks.slack.com/services/T/B/X"},
        ),
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["funnel_steps"][1] == {
        "label": "Cart",
        "url": "/cart",
        "event_name": "add_to_cart",
    }
    r = client.post(
        url, json=config(name="GA", integrations={"ga4_measurement_id": "G-ABC1234"}), headers=h
    )
    assert r.status_code == 402


def test_delete_needs_the_slug(client: TestClient, app: Any, owner: dict[str, Any]) -> None:
    h = owner["headers"]
    e = create(client, h, owner["project"]["id"])
    r = client.delete(f"/api/v1/experiments/{e['id']}", params={"confirm": "nope"}, headers=h)
    assert r.status_code == 422 and _count(app) == 1
    r = client.delete(f"/api/v1/experiments/{e['id']}", params={"confirm": e["slug"]}, headers=h)
    assert r.status_code == 204 and _count(app) == 0


def test_tenant_isolation_of_experiments(
    client: TestClient, app: Any, owner: dict[str, Any]
) -> None:
    e = create(client, owner["headers"], owner["project"]["id"])
    other = signup(client)
    set_tier(app, other["user"]["organization"]["id"], "enterprise")
    h = other["headers"]
    eid = e["id"]
    for r in [
        client.get(f"/api/v1/experiments/{eid}", headers=h),
        client.put(f"/api/v1/experiments/{eid}", json=config(), headers=h),
        act(client, h, eid, "start"),
        client.delete(f"/api/v1/experiments/{eid}", params={"confirm": e["slug"]}, headers=h),
        client.get(f"/api/v1/experiments/{eid}/audit", headers=h),
        client.get(f"/api/v1/projects/{owner['project']['id']}/experiments", headers=h),
        client.post(
            f"/api/v1/projects/{owner['project']['id']}/experiments",
            json=config(name="x"),
            headers=h,
        ),
    ]:
        assert r.status_code == 404, r.text
        assert "Homepage Hero" not in r.text
    assert (
        client.get(f"/api/v1/experiments/{eid}", headers=owner["headers"]).json()["status"]
        == "draft"
    )


def test_unicode_and_hostile_strings_round_trip_safely(
    client: TestClient, owner: dict[str, Any]
) -> None:
    e = create(
        client,
        owner["headers"],
        owner["project"]["id"],
        name="Тест 🚀 <script>alert(1)</script>",
        hypothesis="'; DROP TABLE experiments; --",
    )
    assert e["name"] == "Тест 🚀 <script>alert(1)</script>"
    assert e["slug"] == "script-alert-1-script"
    assert e["hypothesis"] == "'; DROP TABLE experiments; --"
