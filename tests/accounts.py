"""Test helpers for accounts (a small factory module, importable from any test)."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
_counter = itertools.count()


def signup(client: TestClient, **fields: Any) -> dict[str, Any]:
    n = next(_counter)
    body = {
        "name": f"User {n}",
        "email": f"user{n}@example.com",
        "organization_name": f"Org {n}",
        "password": PASSWORD,
    } | fields
    resp = client.post("/api/v1/auth/signup", json=body)
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()
    data["email"] = body["email"]
    data["headers"] = {"Authorization": f"Bearer {data['token']}"}
    return data


def create_project(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Main Website", "base_url": "https://example.com"} | fields
    resp = client.post("/api/v1/projects", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    result: dict[str, Any] = resp.json()
    return result
