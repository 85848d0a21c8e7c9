"""Test helpers for accounts (a small factory module, importable from any test)."""

from __future__ import annotations

import itertools
import re
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


def form_csrf(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a dashboard page puts in its forms (the cookie is set by the same GET)."""
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def dashboard_signup(client: TestClient, **fields: str) -> Any:
    """Sign up through the dashboard's form (defaults for every field but those given)."""
    body = {
        "csrf_token": form_csrf(client, "/signup"),
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "organization_name": "Analytical Engines",
        "password": PASSWORD,
    } | fields
    return client.post("/signup", data=body, follow_redirects=False)


def dashboard_login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Log in through the dashboard's form: the client then holds the session cookie."""
    return client.post(
        "/login",
        data={"csrf_token": form_csrf(client), "email": email, "password": password},
        follow_redirects=False,
    )
