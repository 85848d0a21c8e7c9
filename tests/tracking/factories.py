"""A live experiment and helpers to send events, for the ingestion tests."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.accounts import create_project, signup
from tests.experiments.factories import act, create, set_tier

_ids = itertools.count()


@dataclass
class Live:
    key: str
    org_id: str
    project_id: str
    experiment: dict[str, Any]
    headers: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.experiment["id"])

    def variant(self, key: str) -> str:
        return next(str(v["id"]) for v in self.experiment["variants"] if v["key"] == key)

    def goal(self, name: str) -> str:
        return next(str(g["id"]) for g in self.experiment["goals"] if g["name"] == name)


GOALS = [
    {"name": "Purchase", "kind": "custom_event", "event_name": "purchase", "primary": True},
    {"name": "Thanks page", "kind": "page_view", "url": "/thank-you"},
    {"name": "Sign up", "kind": "click", "selector": "#cta"},
]
FUNNEL = [
    {"label": "Home", "url": "/"},
    {"label": "Product", "url": "/product"},
    {"label": "Cart", "url": "/cart", "event_name": "add_to_cart"},
    {"label": "Done", "url": "/thank-you"},
]


def live_experiment(
    client: TestClient, app: Any, *, tier: str = "enterprise", **changes: Any
) -> Live:
    user = signup(client)
    org_id = str(user["user"]["organization"]["id"])
    set_tier(app, org_id, tier)
    project = create_project(client, user["headers"])
    body: dict[str, Any] = {
        "goals": GOALS,
        "funnel_steps": FUNNEL if tier != "free" else [],
        "targeting": {"url_rules": [], "device": "all", "countries": [], "attributes": []},
    } | changes
    experiment = create(client, user["headers"], project["id"], **body)
    r = act(client, user["headers"], experiment["id"], "start")
    assert r.status_code == 200, r.text
    return Live(project["api_key"], org_id, project["id"], r.json(), user["headers"])


def event(name: str, visitor: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": f"e{next(_ids)}_{uuid.uuid4().hex[:8]}",
        "event_name": name,
        "visitor_id": visitor,
        "session_id": "s1",
        "device_type": "desktop",
        "event_data": {},
    }
    body.update(fields)
    return body


def exposure(
    live: Live, visitor: str, variant_key: str = "control", url: str = "https://example.com/"
) -> dict[str, Any]:
    return event(
        "page_view",
        visitor,
        experiment_id=live.id,
        variant_id=live.variant(variant_key),
        event_data={"url": url},
    )


def send(
    client: TestClient,
    key: str,
    events: list[dict[str, Any]],
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        "/api/v1/events/batch",
        json={"events": events},
        headers={"X-API-Key": key} | (headers or {}),
    )
