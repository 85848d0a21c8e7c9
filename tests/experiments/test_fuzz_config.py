"""Experiment configurations with one hostile part, generated: the API answers 201/200 or a
documented 4xx (never a 5xx), and whatever it accepted still compiles into the install
snippet and its config, and starts — on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.accounts import create_project, signup
from tests.experiments.factories import BASE_CONFIG, act, set_tier
from tests.hostile import encode, examples, values


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the configuration where a value can be swapped."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


# Every part of a configuration filled in, so that each inner value gets its turn.
FULL: dict[str, Any] = copy.deepcopy(BASE_CONFIG) | {
    "variants": [
        {"key": "control", "name": "Control", "weight": 34, "changes": []},
        {
            "key": "variant_a",
            "name": "Everything",
            "weight": 33,
            "changes": [
                {"type": "css", "selector": "#cta", "value": "color: red"},
                {"type": "css", "value": "body { margin: 0 }"},
                {"type": "text", "selector": "h1", "value": "Hello"},
                {"type": "html", "selector": "#box", "value": "<b>Hi</b>"},
                {"type": "attribute", "selector": "a", "attribute": "href", "value": "/x"},
                {"type": "hide", "selector": ".banner"},
                {"type": "remove", "selector": ".ad"},
                {"type": "js", "value": "document.title = 'x'"},
            ],
        },
        {"key": "variant_b", "name": "B", "weight": 33, "changes": []},
    ],
    "targeting": {
        "url_rules": [
            {"type": "contains", "value": "/pricing"},
            {"type": "exact", "value": "https://example.com/"},
            {"type": "regex", "value": "^/p/[0-9]+$"},
        ],
        "device": "mobile",
        "countries": ["US", "DE"],
        "attributes": [
            {"name": "plan", "op": "equals", "value": "pro"},
            {"name": "age", "op": "greater", "value": 30},
            {"name": "tier", "op": "in", "value": ["a", "b"]},
            {"name": "beta", "op": "exists"},
        ],
    },
    "goals": [
        {"name": "Sign up", "kind": "click", "selector": "#cta", "primary": True},
        {"name": "Thanks", "kind": "page_view", "url": "/thank-you"},
        {"name": "Purchase", "kind": "custom_event", "event_name": "purchase"},
        {"name": "Form", "kind": "form_submit", "selector": "form"},
    ],
    "funnel_steps": [
        {"label": "Home", "url": "/"},
        {"label": "Cart", "url": "/cart", "event_name": "add_to_cart"},
    ],
    "schedule": {
        "start_at": "2027-01-01T00:00:00Z",
        "end_at": "2027-02-01T00:00:00Z",
        "auto_pause_at_significance": True,
    },
    "cross_domains": ["shop.example.com"],
    "integrations": {
        "ga4_measurement_id": "G-ABC1234",
        "mixpanel_token": "abcdef0123456789abcd",
        "slack_webhook_url": "https://hooks.slack.com/services/T0/B0/x",
        "webhook_url": "https://example.com/hook",
        "webhook_events": ["experiment.started"],
    },
}
PATHS = [(False, path) for path in _paths(BASE_CONFIG)] + [(True, path) for path in _paths(FULL)]


_names = itertools.count()


def _mutate(full: bool, path: tuple[Any, ...], replacement: Any, drop: bool) -> dict[str, Any]:
    body = copy.deepcopy(FULL if full else BASE_CONFIG)
    body["name"] = f"Experiment {next(_names)}"  # names are unique in a project
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return body


def test_hostile_configurations_get_4xx_or_work_end_to_end(client: TestClient, app: Any) -> None:
    user = signup(client)
    set_tier(app, str(user["user"]["organization"]["id"]), "enterprise")
    headers = user["headers"]
    project = create_project(client, headers)
    key = project["api_key"]
    json_headers = headers | {"Content-Type": "application/json"}

    @examples(60)
    @given(where=st.sampled_from(PATHS), replacement=values, drop=st.booleans())
    def check(where: tuple[bool, tuple[Any, ...]], replacement: Any, drop: bool) -> None:
        body = encode(_mutate(*where, replacement, drop))
        r = client.post(
            f"/api/v1/projects/{project['id']}/experiments", content=body, headers=json_headers
        )
        assert r.status_code in (201, 400, 403, 409, 422), r.text
        if r.status_code != 201:
            assert r.json()["error"]["code"]
            return
        experiment = r.json()
        started = act(client, headers, experiment["id"], "start")
        assert started.status_code in (200, 409, 422), started.text
        assert client.get(f"/s/{key}.js").status_code == 200
        assert client.get(f"/s/{key}.json").status_code == 200
        again = client.put(
            f"/api/v1/experiments/{experiment['id']}", content=body, headers=json_headers
        )
        assert again.status_code in (200, 400, 409, 422), again.text
        for action in ("stop", "archive"):
            assert act(client, headers, experiment["id"], action).status_code < 500

    check()


def test_hostile_management_api_calls_get_4xx_or_work(client: TestClient, app: Any) -> None:
    user = signup(client)
    set_tier(app, str(user["user"]["organization"]["id"]), "enterprise")
    project = create_project(client, user["headers"])
    r = client.post(
        "/api/v1/organization/management-keys", json={"name": "CI"}, headers=user["headers"]
    )
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['key']}", "Content-Type": "application/json"}
    base = "/api/v1/manage/experiments"

    @examples(40)
    @given(
        where=st.sampled_from(PATHS),
        replacement=values,
        drop=st.booleans(),
        status=st.one_of(st.sampled_from(["active", "paused", "archived", "live"]), values),
        traffic=st.one_of(st.integers(-5, 105), values),
    )
    def check(
        where: tuple[bool, tuple[Any, ...]], replacement: Any, drop: bool, status: Any, traffic: Any
    ) -> None:
        body = _mutate(*where, replacement, drop) | {"project_id": project["id"]}
        r = client.post(base, content=encode(body), headers=headers)
        assert r.status_code in (201, 400, 403, 404, 409, 422), r.text
        if r.status_code != 201:
            return
        url = f"{base}/{r.json()['id']}"
        patch = {"status": status, "traffic_percentage": traffic}
        r = client.patch(url, content=encode(patch), headers=headers)
        assert r.status_code in (200, 400, 409, 422), r.text
        assert client.get(f"{url}/results", headers=headers).status_code == 200
        assert client.delete(url, headers=headers).status_code in (204, 409)

    check()
