"""Accounts and projects with one hostile field, generated: a documented answer (never a 5xx),
and whatever was accepted still renders in the dashboard and the install snippet — on SQLite
and PostgreSQL."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.accounts import PASSWORD, create_project, signup
from tests.experiments.factories import set_tier
from tests.hostile import encode, examples, hostile_text, values

_n = itertools.count()
FIELD_VALUES = st.one_of(hostile_text, values)


def _post(client: TestClient, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(
        method, url, content=encode(body), headers=headers | {"Content-Type": "application/json"}
    )


def test_hostile_signups_and_profiles(client: TestClient, app: Any) -> None:
    user = signup(client)

    @examples(40)
    @given(
        field=st.sampled_from(["name", "email", "organization_name", "password"]),
        value=FIELD_VALUES,
    )
    def check(field: str, value: Any) -> None:
        n = next(_n)
        body: dict[str, Any] = {
            "name": "A",
            "email": f"fuzz{n}@example.com",
            "organization_name": "O",
            "password": PASSWORD,
        } | {field: value}
        r = _post(client, "POST", "/api/v1/auth/signup", body, {})
        assert r.status_code in (201, 400, 409, 422, 429), r.text
        r = _post(client, "POST", "/api/v1/auth/login", {"email": value, "password": value}, {})
        assert r.status_code in (200, 400, 401, 422, 429), r.text
        if field in ("name", "email"):
            r = _post(client, "PATCH", "/api/v1/me", {field: value}, user["headers"])
            assert r.status_code in (200, 400, 409, 422), r.text
            assert client.get("/api/v1/me", headers=user["headers"]).status_code == 200

    check()


def test_hostile_project_fields_and_settings(client: TestClient, app: Any) -> None:
    user = signup(client)
    set_tier(app, str(user["user"]["organization"]["id"]), "enterprise")  # room for projects
    headers = user["headers"]
    project = create_project(client, headers)
    url = f"/api/v1/projects/{project['id']}"

    @examples(40)
    @given(
        field=st.sampled_from(["name", "base_url", "settings"]),
        value=st.one_of(
            FIELD_VALUES,
            st.fixed_dictionaries({"conversion_urls": st.lists(FIELD_VALUES, max_size=3)}),
            st.fixed_dictionaries({"cookie_mode": FIELD_VALUES}),
        ),
        create=st.booleans(),
    )
    def check(field: str, value: Any, create: bool) -> None:
        if create and field != "settings":
            body = {"name": "P", "base_url": "https://example.com"} | {field: value}
            r = _post(client, "POST", "/api/v1/projects", body, headers)
            assert r.status_code in (201, 400, 403, 409, 422), r.text
            if r.status_code == 201:
                made = r.json()
                deleted = client.delete(
                    f"/api/v1/projects/{made['id']}",
                    params={"confirm": made["name"]},
                    headers=headers,
                )
                assert deleted.status_code == 204, deleted.text
            return
        r = _post(client, "PATCH", url, {field: value}, headers)
        assert r.status_code in (200, 400, 409, 422), r.text
        assert client.get(url, headers=headers).status_code == 200
        assert client.get(f"/s/{project['api_key']}.js").status_code == 200
        assert client.get(f"/s/{project['api_key']}.json").status_code == 200

    check()
