"""Experiment payloads and helpers for tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from fastapi.testclient import TestClient

from segmently.db.models import Organization

BASE_CONFIG: dict[str, Any] = {
    "name": "Homepage Hero Test",
    "description": "Does a green CTA convert better?",
    "hypothesis": "Green increases sign-ups by 15%",
    "activation_delay_ms": 100,
    "traffic_percentage": 100,
    "variants": [
        {"key": "control", "name": "Control", "weight": 50, "changes": []},
        {
            "key": "variant_a",
            "name": "Green Button",
            "weight": 50,
            "changes": [
                {"type": "css", "selector": "#cta", "value": "background: green"},
                {"type": "text", "selector": "#cta", "value": "Start free"},
            ],
        },
    ],
    "targeting": {
        "url_rules": [{"type": "contains", "value": "/pricing"}],
        "device": "all",
        "countries": [],
        "attributes": [],
    },
    "goals": [{"name": "Sign up", "kind": "click", "selector": "#cta", "primary": True}],
}


def config(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(BASE_CONFIG)
    body.update(changes)
    return body


def set_tier(app: Any, org_id: str, tier: str) -> None:
    from segmently.experiments import compiler

    with app.state.sessions() as s:
        s.get(Organization, uuid.UUID(org_id)).tier = tier
        compiler.recompile_org(s, uuid.UUID(org_id))
        s.commit()


def create(
    client: TestClient, headers: dict[str, str], project_id: str, **changes: Any
) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/projects/{project_id}/experiments", json=config(**changes), headers=headers
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def act(client: TestClient, headers: dict[str, str], experiment_id: str, action: str) -> Any:
    return client.post(
        f"/api/v1/experiments/{experiment_id}/transitions", json={"action": action}, headers=headers
    )
