"""Experiment configurations with one hostile part, generated: the API answers 201/200 or a
documented 4xx (never a 5xx), and whatever it accepted still compiles into the install
snippet and its config, and starts — on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts import create_project, signup
from tests.experiments.factories import BASE_CONFIG, act, set_tier
from tests.hostile import encode, values


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


PATHS = _paths(BASE_CONFIG)


_names = itertools.count()


def _mutate(path: tuple[Any, ...], replacement: Any, drop: bool) -> dict[str, Any]:
    body = copy.deepcopy(BASE_CONFIG)
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

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(path=st.sampled_from(PATHS), replacement=values, drop=st.booleans())
    def check(path: tuple[Any, ...], replacement: Any, drop: bool) -> None:
        body = encode(_mutate(path, replacement, drop))
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
